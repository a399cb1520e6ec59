"""The RKPD service: entrypoints only. It follows the three stages' events, assembles the RKPD by
itself once Musrenbang, Pokir and Renja have all closed with matching manifests, and answers
status, versions and documents for the gateway."""
from contextlib import contextmanager

from eplanning_common.rpc import rpc
from nameko.timer import timer

from eplanning_common.consumer import event_handler
from eplanning_common.dependencies import CallerIdentity, Correlation, Database
from eplanning_common.health import health_report
from eplanning_common.metrics.exporter import Metrics, outbox_backlog
from eplanning_common.relay import OutboxRelay
from eplanning_common.storage.dependency import DocumentStorage

from . import calendar, cycle, facts, narrative_edits, queries, trace
from . import open_data as opendata, publication
from .errors import require_bappeda, translated


class RkpdService:
    name = "rkpd"

    correlation = Correlation()
    db = Database()
    relay = OutboxRelay()
    metrics = Metrics(outbox_backlog)
    identity = CallerIdentity()
    documents = DocumentStorage()  # the rendered files: DOCUMENT_STORE (PostgreSQL by default)

    @contextmanager
    def _bappeda(self):
        with translated():
            pemda = require_bappeda(self.identity)
            with self.db.unit() as uow:
                yield uow, pemda

    @rpc(public=True)
    def health(self):
        return health_report(self.name, self.db)

    # -- reads and Bappeda's actions ---------------------------------------------------------
    @rpc
    def status(self, tahun):
        with self._bappeda() as (uow, pemda):
            return queries.status(uow, pemda, tahun)

    @rpc
    def versions(self, tahun):
        with self._bappeda() as (uow, pemda):
            return queries.versions(uow, pemda, tahun)

    @rpc
    def document(self, tahun, nomor=None):
        with self._bappeda() as (uow, pemda):
            return queries.document(uow, pemda, tahun, nomor)

    @rpc
    def trace(self, tahun, kind, source_id, row_ids):
        """The annex record of an usulan/pokir and the chapter V lines of its renja rows (latest version)."""
        with translated(), self.db.unit() as uow:
            return trace.trace(uow, self.identity, tahun, kind, source_id, row_ids)

    @rpc
    def get_narrative(self, tahun, bab):
        """A chapter's narrative sections and their version (0: the year's default text)."""
        with self._bappeda() as (uow, pemda):
            return narrative_edits.get_narrative(uow, pemda, tahun, bab)

    @rpc
    def set_narrative(self, tahun, bab, sections, expected_version=None):
        """Replace a chapter's sections; refused (stale_version) unless made from `expected_version`."""
        with self._bappeda() as (uow, pemda):
            return narrative_edits.set_narrative(uow, pemda, tahun, bab, sections, expected_version)

    @rpc
    def assemble(self, tahun):
        """Assemble now (after a narrative edit, say); normally it happens by itself."""
        with self._bappeda() as (uow, pemda):
            reason = "Disusun ulang atas permintaan Bappeda"
            if cycle.order_of(uow, pemda, tahun) == calendar.PERMENDAGRI:
                for versi in ("rancangan", "rancangan akhir"):  # the system's versions only
                    calendar.mark_stale_at(uow, pemda, tahun, versi, reason)
                return (calendar.try_due(uow, self.documents, self.db.amqp_uri, pemda, tahun)
                        or queries.status(uow, pemda, tahun))
            cycle.mark_current_stale(uow, pemda, tahun, reason)
            return (cycle.try_assemble(uow, self.documents, self.db.amqp_uri, pemda, tahun)
                    or queries.status(uow, pemda, tahun))

    @rpc
    def promote(self, tahun, to):
        with self._bappeda() as (uow, pemda):
            return cycle.promote_to(uow, self.documents, self.db.amqp_uri, pemda, tahun, to)

    # -- the calendar of Permendagri 86/2017 (Bappeda) -----------------------------------------
    @rpc
    def get_rancangan_awal(self, tahun):
        """The year's priorities, kewilayahan ceilings and the OPD ceilings copied from Renja."""
        with self._bappeda() as (uow, pemda):
            return calendar.rancangan_awal_view(uow, pemda, tahun)

    @rpc
    def set_rancangan_awal(self, tahun, prioritas, pagu_kewilayahan=None):
        with self._bappeda() as (uow, pemda):
            return calendar.set_rancangan_awal(uow, self.identity["sub"], pemda, tahun, prioritas, pagu_kewilayahan)

    @rpc
    def publish_rancangan_awal(self, tahun):
        with self._bappeda() as (uow, pemda):
            return calendar.publish_rancangan_awal(uow, self.documents, self.db.amqp_uri, pemda, tahun)

    @rpc
    def penetapan(self, tahun, nomor_perkada, tanggal_perkada):
        with self._bappeda() as (uow, pemda):
            return calendar.penetapan(uow, self.documents, pemda, tahun, nomor_perkada, tanggal_perkada)

    @rpc
    def open_perubahan(self, tahun, opds, alasan):
        with self._bappeda() as (uow, pemda):
            return calendar.open_perubahan(uow, self.identity["sub"], pemda, tahun, opds, alasan)

    @rpc
    def assemble_perubahan(self, tahun):
        with self._bappeda() as (uow, pemda):
            return calendar.assemble_perubahan(uow, self.documents, self.db.amqp_uri, pemda, tahun)

    @rpc
    def document_file(self, tahun, nomor=None, fmt="pdf"):
        """One rendered file (json | xlsx | html | pdf) of any version, base64 with its SHA-256."""
        with self._bappeda() as (uow, pemda):
            return publication.document_file(uow, self.documents, pemda, tahun, nomor, fmt)

    # -- public: no identity, the pemda is named; only what Bappeda published ------------------
    @rpc(public=True)
    def public_rkpd(self, pemda, tahun):
        with translated(), self.db.unit() as uow:
            return publication.published(uow, pemda, tahun)

    @rpc(public=True)
    def public_rkpd_file(self, pemda, tahun, fmt, nomor=None):
        with translated(), self.db.unit() as uow:
            return publication.published_file(uow, self.documents, pemda, tahun, fmt, nomor)

    @rpc(public=True)
    def public_open_data(self, pemda, tahun, dataset):
        with translated(), self.db.unit() as uow:
            return opendata.open_data(uow, pemda, tahun, dataset)

    # -- the stages' events ------------------------------------------------------------------
    @event_handler("musrenbang", "#")
    def on_musrenbang(self, event):
        self._follow("musrenbang", event)

    @event_handler("pokir", "#")
    def on_pokir(self, event):
        self._follow("pokir", event)

    @event_handler("renja", "#")
    def on_renja(self, event):
        self._follow("renja", event)

    def _follow(self, source, event):
        key = facts.routing_key(event)
        closed = False
        with translated(), self.db.consuming(event, f"rkpd.on_{source}") as uow:
            if uow.duplicate:
                return
            record = facts.HANDLERS.get((source, key))
            pemda, tahun = event["pemda"], event["tahun"]
            if record is not None:
                record(uow, event)
            elif key == "stage.closed.v1":
                closed = facts.record_close(uow, event, source)
            elif (source, key) == ("renja", "forum_pd.closed.v1"):
                closed = facts.record_forum_close(uow, event)
            elif (source, key) == ("renja", "forum_pd.reopened.v1"):
                facts.forum_reopened(uow, event)
                calendar.mark_stale_at(uow, pemda, tahun, "rancangan", "Forum Perangkat Daerah dibuka kembali: "
                                       + str(event["data"].get("reason") or ""))
            elif key == "stage.reopened.v1":
                self._reopened(uow, source, event)
        if closed:  # after the close is committed: assemble if this completes the set
            self._try(event["pemda"], event["tahun"])

    @staticmethod
    def _reopened(uow, source, event):
        pemda, tahun, data = event["pemda"], event["tahun"], event["data"]
        if source == "musrenbang":
            facts.note_order(uow, event)
        reason = f"Tahap {source} dibuka kembali: {data.get('reason', '')}"
        if cycle.order_of(uow, pemda, tahun) == calendar.PERMENDAGRI:
            # of the calendar's steps only Musrenbang RKPD's close made a version (the rancangan akhir)
            if source == "musrenbang" and (data.get("step") or data.get("level")) in ("musrenbang_rkpd", "kabupaten"):
                facts.reopened(uow, event, source)
                calendar.mark_stale_at(uow, pemda, tahun, "rancangan akhir", reason)
            return
        facts.reopened(uow, event, source)
        cycle.mark_current_stale(uow, pemda, tahun, reason)

    def _try(self, pemda, tahun):
        with self.db.unit() as uow:
            if cycle.order_of(uow, pemda, tahun) == calendar.PERMENDAGRI:
                calendar.try_due(uow, self.documents, self.db.amqp_uri, pemda, tahun)
            else:
                cycle.try_assemble(uow, self.documents, self.db.amqp_uri, pemda, tahun)

    @timer(interval=30)
    def recheck(self):
        """Events may still be in flight when the last close arrives: look again."""
        with self.db.unit() as uow:
            pending = queries.waiting_cycles(uow) + queries.calendar_waiting(uow)
        for pemda, tahun in pending:
            self._try(pemda, tahun)
