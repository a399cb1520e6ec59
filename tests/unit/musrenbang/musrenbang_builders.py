"""Test data builders and fakes for the musrenbang domain (plain functions, no mocks)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from musrenbang.domain import (DecideUsulan, DecisionStatus, InMemoryRegionDirectory, KamusItem,
                               Level, OperatorScope, Pengusul, Schedule, Usulan, UsulanInput,
                               Window, decide, generate_tracking_code, kamus_by_id, new_usulan,
                               submit)

WIB = timezone(timedelta(hours=7))
PEMDA = "12.21"
TAHUN = 2027  # plan year 2027, planned during 2026
KEC_1 = "12.21.01"
KEC_2 = "12.21.02"
DESA_A = "12.21.01.2001"  # in KEC_1
DESA_B = "12.21.01.2002"  # in KEC_1
DESA_C = "12.21.02.2001"  # in KEC_2


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


IN_DESA = at(1, 10)
IN_KECAMATAN = at(2, 10)
IN_KABUPATEN = at(3, 20)


def regions() -> InMemoryRegionDirectory:
    return InMemoryRegionDirectory(
        kecamatan={KEC_1: "Barumun", KEC_2: "Sosa"},
        desa={DESA_A: "Pasar Sibuhuan", DESA_B: "Sibuhuan Julu", DESA_C: "Pasar Ujung Batu"},
    )


def item(id: str = "k27-jalan", *, kode: str = "JLN-01", tahun: int = TAHUN, pemda: str = PEMDA,
         harga: str = "750000.00", maks: str | None = "500", satuan: str = "m",
         nama: str = "Rabat beton jalan desa", opd: str = "1.03.0.00.0.00.01.0000",
         sub_kegiatan: str = "1.03.10.2.01.0001") -> KamusItem:
    return KamusItem(id=id, kode=kode, nama=nama, tahun=tahun, pemda=pemda,
                     sub_kegiatan=sub_kegiatan, opd=opd, satuan=satuan,
                     harga_satuan=Decimal(harga), volume_maks=Decimal(maks) if maks else None)


JALAN = item()
DRAINASE = item("k27-drainase", kode="DRN-01", nama="Saluran drainase", harga="1250000.50",
                maks=None, sub_kegiatan="1.03.05.2.01.0002")
JALAN_2026 = item("k26-jalan", tahun=2026)
JALAN_OTHER_PEMDA = item("k27-jalan-1220", pemda="12.20")


def kamus():
    return kamus_by_id([JALAN, DRAINASE, JALAN_2026, JALAN_OTHER_PEMDA])


def schedule() -> Schedule:
    return Schedule(PEMDA, TAHUN, (
        Window(Level.DESA, at(1, 5, 0), at(2, 1, 0)),
        Window(Level.KECAMATAN, at(2, 2, 0), at(3, 1, 0)),
        Window(Level.KABUPATEN, at(3, 16, 0), at(4, 1, 0)),
    ))


def usulan_input(**overrides) -> UsulanInput:
    values = dict(desa=DESA_A, kamus_item_id=JALAN.id, volume="120.5",
                  permasalahan="Jalan dusun rusak dan becek saat hujan",
                  gagasan="Rabat beton jalan Dusun II", lat="1.0123", lon="99.3456",
                  alamat="Dusun II", pengusul=Pengusul("Siti Aminah", "081234567890",
                                                       "1221014101800001", "Kelompok Tani"))
    values.update(overrides)
    return UsulanInput(**values)


def tracking_code_for(usulan_id: str) -> str:
    return generate_tracking_code(random.Random(usulan_id).randrange)


def draft(usulan_id: str = "u-001", *, scope: OperatorScope | None = None, **overrides) -> Usulan:
    return new_usulan(usulan_input(**overrides), usulan_id=usulan_id,
                      tracking_code=tracking_code_for(usulan_id), tahun=TAHUN,
                      scope=scope or OperatorScope(PEMDA), regions=regions(), kamus=kamus(),
                      by="operator-desa", at=at(1, 6))


def submitted(usulan_id: str = "u-001", *, when: datetime = IN_DESA, **overrides) -> Usulan:
    return submit(draft(usulan_id, **overrides), schedule(), by="operator-desa", at=when)


def decided(usulan: Usulan, level: Level, status: DecisionStatus = DecisionStatus.DITERIMA, *,
            reason: str = "", revised_volume=None, target: Usulan | None = None):
    when = {Level.DESA: IN_DESA, Level.KECAMATAN: IN_KECAMATAN, Level.KABUPATEN: IN_KABUPATEN}
    command = DecideUsulan(level, status, by=f"forum-{level.value}", at=when[level],
                           reason=reason, revised_volume=revised_volume,
                           merge_target_id=target.id if target else None)
    return decide(usulan, command, schedule(), merge_target=target)


def accepted_through(usulan: Usulan, *levels: Level) -> Usulan:
    for level in levels:
        usulan = decided(usulan, level).usulan
    return usulan
