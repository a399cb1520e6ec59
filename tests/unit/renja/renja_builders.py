"""Test data builders for the renja domain (plain functions and values, no mocks)."""
from __future__ import annotations

import zlib

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from renja.domain import (Actor, InMemoryNomenclature, Opd, Pagu, RenjaRow, RowInput,
                          SubKegiatan, new_inbox_item, validate_row)

WIB = timezone(timedelta(hours=7))
PEMDA = "12.21"
TAHUN = 2028

OPD_DIKES = "1.02.0.00.0.00.01.0000"
OPD_PU = "1.03.0.00.0.00.01.0000"
OPD_PERKIM = "1.04.0.00.0.00.01.0000"
DIKES = Opd(OPD_DIKES, "Dinas Kesehatan", ("1.02",))
PU = Opd(OPD_PU, "Dinas Pekerjaan Umum dan Penataan Ruang", ("1.03",))
PERKIM = Opd(OPD_PERKIM, "Dinas Perumahan dan Kawasan Permukiman", ("1.04", "1.03"))
REGISTER = {o.kode: o for o in (DIKES, PU, PERKIM)}
KNOWN_BIDANG = {"1.01", "1.02", "1.03", "1.04", "2.09"}

SK_JALAN = "1.03.10.2.01.0028"
SK_IRIGASI = "1.03.02.2.01.0001"
SK_PENUNJANG_PU = "1.03.01.2.01.0001"
SK_PUSKESMAS = "1.02.02.2.01.0014"
SK_RUMAH = "1.04.02.2.01.0005"
NOMENCLATURE = InMemoryNomenclature.of(
    SubKegiatan(SK_JALAN, "Pembangunan Jalan", "Terbangunnya jalan",
                "Panjang jalan yang dibangun", "Kilometer"),
    SubKegiatan(SK_IRIGASI, "Pembangunan Bendung", "Terbangunnya bendung",
                "Jumlah bendung yang dibangun", "Unit"),
    SubKegiatan(SK_PENUNJANG_PU, "Penyusunan Dokumen Perencanaan Perangkat Daerah",
                "Tersusunnya dokumen", "Jumlah dokumen perencanaan", "Dokumen"),
    SubKegiatan(SK_PUSKESMAS, "Pembangunan Puskesmas", "Terbangunnya puskesmas",
                "Jumlah puskesmas yang dibangun", "Unit"),
    SubKegiatan(SK_RUMAH, "Rehabilitasi Rumah Tidak Layak Huni", None, None, None),
)

KEC_1, KEC_2 = "12.21.01", "12.21.02"
DESA_A, DESA_B, DESA_C = "12.21.01.2001", "12.21.01.2002", "12.21.02.2001"
REGIONS = {KEC_1, KEC_2, DESA_A, DESA_B, DESA_C}


def in_pemda(code: str) -> bool:
    return code in REGIONS


OPERATOR_PU = Actor("sub-pu", "opd", PEMDA, OPD_PU)
OPERATOR_DIKES = Actor("sub-dikes", "opd", PEMDA, OPD_DIKES)
OPERATOR_PERKIM = Actor("sub-perkim", "opd", PEMDA, OPD_PERKIM)
BAPPEDA = Actor("sub-bappeda", "bappeda", PEMDA)
BAPPEDA_OTHER_PEMDA = Actor("sub-bappeda-tapsel", "bappeda", "12.20")
OPERATOR_PU_OTHER_PEMDA = Actor("sub-pu-tapsel", "opd", "12.20", OPD_PU)


def at(month: int, day: int, hour: int = 10, year: int = 2027) -> datetime:
    return datetime(year, month, day, hour, tzinfo=WIB)


def pagu(n: str = "5000000000", n1: str = "5500000000", opd: str = OPD_PU,
         tahun: int = TAHUN) -> Pagu:
    return Pagu(opd, tahun, Decimal(n), Decimal(n1))


def row_input(**changes: object) -> RowInput:
    values = dict(sub_kegiatan=SK_JALAN, target="12.5", pagu_n="1000000000",
                  pagu_n1="1100000000", lokasi=[KEC_1, KEC_2], sumber_dana="DAU",
                  kelompok_sasaran="Masyarakat Kecamatan Barumun",
                  prioritas_nasional=["PN 5 Infrastruktur"], prioritas_daerah=["PD 2"])
    values.update(changes)
    return RowInput(**values)


def validate(data: RowInput | None = None, *, row_id: str = "row-new", opd: Opd = PU,
             other_rows=(), ceiling: Pagu | None | str = "default", **kw) -> RenjaRow:
    """validate_row with the fixtures above; `ceiling="default"` = pagu() for the OPD."""
    if ceiling == "default":
        ceiling = pagu(opd=opd.kode)
    return validate_row(data if data is not None else row_input(), row_id=row_id, opd=opd,
                        tahun=TAHUN, pemda=PEMDA, nomenclature=NOMENCLATURE,
                        in_pemda=in_pemda, other_rows=other_rows, pagu=ceiling, **kw)


def make_row(row_id: str, pagu_n: str = "1000000000", pagu_n1: str = "1000000000", *,
             opd: str = OPD_PU, tahun: int = TAHUN, sub_kegiatan: str | None = None,
             target: str = "1", **changes: object) -> RenjaRow:
    """A stored row built directly (already valid), sub_kegiatan unique per id by default."""
    values = dict(id=row_id, opd=opd, tahun=tahun,
                  sub_kegiatan=sub_kegiatan or f"1.03.10.2.01.{zlib.crc32(row_id.encode()) % 10000:04d}",
                  indikator="Panjang jalan", target=Decimal(target), satuan="Kilometer",
                  pagu_n=Decimal(pagu_n).quantize(Decimal("0.01")),
                  pagu_n1=Decimal(pagu_n1).quantize(Decimal("0.01")), lokasi=(KEC_1,),
                  sumber_dana="DAU", prioritas_nasional=(), prioritas_daerah=(),
                  kelompok_sasaran="Masyarakat", sumber=())
    values.update(changes)
    return RenjaRow(**values)


def item(source_id: str = "usulan-1", *, opd: str = OPD_PU, source: str = "musrenbang",
         volume: str = "2", cost: str = "150000000", previous_opds=()):
    return new_inbox_item(pemda=PEMDA, source=source, source_id=source_id, opd=opd,
                          tahun=TAHUN, judul="Pengerasan jalan desa", volume=volume, cost=cost,
                          sub_kegiatan=SK_JALAN, lokasi=DESA_A, received_at=at(3, 20),
                          previous_opds=previous_opds)
