"""The Renja service: entrypoints only. RPCs check the caller and open one unit of work; event
handlers fill the OPD inboxes idempotently."""
from contextlib import contextmanager
from datetime import datetime, timezone

from eplanning_common.rpc import rpc

from eplanning_common.consumer import event_handler
from eplanning_common.dependencies import CallerIdentity, Correlation, Database
from eplanning_common.health import health_report
from eplanning_common.metrics.exporter import Metrics, outbox_backlog
from eplanning_common.relay import OutboxRelay

from . import close_actions, inbox_actions, lifecycle_actions, queries, row_actions, setup_actions, trace
from .caller import actor_from
from .errors import translated
from .repository import Repository


def _now() -> datetime:
    return datetime.now(timezone.utc)


class RenjaService:
    name = "renja"

    correlation = Correlation()
    db = Database()
    relay = OutboxRelay()
    metrics = Metrics(outbox_backlog)
    identity = CallerIdentity()

    @contextmanager
    def _work(self):
        with translated():
            actor = actor_from(self.identity)
            with self.db.unit() as uow:
                yield Repository(uow), actor

    def _once(self, event, consumer, effect, *args):
        """Apply `effect(repo, event, *args)` unless this consumer already processed the event;
        the event id is recorded in the same transaction as the effect."""
        with translated(), self.db.consuming(event, consumer) as uow:
            if not uow.duplicate:
                effect(Repository(uow), event, *args)

    @rpc(public=True)
    def health(self):
        return health_report(self.name, self.db)

    # -- set-up (Bappeda) ------------------------------------------------------------------
    @rpc
    def import_opd(self, versi, csv_text):
        with self._work() as (repo, actor):
            return setup_actions.import_opd(repo, actor, versi, csv_text)

    @rpc
    def list_opd(self):
        with self._work() as (repo, actor):
            return queries.list_opd(repo, actor)

    @rpc(public=True)
    def public_opd_codes(self, pemda):
        """Public: the OPD codes of the pemda's register (the gateway refuses a user for an OPD not in it)."""
        with translated(), self.db.unit() as uow:
            return queries.opd_codes(Repository(uow), pemda)

    @rpc
    def pin_cycle(self, tahun, versi):
        with self._work() as (repo, actor):
            return setup_actions.pin_cycle(repo, actor, tahun, versi)

    @rpc
    def set_pagu(self, opd, tahun, pagu_n, pagu_n1):
        with self._work() as (repo, actor):
            return setup_actions.set_ceiling(repo, actor, opd, tahun, pagu_n, pagu_n1)

    # -- rows (the OPD) --------------------------------------------------------------------
    @rpc
    def create_row(self, opd, tahun, data, request_id=None):
        """request_id (optional): the same one again returns the row it made (see row_actions)."""
        with self._work() as (repo, actor):
            return row_actions.create(repo, actor, opd, tahun, data, request_id=request_id)

    @rpc
    def update_row(self, row_id, data, expected_version=None):
        with self._work() as (repo, actor):
            return row_actions.update(repo, actor, row_id, data, expected_version)

    @rpc
    def delete_row(self, row_id):
        with self._work() as (repo, actor):
            return row_actions.delete(repo, actor, row_id)

    @rpc
    def get_row(self, row_id):
        with self._work() as (repo, actor):
            return queries.get_row(repo, actor, row_id)

    @rpc
    def list_rows(self, tahun, filters=None, cursor=None, limit=None):
        with self._work() as (repo, actor):
            return queries.list_rows(repo, actor, tahun, filters, cursor, limit)

    @rpc
    def trace(self, source, source_id):
        """The inbox items made from an usulan/pokir, their decisions and the rows that accommodate it."""
        with translated(), self.db.unit() as uow:
            return trace.trace(Repository(uow), self.identity, source, source_id)

    @rpc
    def totals(self, tahun):
        with self._work() as (repo, actor):
            return queries.totals(repo, actor, tahun)

    # -- inbox -----------------------------------------------------------------------------
    @rpc
    def inbox(self, tahun, opd=None, status=None, cursor=None, limit=None):
        with self._work() as (repo, actor):
            return queries.inbox(repo, actor, tahun, opd, status, cursor, limit)

    @rpc
    def decide_inbox(self, item_id, decision, params=None, expected_version=None):
        """decision: accommodate {row_id | row, volume, cost, reason} | reject {reason} | reroute {to_opd, reason}"""
        with self._work() as (repo, actor):
            return inbox_actions.decide(repo, actor, item_id, decision, params, expected_version, _now())

    # -- lifecycle, snapshots, close -------------------------------------------------------
    @rpc
    def renja_step(self, opd, tahun, action, note=None):
        """action: submit (OPD) | verify | return (with note) | finalize (Bappeda)"""
        with self._work() as (repo, actor):
            return lifecycle_actions.step(repo, actor, opd, tahun, action, note, _now())

    @rpc
    def take_snapshot(self, opd, tahun, nama):
        with self._work() as (repo, actor):
            return lifecycle_actions.snapshot(repo, actor, opd, tahun, nama, _now())

    @rpc
    def compare_snapshots(self, opd, tahun, before, after):
        with self._work() as (repo, actor):
            return lifecycle_actions.compare_snapshots(repo, actor, opd, tahun, before, after)

    @rpc
    def close_stage(self, tahun):
        with self._work() as (repo, actor):
            return close_actions.close_stage(repo, actor, tahun)

    # -- the inbox fills from Musrenbang and Pokir -----------------------------------------
    @event_handler("musrenbang", "usulan.routed.v1")
    def on_usulan_routed(self, event):
        self._once(event, "renja.on_usulan_routed", inbox_actions.receive_usulan)

    @event_handler("pokir", "pokir.delivered.v1")
    def on_pokir_delivered(self, event):
        self._once(event, "renja.on_pokir_delivered", inbox_actions.receive_pokir, "opd")

    @event_handler("pokir", "pokir.disposed.v1")
    def on_pokir_disposed(self, event):
        self._once(event, "renja.on_pokir_disposed", inbox_actions.receive_pokir, "disposisi_opd")
