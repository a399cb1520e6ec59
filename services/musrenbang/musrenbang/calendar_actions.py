"""The planning calendar of a pemda's plan year (Permendagri 86/2017): set it once (every step's
window), read it (steps with owner, window in the calendar's zone, state, label), change a step's
window (close early, extend, reopen: schedule_actions.change_window, audited in the history), and
learn from other services that a step they own has closed.

Step state (domain.calendar): a step is closed when its window has ended (by time, or closed early
by Bappeda in the calendar) or when its owner's service reported the close. Reported closes that
Musrenbang consumes: Pokir's `stage.closed.v1` (step `pokir`), RKPD's publications (below);
Musrenbang's own Musrenbang RKPD close (`musrenbang_rkpd`). Forum PD counts as closed when its window ends: one forum per OPD (or
one joint forum) and Musrenbang does not know every OPD, so Bappeda closes the step early in the
calendar once every OPD has closed its forum, or lets its window end.
"""
from datetime import datetime

from eplanning_common.errors import Conflict

from . import events
from .access import Caller, require_bappeda, require_pemda
from .codec import change_to_dict, schedule_to_dict
from .domain import (STEP_RULES, STEPS, Schedule, Step, StepInput, as_step, jenis_pemda,
                     local_label, new_calendar, step_state, step_title)
from .errors import field_error
from .repository import Repository
from .schedule_actions import _moment

STEP_FIELDS = {"step", "opens_at", "closes_at"}


def _entries(steps) -> list[StepInput]:
    if not isinstance(steps, list) or not steps:
        raise field_error("steps", "Kalender berisi satu jendela per tahap: " + ", ".join(s.value for s in STEPS))
    entries = []
    for i, w in enumerate(steps):
        if not isinstance(w, dict) or set(w) - STEP_FIELDS or not {"step", "opens_at"} <= set(w):
            raise field_error(f"steps[{i}]", "Setiap tahap berisi step, opens_at dan closes_at (closes_at pokir "
                                             "boleh kosong: diturunkan dari Musrenbang RKPD)")
        opens = _moment(w["opens_at"], f"steps[{i}].opens_at")
        closes = None if w.get("closes_at") is None else _moment(w["closes_at"], f"steps[{i}].closes_at")
        entries.append(StepInput(w["step"], opens, closes))
    return entries


def set_calendar(repo: Repository, caller: Caller, tahun: int, body: dict, at: datetime) -> dict:
    """Publish the year's calendar in the regulation's order (once; later through the step acts)."""
    require_bappeda(caller, caller.pemda)
    if not isinstance(body, dict) or set(body) - {"steps", "zona"}:
        raise field_error("body", "Kalender berisi steps (dan zona: WIB, WITA, WIT)")
    calendar = new_calendar(caller.pemda, tahun, _entries(body.get("steps")), body.get("zona") or "WIB")
    if repo.schedule_exists(caller.pemda, tahun):
        raise Conflict(f"Kalender {caller.pemda} tahun {tahun} sudah ditetapkan; ubah dengan tutup lebih awal, "
                       "perpanjang atau buka kembali per tahap", code="schedule_exists")
    repo.insert_schedule(calendar)
    repo.uow.emit(events.STAGE_OPENED, f"{caller.pemda}/{tahun}", schedule_to_dict(calendar), caller.pemda, tahun)
    return calendar_view(repo, calendar, 1, None, at)


def reported(repo: Repository, schedule: Schedule, manifest: dict | None) -> set[str]:
    """The steps reported closed: by other services' events, and Musrenbang RKPD by its own close."""
    closed = set(repo.reported_closed(schedule.pemda, schedule.tahun))
    if manifest is not None:
        closed.add(Step.MUSRENBANG_RKPD.value)
    return closed


def calendar_view(repo: Repository, schedule: Schedule, version: int, manifest: dict | None, at: datetime) -> dict:
    jenis = jenis_pemda(repo.pemda_name(schedule.pemda))
    closed = reported(repo, schedule, manifest)
    steps = []
    for step in STEPS:
        window = schedule.window(step)
        if window is None and not schedule.new_order:
            continue  # a year of the old order has the three Musrenbang levels only
        rule = STEP_RULES[step]
        steps.append({
            "step": step.value, "label": step_title(step, jenis), "owner": rule.owner,
            "depends_on": [d.value for d in rule.depends_on], "closed_by": rule.closed_by,
            "close_event": rule.close_event,
            "opens_at": None if window is None else window.opens_at.isoformat(),
            "closes_at": None if window is None else window.closes_at.isoformat(),
            "jadwal": None if window is None else local_label(window, schedule.zona),
            "state": step_state(schedule, step, closed, at),
        })
    return {"pemda": schedule.pemda, "tahun": schedule.tahun, "tata_urutan": schedule.tata_urutan,
            "zona": schedule.zona, "jenis_pemda": jenis, "version": version, "steps": steps,
            "history": [change_to_dict(c) for c in schedule.history]}


def get_calendar(repo: Repository, caller: Caller, tahun: int, at: datetime) -> dict:
    require_pemda(caller, caller.pemda)
    schedule, version, manifest = repo.schedule(caller.pemda, tahun)
    return calendar_view(repo, schedule, version, manifest, at)


def change_step(repo: Repository, caller: Caller, tahun: int, step, kind: str, reason, closes_at,
                at: datetime) -> dict:
    from .schedule_actions import change_window
    try:
        as_step(step)
    except (ValueError, TypeError):
        raise field_error("step", "Tahap kalender: " + ", ".join(s.value for s in STEPS)) from None
    change_window(repo, caller, tahun, kind, step, reason, closes_at, at)
    return get_calendar(repo, caller, tahun, at)


def record_pokir_closed(repo: Repository, event: dict) -> None:
    """Pokir's stage.closed.v1: the step `pokir` of that year is closed (kept once per year)."""
    repo.record_step_closed(event["pemda"], event["tahun"], Step.POKIR.value,
                            datetime.fromisoformat(event["time"]), event["id"])



RKPD_VERSION_STEP = {"rancangan awal": Step.RANCANGAN_AWAL, "penetapan": Step.PENETAPAN}


def record_rkpd_published(repo: Repository, event: dict) -> None:
    """RKPD's rkpd.published.v1: the rancangan awal closes `rancangan_awal`, the penetapan `penetapan`."""
    step = RKPD_VERSION_STEP.get((event.get("data") or {}).get("versi"))
    if step is not None:
        repo.record_step_closed(event["pemda"], event["tahun"], step.value, datetime.fromisoformat(event["time"]),
                                event["id"])
