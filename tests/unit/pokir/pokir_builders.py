"""Test data builders for the pokir domain (plain functions and dicts, no mocks)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pokir.domain import (WIB, Actor, PaguPolicy, review_pokir, Anggota, Dapil, DprdRegister, InMemoryRegionDirectory,
                          KamusItem, Lampiran, Pokir, PokirInput, PokirStatus, PokirWindow,
                          Reses, Role, StafAhli, default_deadline, deliver_to_bappeda,
                          dispose_to_opd, kamus_by_id, mark_accommodated,
                          mark_not_accommodated, new_pokir, recommend, submit_to_setwan,
                          withdraw)

PEMDA = "12.21"
PERIODE = "2024-2029"
TAHUN = 2028  # plan year 2028, planned during 2027
KEC_1, KEC_2, KEC_3, KEC_4 = "12.21.01", "12.21.02", "12.21.03", "12.21.04"
DESA_A = "12.21.01.2001"  # KEC_1, dapil PALAS-1
DESA_B = "12.21.01.2002"  # KEC_1, dapil PALAS-1
DESA_C = "12.21.02.2001"  # KEC_2, dapil PALAS-2
DESA_D = "12.21.03.2001"  # KEC_3, dapil PALAS-1
PAGU_A01 = Decimal("1000000000.00")


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB.tzinfo)


KABUPATEN_OPENS = at(3, 16, 8)
OPENS = at(1, 2, 0)
DEADLINE = default_deadline(KABUPATEN_OPENS)  # 2027-03-09 00:00 WIB
IN_WINDOW = at(2, 10)
LATE = at(3, 9, 0, 1)
TODAY = date(2027, 2, 10)


def regions() -> InMemoryRegionDirectory:
    return InMemoryRegionDirectory(
        kecamatan={KEC_1: "Barumun", KEC_2: "Sosa", KEC_3: "Lubuk Barumun", KEC_4: "Huristak",
                   "12.20.01": "Batang Angkola"},
        desa={DESA_A: "Pasar Sibuhuan", DESA_B: "Sibuhuan Julu", DESA_C: "Pasar Ujung Batu",
              DESA_D: "Sosopan", "12.20.01.2001": "Pintu Padang"},
    )


def register() -> DprdRegister:
    return DprdRegister(
        PEMDA, PERIODE,
        dapil=(Dapil("PALAS-1", "Padang Lawas 1", (KEC_1, KEC_3)),
               Dapil("PALAS-2", "Padang Lawas 2", (KEC_2, KEC_4))),
        anggota=(Anggota("A-01", "H. Ahmad Nasution", "Golkar", "PALAS-1", PAGU_A01,
                         telepon="081260001111", email="ahmad@example.org"),
                 Anggota("A-02", "Rina Harahap", "PDI Perjuangan", "PALAS-1", None,
                         telepon="081260002222"),
                 Anggota("A-03", "Budi Siregar", "Gerindra", "PALAS-2", Decimal("500000000"))),
        staf_ahli=(StafAhli("S-01", "Dewi Lubis", "A-01", telepon="081377770001"),
                   StafAhli("S-03", "Fajar Daulay", "A-03", telepon="081377770003")),
    )


ANGGOTA_1 = Actor("sub-a01", Role.ANGGOTA_DPRD, PEMDA, "A-01")
STAF_1 = Actor("sub-s01", Role.STAF_AHLI, PEMDA, "A-01")
ANGGOTA_3 = Actor("sub-a03", Role.ANGGOTA_DPRD, PEMDA, "A-03")
STAF_3 = Actor("sub-s03", Role.STAF_AHLI, PEMDA, "A-03")
SETWAN = Actor("sub-setwan", Role.SETWAN, PEMDA)
BAPPEDA = Actor("sub-bappeda", Role.BAPPEDA, PEMDA)


def reses():
    return {r.id: r for r in (
        Reses("R-01", "A-01", date(2026, 11, 20), "Balai Desa Pasar Sibuhuan", "PALAS-1", 120),
        Reses("R-02", "A-02", date(2026, 11, 21), "Aula Kecamatan Barumun", "PALAS-1", 80),
        Reses("R-03", "A-03", date(2026, 11, 22), "Masjid Raya Sosa", "PALAS-2", 95),
    )}


def item(id: str = "k28-jalan", *, kode: str = "JLN-01", tahun: int = TAHUN, pemda: str = PEMDA,
         harga: str = "750000.00", maks: str | None = "500", satuan: str = "m",
         nama: str = "Rabat beton jalan desa", opd: str = "1.03.0.00.0.00.01.0000",
         sub_kegiatan: str = "1.03.10.2.01.0001") -> KamusItem:
    return KamusItem(id=id, kode=kode, nama=nama, tahun=tahun, pemda=pemda,
                     sub_kegiatan=sub_kegiatan, opd=opd, satuan=satuan,
                     harga_satuan=Decimal(harga), volume_maks=Decimal(maks) if maks else None)


JALAN = item()
DRAINASE = item("k28-drainase", kode="DRN-01", nama="Saluran drainase", harga="1250000.50",
                maks=None, sub_kegiatan="1.03.05.2.01.0002")
JALAN_2027 = item("k27-jalan", tahun=2027)
JALAN_OTHER_PEMDA = item("k28-jalan-1220", pemda="12.20")


def kamus():
    return kamus_by_id([JALAN, DRAINASE, JALAN_2027, JALAN_OTHER_PEMDA])


def window(**overrides) -> PokirWindow:
    values = dict(pemda=PEMDA, tahun=TAHUN, opens_at=OPENS, closes_at=DEADLINE)
    values.update(overrides)
    return PokirWindow(**values)


LAMPIRAN = Lampiran("foto-jalan.jpg", "image/jpeg", 250_000, "ab" * 32)


def pokir_input(**overrides) -> PokirInput:
    values = dict(judul="Rabat beton jalan Dusun II Pasar Sibuhuan",
                  permasalahan="Jalan dusun rusak dan becek saat hujan",
                  usulan="Rabat beton jalan Dusun II sepanjang 120 meter",
                  kamus_item_id=JALAN.id, volume="120", desa=DESA_A, reses_id="R-01",
                  lat="1.0123", lon="99.3456", alamat="Dusun II", lampiran=(LAMPIRAN,))
    values.update(overrides)
    return PokirInput(**values)


# the per-member ceiling is a local policy, off by default; these builders turn it on with the
# register's per-member pagu (A-01 Rp1.000.000.000, A-02 none, A-03 Rp500.000.000)
REGISTER_PAGU = PaguPolicy(aktif=True)
KAJIAN_LAYAK = {"kewenangan": True, "sesuai_prioritas": True, "duplikat_usulan": None, "biaya_wajar": True}


def create(data: PokirInput | None = None, *, pokir_id: str = "p-001", actor: Actor = ANGGOTA_1,
           committed: Decimal = Decimal("0"), when: datetime = IN_WINDOW, policy: PaguPolicy = REGISTER_PAGU,
           **overrides) -> Pokir:
    return new_pokir(data or pokir_input(**overrides), pokir_id=pokir_id, tahun=TAHUN,
                     actor=actor, register=register(), kamus=kamus(), reses=reses(),
                     regions=regions(), window=window(), committed=committed, at=when, policy=policy)


def reviewed(pokir: Pokir, status: str = "layak", **kajian) -> Pokir:
    """Bappeda's review of a delivered pokir (layak by default)."""
    return review_pokir(pokir, actor=BAPPEDA, at=at(3, 10), status=status, kajian={**KAJIAN_LAYAK, **kajian},
                        catatan=None if status == "layak" else "Bukan kewenangan kabupaten", overlap_ids=())


