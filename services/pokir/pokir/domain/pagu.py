"""The member's pagu: a ceiling on the sum of the member's pokir costs in one plan year.

Counted: every pokir of the member for that year except withdrawn ones (ditarik), whatever
their status, plus the pokir being created or edited (its old cost excluded). Accepted iff
total <= pagu; no pagu (None) means no ceiling.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from .errors import FieldError, raise_if_any
from .money import ZERO, format_rupiah
from .pokir import Pokir


def committed_cost(pokirs: Iterable[Pokir], *, anggota_id: str, tahun: int,
                   exclude_id: str | None = None) -> Decimal:
    """Sum of the member's non-withdrawn pokir costs in `tahun`, without `exclude_id`.
    The service may compute the same sum in SQL (status <> 'ditarik')."""
    seen: set[str] = set()
    total = ZERO
    for pokir in pokirs:
        if pokir.id in seen:
            raise ValueError(f"Pokir ganda dalam himpunan: {pokir.id}")
        seen.add(pokir.id)
        if (pokir.anggota_id == anggota_id and pokir.tahun == tahun
                and pokir.id != exclude_id and pokir.counts_against_pagu):
            total += pokir.cost
    return total


def pagu_error(pagu: Decimal | None, committed: Decimal, cost: Decimal,
               field: str = "volume") -> FieldError | None:
    """None if committed + cost fits the pagu, else the error stating pagu, total and overrun."""
    if pagu is None:
        return None
    total = Decimal(committed) + Decimal(cost)
    if total <= pagu:
        return None
    return FieldError(field, f"Melebihi pagu anggota {format_rupiah(pagu)}: total "
                             f"{format_rupiah(total)}, lebih {format_rupiah(total - pagu)}",
                      "above_pagu")


def check_pagu(pagu: Decimal | None, committed: Decimal, cost: Decimal) -> None:
    error = pagu_error(pagu, committed, cost)
    raise_if_any([error] if error else [])
