"""Loading and saving Renja data inside a unit of work (SQLAlchemy Core, JSONB docs)."""
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from eplanning_common.errors import Conflict, NotFound
from eplanning_common.jsoncodec import from_json, to_json
from eplanning_common.wilayah import wilayah

from .domain import ForumPd, InboxItem, InboxStatus, Opd, Pagu, RenjaRow, RenjaState, Snapshot, SubKegiatan, Window
from .nomenklatur import nomenklatur, sub_kegiatan as resolve_sub_kegiatan
from .tables import (forum_pd, inbox_item, kalender, kalender_tahun, kecamatan_closed, opd, pagu, penetapan, renja_row, renja_state,
                     siklus, snapshot)


class Nomenclature:
    """The domain's NomenclatureLookup over one pinned version (X.XX template copies resolved)."""

    def __init__(self, conn, versi: str):
        self.conn, self.versi = conn, versi

    def sub_kegiatan(self, kode: str) -> SubKegiatan | None:
        row = resolve_sub_kegiatan(self.conn, self.versi, kode) if isinstance(kode, str) else None
        if row is None:
            return None
        return SubKegiatan(row["kode"], row["nama"], row["kinerja"] or "", row["indikator"] or "", row["satuan"] or "")


class Repository:
    def __init__(self, uow):
        self.uow = uow

    def _x(self, statement, params=None):
        return self.uow.execute(statement, params)

    # -- register, cycle, ceilings ---------------------------------------------------------
    def known_bidang(self, versi: str) -> set[str]:
        rows = self._x(sa.select(nomenklatur.c.kode).where(nomenklatur.c.versi == versi,
                                                           nomenklatur.c.tingkat == "bidang_urusan")).all()
        return {r.kode for r in rows}

    def nomenclature_versions(self) -> list[str]:
        return [r[0] for r in self._x(sa.select(sa.distinct(nomenklatur.c.versi))).all()]

    def save_opds(self, pemda: str, opds: list[Opd]) -> None:
        statement = pg_insert(opd)
        self._x(statement.on_conflict_do_update(index_elements=["pemda", "kode"], set_={"doc": statement.excluded.doc}),
                [{"pemda": pemda, "kode": o.kode, "doc": to_json(o)} for o in opds])

    def opds(self, pemda: str) -> dict[str, Opd]:
        rows = self._x(sa.select(opd.c.doc).where(opd.c.pemda == pemda).order_by(opd.c.kode)).all()
        return {o.kode: o for o in (from_json(Opd, r.doc) for r in rows)}

    def opd(self, pemda: str, kode: str) -> Opd:
        row = self._x(sa.select(opd.c.doc).where(opd.c.pemda == pemda, opd.c.kode == kode)).first()
        if row is None:
            raise NotFound(f"OPD {kode} tidak terdaftar di pemda {pemda}", code="opd_not_found")
        return from_json(Opd, row.doc)

    def pin_cycle(self, pemda: str, tahun: int, versi: str) -> None:
        statement = pg_insert(siklus).values(pemda=pemda, tahun=tahun, versi=versi)
        self._x(statement.on_conflict_do_update(index_elements=["pemda", "tahun"], set_={"versi": versi}))

    def cycle(self, pemda: str, tahun: int, lock: bool = False):
        query = sa.select(siklus).where(siklus.c.pemda == pemda, siklus.c.tahun == tahun)
        row = self._x(query.with_for_update() if lock else query).first()
        if row is None:
            raise Conflict(f"Siklus Renja {pemda} tahun {tahun} belum ditetapkan (versi nomenklatur)",
                           code="no_cycle")
        return row

    def nomenclature(self, pemda: str, tahun: int) -> Nomenclature:
        return Nomenclature(self.uow.session.connection(), self.cycle(pemda, tahun).versi)

    def has_rows(self, pemda: str, tahun: int) -> bool:
        return self._x(sa.select(renja_row.c.id).where(renja_row.c.pemda == pemda, renja_row.c.tahun == tahun)
                       .limit(1)).first() is not None

    def close_cycle(self, pemda: str, tahun: int, manifest: dict) -> None:
        self._x(siklus.update().where(siklus.c.pemda == pemda, siklus.c.tahun == tahun)
                .values(closed_manifest=manifest))

    def save_pagu(self, pemda: str, p: Pagu) -> None:
        statement = pg_insert(pagu).values(pemda=pemda, opd=p.opd, tahun=p.tahun, doc=to_json(p))
        self._x(statement.on_conflict_do_update(index_elements=["pemda", "opd", "tahun"], set_={"doc": to_json(p)}))

    def pagu(self, pemda: str, opd_kode: str, tahun: int) -> Pagu | None:
        row = self._x(sa.select(pagu.c.doc).where(pagu.c.pemda == pemda, pagu.c.opd == opd_kode,
                                                  pagu.c.tahun == tahun)).first()
        return None if row is None else from_json(Pagu, row.doc)

    def all_pagu(self, pemda: str, tahun: int) -> dict[str, Pagu]:
        rows = self._x(sa.select(pagu.c.doc).where(pagu.c.pemda == pemda, pagu.c.tahun == tahun)).all()
        return {p.opd: p for p in (from_json(Pagu, r.doc) for r in rows)}

    def in_pemda(self, pemda: str):
        """A checker `code -> bool` for locations (kecamatan or desa of this pemda)."""
        codes = {r[0] for r in self._x(sa.select(wilayah.c.kode).where(
            wilayah.c.pemda == pemda, wilayah.c.tingkat.in_(("kecamatan", "desa_kelurahan")))).all()}
        return codes.__contains__

    # -- lifecycle -------------------------------------------------------------------------
    def state(self, pemda: str, opd_kode: str, tahun: int, lock: bool = False) -> tuple[RenjaState, int]:
        """The OPD's renja state (a new draft if none was stored), with its version (0: not stored)."""
        query = sa.select(renja_state.c.doc, renja_state.c.version).where(
            renja_state.c.pemda == pemda, renja_state.c.opd == opd_kode, renja_state.c.tahun == tahun)
        row = self._x(query.with_for_update() if lock else query).first()
        if row is None:
            return RenjaState(pemda=pemda, opd=opd_kode, tahun=tahun), 0
        return from_json(RenjaState, row.doc), row.version

    def lock_opd_year(self, pemda: str, opd_kode: str, tahun: int) -> None:
        """Serialize row writes of one OPD and year (the ceiling check sums them)."""
        self._x(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"renja:{pemda}:{opd_kode}:{tahun}"))))

    def save_state(self, s: RenjaState, version: int) -> int:
        if version == 0:
            self._x(renja_state.insert().values(pemda=s.pemda, opd=s.opd, tahun=s.tahun, status=s.status.value,
                                                version=1, doc=to_json(s)))
            return 1
        done = self._x(renja_state.update().where(renja_state.c.pemda == s.pemda, renja_state.c.opd == s.opd,
                                                  renja_state.c.tahun == s.tahun, renja_state.c.version == version)
                       .values(status=s.status.value, version=version + 1, doc=to_json(s))).rowcount
        if done != 1:
            raise Conflict("Status Renja sudah diubah oleh pengguna lain", code="stale_version")
        return version + 1

    def states(self, pemda: str, tahun: int) -> dict[str, RenjaState]:
        rows = self._x(sa.select(renja_state.c.doc).where(renja_state.c.pemda == pemda,
                                                          renja_state.c.tahun == tahun)).all()
        return {s.opd: s for s in (from_json(RenjaState, r.doc) for r in rows)}

    # -- rows ------------------------------------------------------------------------------
    def rows(self, pemda: str, tahun: int, opd_kode: str | None = None) -> list[RenjaRow]:
        query = sa.select(renja_row.c.doc).where(renja_row.c.pemda == pemda, renja_row.c.tahun == tahun)
        if opd_kode:
            query = query.where(renja_row.c.opd == opd_kode)
        return [from_json(RenjaRow, r.doc) for r in self._x(query.order_by(renja_row.c.seq)).all()]

    def row(self, row_id: str, lock: bool = False) -> tuple[RenjaRow, int, str]:
        if not isinstance(row_id, str) or not row_id:
            raise NotFound("Baris Renja tidak ditemukan", code="row_not_found")
        query = sa.select(renja_row.c.doc, renja_row.c.version, renja_row.c.pemda).where(renja_row.c.id == row_id)
        row = self._x(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound(f"Baris Renja {row_id} tidak ditemukan", code="row_not_found")
        return from_json(RenjaRow, row.doc), row.version, row.pemda

    def insert_row(self, pemda: str, r: RenjaRow) -> None:
        self._x(renja_row.insert().values(id=r.id, pemda=pemda, opd=r.opd, tahun=r.tahun, sub_kegiatan=r.sub_kegiatan,
                                          pagu_n=r.pagu_n, pagu_n1=r.pagu_n1, version=1, doc=to_json(r)))

    def save_row(self, r: RenjaRow, version: int) -> int:
        done = self._x(renja_row.update().where(renja_row.c.id == r.id, renja_row.c.version == version)
                       .values(sub_kegiatan=r.sub_kegiatan, pagu_n=r.pagu_n, pagu_n1=r.pagu_n1, version=version + 1,
                               doc=to_json(r))).rowcount
        if done != 1:
            raise Conflict(f"Baris Renja {r.id} sudah diubah oleh pengguna lain", code="stale_version")
        return version + 1

    def delete_row(self, row_id: str) -> None:
        self._x(renja_row.delete().where(renja_row.c.id == row_id))

    def list_rows(self, where: list, after_seq: int | None, limit: int):
        query = sa.select(renja_row.c.seq, renja_row.c.doc, renja_row.c.version).where(*where)
        if after_seq is not None:
            query = query.where(renja_row.c.seq > after_seq)
        rows = self._x(query.order_by(renja_row.c.seq).limit(limit)).all()
        return [(r.seq, from_json(RenjaRow, r.doc), r.version) for r in rows]

    # -- inbox -----------------------------------------------------------------------------
    def add_inbox_item(self, item: InboxItem) -> bool:
        """Insert unless an item with this id exists (a redelivered routing is a no-op)."""
        done = self._x(pg_insert(inbox_item).values(
            id=item.id, pemda=item.pemda, tahun=item.tahun, opd=item.opd, source=item.source, source_id=item.source_id,
            status=item.status.value, version=1, doc=to_json(item)).on_conflict_do_nothing()).rowcount
        return done == 1

    def inbox_item(self, item_id: str, lock: bool = False) -> tuple[InboxItem, int]:
        if not isinstance(item_id, str) or not item_id:
            raise NotFound("Item inbox tidak ditemukan", code="inbox_not_found")
        query = sa.select(inbox_item.c.doc, inbox_item.c.version).where(inbox_item.c.id == item_id)
        row = self._x(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound(f"Item inbox {item_id} tidak ditemukan", code="inbox_not_found")
        return from_json(InboxItem, row.doc), row.version

    def save_inbox_item(self, item: InboxItem, version: int) -> int:
        done = self._x(inbox_item.update().where(inbox_item.c.id == item.id, inbox_item.c.version == version)
                       .values(status=item.status.value, version=version + 1, doc=to_json(item))).rowcount
        if done != 1:
            raise Conflict(f"Item inbox {item.id} sudah diputuskan oleh pengguna lain", code="stale_version")
        return version + 1

    def inbox(self, where: list, after_seq: int | None, limit: int):
        query = sa.select(inbox_item.c.seq, inbox_item.c.doc, inbox_item.c.version).where(*where)
        if after_seq is not None:
            query = query.where(inbox_item.c.seq > after_seq)
        rows = self._x(query.order_by(inbox_item.c.seq).limit(limit)).all()
        return [(r.seq, from_json(InboxItem, r.doc), r.version) for r in rows]

    def pending_inbox(self, pemda: str, tahun: int) -> list[InboxItem]:
        rows = self._x(sa.select(inbox_item.c.doc).where(inbox_item.c.pemda == pemda, inbox_item.c.tahun == tahun,
                                                         inbox_item.c.status == InboxStatus.MENUNGGU.value)).all()
        return [from_json(InboxItem, r.doc) for r in rows]

    # -- snapshots -------------------------------------------------------------------------
    def save_snapshot(self, pemda: str, s: Snapshot) -> None:
        done = self._x(pg_insert(snapshot).values(pemda=pemda, opd=s.opd, tahun=s.tahun, nama=s.nama, doc=to_json(s))
                       .on_conflict_do_nothing()).rowcount
        if done != 1:
            raise Conflict(f"Snapshot '{s.nama}' OPD {s.opd} tahun {s.tahun} sudah ada", code="snapshot_exists")

    def snapshot(self, pemda: str, opd_kode: str, tahun: int, nama: str) -> Snapshot:
        row = self._x(sa.select(snapshot.c.doc).where(snapshot.c.pemda == pemda, snapshot.c.opd == opd_kode,
                                                      snapshot.c.tahun == tahun, snapshot.c.nama == nama)).first()
        if row is None:
            raise NotFound(f"Snapshot '{nama}' OPD {opd_kode} tahun {tahun} tidak ada", code="snapshot_not_found")
        return from_json(Snapshot, row.doc)

    # -- the calendar copy, kecamatan closes, the RKPD penetapan ---------------------------------
    def set_forum_bentuk(self, pemda: str, tahun: int, bentuk: str) -> None:
        self._x(siklus.update().where(siklus.c.pemda == pemda, siklus.c.tahun == tahun)
                .values(forum_pd_bentuk=bentuk))

    def apply_window(self, pemda: str, tahun: int, step: str, opens_at, closes_at, as_of) -> None:
        """Keep the window of `step` from the newest event (an older event arriving late changes nothing)."""
        statement = pg_insert(kalender).values(pemda=pemda, tahun=tahun, step=step, opens_at=opens_at,
                                               closes_at=closes_at, as_of=as_of)
        self._x(statement.on_conflict_do_update(
            index_elements=["pemda", "tahun", "step"],
            set_={"opens_at": statement.excluded.opens_at, "closes_at": statement.excluded.closes_at,
                  "as_of": statement.excluded.as_of},
            where=kalender.c.as_of <= statement.excluded.as_of))

    def set_tata_urutan(self, pemda: str, tahun: int, tata_urutan: str, as_of) -> None:
        statement = pg_insert(kalender_tahun).values(pemda=pemda, tahun=tahun, tata_urutan=tata_urutan, as_of=as_of)
        self._x(statement.on_conflict_do_update(
            index_elements=["pemda", "tahun"], set_={"tata_urutan": statement.excluded.tata_urutan,
                                                     "as_of": statement.excluded.as_of},
            where=kalender_tahun.c.as_of <= statement.excluded.as_of))

    def tata_urutan(self, pemda: str, tahun: int) -> str | None:
        """"lama" (a year stored before the calendar, or whose calendar says so), "permendagri_86_2017"
        (its calendar says so), or None (no calendar received yet)."""
        row = self.cycle(pemda, tahun)
        if row.tata_urutan == "lama":
            return "lama"
        found = self._x(sa.select(kalender_tahun.c.tata_urutan).where(
            kalender_tahun.c.pemda == pemda, kalender_tahun.c.tahun == tahun)).first()
        return None if found is None else found.tata_urutan

    def windows(self, pemda: str, tahun: int) -> dict[str, Window]:
        rows = self._x(sa.select(kalender).where(kalender.c.pemda == pemda, kalender.c.tahun == tahun)).all()
        return {r.step: Window(r.step, r.opens_at, r.closes_at) for r in rows}

    def record_kecamatan_closed(self, pemda: str, tahun: int, kecamatan: str, closed_at, digest) -> None:
        self._x(pg_insert(kecamatan_closed).values(pemda=pemda, tahun=tahun, kecamatan=kecamatan, closed_at=closed_at,
                                                   berita_acara_digest=digest).on_conflict_do_nothing())

    def kecamatan_closed(self, pemda: str, tahun: int) -> list[str]:
        return [r[0] for r in self._x(sa.select(kecamatan_closed.c.kecamatan).where(
            kecamatan_closed.c.pemda == pemda, kecamatan_closed.c.tahun == tahun)
            .order_by(kecamatan_closed.c.kecamatan)).all()]

    def save_penetapan(self, pemda: str, tahun: int, versi: str, nomor, published_at, doc: dict) -> None:
        """Keep the newest publication with OPD lines (a penetapan, then each perubahan)."""
        statement = pg_insert(penetapan).values(pemda=pemda, tahun=tahun, versi=versi, nomor=nomor,
                                                published_at=published_at, doc=doc)
        self._x(statement.on_conflict_do_update(
            index_elements=["pemda", "tahun"],
            set_={"versi": statement.excluded.versi, "nomor": statement.excluded.nomor,
                  "published_at": statement.excluded.published_at, "doc": statement.excluded.doc},
            where=penetapan.c.published_at <= statement.excluded.published_at))

    def penetapan(self, pemda: str, tahun: int):
        return self._x(sa.select(penetapan).where(penetapan.c.pemda == pemda, penetapan.c.tahun == tahun)).first()

    # -- Forum Perangkat Daerah --------------------------------------------------------------------
    def forum(self, pemda: str, tahun: int, kunci: str, lock: bool = False) -> tuple[ForumPd | None, str | None]:
        query = sa.select(forum_pd.c.doc, forum_pd.c.berita_acara).where(
            forum_pd.c.pemda == pemda, forum_pd.c.tahun == tahun, forum_pd.c.kunci == kunci)
        row = self._x(query.with_for_update() if lock else query).first()
        return (None, None) if row is None else (from_json(ForumPd, row.doc), row.berita_acara)

    def forums(self, pemda: str, tahun: int) -> list[ForumPd]:
        rows = self._x(sa.select(forum_pd.c.doc).where(forum_pd.c.pemda == pemda, forum_pd.c.tahun == tahun)
                       .order_by(forum_pd.c.kunci)).all()
        return [from_json(ForumPd, r.doc) for r in rows]

    def save_forum(self, f: ForumPd, berita_acara: str | None = None) -> None:
        statement = pg_insert(forum_pd).values(pemda=f.pemda, tahun=f.tahun, kunci=f.kunci, doc=to_json(f),
                                               berita_acara=berita_acara)
        self._x(statement.on_conflict_do_update(index_elements=["pemda", "tahun", "kunci"],
                                                set_={"doc": statement.excluded.doc,
                                                      "berita_acara": statement.excluded.berita_acara}))

    def inbox_items_of(self, pemda: str, tahun: int, opds) -> list[InboxItem]:
        rows = self._x(sa.select(inbox_item.c.doc).where(inbox_item.c.pemda == pemda, inbox_item.c.tahun == tahun,
                                                         inbox_item.c.opd.in_(list(opds)))
                       .order_by(inbox_item.c.seq)).all()
        return [from_json(InboxItem, r.doc) for r in rows]