def draft(pokir_id: str = "p-001", actor: Actor = ANGGOTA_1, **overrides) -> Pokir:
    return create(pokir_id=pokir_id, actor=actor, **overrides)


def member_of(pokir: Pokir) -> Actor:
    return ANGGOTA_1 if pokir.anggota_id == "A-01" else ANGGOTA_3


def at_status(pokir: Pokir, status: PokirStatus, *, opd: str = "1.03.0.00.0.00.01.0000"
              ) -> Pokir:
    """Drive a draft pokir through the lifecycle to `status`."""
    S = PokirStatus
    member = member_of(pokir)
    if status is S.DRAFT:
        return pokir
    if status is S.DITARIK:
        return withdraw(pokir, actor=member, at=IN_WINDOW, reason="Diganti usulan lain")
    pokir = submit_to_setwan(pokir, actor=member, window=window(), at=IN_WINDOW)
    if status is S.DIAJUKAN:
        return pokir
    pokir = recommend(pokir, actor=SETWAN, at=at(2, 20), catatan="Sesuai prioritas daerah")
    if status is S.DIREKOMENDASIKAN:
        return pokir
    pokir = reviewed(deliver_to_bappeda(pokir, actor=SETWAN, at=at(3, 1)))
    if status is S.DISAMPAIKAN:
        return pokir
    if status is S.DIDISPOSISIKAN:
        return dispose_to_opd(pokir, actor=BAPPEDA, at=at(3, 20), opd=opd)
    if status is S.DIAKOMODASI:
        return mark_accommodated(pokir, actor=BAPPEDA, at=at(4, 10), opd=opd,
                                 renja_row_id="renja-77", volume="100", cost="75000000")
    if status is S.TIDAK_DIAKOMODASI:
        return mark_not_accommodated(pokir, actor=BAPPEDA, at=at(4, 10),
                                     reason="Sudah dianggarkan tahun berjalan")
    raise AssertionError(status)
