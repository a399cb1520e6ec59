"""Totals over a set of usulan at one level. Each usulan counts at most once: ids must be
unique, and only usulan accepted at the level count (a merged usulan is "digabung", never
accepted, so only its target counts)."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Iterable

from .money import ZERO
from .schedule import Level
from .usulan import Usulan


def unique_by_id(usulans: Iterable[Usulan]) -> list[Usulan]:
    """The usulan as a list; ValueError if an id appears twice (it would be counted twice)."""
    items = list(usulans)
    repeated = sorted(i for i, n in Counter(u.id for u in items).items() if n > 1)
    if repeated:
        raise ValueError(f"Usulan ganda dalam himpunan: {', '.join(repeated)}")
    return items


def accepted_at(usulans: Iterable[Usulan], level: Level) -> list[Usulan]:
    return [u for u in unique_by_id(usulans) if u.accepted_at(level)]


def total_cost(usulans: Iterable[Usulan], level: Level) -> Decimal:
    """Sum of the level's cost over usulan accepted at `level`."""
    level = Level(level)
    return sum((d.cost for u in accepted_at(usulans, level)
                for d in u.decisions if d.level is level), ZERO)
