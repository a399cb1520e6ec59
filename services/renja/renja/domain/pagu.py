"""Ceilings (pagu indikatif) per OPD and plan year, set by Bappeda, and the OPD's totals.

Rule: the sum of the OPD's renja rows for a year must not exceed its ceiling, separately for
year N (`pagu_n`) and N+1 (`pagu_n1`); total == ceiling is accepted. The refusal is on field
`pagu_n` (or `pagu_n1`), code `above_ceiling`, and names the ceiling, the total and the overrun:
"Total pagu OPD 1.03.0.00.0.00.01.0000 Rp5.200.000.000,00 melebihi pagu indikatif
Rp5.000.000.000,00; lebih Rp200.000.000,00". A ceiling is >= 0 (negative refused).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Collection, Iterable

from .access import Action, Actor, authorize
from .errors import FieldError, raise_if_any
from .money import ZERO, format_rupiah, rupiah_field, to_rupiah

TAHUN_MIN, TAHUN_MAX = 2000, 2100


@dataclass(frozen=True)
class Pagu:
    """The ceiling of one OPD for one plan year (N) and the year after (N+1)."""

    opd: str
    tahun: int
    pagu_n: Decimal
    pagu_n1: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "pagu_n", to_rupiah(self.pagu_n))
        object.__setattr__(self, "pagu_n1", to_rupiah(self.pagu_n1))


@dataclass(frozen=True)
class OpdTotals:
    """Sums of an OPD's rows for a year beside its ceiling; `sisa` = ceiling - total (negative
    when over, e.g. after Bappeda lowered the ceiling)."""

    opd: str
    tahun: int
    total_n: Decimal
    total_n1: Decimal
    pagu_n: Decimal
    pagu_n1: Decimal
    sisa_n: Decimal
    sisa_n1: Decimal
    rows: int = 0

    @property
    def within_ceiling(self) -> bool:
        return self.sisa_n >= 0 and self.sisa_n1 >= 0


def tahun_errors(tahun: object, field: str = "tahun") -> list[FieldError]:
    if isinstance(tahun, bool) or not isinstance(tahun, int) or not TAHUN_MIN <= tahun <= TAHUN_MAX:
        return [FieldError(field, f"Tahun rencana harus bilangan bulat {TAHUN_MIN}-{TAHUN_MAX}",
                           "invalid")]
    return []


def set_pagu(*, actor: Actor, pemda: str, opd: str, tahun: int, pagu_n: object,
             pagu_n1: object, opds: Collection[str]) -> Pagu:
    """Bappeda sets (or replaces) the ceiling of `opd` (a code of the pemda's register `opds`)
    for `tahun`. Both amounts required, rupiah >= 0 with at most 2 decimals."""
    authorize(actor, Action.SET_PAGU, pemda=pemda, opd=opd)
    errors = tahun_errors(tahun)
    if opd not in opds:
        errors.append(FieldError("opd", f"OPD {opd} tidak terdaftar di pemda {pemda}",
                                 "unknown_opd"))
    n, found = rupiah_field(pagu_n, "pagu_n", "Pagu indikatif tahun N")
    errors += found
    n1, found = rupiah_field(pagu_n1, "pagu_n1", "Pagu indikatif tahun N+1")
    errors += found
    raise_if_any(errors)
    return Pagu(opd, tahun, n, n1)


def no_ceiling_error(opd: str, tahun: int) -> FieldError:
    return FieldError("pagu_n", f"Pagu indikatif OPD {opd} tahun {tahun} belum ditetapkan "
                                "Bappeda; baris Renja belum dapat disimpan", "no_ceiling")


def ceiling_errors(pagu: Pagu, total_n: Decimal | None, total_n1: Decimal | None
                   ) -> list[FieldError]:
    """Errors for the totals above the ceiling (None = that total is unknown, not checked)."""
    errors = []
    if total_n is not None and total_n > pagu.pagu_n:
        errors.append(FieldError(
            "pagu_n", f"Total pagu OPD {pagu.opd} {format_rupiah(total_n)} melebihi pagu "
                      f"indikatif {format_rupiah(pagu.pagu_n)}; lebih "
                      f"{format_rupiah(total_n - pagu.pagu_n)}", "above_ceiling"))
    if total_n1 is not None and total_n1 > pagu.pagu_n1:
        errors.append(FieldError(
            "pagu_n1", f"Total pagu N+1 OPD {pagu.opd} {format_rupiah(total_n1)} melebihi pagu "
                       f"indikatif N+1 {format_rupiah(pagu.pagu_n1)}; lebih "
                       f"{format_rupiah(total_n1 - pagu.pagu_n1)}", "above_ceiling"))
    return errors


def opd_totals(rows: Iterable, pagu: Pagu) -> OpdTotals:
    """Totals of `rows` (all of pagu.opd and pagu.tahun, ids unique) against `pagu`."""
    total_n = total_n1 = ZERO
    seen: set[str] = set()
    for row in rows:
        if (row.opd, row.tahun) != (pagu.opd, pagu.tahun):
            raise ValueError(f"Baris {row.id} bukan milik OPD {pagu.opd} tahun {pagu.tahun}")
        if row.id in seen:
            raise ValueError(f"Baris Renja ganda: {row.id}")
        seen.add(row.id)
        total_n += row.pagu_n
        total_n1 += row.pagu_n1
    return OpdTotals(pagu.opd, pagu.tahun, total_n, total_n1, pagu.pagu_n, pagu.pagu_n1,
                     pagu.pagu_n - total_n, pagu.pagu_n1 - total_n1, len(seen))
