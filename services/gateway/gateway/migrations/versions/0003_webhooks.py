"""Partner webhooks: subscriptions, deliveries, and the log of every attempt.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),  # stable page order
        sa.Column("pemda", sa.Text, nullable=False),  # events of this pemda only
        sa.Column("name", sa.Text, nullable=False),  # the partner
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("event_types", JSONB, nullable=False),  # ["musrenbang.usulan.*", ...]
        # the HMAC key: it must be recoverable to sign (a hash would not do); shown to the partner
        # once, never returned by the API again
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("paused_at", sa.DateTime(timezone=True)),
        sa.Column("pause_reason", sa.Text),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_by", sa.Text, nullable=False),  # the user's sub
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("seq", name="webhook_subscriptions_seq_key"),
        sa.CheckConstraint("active = (paused_at is null)", name="webhook_subscriptions_paused_at"),
        sa.CheckConstraint("active = (pause_reason is null)", name="webhook_subscriptions_pause_reason"),
        sa.CheckConstraint("pause_reason in ('failures', 'manual')", name="webhook_subscriptions_pause_reason_known"),
        sa.CheckConstraint("url ~ '^https?://'", name="webhook_subscriptions_url_http"),
        sa.CheckConstraint("jsonb_typeof(event_types) = 'array' and jsonb_array_length(event_types) > 0",
                           name="webhook_subscriptions_event_types"),
        sa.CheckConstraint("consecutive_failures >= 0", name="webhook_subscriptions_failures"),
    )
    op.create_index("webhook_subscriptions_pemda", "webhook_subscriptions", ["pemda", "seq"])

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", UUID(as_uuid=False), primary_key=True),
        sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False),
        sa.Column("subscription_id", UUID(as_uuid=False),
                  sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", UUID(as_uuid=False), nullable=False),  # the CloudEvents id
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),  # serialized once: replays send the same bytes
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("round_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("lock_token", UUID(as_uuid=False)),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("seq", name="webhook_deliveries_seq_key"),
        # a redelivered event (at-least-once from the broker) does not make a second delivery
        sa.UniqueConstraint("subscription_id", "event_id", name="webhook_deliveries_once"),
        sa.CheckConstraint("status in ('pending', 'failed', 'delivered', 'dead')", name="webhook_deliveries_status"),
        sa.CheckConstraint("(status in ('pending', 'failed')) = (next_attempt_at is not null)",
                           name="webhook_deliveries_scheduled"),
        sa.CheckConstraint("status <> 'delivered' or delivered_at is not null", name="webhook_deliveries_delivered_at"),
        sa.CheckConstraint("attempts >= round_attempts and round_attempts >= 0", name="webhook_deliveries_attempts"),
    )
    # what the workers look for: due and sendable (small, because delivered/dead rows drop out)
    op.create_index("webhook_deliveries_due", "webhook_deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status in ('pending', 'failed')"))
    op.create_index("webhook_deliveries_subscription", "webhook_deliveries", ["subscription_id", "seq"])
    op.create_index("webhook_deliveries_finished", "webhook_deliveries", ["updated_at"],
                    postgresql_where=sa.text("status in ('delivered', 'dead')"))

    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("delivery_id", UUID(as_uuid=False),
                  sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False),
        sa.Column("attempt_no", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),  # NULL: in flight, or its worker died
        sa.Column("duration_ms", sa.Integer),
        sa.Column("ok", sa.Boolean),
        sa.Column("http_status", sa.Integer),
        sa.Column("error", sa.Text),  # connect refused, timeout, address not allowed, ...
        sa.Column("response_excerpt", sa.Text),  # the first bytes of the answer, for the partner's debugging
        sa.UniqueConstraint("delivery_id", "attempt_no", name="webhook_attempts_number"),
    )


def downgrade() -> None:
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_subscriptions")
