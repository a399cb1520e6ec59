"""The Musrenbang service: entrypoints only. Each one checks who is calling, opens one unit of
work (one transaction, events in the outbox) and hands over to a use-case module."""
from contextlib import contextmanager
from datetime import datetime, timezone

from eventlet.semaphore import Semaphore

from eplanning_common.rpc import rpc

from eplanning_common.consumer import event_handler

from eplanning_common.dependencies import CallerIdentity, Correlation, Database
from eplanning_common.health import health_report
from eplanning_common.metrics.exporter import Metrics, outbox_backlog
from eplanning_common.relay import OutboxRelay
from eplanning_common.storage.dependency import DocumentStorage

from . import (calendar_actions, follow_up, forum_actions, forum_rkpd_actions, kamus_actions, queries,
               schedule_actions, summary, usulan_actions)
from . import lampiran_actions, lampiran_content, open_data
from .access import LAMPIRAN_READERS, ROLES, Caller
from .errors import translated
from .repository import Repository


def _now() -> datetime:
    return datetime.now(timezone.utc)


_PREPARING = Semaphore(2)  # photos decoded at once per process: each may take a few hundred MB


def _prepare_off_hub(content: bytes, keep_location: bool):
    """lampiran_content.prepare in a native thread: decoding and re-encoding a photo is CPU work
    (Pillow releases the GIL), so the eventlet hub keeps serving other workers meanwhile; at most
    two at a time, so that concurrent uploads cannot take the process's memory."""
    from eventlet import tpool

    with _PREPARING:
        return tpool.execute(lampiran_content.prepare, content, keep_location)


