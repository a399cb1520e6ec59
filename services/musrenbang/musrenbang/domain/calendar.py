"""The planning calendar of Permendagri 86/2017: the nine steps of a pemda's plan year, who owns
each, which steps each depends on, and the order rules its windows and close acts obey.

    rancangan_awal -> (renja_draft || desa -> kecamatan) -> forum_pd -> musrenbang_rkpd
    pokir (closes at the latest one week before musrenbang_rkpd opens)  -> musrenbang_rkpd
    musrenbang_rkpd -> penetapan -> renja_final

Order rules (pure; the service applies them, each refusal names the field it is about):

* windows: a step's window opens no earlier than the windows of the steps it depends on open,
  and closes no earlier than they close (a step cannot be over before what it builds on is);
* the pokir window closes at the latest at `pokir_deadline(musrenbang_rkpd.opens_at)`: local
  midnight (the calendar's zone, WIB by default) starting the day one week before Musrenbang RKPD
  opens; given without `closes_at`, the pokir window closes exactly then;
* a change (close early, extend, reopen) must keep those rules: a window cannot be closed early
  while a window it depends on is still open, nor extended past the close of a step that depends
  on it;
* a close act (e.g. the Musrenbang RKPD forum close) is refused while a step it depends on is not
  closed. A step whose close is an act Musrenbang hears of (`REPORTED`: rancangan awal and
  penetapan published by RKPD, pokir closed by Pokir after Setwan's delivery and Bappeda's review,
  Musrenbang RKPD closed by its forum) is closed when that act is reported: the end of its window
  only ends its input. Any other step (renja_draft, desa, kecamatan, forum_pd, renja_final) is
  closed when its window has ended, by time or closed early by Bappeda in the calendar.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Collection, Iterable, Mapping, Sequence

from .errors import DomainError, FieldError, ScheduleChangeRefused, ValidationError, raise_if_any
from .schedule import (STEP_TITLES, STEPS, TATA_URUTAN_BARU, Schedule, Step, Window, as_step,
                       require_aware)

POKIR_LEAD = timedelta(days=7)
ZONES = {"WIB": timedelta(hours=7), "WITA": timedelta(hours=8), "WIT": timedelta(hours=9)}


@dataclass(frozen=True)
class StepRule:
    step: Step
    owner: str  # the role that acts at this step (its close act, where it has one)
    depends_on: tuple[Step, ...]
    closed_by: str  # what closes it: the owner's act (and its event) or the window's end
    close_event: str | None  # "<service> <routing key>" of the close, None: the window's end


RULES: Mapping[Step, StepRule] = {r.step: r for r in (
    StepRule(Step.RANCANGAN_AWAL, "bappeda", (), "Bappeda menerbitkan rancangan awal RKPD",
             "rkpd rkpd.published.v1 (versi rancangan awal)"),
    StepRule(Step.RENJA_DRAFT, "opd", (Step.RANCANGAN_AWAL,), "akhir jendela", None),
    StepRule(Step.DESA, "operator_desa", (), "akhir jendela", None),
    StepRule(Step.KECAMATAN, "operator_kecamatan", (Step.DESA,), "setiap forum kecamatan ditutup",
             "musrenbang kecamatan.closed.v1"),
    StepRule(Step.FORUM_PD, "opd", (Step.KECAMATAN, Step.RENJA_DRAFT), "setiap OPD menutup Forum PD",
             "renja forum_pd.closed.v1"),
    StepRule(Step.POKIR, "setwan", (), "Setwan menyampaikan pokir, tahap pokir ditutup", "pokir stage.closed.v1"),
    StepRule(Step.MUSRENBANG_RKPD, "bappeda", (Step.FORUM_PD, Step.POKIR), "Bappeda menutup forum Musrenbang RKPD",
             "musrenbang stage.closed.v1"),
    StepRule(Step.PENETAPAN, "bappeda", (Step.MUSRENBANG_RKPD,), "Bappeda mencatat Perkada RKPD",
             "rkpd rkpd.published.v1 (versi penetapan)"),
    StepRule(Step.RENJA_FINAL, "opd", (Step.PENETAPAN,), "setiap OPD memfinalkan Renja sesuai penetapan",
             "renja renja.finalized.v1"),
)}


class DependenciesOpen(DomainError):
    """A close act while a step it depends on is not closed."""

    code = "dependencies_open"

    def __init__(self, message: str, steps: Sequence[Step]):
        super().__init__(message, code="dependencies_open")
        self.steps = tuple(steps)


def zone(name: str) -> timezone:
    if name not in ZONES:
        raise ValueError(f"Zona waktu {name!r} tidak dikenal (WIB, WITA, WIT)")
    return timezone(ZONES[name], name)


def pokir_deadline(musrenbang_rkpd_opens_at: datetime, zona: str = "WIB") -> datetime:
    """The latest close of the pokir window: local midnight starting the day one week before
    Musrenbang RKPD opens (opening 2027-03-16 -> 2027-03-09 00:00 WIB; last pokir day 2027-03-08)."""
    require_aware(musrenbang_rkpd_opens_at, "musrenbang_rkpd.opens_at")
    local = musrenbang_rkpd_opens_at.astimezone(zone(zona)) - POKIR_LEAD
    return datetime.combine(local.date(), time(0), tzinfo=zone(zona))


def step_title(step: Step, jenis_pemda: str | None = None) -> str:
    """The step's name as the pemda says it: "Musrenbang RKPD Kabupaten" / "Musrenbang RKPD Kota"."""
    step = as_step(step)
    if step is Step.MUSRENBANG_RKPD:
        return f"Musrenbang RKPD {'Kota' if jenis_pemda == 'kota' else 'Kabupaten'}"
    if step is Step.DESA:
        return "Musrenbang Desa/Kelurahan"
    if step is Step.KECAMATAN:
        return "Musrenbang Kecamatan"
    return STEP_TITLES[step]


