"""Stage windows per pemda and plan year.

A year's schedule holds one window per calendar step (`Step`, see calendar.py for the order rules
of Permendagri 86/2017); a year played in the old order (`tata_urutan` "lama") holds the three
Musrenbang levels only: desa -> kecamatan -> kabupaten. A `Level` names the same window as its
step (`kabupaten` is the step `musrenbang_rkpd`), so the decisions per level keep working.

A window is half-open: open from `opens_at` (inclusive) until `closes_at` (exclusive). Its label
shows the first and the last day it is open, in the timezone the datetimes were given in, e.g.
"Jadwal Musrenbang desa 2026-01-05 s.d. 2026-01-31" (closes_at 2026-02-01T00:00+07:00).
The stage owner may close early, extend or reopen a window; each needs a reason and is kept in
the schedule's history (who, when, what, why, window before and after).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum

from .errors import FieldError, ScheduleChangeRefused, ScheduleClosed, raise_if_any


class Level(str, Enum):
    DESA = "desa"
    KECAMATAN = "kecamatan"
    KABUPATEN = "kabupaten"

    @property
    def previous(self) -> "Level | None":
        index = LEVELS.index(self)
        return LEVELS[index - 1] if index else None


    @property
    def step(self) -> "Step":
        return LEVEL_STEP[self]


LEVELS: tuple[Level, ...] = (Level.DESA, Level.KECAMATAN, Level.KABUPATEN)


class Step(str, Enum):
    """The calendar's steps, in the regulation's order (Permendagri 86/2017)."""

    RANCANGAN_AWAL = "rancangan_awal"
    RENJA_DRAFT = "renja_draft"
    DESA = "desa"
    KECAMATAN = "kecamatan"
    FORUM_PD = "forum_pd"
    POKIR = "pokir"
    MUSRENBANG_RKPD = "musrenbang_rkpd"
    PENETAPAN = "penetapan"
    RENJA_FINAL = "renja_final"


STEPS: tuple[Step, ...] = tuple(Step)
LEVEL_STEP = {Level.DESA: Step.DESA, Level.KECAMATAN: Step.KECAMATAN, Level.KABUPATEN: Step.MUSRENBANG_RKPD}
STEP_LEVEL = {step: level for level, step in LEVEL_STEP.items()}

TATA_URUTAN_BARU = "permendagri_86_2017"
TATA_URUTAN_LAMA = "lama"
TATA_URUTAN = (TATA_URUTAN_BARU, TATA_URUTAN_LAMA)


def as_step(key: "Step | Level | str") -> Step:
    """The step a window key names: a Step, a Level (`kabupaten` -> musrenbang_rkpd) or either's
    value; ValueError otherwise."""
    if isinstance(key, Step):
        return key
    if isinstance(key, Level):
        return LEVEL_STEP[key]
    try:
        return LEVEL_STEP[Level(key)]
    except ValueError:
        return Step(key)


def require_aware(moment: datetime, name: str = "waktu") -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} harus datetime dengan zona waktu")
    return moment


STEP_TITLES = {
    Step.RANCANGAN_AWAL: "Rancangan Awal RKPD", Step.RENJA_DRAFT: "Rancangan Renja Perangkat Daerah",
    Step.DESA: "Musrenbang desa", Step.KECAMATAN: "Musrenbang kecamatan", Step.FORUM_PD: "Forum Perangkat Daerah",
    Step.POKIR: "Pokok-pokok pikiran DPRD", Step.MUSRENBANG_RKPD: "Musrenbang kabupaten",
    Step.PENETAPAN: "Penetapan RKPD", Step.RENJA_FINAL: "Renja final Perangkat Daerah",
}


@dataclass(frozen=True)
class Window:
    step: Step  # a Level is accepted and stored as its step
    opens_at: datetime
    closes_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "step", as_step(self.step))
        require_aware(self.opens_at, "opens_at")
        require_aware(self.closes_at, "closes_at")
        if self.closes_at < self.opens_at:
            raise ValueError("closes_at tidak boleh sebelum opens_at")

    @property
    def level(self) -> Level | None:
        """The Musrenbang level of this window (None for the steps of other services)."""
        return STEP_LEVEL.get(self.step)

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= require_aware(at) < self.closes_at

    @property
    def label(self) -> str:
        first_day = self.opens_at.date().isoformat()
        last_day = (self.closes_at - timedelta(microseconds=1)).date().isoformat()
        return f"Jadwal {STEP_TITLES[self.step]} {first_day} s.d. {last_day}"


class ChangeKind(str, Enum):
    CLOSE_EARLY = "close_early"
    EXTEND = "extend"
    REOPEN = "reopen"


@dataclass(frozen=True)
class ScheduleChange:
    """An audited act of the stage owner on one window."""

    step: Step
    kind: ChangeKind
    by: str
    at: datetime
    reason: str
    before: Window
    after: Window

    def __post_init__(self) -> None:
        object.__setattr__(self, "step", as_step(self.step))

    @property
    def level(self) -> Level | None:
        return STEP_LEVEL.get(self.step)


@dataclass(frozen=True)
class Schedule:
    pemda: str
    tahun: int
    windows: tuple[Window, ...]
    history: tuple[ScheduleChange, ...] = ()
    tata_urutan: str = TATA_URUTAN_LAMA
    zona: str = "WIB"  # the zone the calendar shows its dates in (WIB, WITA, WIT)

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "history", tuple(self.history))
        steps = [w.step for w in self.windows]
        if len(steps) != len(set(steps)):
            raise ValueError("Setiap tingkat hanya boleh punya satu jadwal")
        if self.tata_urutan not in TATA_URUTAN:
            raise ValueError(f"Tata urutan {self.tata_urutan!r} tidak dikenal")

    @property
    def new_order(self) -> bool:
        """Played in the order of Permendagri 86/2017 (not a year of the old order)."""
        return self.tata_urutan == TATA_URUTAN_BARU

    def window(self, key: "Step | Level | str") -> Window | None:
        step = as_step(key)
        return next((w for w in self.windows if w.step is step), None)

    def is_open(self, key: "Step | Level | str", at: datetime) -> bool:
        window = self.window(key)
        return window is not None and window.is_open(at)


def _window_or_refuse(schedule: Schedule, key: "Step | Level | str") -> Window:
    window = schedule.window(key)
    if window is None:
        step = as_step(key)
        raise ScheduleClosed(
            f"Jadwal {STEP_TITLES[step]} tahun {schedule.tahun} belum ditetapkan",
            code="schedule_missing",
        )
    return window


def check_window(schedule: Schedule, level: Level, at: datetime) -> Window:
    """Return the level's window if it is open at `at`; else raise ScheduleClosed naming it."""
    window = _window_or_refuse(schedule, level)
    require_aware(at)
    if at < window.opens_at:
        raise ScheduleClosed(f"{window.label} belum dibuka", code="schedule_not_open")
    if at >= window.closes_at:
        raise ScheduleClosed(f"{window.label} sudah ditutup", code="schedule_closed")
    return window


