"""Renja's copy of the planning calendar (from Musrenbang's schedule events) and what it says
about the steps Renja's acts depend on.

Each window is keyed by its `step` (`rancangan_awal`, `renja_draft`, `desa`, `kecamatan`,
`forum_pd`, `pokir`, `musrenbang_rkpd`, `penetapan`, `renja_final`); an event of a legacy schedule
names only `level` (`desa`/`kecamatan`/`kabupaten`, the latter being `musrenbang_rkpd`). A step is
closed when its window's `closes_at` has passed (closing early moves it to the moment of the close,
reopening moves it later; the copy follows the events).

A Forum Perangkat Daerah closes only after the `kecamatan` step (every kecamatan forum) and, when
the calendar has one, the `renja_draft` step.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping

LEVEL_STEP = {"desa": "desa", "kecamatan": "kecamatan", "kabupaten": "musrenbang_rkpd"}
STEP_LABELS = {"rancangan_awal": "Rancangan awal RKPD", "renja_draft": "Rancangan Renja", "desa": "Musrenbang desa",
               "kecamatan": "Musrenbang kecamatan", "forum_pd": "Forum Perangkat Daerah", "pokir": "Pokir DPRD",
               "musrenbang_rkpd": "Musrenbang RKPD", "penetapan": "Penetapan RKPD", "renja_final": "Renja final"}
FORUM_PD_REQUIRES = ("kecamatan",)
FORUM_PD_REQUIRES_IF_SCHEDULED = ("renja_draft",)


@dataclass(frozen=True)
class Window:
    step: str
    opens_at: datetime
    closes_at: datetime


def step_of(window: Mapping[str, object]) -> str | None:
    """The step a window of an event names (`step`, else the legacy `level`)."""
    step = window.get("step")
    if isinstance(step, str) and step:
        return step
    return LEVEL_STEP.get(window.get("level"))  # type: ignore[arg-type]


def is_closed(windows: Mapping[str, Window], step: str, now: datetime) -> bool:
    window = windows.get(step)
    return window is not None and window.closes_at <= now


def forum_pd_calendar_blockers(windows: Mapping[str, Window], now: datetime) -> list[dict[str, str]]:
    """Why the calendar does not let a Forum PD close yet (empty: it does)."""
    if not windows:
        return [{"kind": "kalender_belum_ada", "detail": "Jadwal perencanaan tahun ini belum diterima dari "
                                                          "Musrenbang; Bappeda perlu menetapkan kalender"}]
    found = []
    for step in FORUM_PD_REQUIRES + tuple(s for s in FORUM_PD_REQUIRES_IF_SCHEDULED if s in windows):
        if not is_closed(windows, step, now):
            when = windows[step].closes_at.isoformat() if step in windows else "belum dijadwalkan"
            found.append({"kind": "tahap_belum_ditutup", "step": step,
                          "detail": f"Tahap {STEP_LABELS[step]} belum ditutup (jadwal tutup: {when}); Forum "
                                    "Perangkat Daerah ditutup sesudahnya"})
    return found
