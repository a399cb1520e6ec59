from alembic import context

from eplanning_common.migrations import run_env

run_env(context)
