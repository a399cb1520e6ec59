"""Loading and saving Pokir data inside a unit of work (SQLAlchemy Core, JSONB docs)."""
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from eplanning_common.errors import Conflict, NotFound
from eplanning_common.wilayah import wilayah

from eplanning_common.jsoncodec import from_json, to_json
from .domain import (NO_CEILING, DprdRegister, InMemoryRegionDirectory, KamusItem, PaguPolicy, Pokir, PokirStatus,
                     PokirWindow, Reses, UsulanRef)
from .tables import jendela, kamus_item, kebijakan, pokir, register, reses, usulan_ref


class Repository:
    def __init__(self, uow):
        self.uow = uow

    def _x(self, statement, params=None):
        return self.uow.execute(statement, params)

    # -- regions ---------------------------------------------------------------------------
    def regions(self, pemda: str) -> InMemoryRegionDirectory:
        """The pemda's kecamatan and desa (a few hundred rows)."""
        rows = self._x(sa.select(wilayah.c.kode, wilayah.c.nama, wilayah.c.tingkat).where(wilayah.c.pemda == pemda)).all()
        return InMemoryRegionDirectory(kecamatan={r.kode: r.nama for r in rows if r.tingkat == "kecamatan"},
                                       desa={r.kode: r.nama for r in rows if r.tingkat == "desa_kelurahan"})

    # -- register --------------------------------------------------------------------------
    def save_register(self, reg: DprdRegister, by: str) -> None:
        values = {"doc": to_json(reg), "imported_by": by, "imported_at": sa.func.now()}
        statement = pg_insert(register).values(pemda=reg.pemda, periode=reg.periode, **values)
        self._x(statement.on_conflict_do_update(index_elements=["pemda", "periode"], set_=values))

    def register(self, pemda: str) -> DprdRegister:
        """The pemda's current register: the term imported last."""
        row = self._x(sa.select(register.c.doc).where(register.c.pemda == pemda)
                      .order_by(register.c.periode.desc()).limit(1)).first()
        if row is None:
            raise NotFound(f"Daftar anggota DPRD {pemda} belum diimpor", code="no_register")
        return from_json(DprdRegister, row.doc)

    # -- reses -----------------------------------------------------------------------------
    def insert_reses(self, pemda: str, r: Reses) -> None:
        self._x(reses.insert().values(id=r.id, pemda=pemda, anggota_id=r.anggota_id, doc=to_json(r)))

    def reses_of(self, anggota_id: str) -> list[Reses]:
        rows = self._x(sa.select(reses.c.doc).where(reses.c.anggota_id == anggota_id)).all()
        return [from_json(Reses, r.doc) for r in rows]

    # -- kamus -----------------------------------------------------------------------------
    def upsert_kamus(self, items: list[KamusItem]) -> None:
        if items:
            statement = pg_insert(kamus_item)
            self._x(statement.on_conflict_do_update(index_elements=[kamus_item.c.id], set_={"doc": statement.excluded.doc}),
                    [{"id": i.id, "pemda": i.pemda, "tahun": i.tahun, "kode": i.kode, "doc": to_json(i)} for i in items])

    def kamus_items(self, ids: set[str]) -> dict[str, KamusItem]:
        ids = {i for i in ids if isinstance(i, str)}
        if not ids:
            return {}
        rows = self._x(sa.select(kamus_item.c.doc).where(kamus_item.c.id.in_(sorted(ids)))).all()
        items = [from_json(KamusItem, r.doc) for r in rows]
        return {i.id: i for i in items}

    def kamus_for_cycle(self, pemda: str, tahun: int) -> list[KamusItem]:
        rows = self._x(sa.select(kamus_item.c.doc).where(kamus_item.c.pemda == pemda, kamus_item.c.tahun == tahun)
                       .order_by(kamus_item.c.kode)).all()
        return [from_json(KamusItem, r.doc) for r in rows]

    # -- window ----------------------------------------------------------------------------
    def window(self, pemda: str, tahun: int) -> PokirWindow:
        row = self._x(sa.select(jendela).where(jendela.c.pemda == pemda, jendela.c.tahun == tahun)).first()
        if row is None or row.closes_at is None:
            raise Conflict(f"Jendela pokir {pemda} tahun {tahun} belum ditetapkan (oleh Bappeda, atau dari jadwal "
                           "Musrenbang)", code="no_window")
        return PokirWindow(pemda, tahun, row.opens_at, row.closes_at)

    def window_row(self, pemda: str, tahun: int):
        return self._x(sa.select(jendela).where(jendela.c.pemda == pemda, jendela.c.tahun == tahun)
                       .with_for_update()).first()

    def set_window(self, pemda: str, tahun: int, opens_at: datetime, closes_at: datetime, source: str) -> None:
        values = {"opens_at": opens_at, "closes_at": closes_at, "source": source}
        statement = pg_insert(jendela).values(pemda=pemda, tahun=tahun, **values)
        self._x(statement.on_conflict_do_update(index_elements=["pemda", "tahun"], set_=values))

    def calendar(self, pemda: str, tahun: int) -> dict:
        """This service's copy of the planning calendar: {step: window as the events carry it}."""
        row = self._x(sa.select(jendela.c.kalender).where(jendela.c.pemda == pemda, jendela.c.tahun == tahun)).first()
        return dict(row.kalender or {}) if row is not None else {}

    def save_calendar(self, pemda: str, tahun: int, calendar: dict) -> None:
        statement = pg_insert(jendela).values(pemda=pemda, tahun=tahun, source="musrenbang", kalender=calendar)
        self._x(statement.on_conflict_do_update(index_elements=["pemda", "tahun"], set_={"kalender": calendar}))

    def close_stage(self, pemda: str, tahun: int, manifest: dict) -> None:
        self._x(jendela.update().where(jendela.c.pemda == pemda, jendela.c.tahun == tahun)
                .values(closed_manifest=manifest))

    # -- local policy ----------------------------------------------------------------------
    def policy(self, pemda: str, tahun: int) -> PaguPolicy:
        """The year's per-member ceiling policy; off when Bappeda never set one."""
        row = self._x(sa.select(kebijakan).where(kebijakan.c.pemda == pemda, kebijakan.c.tahun == tahun)).first()
        if row is None:
            return NO_CEILING
        return PaguPolicy(row.pagu_aktif, row.pagu_jumlah)

    def set_policy(self, pemda: str, tahun: int, policy: PaguPolicy, by: str, at: datetime) -> None:
        values = {"pagu_aktif": policy.aktif, "pagu_jumlah": policy.jumlah, "set_by": by, "set_at": at}
        statement = pg_insert(kebijakan).values(pemda=pemda, tahun=tahun, **values)
        self._x(statement.on_conflict_do_update(index_elements=["pemda", "tahun"], set_=values))

    # -- pokir -----------------------------------------------------------------------------
    def lock_member(self, anggota_id: str) -> None:
        """Serialize creates/edits of one member's pokir, so two cannot both pass the pagu check."""
        self._x(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("pokir-pagu:" + anggota_id))))

    def committed_cost(self, anggota_id: str, tahun: int, exclude_id: str | None = None) -> Decimal:
        query = sa.select(sa.func.coalesce(sa.func.sum(pokir.c.cost), 0)).where(
            pokir.c.anggota_id == anggota_id, pokir.c.tahun == tahun, pokir.c.status != PokirStatus.DITARIK.value)
        if exclude_id:
            query = query.where(pokir.c.id != exclude_id)
        return Decimal(self._x(query).scalar())

    def pokir(self, pokir_id: str, lock: bool = False) -> tuple[Pokir, int]:
        if not isinstance(pokir_id, str) or not pokir_id:
            raise NotFound("Pokir tidak ditemukan", code="pokir_not_found")
        query = sa.select(pokir.c.doc, pokir.c.version).where(pokir.c.id == pokir_id)
        row = self._x(query.with_for_update() if lock else query).first()
        if row is None:
            raise NotFound(f"Pokir {pokir_id} tidak ditemukan", code="pokir_not_found")
        return from_json(Pokir, row.doc), row.version

    @staticmethod
    def _columns(p: Pokir) -> dict:
        return {"pemda": p.pemda, "tahun": p.tahun, "anggota_id": p.anggota_id, "status": p.status.value,
                "kecamatan": p.kecamatan, "desa": p.desa, "kamus_kode": p.kamus_item.kode, "cost": p.cost,
                "doc": to_json(p)}

    def insert_pokir(self, p: Pokir) -> None:
        self._x(pokir.insert().values(id=p.id, version=1, **self._columns(p)))

    def save_pokir(self, p: Pokir, expected_version: int) -> int:
        done = self._x(pokir.update().where(pokir.c.id == p.id, pokir.c.version == expected_version)
                       .values(version=expected_version + 1, **self._columns(p))).rowcount
        if done != 1:
            raise Conflict(f"Pokir {p.id} sudah diubah oleh pengguna lain; muat ulang lalu coba lagi",
                           code="stale_version")
        return expected_version + 1

    def list_pokir(self, where: list, after_seq: int | None, limit: int) -> list[tuple[int, Pokir, int]]:
        query = sa.select(pokir.c.seq, pokir.c.doc, pokir.c.version).where(*where)
        if after_seq is not None:
            query = query.where(pokir.c.seq > after_seq)
        rows = self._x(query.order_by(pokir.c.seq).limit(limit)).all()
        return [(r.seq, from_json(Pokir, r.doc), r.version) for r in rows]

    def pokir_of_cycle(self, pemda: str, tahun: int) -> list[Pokir]:
        rows = self._x(sa.select(pokir.c.doc).where(pokir.c.pemda == pemda, pokir.c.tahun == tahun)
                       .order_by(pokir.c.seq)).all()
        return [from_json(Pokir, r.doc) for r in rows]

    # -- Musrenbang usulan (this service's copy) -------------------------------------------
    def upsert_usulan_ref(self, values: dict) -> None:
        """Keep the newest version: events may arrive in any order, and more than once."""
        statement = pg_insert(usulan_ref).values(**values)
        update = {k: statement.excluded[k] for k in values if k != "usulan_id"}
        self._x(statement.on_conflict_do_update(index_elements=["usulan_id"], set_=update,
                                                where=usulan_ref.c.version < statement.excluded.version))

    def usulan_refs(self, pairs: set[tuple[str, str]]) -> list[UsulanRef]:
        if not pairs:
            return []
        rows = self._x(sa.select(usulan_ref).where(
            sa.tuple_(usulan_ref.c.desa, usulan_ref.c.kamus_kode).in_(sorted(pairs)))).all()
        return [UsulanRef(r.usulan_id, r.tracking_code, r.desa, r.kamus_kode, r.gagasan,
                          "withdrawn" if r.withdrawn else "submitted") for r in rows]
