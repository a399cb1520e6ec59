"""Stage windows per pemda and plan year: desa -> kecamatan -> kabupaten.

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


LEVELS: tuple[Level, ...] = (Level.DESA, Level.KECAMATAN, Level.KABUPATEN)


def require_aware(moment: datetime, name: str = "waktu") -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} harus datetime dengan zona waktu")
    return moment


@dataclass(frozen=True)
class Window:
    level: Level
    opens_at: datetime
    closes_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "level", Level(self.level))
        require_aware(self.opens_at, "opens_at")
        require_aware(self.closes_at, "closes_at")
        if self.closes_at < self.opens_at:
            raise ValueError("closes_at tidak boleh sebelum opens_at")

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= require_aware(at) < self.closes_at

    @property
    def label(self) -> str:
        first_day = self.opens_at.date().isoformat()
        last_day = (self.closes_at - timedelta(microseconds=1)).date().isoformat()
        return f"Jadwal Musrenbang {self.level.value} {first_day} s.d. {last_day}"


class ChangeKind(str, Enum):
    CLOSE_EARLY = "close_early"
    EXTEND = "extend"
    REOPEN = "reopen"


@dataclass(frozen=True)
class ScheduleChange:
    """An audited act of the stage owner on one window."""

    level: Level
    kind: ChangeKind
    by: str
    at: datetime
    reason: str
    before: Window
    after: Window


@dataclass(frozen=True)
class Schedule:
    pemda: str
    tahun: int
    windows: tuple[Window, ...]
    history: tuple[ScheduleChange, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple(self.windows))
        object.__setattr__(self, "history", tuple(self.history))
        levels = [w.level for w in self.windows]
        if len(levels) != len(set(levels)):
            raise ValueError("Setiap tingkat hanya boleh punya satu jadwal")

    def window(self, level: Level) -> Window | None:
        level = Level(level)
        return next((w for w in self.windows if w.level is level), None)

    def is_open(self, level: Level, at: datetime) -> bool:
        window = self.window(level)
        return window is not None and window.is_open(at)


def _window_or_refuse(schedule: Schedule, level: Level) -> Window:
    window = schedule.window(level)
    if window is None:
        raise ScheduleClosed(
            f"Jadwal Musrenbang {Level(level).value} tahun {schedule.tahun} belum ditetapkan",
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
            by: str, at: datetime, reason: str) -> Schedule:
    if not by or not str(by).strip():
        raise ValueError("Pelaku perubahan jadwal wajib diisi")
    change = ScheduleChange(before.level, kind, by, at, reason.strip(), before, after)
    windows = tuple(after if w.level is before.level else w for w in schedule.windows)
    return replace(schedule, windows=windows, history=schedule.history + (change,))


def close_early(schedule: Schedule, level: Level, *, by: str, at: datetime,
                reason: str) -> Schedule:
    """Close an open window now (`at`)."""
    window = _window_or_refuse(schedule, level)
    if not window.is_open(at):
        raise ScheduleChangeRefused(f"{window.label} tidak sedang dibuka; tidak dapat ditutup lebih awal")
    raise_if_any(_reason_errors(reason))
    return _record(schedule, ChangeKind.CLOSE_EARLY, window, replace(window, closes_at=at),
                   by, at, reason)


def extend(schedule: Schedule, level: Level, *, closes_at: datetime, by: str, at: datetime,
           reason: str) -> Schedule:
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
                   by, at, reason)


def reopen(schedule: Schedule, level: Level, *, closes_at: datetime, by: str, at: datetime,
           reason: str) -> Schedule:
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
                   by, at, reason)
