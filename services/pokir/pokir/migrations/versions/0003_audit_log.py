"""audit_log: the append-only, hash-chained audit log (eplanning_common.audit) and the trigger
that refuses UPDATE, DELETE and TRUNCATE on it. The downgrade refuses to drop a log with entries.

Revision ID: 0003_audit
Revises: 0002
"""
from alembic import op

from eplanning_common.audit import create_audit_log, drop_audit_log

revision = "0003_audit"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_log(op.get_bind())


def downgrade() -> None:
    drop_audit_log(op.get_bind())
