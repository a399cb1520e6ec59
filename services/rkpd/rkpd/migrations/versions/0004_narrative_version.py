"""narrative.version: a chapter's replacements are numbered, so a stale edit can be refused
(If-Match at the gateway; rkpd.narrative_edits). For databases made before it: 0002 creates the
tables from the current metadata, so on a fresh database the column already exists.

Revision ID: 0004_narrative_version
Revises: 0003_audit
"""
from alembic import op

revision = "0004_narrative_version"
down_revision = "0003_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE narrative ADD COLUMN IF NOT EXISTS version integer NOT NULL DEFAULT 1")


def downgrade() -> None:
    op.execute("ALTER TABLE narrative DROP COLUMN IF EXISTS version")
