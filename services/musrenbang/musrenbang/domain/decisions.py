"""Decisions per level: desa -> kecamatan -> kabupaten.

* a level decides only while its window is open, once, and only if the previous level accepted;
* "ditolak" and "digabung" are final: no later level decides;
* a reason is required for anything but plain "diterima";
* "diterima dengan perubahan" requires a revised volume (cost = volume x unit price);
* "digabung" requires the target usulan (rules in merge.py).
Every decision keeps the original volume and cost beside the level's own values.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from .errors import FieldError, TransitionRefused, raise_if_any
from .merge import absorb, check_merge
from .money import compute_cost
from .schedule import Level, Schedule, check_window, require_aware
from .trail import Decision, DecisionStatus
from .usulan import Usulan, UsulanStatus, ensure_same_cycle
from .validation import volume_errors


@dataclass(frozen=True)
class DecideUsulan:
    """Command: record a level's decision on one usulan."""

    level: Level
    status: DecisionStatus
    by: str
    at: datetime
    reason: str = ""
    revised_volume: object = None
    merge_target_id: str | None = None


@dataclass(frozen=True)
class DecisionOutcome:
    """The decided usulan and, for "digabung", the target that absorbed it (save both)."""

    usulan: Usulan
    merge_target: Usulan | None = None


def ensure_decidable(usulan: Usulan, level: Level) -> None:
    """Raise TransitionRefused unless `level` may decide on `usulan` now (ignoring the clock)."""
    level = Level(level)
    if usulan.status is UsulanStatus.DRAFT:
        raise TransitionRefused("Usulan masih draft dan belum diajukan", code="not_submitted")
    if usulan.status is UsulanStatus.WITHDRAWN:
        raise TransitionRefused("Usulan sudah ditarik", code="withdrawn")
    final = next((d for d in usulan.decisions if d.status.final), None)
    if final is not None:
        raise TransitionRefused(f"Usulan sudah {final.status.value} di tingkat {final.level.value}; "
                                "tidak dapat diputuskan lagi", code="already_final")
    if usulan.decision_at(level) is not None:
        raise TransitionRefused(f"Usulan sudah diputuskan di tingkat {level.value}",
                                code="already_decided")
    previous = level.previous
    if previous is not None and not usulan.accepted_at(previous):
        raise TransitionRefused(f"Usulan belum diterima di tingkat {previous.value}",
                                code="previous_level_pending")


def _field_errors(usulan: Usulan, command: DecideUsulan,
                  merge_target: Usulan | None) -> list[FieldError]:
    status = command.status
    errors: list[FieldError] = []
    if status is not DecisionStatus.DITERIMA and not (command.reason or "").strip():
        errors.append(FieldError("reason", f"Alasan wajib diisi untuk status {status.value}",
                                 "required"))
    if status is DecisionStatus.DITERIMA_DENGAN_PERUBAHAN:
        volume, found = volume_errors(command.revised_volume, usulan.kamus_item, "revised_volume")
        errors += found
        if volume is not None and volume == usulan.current_volume:
            errors.append(FieldError("revised_volume", "Volume perubahan sama dengan volume "
                                     "sebelumnya; gunakan status diterima", "unchanged"))
    elif command.revised_volume is not None:
        errors.append(FieldError("revised_volume", "Volume perubahan hanya untuk status "
                                 "diterima dengan perubahan", "not_allowed"))
    if status is DecisionStatus.DIGABUNG:
        if not command.merge_target_id:
            errors.append(FieldError("merge_target_id", "Usulan tujuan penggabungan wajib dipilih",
                                     "required"))
        elif merge_target is None or merge_target.id != command.merge_target_id:
            errors.append(FieldError("merge_target_id", "Usulan tujuan penggabungan tidak "
                                     "ditemukan", "unknown"))
    elif command.merge_target_id:
        errors.append(FieldError("merge_target_id", "Usulan tujuan hanya untuk status digabung",
                                 "not_allowed"))
    return errors


def decide(usulan: Usulan, command: DecideUsulan, schedule: Schedule,
           merge_target: Usulan | None = None) -> DecisionOutcome:
    """Record `command` on `usulan`. Checks, in order: the level's window (ScheduleClosed),
    the usulan's state (TransitionRefused), the fields (ValidationError), merge rules
    (MergeRefused)."""
    level, status = Level(command.level), DecisionStatus(command.status)
    command = replace(command, level=level, status=status)
    ensure_same_cycle(usulan, schedule)
    check_window(schedule, level, command.at)
    ensure_decidable(usulan, level)
    raise_if_any(_field_errors(usulan, command, merge_target))
    if status is DecisionStatus.DIGABUNG and merge_target is not None:
        check_merge(usulan, merge_target, level)
    if not command.by or not command.by.strip():
        raise ValueError("Pengambil keputusan wajib diisi")

    volume, cost = usulan.current_volume, usulan.current_cost
    if status is DecisionStatus.DITERIMA_DENGAN_PERUBAHAN:
        volume, _ = volume_errors(command.revised_volume, usulan.kamus_item)
        cost = compute_cost(volume, usulan.kamus_item.harga_satuan)
    decision = Decision(
        level=level, status=status, reason=(command.reason or "").strip(), volume=volume,
        cost=cost, original_volume=usulan.volume, original_cost=usulan.cost, by=command.by,
        at=require_aware(command.at),
        merge_target=merge_target.id if status is DecisionStatus.DIGABUNG and merge_target else None)
    decided = replace(usulan, decisions=usulan.decisions + (decision,))
    if status is DecisionStatus.DIGABUNG and merge_target is not None:
        return DecisionOutcome(decided, absorb(merge_target, usulan.id))
    return DecisionOutcome(decided)
