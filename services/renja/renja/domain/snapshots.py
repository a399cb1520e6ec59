"""Named snapshots of one OPD's renja (rancangan awal, rancangan, rancangan akhir) and their
comparison. A snapshot holds the rows sorted by id; `compare(a, b)` lists rows added in b,
removed from a and changed ({field: (before, after)}, every field but id), with the totals."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Iterable

from .access import Action, Actor, authorize
from .errors import FieldError, ValidationError
from .money import ZERO
from .rows import RenjaRow, row_diff
from .texts import require_aware

SNAPSHOT_NAMES = ("rancangan awal", "rancangan", "rancangan akhir")


@dataclass(frozen=True)
class Snapshot:
    nama: str
    opd: str
    tahun: int
    rows: tuple[RenjaRow, ...]
    taken_at: datetime
    by: str

    @property
    def total_n(self) -> Decimal:
        return sum((r.pagu_n for r in self.rows), ZERO)

    @property
    def total_n1(self) -> Decimal:
        return sum((r.pagu_n1 for r in self.rows), ZERO)


@dataclass(frozen=True)
class Comparison:
    added: tuple[RenjaRow, ...]
    removed: tuple[RenjaRow, ...]
    changed: tuple[tuple[str, dict[str, tuple[object, object]]], ...]
    total_n_before: Decimal
    total_n_after: Decimal
    total_n1_before: Decimal
    total_n1_after: Decimal

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.changed)


def take_snapshot(nama: str, *, actor: Actor, pemda: str, opd: str, tahun: int,
                  rows: Iterable[RenjaRow], at: datetime) -> Snapshot:
    """A named copy of the OPD's rows (by the OPD itself or Bappeda). Keeping one snapshot per
    name, OPD and year is the service's unique key."""
    authorize(actor, Action.SNAPSHOT, pemda=pemda, opd=opd)
    require_aware(at, "at")
    if nama not in SNAPSHOT_NAMES:
        raise ValidationError([FieldError("nama", "Nama salinan harus salah satu dari: "
                                                  + ", ".join(SNAPSHOT_NAMES), "invalid")])
    ordered = tuple(sorted(rows, key=lambda r: r.id))
    if len({r.id for r in ordered}) != len(ordered):
        raise ValueError("Baris Renja ganda dalam salinan")
    if any((r.opd, r.tahun) != (opd, tahun) for r in ordered):
        raise ValueError(f"Salinan hanya berisi baris OPD {opd} tahun {tahun}")
    return Snapshot(nama, opd, tahun, ordered, at, actor.sub)


def compare(a: Snapshot, b: Snapshot) -> Comparison:
    """What changed from `a` (before) to `b` (after), rows matched by id."""
    if (a.opd, a.tahun) != (b.opd, b.tahun):
        raise ValueError("Hanya salinan Renja OPD dan tahun yang sama yang dapat dibandingkan")
    before = {r.id: r for r in a.rows}
    after = {r.id: r for r in b.rows}
    added = tuple(after[i] for i in sorted(after.keys() - before.keys()))
    removed = tuple(before[i] for i in sorted(before.keys() - after.keys()))
    changed = []
    for row_id in sorted(before.keys() & after.keys()):
        diff = row_diff(before[row_id], after[row_id])
        if diff:
            changed.append((row_id, diff))
    return Comparison(added, removed, tuple(changed), a.total_n, b.total_n, a.total_n1,
                      b.total_n1)
