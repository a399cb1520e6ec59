"""Two tiny services used only by the plumbing tests: `probe` writes state and emits an event in
one transaction; `probesink` consumes that event idempotently and can be told to fail."""
import sqlalchemy as sa
from nameko.rpc import rpc

from eplanning_common.audit import create_audit_log
from eplanning_common.consumer import event_handler
from eplanning_common.dependencies import Correlation, Database
from eplanning_common.relay import OutboxRelay
from eplanning_common.schema import metadata as plumbing_metadata
from eplanning_common.topology import Subscription, Topology

ROUTING_KEY = "item.recorded.v1"
SINK = Subscription("probesink", "probe", ROUTING_KEY)
PROBE_TOPOLOGY = Topology(exchanges=("probe.events",), subscriptions=(SINK,))

test_metadata = sa.MetaData()
items = sa.Table("items", test_metadata, sa.Column("key", sa.Text, primary_key=True))
effects = sa.Table(
    "effects", test_metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
)
# how many more times the handler must fail for a key, and how many times it ran
switches = sa.Table(
    "switches", test_metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("failures_left", sa.Integer, nullable=False, server_default="0"),
    sa.Column("runs", sa.Integer, nullable=False, server_default="0"),
)


def create_schema(engine) -> None:
    plumbing_metadata.create_all(engine)
    test_metadata.create_all(engine)
    with engine.begin() as conn:  # every unit of work that changes state appends to it
        create_audit_log(conn)


class RollbackRequested(Exception):
    pass


class ProbeService:
    name = "probe"

    correlation = Correlation()
    db = Database()
    relay = OutboxRelay(PROBE_TOPOLOGY)

    @rpc
    def record(self, key, fail_after_emit=False):
        with self.db.unit() as uow:
            uow.execute(items.insert().values(key=key))
            uow.emit(ROUTING_KEY, subject=key, data={"key": key}, pemda="12.21", tahun=2027)
            if fail_after_emit:
                raise RollbackRequested(key)
        return key


class ProbeSinkService:
    name = "probesink"

    correlation = Correlation()
    db = Database()

    @event_handler("probe", ROUTING_KEY)
    def on_item_recorded(self, event):
        key = event["data"]["key"]
        with self.db.engine.begin() as conn:  # bookkeeping that must survive the failure below
            conn.execute(sa.text("insert into switches (key) values (:k) on conflict do nothing"), {"k": key})
            left = conn.execute(sa.text("update switches set runs = runs + 1 where key = :k returning failures_left"),
                                {"k": key}).scalar()
            if left > 0:
                conn.execute(sa.text("update switches set failures_left = failures_left - 1 where key = :k"), {"k": key})
        if left > 0:
            raise RuntimeError(f"told to fail for {key}")
        with self.db.consuming(event, "probesink.on_item_recorded") as uow:
            if uow.duplicate:
                return
            uow.execute(effects.insert().values(event_id=event["id"], key=key))
