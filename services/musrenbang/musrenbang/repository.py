"""Loading and saving Musrenbang aggregates inside a unit of work (SQLAlchemy Core).

Saves are optimistic: `save_usulan` updates only if the stored version is the one that was
loaded, so two concurrent decisions on one usulan cannot both win.
"""
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from eplanning_common.errors import Conflict, NotFound

from . import codec
from .domain import InMemoryRegionDirectory, KamusItem, Level, Schedule, Usulan, status_at
from .tables import forum_kecamatan, jadwal, kamus_item, skema_penilaian, skor, tindak_lanjut, usulan
from .tables import lampiran as lampiran_table
from eplanning_common.wilayah import wilayah


def kamus_id(pemda: str, tahun: int, kode: str) -> str:
    return f"{pemda}/{tahun}/{kode}"


class Repository:
    def __init__(self, uow):
        self.uow = uow

    def _x(self, statement, params=None):
        return self.uow.execute(statement, params)

    # -- regions ---------------------------------------------------------------------------
    def region_rows(self, codes: set[str]) -> dict[str, tuple[str, str, str | None]]:
        if not codes:
            return {}
        rows = self._x(sa.select(wilayah.c.kode, wilayah.c.nama, wilayah.c.tingkat, wilayah.c.induk)
                       .where(wilayah.c.kode.in_(sorted(codes)))).all()
        return {r.kode: (r.nama, r.tingkat, r.induk) for r in rows}

    def kecamatan_names(self, pemda: str) -> dict[str, str]:
        rows = self._x(sa.select(wilayah.c.kode, wilayah.c.nama)
                       .where(wilayah.c.pemda == pemda, wilayah.c.tingkat == "kecamatan")).all()
        return {r.kode: r.nama for r in rows}

    # -- kamus -----------------------------------------------------------------------------
    def kamus_items(self, ids: set[str]) -> dict[str, KamusItem]:
        if not ids:
            return {}
        rows = self._x(sa.select(kamus_item.c.doc).where(kamus_item.c.id.in_(sorted(ids)))).all()
        items = (codec.kamus_from_dict(r.doc) for r in rows)
        return {item.id: item for item in items}

    def kamus_for_cycle(self, pemda: str, tahun: int) -> list[KamusItem]:
        rows = self._x(sa.select(kamus_item.c.doc).where(kamus_item.c.pemda == pemda, kamus_item.c.tahun == tahun)
                       .order_by(kamus_item.c.kode)).all()
        return [codec.kamus_from_dict(r.doc) for r in rows]

    def upsert_kamus(self, items: list[KamusItem]) -> None:
        if not items:
            return
        statement = pg_insert(kamus_item)
        self._x(statement.on_conflict_do_update(index_elements=[kamus_item.c.id], set_={"doc": statement.excluded.doc}),
                [{"id": i.id, "pemda": i.pemda, "tahun": i.tahun, "kode": i.kode, "doc": codec.kamus_to_dict(i)}
                 for i in items])

    def kamus_in_use(self, pemda: str, tahun: int) -> set[str]:
        rows = self._x(sa.select(sa.distinct(usulan.c.kamus_kode))
                       .where(usulan.c.pemda == pemda, usulan.c.tahun == tahun)).all()
        return {r[0] for r in rows}

    # -- schedule --------------------------------------------------------------------------
    def schedule(self, pemda: str, tahun: int, lock: bool = False) -> tuple[Schedule, int, dict | None]:
        """(schedule, version, stage close manifest or None); NotFound if none is set."""
        query = sa.select(jadwal.c.doc, jadwal.c.version, jadwal.c.manifest).where(
            jadwal.c.pemda == pemda, jadwal.c.tahun == tahun)
        row = self._x(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound(f"Jadwal Musrenbang {pemda} tahun {tahun} belum ditetapkan", code="no_schedule")
        return codec.schedule_from_dict(row.doc), row.version, row.manifest

    def schedule_exists(self, pemda: str, tahun: int) -> bool:
        return self._x(sa.select(jadwal.c.version).where(jadwal.c.pemda == pemda, jadwal.c.tahun == tahun)).first() is not None

    def insert_schedule(self, schedule: Schedule) -> None:
        self._x(jadwal.insert().values(pemda=schedule.pemda, tahun=schedule.tahun,
                                       doc=codec.schedule_to_dict(schedule), version=1))

    def save_schedule(self, schedule: Schedule, expected_version: int) -> int:
        done = self._x(jadwal.update()
                       .where(jadwal.c.pemda == schedule.pemda, jadwal.c.tahun == schedule.tahun,
                              jadwal.c.version == expected_version)
                       .values(doc=codec.schedule_to_dict(schedule), version=expected_version + 1)).rowcount
        if done != 1:
            raise Conflict("Jadwal sudah diubah oleh pengguna lain; muat ulang lalu coba lagi", code="stale_version")
        return expected_version + 1

    def close_stage(self, pemda: str, tahun: int, manifest: dict) -> None:
        self._x(jadwal.update().where(jadwal.c.pemda == pemda, jadwal.c.tahun == tahun)
                .values(closed_at=sa.func.now(), manifest=manifest))

    def reopen_stage(self, pemda: str, tahun: int) -> None:
        self._x(jadwal.update().where(jadwal.c.pemda == pemda, jadwal.c.tahun == tahun)
                .values(closed_at=None, manifest=None))

    # -- usulan ----------------------------------------------------------------------------
    def lampiran(self, usulan_id: str) -> list:
        return self._x(sa.select(usulan.c.lampiran).where(usulan.c.id == usulan_id)).scalar() or []

    def usulan(self, usulan_id: str, lock: bool = False) -> tuple[Usulan, int]:
        if not isinstance(usulan_id, str) or not usulan_id:
            raise NotFound("Usulan tidak ditemukan", code="usulan_not_found")
        query = sa.select(usulan.c.doc, usulan.c.version).where(usulan.c.id == usulan_id)
        row = self._x(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound(f"Usulan {usulan_id} tidak ditemukan", code="usulan_not_found")
        return codec.usulan_from_dict(row.doc), row.version

    def usulan_by_tracking_code(self, code: str) -> Usulan | None:
        row = self._x(sa.select(usulan.c.doc).where(usulan.c.tracking_code == code)).first()
        return None if row is None else codec.usulan_from_dict(row.doc)

    def tracking_code_taken(self, code: str) -> bool:
        return self._x(sa.select(usulan.c.id).where(usulan.c.tracking_code == code)).first() is not None

    @staticmethod
    def _columns(u: Usulan) -> dict:
        return {
            "tracking_code": u.tracking_code, "pemda": u.pemda, "tahun": u.tahun, "kecamatan": u.kecamatan,
            "desa": u.desa, "kamus_kode": u.kamus_item.kode, "opd": u.kamus_item.opd, "status": u.status.value,
            "status_kecamatan": status_at(u, Level.KECAMATAN), "status_kabupaten": status_at(u, Level.KABUPATEN),
            "cost": u.current_cost, "doc": codec.usulan_to_dict(u),
        }

    def insert_usulan(self, u: Usulan, lampiran: list) -> None:
        self._x(usulan.insert().values(id=u.id, version=1, lampiran=lampiran, **self._columns(u)))

    def save_usulan(self, u: Usulan, expected_version: int, lampiran: list | None = None) -> int:
        values = self._columns(u) if lampiran is None else {**self._columns(u), "lampiran": lampiran}
        done = self._x(usulan.update().where(usulan.c.id == u.id, usulan.c.version == expected_version)
                       .values(version=expected_version + 1, **values)).rowcount
        if done != 1:
            raise Conflict(f"Usulan {u.id} sudah diubah oleh pengguna lain; muat ulang lalu coba lagi",
                           code="stale_version")
        return expected_version + 1

    def usulan_of_cycle(self, pemda: str, tahun: int, kecamatan: str | None = None) -> list[tuple[Usulan, int]]:
        """Every usulan of the cycle (or of one kecamatan) with its version."""
        query = sa.select(usulan.c.doc, usulan.c.version).where(usulan.c.pemda == pemda, usulan.c.tahun == tahun)
        if kecamatan:
            query = query.where(usulan.c.kecamatan == kecamatan)
        return [(codec.usulan_from_dict(r.doc), r.version) for r in self._x(query.order_by(usulan.c.seq)).all()]

    def earlier_usulan(self, pemda: str, tahun: int, desa_kamus: set[tuple[str, str]]) -> list[Usulan]:
        """Usulan of earlier years with the same (desa, kamus item code) as any of `desa_kamus`."""
        if not desa_kamus:
            return []
        pairs = sa.tuple_(usulan.c.desa, usulan.c.kamus_kode).in_(sorted(desa_kamus))
        rows = self._x(sa.select(usulan.c.doc).where(usulan.c.pemda == pemda, usulan.c.tahun < tahun, pairs)).all()
        return [codec.usulan_from_dict(r.doc) for r in rows]

    def list_usulan(self, where: list, limit: int, key: sa.Column | None = None, descending: bool = False,
                    after: tuple | None = None) -> list[tuple[int, object, Usulan, int, list]]:
        """(seq, key value, usulan, version, lampiran) ordered by (key, seq), or by seq alone when
        `key` is None; `descending` reverses the whole order. `after` is the (key value, seq), or
        (seq,), of the previous page's last row: the page starts strictly after it (keyset)."""
        order = [usulan.c.seq] if key is None else [key, usulan.c.seq]
        keyed = key if key is not None else sa.null()
        query = sa.select(usulan.c.seq, keyed.label("sort_key"), usulan.c.doc, usulan.c.version,
                          usulan.c.lampiran).where(*where)
        if after is not None:
            bound = [sa.literal(value, column.type) for column, value in zip(order, after, strict=True)]
            mark = sa.tuple_(*order) if len(order) > 1 else order[0]
            last = sa.tuple_(*bound) if len(bound) > 1 else bound[0]
            query = query.where(mark < last if descending else mark > last)
        query = query.order_by(*(column.desc() if descending else column.asc() for column in order))
        rows = self._x(query.limit(limit)).all()
        return [(r.seq, r.sort_key, codec.usulan_from_dict(r.doc), r.version, r.lampiran) for r in rows]

    # -- attachments (the rows; the bytes are in the document store) ---------------------------
    def lampiran_rows(self, usulan_id: str) -> list[dict]:
        rows = self._x(sa.select(lampiran_table).where(lampiran_table.c.usulan_id == usulan_id)
                       .order_by(lampiran_table.c.created_at, lampiran_table.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def lampiran_row(self, lampiran_id: str, lock: bool = False) -> dict:
        if not isinstance(lampiran_id, str) or not lampiran_id:
            raise NotFound("Lampiran tidak ditemukan", code="lampiran_not_found")
        query = sa.select(lampiran_table).where(lampiran_table.c.id == lampiran_id)
        row = self._x(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound(f"Lampiran {lampiran_id} tidak ditemukan", code="lampiran_not_found")
        return dict(row._mapping)

    def lampiran_count(self, usulan_id: str) -> int:
        return self._x(sa.select(sa.func.count()).select_from(lampiran_table)
                       .where(lampiran_table.c.usulan_id == usulan_id)).scalar_one()

    def insert_lampiran(self, row: dict) -> None:
        self._x(lampiran_table.insert().values(**row))

    def delete_lampiran(self, lampiran_id: str) -> None:
        self._x(lampiran_table.delete().where(lampiran_table.c.id == lampiran_id))

    def rerouted_to(self, usulan_id: str) -> set[str]:
        """The OPDs a Renja passed the usulan on to (its follow-up records)."""
        rows = self._x(sa.select(tindak_lanjut.c.rerouted_to).where(
            tindak_lanjut.c.usulan_id == usulan_id, tindak_lanjut.c.rerouted_to.is_not(None))).all()
        return {r.rerouted_to for r in rows}

    # -- forum -----------------------------------------------------------------------------
    def scoring_scheme(self, pemda: str, tahun: int) -> list[dict] | None:
        row = self._x(sa.select(skema_penilaian.c.criteria).where(
            skema_penilaian.c.pemda == pemda, skema_penilaian.c.tahun == tahun)).first()
        return None if row is None else row.criteria

    def set_scoring_scheme(self, pemda: str, tahun: int, criteria: list[dict]) -> None:
        statement = pg_insert(skema_penilaian).values(pemda=pemda, tahun=tahun, criteria=criteria)
        self._x(statement.on_conflict_do_update(index_elements=["pemda", "tahun"], set_={"criteria": criteria}))

    def any_scores(self, pemda: str, tahun: int) -> bool:
        return self._x(sa.select(skor.c.usulan_id).join(usulan, usulan.c.id == skor.c.usulan_id)
                       .where(usulan.c.pemda == pemda, usulan.c.tahun == tahun).limit(1)).first() is not None

    def save_score(self, usulan_id: str, scores: dict, total: Decimal, by: str, at) -> None:
        values = {"scores": scores, "total": total, "by": by, "at": at}
        statement = pg_insert(skor).values(usulan_id=usulan_id, **values)
        self._x(statement.on_conflict_do_update(index_elements=["usulan_id"], set_=values))

    def score_totals(self, usulan_ids: list[str]) -> dict[str, Decimal]:
        if not usulan_ids:
            return {}
        rows = self._x(sa.select(skor.c.usulan_id, skor.c.total).where(skor.c.usulan_id.in_(usulan_ids))).all()
        return {r.usulan_id: r.total for r in rows}

    def forum_closed(self, pemda: str, tahun: int, kecamatan: str) -> dict | None:
        row = self._x(sa.select(forum_kecamatan).where(
            forum_kecamatan.c.pemda == pemda, forum_kecamatan.c.tahun == tahun,
            forum_kecamatan.c.kecamatan == kecamatan)).first()
        return None if row is None else dict(row._mapping)

    def close_forum(self, pemda: str, tahun: int, kecamatan: str, by: str, berita_acara: dict, document: str,
                    digest: str) -> None:
        self._x(forum_kecamatan.insert().values(pemda=pemda, tahun=tahun, kecamatan=kecamatan, closed_at=sa.func.now(),
                                                closed_by=by, berita_acara=berita_acara, document=document,
                                                digest=digest))

    def regions_for(self, desa_codes: set[str]) -> "InMemoryRegionDirectory":
        """A domain RegionDirectory holding the given desa (if they exist) and their kecamatan,
        read in one query (a desa's kecamatan is its code minus the last segment)."""
        codes = {c for c in desa_codes if isinstance(c, str) and c.count(".") == 3}
        found = self.region_rows(codes | {c.rsplit(".", 1)[0] for c in codes})
        desa = {code: nama for code, (nama, tingkat, _) in found.items() if tingkat == "desa_kelurahan"}
        kecamatan = {code: nama for code, (nama, tingkat, _) in found.items() if tingkat == "kecamatan"}
        return InMemoryRegionDirectory(kecamatan=kecamatan, desa=desa)