def jenis_pemda(nama: str | None) -> str:
    """"kota" or "kabupaten" from the pemda's region name ("Kota Medan", "KOTA MEDAN" -> kota;
    "Kabupaten Padang Lawas", "KAB. PADANG LAWAS" -> kabupaten). Unknown names: kabupaten."""
    head = (nama or "").strip().upper()
    return "kota" if head == "KOTA" or head.startswith("KOTA ") or head.startswith("KOTA.") else "kabupaten"


def local_label(window: Window, zona: str = "WIB") -> str:
    """"2027-01-05 00:00 WIB s.d. 2027-01-31 23:59 WIB": the first and the last open minute."""
    tz = zone(zona)
    first = window.opens_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    last = (window.closes_at - timedelta(microseconds=1)).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return f"{first} {zona} s.d. {last} {zona}"


# -- windows: the order rules --------------------------------------------------------------------

@dataclass(frozen=True)
class StepInput:
    """One step's window as given (closes_at None: derived, for pokir only)."""

    step: object
    opens_at: datetime | None
    closes_at: datetime | None


def _field(index: int, name: str) -> str:
    return f"steps[{index}].{name}"


def order_errors(windows: Mapping[Step, Window], index: Mapping[Step, int], zona: str = "WIB") -> list[FieldError]:
    """Every order rule `windows` break, each on the field to change (`steps[i].opens_at` ...)."""
    errors: list[FieldError] = []
    for step in STEPS:
        window = windows.get(step)
        if window is None:
            continue
        for dep in RULES[step].depends_on:
            before = windows.get(dep)
            if before is None:
                continue
            if window.opens_at < before.opens_at:
                errors.append(FieldError(_field(index[step], "opens_at"),
                                         f"{step_title(step)} tidak boleh dibuka sebelum {step_title(dep)} dibuka "
                                         f"({before.opens_at.isoformat()})", "before_dependency"))
            if window.closes_at < before.closes_at:
                errors.append(FieldError(_field(index[step], "closes_at"),
                                         f"{step_title(step)} tidak boleh ditutup sebelum {step_title(dep)} ditutup "
                                         f"({before.closes_at.isoformat()})", "before_dependency"))
    pokir, rkpd = windows.get(Step.POKIR), windows.get(Step.MUSRENBANG_RKPD)
    if pokir is not None and rkpd is not None:
        deadline = pokir_deadline(rkpd.opens_at, zona)
        if pokir.closes_at > deadline:
            errors.append(FieldError(_field(index[Step.POKIR], "closes_at"),
                                     f"Pokir ditutup paling lambat satu minggu sebelum Musrenbang RKPD dibuka: "
                                     f"{deadline.isoformat()}", "after_pokir_deadline"))
    return errors


