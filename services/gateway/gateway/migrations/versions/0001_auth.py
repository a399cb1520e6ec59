"""Authentication: users, refresh tokens, login attempts.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROLES = ("bappeda", "operator_desa", "operator_kecamatan", "opd", "anggota_dprd", "staf_ahli", "setwan", "admin")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),  # argon2id, PHC string
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("pemda", sa.Text, nullable=False),
        sa.Column("wilayah", sa.Text),  # desa or kecamatan code of a Musrenbang operator
        sa.Column("opd", sa.Text),  # OPD code of an OPD operator
        sa.Column("anggota_id", sa.Text),  # DPRD member of an anggota_dprd / staf_ahli
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("username", name="users_username_key"),
        sa.CheckConstraint("role in (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="users_role_known"),
        sa.CheckConstraint("username = lower(username)", name="users_username_lowercase"),
        sa.CheckConstraint("password_hash like '$argon2id$%'", name="users_password_argon2id"),
    )
    op.create_index("users_pemda_role", "users", ["pemda", "role"])

    op.create_table(
        "refresh_tokens",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("user_id", UUID(as_uuid=False), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("family_id", UUID(as_uuid=False), nullable=False),  # one login session and its rotations
        sa.Column("token_hash", sa.Text, nullable=False),  # sha256 hex of the token; the token is never stored
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_reason", sa.Text),  # rotated, reuse, logout, inactive, password_changed, admin_update
        sa.UniqueConstraint("token_hash", name="refresh_tokens_token_hash_key"),
        sa.CheckConstraint("(revoked_at is null) = (revoked_reason is null)", name="refresh_tokens_revoked_reason"),
    )
    op.create_index("refresh_tokens_family", "refresh_tokens", ["family_id"])
    op.create_index("refresh_tokens_user_live", "refresh_tokens", ["user_id"],
                    postgresql_where=sa.text("revoked_at is null"))

    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("key", sa.Text, nullable=False),  # "account:<username>" or "address:<ip or /64>"
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("success", sa.Boolean),  # NULL while being checked (counts as a failure)
    )
    op.create_index("login_attempts_key_time", "login_attempts", ["key", "attempted_at"])
    op.create_index("login_attempts_time", "login_attempts", ["attempted_at"])


def downgrade() -> None:
    op.drop_table("login_attempts")
    op.drop_table("refresh_tokens")
    op.drop_table("users")
