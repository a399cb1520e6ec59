"""The pokir window of one pemda and plan year, and its deadline.

* The window is half-open: open from `opens_at` (inclusive) until `closes_at` (exclusive).
  Creating, editing and submitting a pokir (to Setwan) is refused outside it.
* Default deadline: DPRD submits pokir at the latest one week before Musrenbang RKPD (the
  calendar's `musrenbang_rkpd` step; `kabupaten` in schedules set before the calendar).
  `default_deadline(k)` = local midnight at the start of the local day of `k - 7 days`: never
  less than a full week before the Musrenbang kabupaten opens, and always a whole day
  (Musrenbang kabupaten opening 2027-03-16 -> closes_at 2027-03-09 00:00 WIB, so the last
  day for pokir is 2027-03-08).
* Times are shown in the pemda's local zone (`Zona`: WIB = UTC+7 by default, WITA = UTC+8,
  WIT = UTC+9). The deadline is shown as the last minute still open (the minute of
  closes_at minus 1 µs): "Batas waktu pokir 2027-03-08 23:59 WIB sudah lewat".
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo

from .errors import ScheduleClosed

DEADLINE_BEFORE_MUSRENBANG_KABUPATEN = timedelta(days=7)
_LABEL = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Zona:
    """An Indonesian time zone: WIB, WITA or WIT (no daylight saving)."""

    nama: str
    utc_offset: timedelta

    @property
    def tzinfo(self) -> tzinfo:
        return timezone(self.utc_offset, self.nama)

    def label(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.tzinfo).strftime(_LABEL)} {self.nama}"


WIB = Zona("WIB", timedelta(hours=7))
WITA = Zona("WITA", timedelta(hours=8))
WIT = Zona("WIT", timedelta(hours=9))


def require_aware(moment: datetime, name: str = "waktu") -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} harus datetime dengan zona waktu")
    return moment


def default_deadline(musrenbang_kabupaten_opens_at: datetime, zona: Zona = WIB) -> datetime:
    """closes_at of the pokir window: local midnight starting the day one week before."""
    require_aware(musrenbang_kabupaten_opens_at, "musrenbang_kabupaten_opens_at")
    local = (musrenbang_kabupaten_opens_at.astimezone(zona.tzinfo)
             - DEADLINE_BEFORE_MUSRENBANG_KABUPATEN)
    return datetime.combine(local.date(), time(0), tzinfo=zona.tzinfo)


@dataclass(frozen=True)
class PokirWindow:
    pemda: str
    tahun: int
    opens_at: datetime
    closes_at: datetime
    zona: Zona = WIB

    def __post_init__(self) -> None:
        require_aware(self.opens_at, "opens_at")
        require_aware(self.closes_at, "closes_at")
        if self.closes_at < self.opens_at:
            raise ValueError("closes_at tidak boleh sebelum opens_at")

    @classmethod
    def with_default_deadline(cls, pemda: str, tahun: int, opens_at: datetime,
                              musrenbang_kabupaten_opens_at: datetime,
                              zona: Zona = WIB) -> "PokirWindow":
        return cls(pemda, tahun, opens_at, default_deadline(musrenbang_kabupaten_opens_at, zona),
                   zona)

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= require_aware(at) < self.closes_at

    @property
    def deadline_label(self) -> str:
        """The last minute still open, local time: "2027-03-08 23:59 WIB"."""
        return self.zona.label(self.closes_at - timedelta(microseconds=1))

    @property
    def opens_label(self) -> str:
        return self.zona.label(self.opens_at)


def check_open(window: PokirWindow, at: datetime) -> PokirWindow:
    """`window` if open at `at`; else ScheduleClosed naming the opening or the deadline."""
    require_aware(at)
    if at < window.opens_at:
        raise ScheduleClosed(f"Pengisian pokir tahun {window.tahun} belum dibuka; dibuka "
                             f"{window.opens_label}", code="pokir_not_open")
    if at >= window.closes_at:
        raise ScheduleClosed(f"Batas waktu pokir {window.deadline_label} sudah lewat",
                             code="deadline_passed")
    return window


def window_from_calendar(windows: dict[str, tuple[datetime, datetime]],
                         zona: Zona = WIB) -> tuple[datetime, datetime] | None:
    """The default pokir window from the planning calendar's windows by step (`{step: (opens_at,
    closes_at)}`): it closes at `default_deadline(musrenbang_rkpd.opens_at)` — or at the calendar's own
    `pokir` close when that is earlier — and opens at the calendar's `pokir` opening, else the desa
    opening (never after the close: a calendar so short yields an empty window). Legacy schedules
    name Musrenbang RKPD `kabupaten`. None when the calendar has no Musrenbang RKPD date or no opening."""
    rkpd = windows.get("musrenbang_rkpd") or windows.get("kabupaten")
    start = windows.get("pokir") or windows.get("desa")
    if rkpd is None or start is None:
        return None
    closes = default_deadline(rkpd[0], zona)
    if "pokir" in windows:
        closes = min(closes, windows["pokir"][1])
    return min(start[0], closes), closes
