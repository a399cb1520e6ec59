"""The member's pagu: a ceiling on the sum of the member's pokir costs in one plan year.

The ceiling is a local policy (`PaguPolicy`), off by default, set by Bappeda per pemda and plan
year: when it is on, a member's ceiling is the member's own pagu in the DPRD register if one is
given there, else the policy's amount (`jumlah`; null: only members with a pagu in the register
have a ceiling); when it is off, no member has a ceiling (a pagu in the register then means
nothing for that year).

Counted: every pokir of the member for that year except withdrawn ones (ditarik), whatever
their status, plus the pokir being created or edited (its old cost excluded). Accepted iff
total <= pagu; no pagu (None) means no ceiling.
"""
from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class PaguPolicy:
    """Per pemda and plan year: is there a per-member ceiling, and its amount."""

    aktif: bool = False
    jumlah: Decimal | None = None

    def __post_init__(self) -> None:
        if self.jumlah is not None and Decimal(self.jumlah) <= 0:
            raise ValueError("Jumlah pagu per anggota harus lebih dari 0")

    def ceiling_for(self, register_pagu: Decimal | None) -> Decimal | None:
        """The member's ceiling under this policy (None: no ceiling)."""
        if not self.aktif:
            return None
        return register_pagu if register_pagu is not None else self.jumlah


NO_CEILING = PaguPolicy()


def parse_policy(data: object) -> PaguPolicy:
    """`{"pagu_per_anggota": {"aktif": bool, "jumlah": rupiah | null}}` -> the policy; a
    ValidationError naming each bad field."""
    from .money import to_rupiah
    errors: list[FieldError] = []
    if not isinstance(data, dict) or set(data) != {"pagu_per_anggota"}:
        raise_if_any([FieldError("pagu_per_anggota", "Kebijakan berisi pagu_per_anggota: {aktif, jumlah}",
                                 "required")])
    raw = data["pagu_per_anggota"]
    if not isinstance(raw, dict) or set(raw) - {"aktif", "jumlah"}:
        raise_if_any([FieldError("pagu_per_anggota", "pagu_per_anggota berisi aktif (true/false) dan jumlah",
                                 "invalid")])
    aktif, jumlah = raw.get("aktif"), raw.get("jumlah")
    if not isinstance(aktif, bool):
        errors.append(FieldError("pagu_per_anggota.aktif", "aktif wajib diisi true atau false", "required"))
    amount = None
    if jumlah is not None:
        try:
            amount = to_rupiah(jumlah)
            if amount <= 0:
                errors.append(FieldError("pagu_per_anggota.jumlah", "Jumlah pagu harus lebih dari 0", "not_positive"))
        except ValueError:
            errors.append(FieldError("pagu_per_anggota.jumlah", "Jumlah pagu berupa angka rupiah (paling banyak 2 "
                                                                "desimal)", "invalid"))
    raise_if_any(errors)
    return PaguPolicy(aktif, amount)
