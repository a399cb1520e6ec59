"""External OIDC subjects: a gateway user can be signed in by an external issuer's token.

`users.external_subject` is the user's subject at the issuer configured by GATEWAY_OIDC_ISSUER
(its `sub`, or the claim named by GATEWAY_OIDC_SUBJECT_CLAIM); NULL for users who only sign in
with a password. Unique, so that one external identity maps to exactly one gateway user (and its
role and territory scope). See gateway.auth.oidc.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("external_subject", sa.Text, nullable=True))
    # a unique constraint lets any number of NULLs through (PostgreSQL treats NULLs as distinct)
    op.create_unique_constraint("users_external_subject_key", "users", ["external_subject"])
    op.create_check_constraint("users_external_subject_not_blank", "users",
                               "external_subject is null or length(btrim(external_subject)) > 0")


def downgrade() -> None:
    op.drop_constraint("users_external_subject_not_blank", "users", type_="check")
    op.drop_constraint("users_external_subject_key", "users", type_="unique")
    op.drop_column("users", "external_subject")