def _reason_errors(reason: str | None) -> list[FieldError]:
    if reason is None or not str(reason).strip():
        return [FieldError("reason", "Alasan wajib diisi", "required")]
    return []


def _record(schedule: Schedule, kind: ChangeKind, before: Window, after: Window,
            by: str, at: datetime, reason: str, closed: frozenset = frozenset()) -> Schedule:
    if not by or not str(by).strip():
        raise ValueError("Pelaku perubahan jadwal wajib diisi")
    change = ScheduleChange(before.step, kind, by, at, reason.strip(), before, after)
    windows = tuple(after if w.step is before.step else w for w in schedule.windows)
    changed = replace(schedule, windows=windows, history=schedule.history + (change,))
    if schedule.new_order:
        from .calendar import check_change_keeps_order  # the order rules of the regulation's calendar
        check_change_keeps_order(schedule, changed, before.step, closed)
    return changed


def close_early(schedule: Schedule, level: Level, *, by: str, at: datetime,
                reason: str, closed: frozenset = frozenset()) -> Schedule:
    """Close an open window now (`at`)."""
    window = _window_or_refuse(schedule, level)
    if not window.is_open(at):
        raise ScheduleChangeRefused(f"{window.label} tidak sedang dibuka; tidak dapat ditutup lebih awal")
    raise_if_any(_reason_errors(reason))
    return _record(schedule, ChangeKind.CLOSE_EARLY, window, replace(window, closes_at=at),
                   by, at, reason, closed)


def extend(schedule: Schedule, level: Level, *, closes_at: datetime, by: str, at: datetime,
           reason: str, closed: frozenset = frozenset()) -> Schedule:
    """Move the close of a window that has not closed yet to a later moment."""
    window = _window_or_refuse(schedule, level)
    if require_aware(at) >= window.closes_at:
        raise ScheduleChangeRefused(f"{window.label} sudah ditutup; gunakan buka kembali")
    errors = _reason_errors(reason)
    if require_aware(closes_at, "closes_at") <= window.closes_at:
        errors.append(FieldError("closes_at", "Waktu penutupan baru harus setelah waktu penutupan "
                                 "sekarang", "not_later"))
    raise_if_any(errors)
    return _record(schedule, ChangeKind.EXTEND, window, replace(window, closes_at=closes_at),
                   by, at, reason, closed)


def reopen(schedule: Schedule, level: Level, *, closes_at: datetime, by: str, at: datetime,
           reason: str, closed: frozenset = frozenset()) -> Schedule:
    """Open a closed window again, from now until `closes_at`."""
    window = _window_or_refuse(schedule, level)
    if require_aware(at) < window.closes_at:
        raise ScheduleChangeRefused(f"{window.label} belum ditutup; tidak dapat dibuka kembali")
    errors = _reason_errors(reason)
    if require_aware(closes_at, "closes_at") <= at:
        errors.append(FieldError("closes_at", "Waktu penutupan baru harus setelah saat ini",
                                 "not_later"))
    raise_if_any(errors)
    return _record(schedule, ChangeKind.REOPEN, window, replace(window, closes_at=closes_at),
                   by, at, reason, closed)