def new_calendar(pemda: str, tahun: int, entries: Sequence[StepInput], zona: str = "WIB") -> Schedule:
    """A year's calendar in the regulation's order: exactly one window per step. Raises
    ValidationError naming every wrong field (`steps`, `steps[i].step|opens_at|closes_at`)."""
    if zona not in ZONES:
        raise ValidationError([FieldError("zona", "Zona waktu: WIB, WITA atau WIT", "unknown")])
    errors: list[FieldError] = []
    index: dict[Step, int] = {}
    raw: dict[Step, StepInput] = {}
    for i, entry in enumerate(entries):
        try:
            step = as_step(entry.step)
        except ValueError:
            errors.append(FieldError(_field(i, "step"), f"Tahap dikenal: {', '.join(s.value for s in STEPS)}",
                                     "unknown"))
            continue
        if step in index:
            errors.append(FieldError(_field(i, "step"), f"Tahap {step.value} sudah ada di steps[{index[step]}]",
                                     "duplicate"))
            continue
        index[step], raw[step] = i, entry
    missing = [s.value for s in STEPS if s not in index]
    if missing and not any(e.field.endswith(".step") for e in errors):
        errors.append(FieldError("steps", f"Kalender harus berisi setiap tahap; belum ada: {', '.join(missing)}",
                                 "missing_steps"))
    windows: dict[Step, Window] = {}
    for step, entry in raw.items():
        i = index[step]
        if entry.opens_at is None:
            errors.append(FieldError(_field(i, "opens_at"), "Waktu buka wajib diisi", "required"))
            continue
        closes = entry.closes_at
        if closes is None:
            if step is Step.POKIR and Step.MUSRENBANG_RKPD in raw and raw[Step.MUSRENBANG_RKPD].opens_at:
                closes = pokir_deadline(raw[Step.MUSRENBANG_RKPD].opens_at, zona)
            else:
                errors.append(FieldError(_field(i, "closes_at"), "Waktu tutup wajib diisi (hanya pokir yang boleh "
                                         "kosong: diturunkan dari jadwal Musrenbang RKPD)", "required"))
                continue
        if closes <= entry.opens_at:
            errors.append(FieldError(_field(i, "closes_at"), "Waktu tutup harus sesudah waktu buka", "not_after_open"))
            continue
        windows[step] = Window(step, entry.opens_at, closes)
    errors += order_errors(windows, index, zona)
    raise_if_any(errors)
    return Schedule(pemda, tahun, tuple(windows[s] for s in STEPS), tata_urutan=TATA_URUTAN_BARU, zona=zona)


def check_change_keeps_order(before: Schedule, after: Schedule, step: Step,
                             closed: Collection[Step] = frozenset()) -> None:
    """Refuse a change of `step`'s window that breaks an order rule the calendar kept so far:
    closing it while a step it depends on is still open (409), or moving its close past the close
    of a step that depends on it or past the pokir deadline (a `closes_at` field error). Steps
    already `closed` (by their owner's act, e.g. the penetapan, whose window may run on) bind no
    other step's window any more."""
    index = {s: i for i, s in enumerate(STEPS)}

    def binding(schedule: Schedule) -> dict[Step, Window]:
        return {w.step: w for w in schedule.windows if w.step is step or w.step not in closed}

    old = {e.field for e in order_errors(binding(before), index, before.zona)}
    new = [e for e in order_errors(binding(after), index, after.zona) if e.field not in old]
    if not new:
        return
    changed = after.window(step)
    deps_open = [d for d in RULES[step].depends_on if d not in closed
                 and after.window(d) is not None and changed.closes_at < after.window(d).closes_at]
    if deps_open:
        names = ", ".join(step_title(d) for d in deps_open)
        raise ScheduleChangeRefused(f"{step_title(step)} tidak dapat ditutup sebelum {names} ditutup",
                                    code="dependency_window_open")
    dependents = [s for s in STEPS if step in RULES[s].depends_on and after.window(s) is not None
                  and after.window(s).closes_at < changed.closes_at]
    message = (f"Waktu tutup {step_title(step)} tidak boleh melewati waktu tutup "
               f"{', '.join(step_title(s) for s in dependents)}" if dependents else new[0].message)
    raise ValidationError([FieldError("closes_at", message, "breaks_order")])


# -- step state and close acts ---------------------------------------------------------------

REPORTED = frozenset({Step.RANCANGAN_AWAL, Step.POKIR, Step.MUSRENBANG_RKPD, Step.PENETAPAN})


def closed_steps(schedule: Schedule, reported: Iterable[Step | str], at: datetime) -> set[Step]:
    """The steps closed at `at`: those reported closed by their owner's service, and those not in
    REPORTED whose window has ended (in a year of the old order: every ended window)."""
    require_aware(at)
    closed = {as_step(s) for s in reported}
    closed |= {w.step for w in schedule.windows
               if at >= w.closes_at and (w.step not in REPORTED or not schedule.new_order)}
    return closed


def step_state(schedule: Schedule, step: Step, reported: Iterable[Step | str], at: datetime) -> str:
    """"closed"; "open"; "awaiting_close" (its window is over, its owner has not reported the close
    act yet); or "not_open" (before its window; also a step without a window)."""
    step = as_step(step)
    if step in closed_steps(schedule, reported, at):
        return "closed"
    window = schedule.window(step)
    if window is not None and at >= window.closes_at:
        return "awaiting_close"
    return "open" if window is not None and window.is_open(at) else "not_open"


def require_dependencies_closed(schedule: Schedule, step: Step, reported: Iterable[Step | str],
                                at: datetime) -> None:
    """Raise DependenciesOpen naming every step `step` depends on that is not closed at `at`."""
    step = as_step(step)
    closed = closed_steps(schedule, reported, at)
    open_ = [d for d in RULES[step].depends_on if d not in closed]
    if open_:
        names = ", ".join(step_title(d) for d in open_)
        raise DependenciesOpen(f"{step_title(step)} belum dapat ditutup: {names} belum ditutup", open_)
