"""The Pokir service: entrypoints only. RPCs check the caller and open one unit of work; event
handlers record the event id in the same transaction as their effect (idempotent)."""
from contextlib import contextmanager
from datetime import datetime, timezone

from eplanning_common.rpc import rpc

from eplanning_common.consumer import event_handler
from eplanning_common.dependencies import CallerIdentity, Correlation, Database
from eplanning_common.health import health_report
from eplanning_common.metrics.exporter import Metrics, outbox_backlog
from eplanning_common.relay import OutboxRelay

from . import close_actions, facts, pokir_actions, queries, setup_actions, summary
from .caller import actor_from
from .errors import translated
from .repository import Repository


def _now() -> datetime:
    return datetime.now(timezone.utc)


class PokirService:
    name = "pokir"

    correlation = Correlation()
    db = Database()
    relay = OutboxRelay()
    metrics = Metrics(outbox_backlog)
    identity = CallerIdentity()

    @contextmanager
    def _work(self, public: bool = False):
        with translated():
            actor = None if public else actor_from(self.identity)
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

    # -- set-up ----------------------------------------------------------------------------
    @rpc
    def import_register(self, periode, dapil_csv, anggota_csv, staf_ahli_csv):
        with self._work() as (repo, actor):
            return setup_actions.import_register(repo, actor, periode, dapil_csv, anggota_csv, staf_ahli_csv)

    @rpc
    def get_register(self):
        with self._work() as (repo, actor):
            return queries.register_view(repo, actor)

    @rpc
    def import_kamus(self, tahun, csv_text):
        with self._work() as (repo, actor):
            return setup_actions.import_kamus(repo, actor, tahun, csv_text)

    @rpc
    def set_window(self, tahun, opens_at, closes_at):
        with self._work() as (repo, actor):
            return setup_actions.set_window(repo, actor, tahun, opens_at, closes_at)

    @rpc
    def record_reses(self, tahun, data, request_id=None):
        """request_id (optional): the same one again returns the reses it recorded."""
        with self._work() as (repo, actor):
            return setup_actions.record_reses(repo, actor, tahun, data, _now().date(), request_id=request_id)

    # -- pokir -----------------------------------------------------------------------------
    @rpc
    def create_pokir(self, tahun, data, request_id=None):
        """request_id (optional): the same one again returns the pokir it made (see pokir_actions)."""
        with self._work() as (repo, actor):
            return pokir_actions.create(repo, actor, tahun, data, _now(), request_id=request_id)

    @rpc
    def update_pokir(self, pokir_id, data, expected_version=None):
        with self._work() as (repo, actor):
            return pokir_actions.edit(repo, actor, pokir_id, data, expected_version, _now())

    @rpc
    def act_on_pokir(self, pokir_id, action, params=None, expected_version=None):
        """submit | recommend | return | deliver | withdraw | dispose | accommodate | not_accommodate"""
        with self._work() as (repo, actor):
            return pokir_actions.transition(repo, actor, pokir_id, action, params, expected_version, _now())

    @rpc
    def get_pokir(self, pokir_id):
        with self._work() as (repo, actor):
            return queries.get_pokir(repo, actor, pokir_id)

    @rpc
    def list_pokir(self, tahun, filters=None, cursor=None, limit=None):
        with self._work() as (repo, actor):
            return queries.list_pokir(repo, actor, tahun, filters, cursor, limit)

    @rpc
    def summary(self, tahun):
        """Counts and amounts per status and member, and the window (the dashboard), in the caller's scope."""
        with self._work() as (repo, actor):
            return summary.cycle_summary(repo.uow, actor, tahun)

    @rpc
    def overlaps(self, tahun):
        with self._work() as (repo, actor):
            return queries.overlaps(repo, actor, tahun)

    @rpc(public=True)
    def public_register(self, pemda, tahun):
        """Public: delivered pokir, no contact data."""
        with self._work(public=True) as (repo, _):
            return queries.public_pokir(repo, pemda, tahun)

    @rpc(public=True)
    def public_anggota_ids(self, pemda):
        """Public: the member ids of the pemda's current DPRD register (the gateway refuses a user for
        a member not in it); [] before the register is imported."""
        with self._work(public=True) as (repo, _):
            return queries.anggota_ids(repo, pemda)

    @rpc
    def close_stage(self, tahun):
        with self._work() as (repo, actor):
            return close_actions.close_stage(repo, actor, tahun)

    # -- events from Musrenbang and Renja ----------------------------------------------------
    @event_handler("musrenbang", "usulan.submitted.v1")
    def on_usulan_submitted(self, event):
        self._once(event, "pokir.on_usulan_submitted", facts.record_usulan)

    @event_handler("musrenbang", "usulan.updated.v1")
    def on_usulan_updated(self, event):
        self._once(event, "pokir.on_usulan_updated", facts.record_usulan)

    @event_handler("musrenbang", "usulan.withdrawn.v1")
    def on_usulan_withdrawn(self, event):
        self._once(event, "pokir.on_usulan_withdrawn", facts.record_withdrawal)

    @event_handler("musrenbang", "stage.opened.v1")
    def on_musrenbang_schedule(self, event):
        self._once(event, "pokir.on_musrenbang_schedule", facts.follow_schedule)

    @event_handler("renja", "inbox.decided.v1")
    def on_renja_decision(self, event):
        self._once(event, "pokir.on_renja_decision", facts.follow_renja_decision)
