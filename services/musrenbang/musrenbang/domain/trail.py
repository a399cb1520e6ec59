"""The decision trail: what each level decided, beside the original volume and cost."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum

from .schedule import Level


class DecisionStatus(str, Enum):
    DITERIMA = "diterima"
    DITERIMA_DENGAN_PERUBAHAN = "diterima dengan perubahan"
    DIGABUNG = "digabung"
    DITOLAK = "ditolak"

    @property
    def accepted(self) -> bool:
        return self in (DecisionStatus.DITERIMA, DecisionStatus.DITERIMA_DENGAN_PERUBAHAN)

    @property
    def final(self) -> bool:
        """No level may decide after a ditolak or digabung."""
        return not self.accepted


@dataclass(frozen=True)
class Decision:
    """One level's decision. `volume`/`cost` are this level's values; the original values
    submitted by the desa are kept beside them and never overwritten."""

    level: Level
    status: DecisionStatus
    reason: str
    volume: Decimal
    cost: Decimal
    original_volume: Decimal
    original_cost: Decimal
    by: str
    at: datetime
    merge_target: str | None = None
    # Musrenbang RKPD (regulation's order): the decision is the forum's agreement, recorded with
    # the forum's reference (its berita acara), not a Bappeda decision on its own
    forum_ref: str | None = None
