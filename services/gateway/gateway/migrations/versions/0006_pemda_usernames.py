"""Usernames unique per pemda, not across the deployment (issue #18, finding 9).

With one namespace for every pemda, `409 username_taken` told an administrator of one pemda which
usernames another pemda uses. Now the pair (pemda, username) is unique; a sign-in names its pemda
(gateway.auth.users). The users that exist now had globally unique names: `global_username` marks
them, and they keep signing in without naming their pemda. Users created later have it false.

The downgrade restores the global unique constraint; it fails if two pemdas now share a name.

Revision ID: 0006_pemda_usernames
Revises: 0005_audit
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_pemda_usernames"
down_revision = "0005_audit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("global_username", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("update users set global_username = true")
    op.create_unique_constraint("users_pemda_username_key", "users", ["pemda", "username"])
    op.drop_constraint("users_username_key", "users", type_="unique")
    # at most one user per name may sign in without a pemda
    op.create_index("users_global_username_key", "users", ["username"], unique=True,
                    postgresql_where=sa.text("global_username"))


def downgrade() -> None:
    op.drop_index("users_global_username_key", "users")
    op.create_unique_constraint("users_username_key", "users", ["username"])
    op.drop_constraint("users_pemda_username_key", "users", type_="unique")
    op.drop_column("users", "global_username")
