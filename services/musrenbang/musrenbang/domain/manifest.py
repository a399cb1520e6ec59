"""Stage close manifest: what a level holds when its stage closes.

The digest covers the accepted set only: records {id, volume, cost, opd, sub_kegiatan} sorted by
id (ids are ASCII), volume as canonical decimal text ("1.5"), cost with 2 decimals
("1500000.00"), serialized with canonical.canonical_json and hashed with SHA-256. A receiver
holding the same set computes the same digest with `accepted_set_digest`.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping

from .canonical import sha256_hex
from .money import ZERO, decimal_text, money_text
from .schedule import Level
from .totals import unique_by_id
from .usulan import LEVEL_STATUSES, Usulan, status_at


@dataclass(frozen=True)
class AcceptedRecord:
    id: str
    volume: Decimal
    cost: Decimal
    opd: str
    sub_kegiatan: str

    def canonical(self) -> dict[str, str]:
        return {"id": self.id, "volume": decimal_text(self.volume),
                "cost": money_text(self.cost), "opd": self.opd,
                "sub_kegiatan": self.sub_kegiatan}


def accepted_record(usulan: Usulan, level: Level) -> AcceptedRecord:
    decision = usulan.decision_at(level)
    if decision is None or not decision.status.accepted:
        raise ValueError(f"Usulan {usulan.id} tidak diterima di tingkat {Level(level).value}")
    return AcceptedRecord(usulan.id, decision.volume, decision.cost, usulan.kamus_item.opd,
                          usulan.kamus_item.sub_kegiatan)


def accepted_set_digest(records: Iterable[AcceptedRecord]) -> str:
    """SHA-256 hex of the accepted set; independent of the order of `records`."""
    ordered = sorted(records, key=lambda r: r.id)
    if len({r.id for r in ordered}) != len(ordered):
        raise ValueError("Usulan ganda dalam himpunan yang diterima")
    return sha256_hex([r.canonical() for r in ordered])


@dataclass(frozen=True)
class StageManifest:
    pemda: str
    tahun: int
    level: Level
    counts: Mapping[str, int]  # every key of LEVEL_STATUSES, zeros included
    total: int
    accepted_count: int
    accepted_cost: Decimal
    digest: str

    def as_dict(self) -> dict[str, object]:
        return {"pemda": self.pemda, "tahun": self.tahun, "level": self.level.value,
                "counts": dict(self.counts), "total": self.total,
                "accepted_count": self.accepted_count,
                "accepted_cost": money_text(self.accepted_cost),
                "digest_algorithm": "sha256", "digest": self.digest}


def build_manifest(usulans: Iterable[Usulan], *, pemda: str, tahun: int,
                   level: Level) -> StageManifest:
    """Manifest of `usulans` (all of this pemda and year) as seen from `level`."""
    level = Level(level)
    items = unique_by_id(usulans)
    foreign = [u.id for u in items if (u.pemda, u.tahun) != (pemda, tahun)]
    if foreign:
        raise ValueError(f"Usulan bukan milik {pemda}/{tahun}: {', '.join(sorted(foreign))}")
    counted = Counter(status_at(u, level) for u in items)
    records = [accepted_record(u, level) for u in items if u.accepted_at(level)]
    return StageManifest(
        pemda=pemda, tahun=tahun, level=level,
        counts={status: counted.get(status, 0) for status in LEVEL_STATUSES},
        total=len(items), accepted_count=len(records),
        accepted_cost=sum((r.cost for r in records), ZERO),
        digest=accepted_set_digest(records))
