"""Kecamatan forum scoring: weighted criteria configured per cycle.

total = sum(weight x score) over the criteria; every criterion must be scored, as an integer
between 0 and its max_score.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Mapping

from .errors import FieldError, ValidationError, raise_if_any
from .money import parse_decimal


@dataclass(frozen=True)
class Criterion:
    name: str
    weight: Decimal
    max_score: int


@dataclass(frozen=True)
class ScoringScheme:
    criteria: tuple[Criterion, ...]

    def __post_init__(self) -> None:
        criteria = tuple(self.criteria)
        object.__setattr__(self, "criteria", criteria)
        errors: list[FieldError] = []
        if not criteria:
            errors.append(FieldError("criteria", "Minimal satu kriteria penilaian", "required"))
        seen: set[str] = set()
        normalized: list[Criterion] = []
        for i, c in enumerate(criteria):
            where = f"criteria[{i}]"
            if not c.name or not c.name.strip():
                errors.append(FieldError(f"{where}.name", "Nama kriteria wajib diisi", "required"))
            elif c.name in seen:
                errors.append(FieldError(f"{where}.name", f"Kriteria {c.name} ganda", "duplicate"))
            seen.add(c.name)
            weight = parse_decimal(c.weight) if not isinstance(c.weight, float) else None
            if weight is None or weight <= 0:
                errors.append(FieldError(f"{where}.weight", "Bobot harus angka lebih dari 0",
                                         "not_positive"))
            else:
                c = replace(c, weight=weight)
            normalized.append(c)
            if isinstance(c.max_score, bool) or not isinstance(c.max_score, int) or c.max_score < 1:
                errors.append(FieldError(f"{where}.max_score", "Nilai maksimal harus bilangan "
                                         "bulat lebih dari 0", "not_positive"))
        raise_if_any(errors)
        object.__setattr__(self, "criteria", tuple(normalized))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.criteria)


def score_errors(scheme: ScoringScheme, scores: Mapping[str, object]) -> list[FieldError]:
    errors: list[FieldError] = []
    for c in scheme.criteria:
        field = f"scores.{c.name}"
        if c.name not in scores:
            errors.append(FieldError(field, f"Nilai kriteria {c.name} wajib diisi", "required"))
            continue
        value = scores[c.name]
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(FieldError(field, f"Nilai kriteria {c.name} harus bilangan bulat",
                                     "invalid"))
        elif not 0 <= value <= c.max_score:
            errors.append(FieldError(field, f"Nilai kriteria {c.name} harus 0 sampai "
                                     f"{c.max_score}", "out_of_range"))
    for name in sorted(set(scores) - set(scheme.names)):
        errors.append(FieldError(f"scores.{name}", f"Kriteria {name} tidak dikenal", "unknown"))
    return errors


def weighted_total(scheme: ScoringScheme, scores: Mapping[str, object]) -> Decimal:
    """sum(weight x score); raises ValidationError listing every bad score."""
    raise_if_any(score_errors(scheme, scores))
    return sum((c.weight * int(scores[c.name]) for c in scheme.criteria), Decimal(0))


def check_all(scheme: ScoringScheme, sheets: Mapping[str, Mapping[str, object]]
              ) -> dict[str, Decimal]:
    """Totals for many usulan {usulan_id: scores}; errors are prefixed with the usulan id."""
    totals: dict[str, Decimal] = {}
    errors: list[FieldError] = []
    for usulan_id, scores in sheets.items():
        found = score_errors(scheme, scores)
        if found:
            errors += [FieldError(f"{usulan_id}.{e.field}", e.message, e.code) for e in found]
        else:
            totals[usulan_id] = weighted_total(scheme, scores)
    if errors:
        raise ValidationError(errors)
    return totals


