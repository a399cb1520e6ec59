"""The gateway database's tables (created by gateway/migrations; keep the two in step)."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID

metadata = sa.MetaData()

users = sa.Table(
    "users", metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("username", sa.Text, nullable=False),  # unique per pemda (0006)
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("wilayah", sa.Text),
    sa.Column("opd", sa.Text),
    sa.Column("anggota_id", sa.Text),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("external_subject", sa.Text, unique=True),  # the user's subject at the OIDC issuer (0004)
    sa.Column("global_username", sa.Boolean, nullable=False, server_default=sa.false()),  # 0006
    sa.UniqueConstraint("pemda", "username", name="users_pemda_username_key"),
)

refresh_tokens = sa.Table(
    "refresh_tokens", metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("user_id", UUID(as_uuid=False), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("family_id", UUID(as_uuid=False), nullable=False),
    sa.Column("token_hash", sa.Text, nullable=False, unique=True),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_reason", sa.Text),
)

login_attempts = sa.Table(
    "login_attempts", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("success", sa.Boolean),  # NULL while the attempt is being checked: counts as a failure
)

idempotency_keys = sa.Table(
    "idempotency_keys", metadata,
    sa.Column("owner", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("fingerprint", sa.Text, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("status", sa.Integer),
    sa.Column("headers", sa.JSON),
    sa.Column("body", sa.LargeBinary),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
)
