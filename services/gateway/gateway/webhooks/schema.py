"""The webhook tables of the gateway database (created by migration 0003; keep the two in step)."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

subscriptions = sa.Table(
    "webhook_subscriptions", metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),  # page order
    sa.Column("pemda", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),  # the partner
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("event_types", JSONB, nullable=False),  # normalized patterns (gateway.webhooks.matching)
    sa.Column("secret", sa.Text, nullable=False),  # HMAC key: must be recoverable to sign
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("paused_at", sa.DateTime(timezone=True)),
    sa.Column("pause_reason", sa.Text),  # failures | manual
    sa.Column("consecutive_failures", sa.Integer, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

deliveries = sa.Table(
    "webhook_deliveries", metadata,
    sa.Column("id", UUID(as_uuid=False), primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.Identity(), nullable=False, unique=True),
    sa.Column("subscription_id", UUID(as_uuid=False),
              sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False),
    sa.Column("event_id", UUID(as_uuid=False), nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the exact bytes (UTF-8) that are signed and sent
    sa.Column("status", sa.Text, nullable=False),  # pending | failed | delivered | dead
    sa.Column("attempts", sa.Integer, nullable=False),  # all attempts ever (numbers the attempt log)
    sa.Column("round_attempts", sa.Integer, nullable=False),  # attempts since creation/replay/resume
    sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("locked_until", sa.DateTime(timezone=True)),  # a worker's lease while it sends
    sa.Column("lock_token", UUID(as_uuid=False)),
    sa.Column("last_status", sa.Integer),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("delivered_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("subscription_id", "event_id", name="webhook_deliveries_once"),
)

attempts = sa.Table(
    "webhook_attempts", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("delivery_id", UUID(as_uuid=False), sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("attempt_no", sa.Integer, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),  # NULL: in flight, or its worker died
    sa.Column("duration_ms", sa.Integer),
    sa.Column("ok", sa.Boolean),
    sa.Column("http_status", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("response_excerpt", sa.Text),
    sa.UniqueConstraint("delivery_id", "attempt_no", name="webhook_attempts_number"),
)

# NOTIFY channel: new or re-queued deliveries wake the workers
CHANNEL = "eplanning_webhooks"
