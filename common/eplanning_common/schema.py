"""Tables every service database has for the plumbing: the outbox and the processed-event log.

Service migrations create them with `create_plumbing_tables(op)` in their first revision.
"""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID

metadata = sa.MetaData()

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", UUID(as_uuid=False), nullable=False, unique=True),
    sa.Column("exchange", sa.Text, nullable=False),
    sa.Column("routing_key", sa.Text, nullable=False),
    sa.Column("envelope", JSONB, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    # pending -> sent (confirmed and routed) | unrouted (confirmed, no queue bound; kept for replay)
    sa.Column("status", sa.Text, nullable=False, server_default="pending"),
    sa.Column("published_at", sa.DateTime(timezone=True)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_error", sa.Text),
    sa.CheckConstraint("status in ('pending', 'sent', 'unrouted')", name="outbox_status_known"),
)
sa.Index("outbox_pending", outbox.c.seq, postgresql_where=outbox.c.status == "pending")

processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("event_id", UUID(as_uuid=False), primary_key=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

OUTBOX_CHANNEL = "eplanning_outbox"


def create_plumbing_tables(op) -> None:
    """Create the plumbing tables inside an Alembic migration."""
    metadata.create_all(op.get_bind(), checkfirst=True)


def drop_plumbing_tables(op) -> None:
    metadata.drop_all(op.get_bind(), checkfirst=True)
