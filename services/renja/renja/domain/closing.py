"""What blocks closing the renja stage of a pemda and year, listed exactly:

* `renja_not_final`: an OPD of the register whose renja is not final (no renja yet = draf);
* `inbox_pending`: an OPD with inbox items still `menunggu`, with their ids.

Sorted by OPD code, then kind (renja first). An empty list means the stage can close.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from .inbox import InboxItem
from .lifecycle import RenjaState, RenjaStatus
from .opd import Opd

RENJA_NOT_FINAL = "renja_not_final"
INBOX_PENDING = "inbox_pending"


@dataclass(frozen=True)
class Blocker:
    kind: str
    opd: str
    detail: str
    ids: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "opd": self.opd, "detail": self.detail,
                "ids": list(self.ids)}


def _status(value: RenjaStatus | RenjaState | str | None) -> RenjaStatus:
    if value is None:
        return RenjaStatus.DRAFT
    if isinstance(value, RenjaState):
        return value.status
    return RenjaStatus(value)


def close_blockers(opds: Iterable[Opd | str],
                   statuses: Mapping[str, RenjaStatus | RenjaState | str],
                   pending_inbox: Iterable[InboxItem]) -> list[Blocker]:
    """Every reason the stage cannot close yet (empty: it can)."""
    blockers: list[Blocker] = []
    for code in sorted({o.kode if isinstance(o, Opd) else o for o in opds}):
        status = _status(statuses.get(code))
        if status is not RenjaStatus.FINAL:
            blockers.append(Blocker(RENJA_NOT_FINAL, code, f"Renja OPD {code} belum final "
                                                           f"(status: {status.label})"))
    waiting: dict[str, list[str]] = {}
    for item in pending_inbox:
        if item.pending:
            waiting.setdefault(item.opd, []).append(item.id)
    for code, ids in waiting.items():
        ids.sort()
        blockers.append(Blocker(INBOX_PENDING, code, f"{len(ids)} usulan/pokir di kotak masuk "
                                                     f"OPD {code} belum diputuskan",
                                tuple(ids)))
    order = {RENJA_NOT_FINAL: 0, INBOX_PENDING: 1}
    blockers.sort(key=lambda b: (b.opd, order[b.kind]))
    return blockers
