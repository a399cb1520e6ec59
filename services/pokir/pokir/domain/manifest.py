"""Stage close manifest of the pokir of one pemda and plan year.

* counts: every PokirStatus value, zeros included; total = number of pokir;
* disampaikan_count / disampaikan_cost: pokir delivered to Bappeda (any status from
  disampaikan on), at the pokir's own cost;
* diakomodasi_count / diakomodasi_cost: pokir accommodated, at the Renja row's cost;
* digest: SHA-256 over canonical JSON of the submitted (delivered) set, records
  {id, volume, cost, opd, sub_kegiatan, anggota_id} sorted by id, volume as canonical decimal
  ("1.5"), cost with 2 decimals ("1500000.00"), opd/sub_kegiatan of the kamus item (what was
  submitted, not later disposisi), keys sorted, no spaces, UTF-8. Deterministic: independent
  of input order and of follow-up decisions after delivery.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping

from .canonical import sha256_hex
from .money import ZERO, decimal_text, money_text
from .pokir import Pokir, PokirStatus


@dataclass(frozen=True)
class SubmittedRecord:
    id: str
    volume: Decimal
    cost: Decimal
    opd: str
    sub_kegiatan: str
    anggota_id: str

    def canonical(self) -> dict[str, str]:
        return {"id": self.id, "volume": decimal_text(self.volume),
                "cost": money_text(self.cost), "opd": self.opd,
                "sub_kegiatan": self.sub_kegiatan, "anggota_id": self.anggota_id}


def submitted_record(pokir: Pokir) -> SubmittedRecord:
    if not pokir.status.delivered:
        raise ValueError(f"Pokir {pokir.id} belum disampaikan ke Bappeda")
    return SubmittedRecord(pokir.id, pokir.volume, pokir.cost, pokir.kamus_item.opd,
                           pokir.kamus_item.sub_kegiatan, pokir.anggota_id)


def submitted_set_digest(records: Iterable[SubmittedRecord]) -> str:
    """SHA-256 hex of the submitted set; independent of the order of `records`."""
    ordered = sorted(records, key=lambda r: r.id)
    if len({r.id for r in ordered}) != len(ordered):
        raise ValueError("Pokir ganda dalam himpunan yang disampaikan")
    return sha256_hex([r.canonical() for r in ordered])


@dataclass(frozen=True)
class PokirManifest:
    pemda: str
    tahun: int
    counts: Mapping[str, int]
    total: int
    disampaikan_count: int
    disampaikan_cost: Decimal
    diakomodasi_count: int
    diakomodasi_cost: Decimal
    digest: str

    def as_dict(self) -> dict[str, object]:
        return {"pemda": self.pemda, "tahun": self.tahun, "counts": dict(self.counts),
                "total": self.total, "disampaikan_count": self.disampaikan_count,
                "disampaikan_cost": money_text(self.disampaikan_cost),
                "diakomodasi_count": self.diakomodasi_count,
                "diakomodasi_cost": money_text(self.diakomodasi_cost),
                "digest_algorithm": "sha256", "digest": self.digest}


def build_manifest(pokirs: Iterable[Pokir], *, pemda: str, tahun: int) -> PokirManifest:
    """Manifest of `pokirs` (all of this pemda and year; ids unique)."""
    items = list(pokirs)
    repeated = sorted(i for i, n in Counter(p.id for p in items).items() if n > 1)
    if repeated:
        raise ValueError(f"Pokir ganda dalam himpunan: {', '.join(repeated)}")
    foreign = sorted(p.id for p in items if (p.pemda, p.tahun) != (pemda, tahun))
    if foreign:
        raise ValueError(f"Pokir bukan milik {pemda}/{tahun}: {', '.join(foreign)}")
    counted = Counter(p.status for p in items)
    records = [submitted_record(p) for p in items if p.status.delivered]
    accommodated = [p for p in items if p.status is PokirStatus.DIAKOMODASI]
    return PokirManifest(
        pemda=pemda, tahun=tahun,
        counts={s.value: counted.get(s, 0) for s in PokirStatus},
        total=len(items),
        disampaikan_count=len(records),
        disampaikan_cost=sum((r.cost for r in records), ZERO),
        diakomodasi_count=len(accommodated),
        diakomodasi_cost=sum((p.akomodasi.cost for p in accommodated if p.akomodasi), ZERO),
        digest=submitted_set_digest(records))
