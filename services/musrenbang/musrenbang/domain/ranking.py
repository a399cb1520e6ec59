"""Deterministic ranking of scored usulan (kecamatan forum).

Order (a total order, because usulan ids are unique):
  1. higher weighted total first;
  2. then lower cost (the cheaper proposal first);
  3. then earlier submission time (first come, first served);
  4. then usulan id, ascending (plain string order).
Positions are 1..n with no shared positions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Iterable

from .schedule import require_aware
from .usulan import Usulan


@dataclass(frozen=True)
class RankEntry:
    usulan_id: str
    total: Decimal
    cost: Decimal
    submitted_at: datetime

    def __post_init__(self) -> None:
        require_aware(self.submitted_at, "submitted_at")


@dataclass(frozen=True)
class Ranked:
    position: int
    entry: RankEntry


def rank_key(entry: RankEntry) -> tuple:
    return (-entry.total, entry.cost, entry.submitted_at, entry.usulan_id)


def compare(a: RankEntry, b: RankEntry) -> int:
    """-1 if `a` ranks before `b`, 1 if after, 0 only for the same usulan id."""
    ka, kb = rank_key(a), rank_key(b)
    return (ka > kb) - (ka < kb)


def rank(entries: Iterable[RankEntry]) -> tuple[Ranked, ...]:
    """Rank entries; ValueError on a repeated usulan id (the order would not be total)."""
    items = list(entries)
    if len({e.usulan_id for e in items}) != len(items):
        raise ValueError("Usulan ganda dalam pemeringkatan")
    ordered = sorted(items, key=rank_key)
    return tuple(Ranked(position, entry) for position, entry in enumerate(ordered, start=1))


def entry_for(usulan: Usulan, total: Decimal) -> RankEntry:
    """The rank entry of a submitted usulan: its current cost and submission time."""
    if usulan.submitted_at is None:
        raise ValueError("Usulan yang belum diajukan tidak dapat diperingkat")
    return RankEntry(usulan.id, Decimal(total), usulan.current_cost, usulan.submitted_at)
