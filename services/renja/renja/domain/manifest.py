"""Stage close manifest of the renja rows of one pemda and plan year.

* rows: number of rows; totals per OPD {opd: {total_n, total_n1, rows}}; grand totals;
* digest: SHA-256 over canonical JSON of the rows sorted by id, each
  {id, opd, sub_kegiatan, pagu_n, pagu_n1, target}, money with 2 decimals ("1500000.00"),
  target as canonical decimal ("12.5"), keys sorted, no spaces, UTF-8. Independent of the
  order of the input; ids must be unique and every row of `tahun`.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable, Mapping

from .canonical import sha256_hex
from .money import ZERO, decimal_text, money_text
from .rows import RenjaRow


def row_record(row: RenjaRow) -> dict[str, str]:
    return {"id": row.id, "opd": row.opd, "sub_kegiatan": row.sub_kegiatan,
            "pagu_n": money_text(row.pagu_n), "pagu_n1": money_text(row.pagu_n1),
            "target": decimal_text(row.target)}


def rows_digest(rows: Iterable[RenjaRow]) -> str:
    ordered = sorted(rows, key=lambda r: r.id)
    if len({r.id for r in ordered}) != len(ordered):
        raise ValueError("Baris Renja ganda dalam manifest")
    return sha256_hex([row_record(r) for r in ordered])


@dataclass(frozen=True)
class Manifest:
    pemda: str
    tahun: int
    rows: int
    totals: Mapping[str, Mapping[str, object]]  # {opd: {"total_n", "total_n1", "rows"}}
    total_n: Decimal
    total_n1: Decimal
    digest: str

    def as_dict(self) -> dict[str, object]:
        return {"pemda": self.pemda, "tahun": self.tahun, "rows": self.rows,
                "totals": {opd: {"total_n": money_text(t["total_n"]),
                                 "total_n1": money_text(t["total_n1"]), "rows": t["rows"]}
                           for opd, t in sorted(self.totals.items())},
                "total_n": money_text(self.total_n), "total_n1": money_text(self.total_n1),
                "digest_algorithm": "sha256", "digest": self.digest}


def build_manifest(rows: Iterable[RenjaRow], *, pemda: str, tahun: int) -> Manifest:
    """Manifest of `rows` (every renja row of the pemda for `tahun`)."""
    items = list(rows)
    wrong = sorted(r.id for r in items if r.tahun != tahun)
    if wrong:
        raise ValueError(f"Baris bukan tahun {tahun}: {wrong[:5]}")
    digest = rows_digest(items)
    totals: dict[str, dict[str, object]] = {}
    for row in sorted(items, key=lambda r: r.id):
        t = totals.setdefault(row.opd, {"total_n": ZERO, "total_n1": ZERO, "rows": 0})
        t["total_n"] += row.pagu_n
        t["total_n1"] += row.pagu_n1
        t["rows"] += 1
    return Manifest(pemda, tahun, len(items), dict(sorted(totals.items())),
                    sum((r.pagu_n for r in items), ZERO), sum((r.pagu_n1 for r in items), ZERO),
                    digest)