class MusrenbangService:
    name = "musrenbang"

    correlation = Correlation()
    db = Database()
    relay = OutboxRelay()
    metrics = Metrics(outbox_backlog)
    identity = CallerIdentity()
    documents = DocumentStorage()  # attachments' bytes (DOCUMENT_STORE: this database by default)

    @contextmanager
    def _work(self, public: bool = False, roles: tuple[str, ...] = ROLES, reader: bool = False):
        """(repository, caller) inside one transaction; domain refusals become RPC errors. `reader`:
        any role of the pemda (Caller.reader_from_context), for the calendar and the forum's record."""
        with translated():
            caller = None if public else (Caller.reader_from_context(self.identity) if reader
                                          else Caller.from_context(self.identity, roles))
            with self.db.unit() as uow:
                yield Repository(uow), caller

    @rpc(public=True)
    def health(self):
        return health_report(self.name, self.db)

    # -- catalogue and schedule (Bappeda) ---------------------------------------------------
    @rpc
    def import_kamus(self, tahun, csv_text):
        with self._work() as (repo, caller):
            return kamus_actions.import_kamus(repo, caller, tahun, csv_text)

    @rpc
    def export_kamus(self, tahun):
        with self._work() as (repo, caller):
            return kamus_actions.export_kamus(repo, caller, tahun)

    @rpc
    def list_kamus(self, tahun):
        with self._work() as (repo, caller):
            return kamus_actions.list_kamus(repo, caller, tahun)

    @rpc
    def set_schedule(self, tahun, windows):
        with self._work() as (repo, caller):
            return schedule_actions.set_schedule(repo, caller, tahun, windows)

    @rpc
    def change_schedule(self, tahun, kind, level, reason, closes_at=None):
        with self._work() as (repo, caller):
            return schedule_actions.change_window(repo, caller, tahun, kind, level, reason, closes_at, _now())

    @rpc
    def get_schedule(self, tahun):
        with self._work() as (repo, caller):
            return queries.get_schedule(repo, caller, tahun)

    @rpc
    def close_stage(self, tahun):
        with self._work() as (repo, caller):
            return schedule_actions.close_stage(repo, caller, tahun)

    # -- the planning calendar (Permendagri 86/2017) and Musrenbang RKPD as a forum ---------------
    @rpc
    def set_calendar(self, tahun, body):
        with self._work() as (repo, caller):
            return calendar_actions.set_calendar(repo, caller, tahun, body, _now())

    @rpc
    def get_calendar(self, tahun):
        with self._work(reader=True) as (repo, caller):
            return calendar_actions.get_calendar(repo, caller, tahun, _now())

    @rpc
    def change_calendar_step(self, tahun, step, kind, reason, closes_at=None):
        with self._work() as (repo, caller):
            return calendar_actions.change_step(repo, caller, tahun, step, kind, reason, closes_at, _now())

    @rpc
    def record_forum_rkpd(self, tahun, body):
        with self._work() as (repo, caller):
            return forum_rkpd_actions.record(repo, caller, tahun, body, _now())

    @rpc
    def get_forum_rkpd(self, tahun):
        with self._work(reader=True) as (repo, caller):
            return forum_rkpd_actions.get(repo, caller, tahun)

    @rpc
    def close_forum_rkpd(self, tahun):
        with self._work() as (repo, caller):
            return forum_rkpd_actions.close(repo, caller, tahun, _now())

    @rpc
    def forum_rkpd_berita_acara(self, tahun):
        with self._work(reader=True) as (repo, caller):
            return forum_rkpd_actions.berita_acara(repo, caller, tahun)

    @event_handler("pokir", "stage.closed.v1")
    def on_pokir_closed(self, event):
        with translated(), self.db.consuming(event, "musrenbang.on_pokir_closed") as uow:
            if not uow.duplicate:
                calendar_actions.record_pokir_closed(Repository(uow), event)

    @event_handler("rkpd", "rkpd.published.v1")
    def on_rkpd_published(self, event):
        with translated(), self.db.consuming(event, "musrenbang.on_rkpd_published") as uow:
            if not uow.duplicate:
                calendar_actions.record_rkpd_published(Repository(uow), event)

    # -- usulan ----------------------------------------------------------------------------
    @rpc
    def create_usulan(self, tahun, data, submit=True, request_id=None):
        """request_id (optional): the same one again returns the usulan it made (see usulan_actions)."""
        with self._work() as (repo, caller):
            return usulan_actions.create(repo, caller, tahun, data, _now(), submit_now=submit,
                                         request_id=request_id)

    @rpc
    def update_usulan(self, usulan_id, data, expected_version=None):
        with self._work() as (repo, caller):
            return usulan_actions.edit(repo, caller, usulan_id, data, expected_version, _now())

    @rpc
    def submit_usulan(self, usulan_id):
        with self._work() as (repo, caller):
            return usulan_actions.submit_draft(repo, caller, usulan_id, _now())

    @rpc
    def withdraw_usulan(self, usulan_id, reason=None):
        with self._work() as (repo, caller):
            return usulan_actions.withdraw_usulan(repo, caller, usulan_id, reason, _now())

    @rpc
    def decide_usulan(self, usulan_id, decision, expected_version=None):
        with self._work() as (repo, caller):
            return usulan_actions.decide_usulan(repo, caller, usulan_id, decision, expected_version, _now())

    @rpc
    def get_usulan(self, usulan_id):
        with self._work() as (repo, caller):
            return queries.get_usulan(repo, caller, usulan_id)

    @rpc
    def list_usulan(self, tahun, filters=None, cursor=None, limit=None, sort=None):
        with self._work() as (repo, caller):
            return queries.list_usulan(repo, caller, tahun, filters, cursor, limit, sort)

    @rpc
    def summary(self, tahun):
        """Counts and amounts per kecamatan, status and decision (the dashboard), in the caller's scope."""
        with self._work() as (repo, caller):
            return summary.cycle_summary(repo.uow, caller, tahun)

    # -- attachments (photos, a PDF; lampiran_actions) ------------------------------------------
    @rpc
    def add_lampiran(self, usulan_id, content_b64, simpan_lokasi=False, request_id=None):
        """content_b64: the file's bytes as base64; request_id: as create_usulan's."""
        with self._work() as (repo, caller):
            return lampiran_actions.add(repo, self.documents, caller, usulan_id, content_b64, simpan_lokasi,
                                        _now(), request_id=request_id, prepare=_prepare_off_hub)

    @rpc
    def list_lampiran(self, usulan_id):
        with self._work(roles=LAMPIRAN_READERS) as (repo, caller):
            return lampiran_actions.list_for(repo, caller, usulan_id)

    @rpc
    def get_lampiran(self, lampiran_id):
        """{"lampiran": metadata, "content_b64": the bytes as base64}."""
        with self._work(roles=LAMPIRAN_READERS) as (repo, caller):
            return lampiran_actions.read(repo, self.documents, caller, lampiran_id)

    @rpc
    def delete_lampiran(self, lampiran_id):
        with self._work() as (repo, caller):
            removed = lampiran_actions.remove(repo, caller, lampiran_id, _now())
        lampiran_actions.forget_bytes(self.documents, removed)  # after the commit
        return lampiran_actions.lampiran_view(removed)

    @rpc(public=True)
    def track_usulan(self, tracking_code):
        """Public: no identity needed, no personal data returned."""
        with self._work(public=True) as (repo, _):
            return queries.public_lookup(repo, tracking_code)

    @rpc(public=True)
    def public_open_data(self, pemda, tahun):
        """Public: the usulan of a closed Musrenbang with their final decisions, no personal data."""
        with self._work(public=True) as (repo, _):
            return open_data.open_data(repo, pemda, tahun)

    # -- kecamatan forum -------------------------------------------------------------------
    @rpc
    def set_criteria(self, tahun, criteria):
        with self._work() as (repo, caller):
            return forum_actions.set_criteria(repo, caller, tahun, criteria)

    @rpc
    def get_criteria(self, tahun):
        with self._work() as (repo, caller):
            return forum_actions.get_criteria(repo, caller, tahun)

    @rpc
    def score_usulan(self, usulan_id, scores):
        with self._work() as (repo, caller):
            return forum_actions.score(repo, caller, usulan_id, scores, _now())

    @rpc
    def ranking(self, tahun, kecamatan):
        with self._work() as (repo, caller):
            return forum_actions.ranking(repo, caller, tahun, kecamatan)

    @rpc
    def duplicates(self, tahun, kecamatan):
        with self._work() as (repo, caller):
            return forum_actions.duplicates(repo, caller, tahun, kecamatan)

    @rpc
    def close_kecamatan(self, tahun, kecamatan, berita_acara):
        with self._work() as (repo, caller):
            return forum_actions.close_kecamatan(repo, caller, tahun, kecamatan, berita_acara, _now())

    @rpc
    def berita_acara(self, tahun, kecamatan):
        with self._work() as (repo, caller):
            return forum_actions.berita_acara(repo, caller, tahun, kecamatan)

    # -- follow-up from Renja ----------------------------------------------------------------
    @event_handler("renja", "inbox.decided.v1")
    def on_renja_decision(self, event):
        with translated(), self.db.consuming(event, "musrenbang.on_renja_decision") as uow:
            if not uow.duplicate:
                follow_up.record_decision(Repository(uow), event)
