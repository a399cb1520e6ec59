"""The usulan aggregate, its lifecycle (draft -> submitted -> withdrawn) and read-only queries.

Decisions per level live in `decisions.py`; creation with field validation in `validation.py`.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import Enum

from .errors import TransitionRefused
from .kamus import KamusItem
from .schedule import Level, Schedule, check_window, require_aware
from .trail import Decision, DecisionStatus


class UsulanStatus(str, Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Pengusul:
    """The proposer. Personal data: never leaves the service through a public view."""

    nama: str
    telepon: str | None = None
    nik: str | None = None
    kelompok: str | None = None


@dataclass(frozen=True)
class Usulan:
    id: str
    tracking_code: str
    tahun: int
    pemda: str
    kecamatan: str
    desa: str
    kamus_item: KamusItem  # snapshot: the unit price is fixed when the usulan is made
    volume: Decimal  # original volume, never changed after creation
    cost: Decimal  # original cost = volume x kamus_item.harga_satuan
    permasalahan: str
    gagasan: str
    created_by: str
    created_at: datetime
    alamat: str | None = None
    lat: Decimal | None = None
    lon: Decimal | None = None
    pengusul: Pengusul | None = None
    status: UsulanStatus = UsulanStatus.DRAFT
    submitted_at: datetime | None = None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdraw_reason: str | None = None
    decisions: tuple[Decision, ...] = ()
    merged_from: tuple[str, ...] = ()  # ids of usulan merged into this one

    def decision_at(self, level: Level) -> Decision | None:
        level = Level(level)
        return next((d for d in self.decisions if d.level is level), None)

    @property
    def latest_decision(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None

    @property
    def current_volume(self) -> Decimal:
        latest = self.latest_decision
        return latest.volume if latest else self.volume

    @property
    def current_cost(self) -> Decimal:
        latest = self.latest_decision
        return latest.cost if latest else self.cost

    @property
    def merged_into(self) -> str | None:
        return next((d.merge_target for d in self.decisions
                     if d.status is DecisionStatus.DIGABUNG), None)

    @property
    def is_final(self) -> bool:
        """Rejected or merged at some level: nothing can be decided any more."""
        return any(d.status.final for d in self.decisions)

    def accepted_at(self, level: Level) -> bool:
        decision = self.decision_at(level)
        return decision is not None and decision.status.accepted

    def is_live_at(self, level: Level) -> bool:
        """Submitted, not rejected/merged, accepted at the previous level, and not refused here."""
        if self.status is not UsulanStatus.SUBMITTED or self.is_final:
            return False
        previous = Level(level).previous
        return previous is None or self.accepted_at(previous)


# Status of an usulan as seen from one level (keys of a stage manifest).
STATUS_DRAFT = "draft"
STATUS_DITARIK = "ditarik"
STATUS_TIDAK_DITERUSKAN = "tidak diteruskan"  # stopped at an earlier level
STATUS_BELUM_DIPUTUSKAN = "belum diputuskan"
LEVEL_STATUSES: tuple[str, ...] = (
    STATUS_DRAFT, STATUS_DITARIK, STATUS_TIDAK_DITERUSKAN, STATUS_BELUM_DIPUTUSKAN,
    *(s.value for s in DecisionStatus),
)


def status_at(usulan: Usulan, level: Level) -> str:
    """One of LEVEL_STATUSES: the decision at `level`, or why there is none.

    "belum diputuskan": live at this level (submitted, accepted at the previous level, not
    rejected or merged) but not decided yet; "tidak diteruskan": submitted but it can no longer
    reach a decision here (rejected or merged earlier, or never accepted at the previous level).
    """
    decision = usulan.decision_at(level)
    if decision is not None:
        return decision.status.value
    if usulan.status is UsulanStatus.DRAFT:
        return STATUS_DRAFT
    if usulan.status is UsulanStatus.WITHDRAWN:
        return STATUS_DITARIK
    return STATUS_BELUM_DIPUTUSKAN if usulan.is_live_at(level) else STATUS_TIDAK_DITERUSKAN


def ensure_same_cycle(usulan: Usulan, schedule: Schedule) -> None:
    if (schedule.pemda, schedule.tahun) != (usulan.pemda, usulan.tahun):
        raise TransitionRefused(
            f"Jadwal {schedule.pemda}/{schedule.tahun} bukan jadwal usulan "
            f"{usulan.pemda}/{usulan.tahun}", code="schedule_mismatch")


def submit(usulan: Usulan, schedule: Schedule, *, by: str, at: datetime) -> Usulan:
    """Draft -> submitted, only while the desa window is open."""
    ensure_same_cycle(usulan, schedule)
    check_window(schedule, Level.DESA, at)
    if usulan.status is not UsulanStatus.DRAFT:
        raise TransitionRefused("Hanya usulan berstatus draft yang dapat diajukan",
                                code="not_draft")
    return replace(usulan, status=UsulanStatus.SUBMITTED, submitted_at=require_aware(at))


def withdraw(usulan: Usulan, schedule: Schedule, *, by: str, at: datetime,
             reason: str | None = None) -> Usulan:
    """Withdraw a draft or submitted usulan: only while the desa window is open and before
    the kecamatan has decided on it."""
    ensure_same_cycle(usulan, schedule)
    check_window(schedule, Level.DESA, at)
    if usulan.status is UsulanStatus.WITHDRAWN:
        raise TransitionRefused("Usulan sudah ditarik", code="already_withdrawn")
    if any(d.level is not Level.DESA for d in usulan.decisions):
        raise TransitionRefused("Usulan sudah diputuskan di tingkat kecamatan; tidak dapat ditarik",
                                code="already_decided")
    if usulan.is_final:
        raise TransitionRefused("Usulan sudah ditolak atau digabung; tidak dapat ditarik",
                                code="already_final")
    if usulan.merged_from:
        raise TransitionRefused("Usulan lain sudah digabung ke usulan ini; tidak dapat ditarik",
                                code="is_merge_target")
    return replace(usulan, status=UsulanStatus.WITHDRAWN, withdrawn_at=require_aware(at),
                   withdrawn_by=by, withdraw_reason=(reason or "").strip() or None)
