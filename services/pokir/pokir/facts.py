"""What Pokir learns from other services' events (each handler runs in one idempotent unit of
work; events may come in any order and more than once).

- Musrenbang usulan -> this service's `usulan_ref` copy (newest version wins), for overlaps.
- the planning calendar (Musrenbang's schedule events, windows by `step`) -> the default pokir window:
  open from the calendar's pokir (else desa) opening, closed one week before Musrenbang RKPD
  (unless Bappeda set the window itself).
- Renja's decisions on a pokir -> its follow-up status: accommodated ONLY from a `diakomodasi`
  decision naming the Renja row (with the mode and the money attributed to the pokir), not
  accommodated with the reason, or re-routed to another OPD.
"""
import logging
from datetime import datetime

from . import events
from .domain import Actor, PokirWindow, Role, TransitionRefused, ValidationError, window_from_calendar
from .pokir_actions import apply
from .repository import Repository

log = logging.getLogger(__name__)


def record_usulan(repo: Repository, event: dict) -> None:
    d = event["data"]
    repo.upsert_usulan_ref({"usulan_id": d["usulan_id"], "pemda": event["pemda"], "tahun": event["tahun"],
                            "tracking_code": d["tracking_code"], "desa": d["desa"], "kamus_kode": d["kamus_kode"],
                            "gagasan": d["gagasan"], "withdrawn": False, "version": d["version"]})


def record_withdrawal(repo: Repository, event: dict) -> None:
    d = event["data"]
    # if the submission has not arrived yet, this row (a higher version) makes it a no-op later
    repo.upsert_usulan_ref({"usulan_id": d["usulan_id"], "pemda": event["pemda"], "tahun": event["tahun"],
                            "tracking_code": d["tracking_code"], "desa": d["desa"], "kamus_kode": "",
                            "gagasan": "", "withdrawn": True, "version": d["version"]})


def _step(window: dict) -> str:
    return window.get("step") or window["level"]


def _derive(repo: Repository, pemda: str, tahun: int, calendar: dict) -> None:
    """Keep this service's copy of the calendar; unless Bappeda set the pokir window itself, the
    window follows it (domain.deadline.window_from_calendar)."""
    row = repo.window_row(pemda, tahun)
    repo.save_calendar(pemda, tahun, calendar)
    if row is not None and row.source == "bappeda":
        return  # Bappeda's own window stands
    spans = {step: (datetime.fromisoformat(w["opens_at"]), datetime.fromisoformat(w["closes_at"]))
             for step, w in calendar.items()}
    derived = window_from_calendar(spans)
    if derived is None:
        return
    window = PokirWindow(pemda, tahun, *derived)
    repo.set_window(window.pemda, window.tahun, window.opens_at, window.closes_at, "musrenbang")


def follow_schedule(repo: Repository, event: dict) -> None:
    """The calendar was set (stage.opened.v1): every step's window."""
    calendar = {_step(w): w for w in event["data"]["windows"]}
    _derive(repo, event["pemda"], event["tahun"], calendar)


def follow_window_change(repo: Repository, event: dict) -> None:
    """One step's window changed (closed early, extended, reopened): the copy takes its new window."""
    d = event["data"]
    after = d.get("after")
    if not isinstance(after, dict) or not after.get("opens_at") or not after.get("closes_at"):
        return
    calendar = dict(repo.calendar(event["pemda"], event["tahun"]))
    calendar[d.get("step") or after.get("step") or d["level"]] = after
    _derive(repo, event["pemda"], event["tahun"], calendar)


DECISION_ACTIONS = {"diakomodasi": "accommodate", "ditolak": "not_accommodate", "dialihkan": "dispose"}


def _accommodation(d: dict, pokir) -> dict | None:
    """The accommodation a `diakomodasi` decision states, in both shapes of inbox.decided.v1 (row_id /
    attributable / mode; renja_row_id / cost before the modes); None when it names no row."""
    row_id = d.get("row_id") or d.get("renja_row_id")
    if not isinstance(row_id, str) or not row_id.strip():
        return None
    money = d.get("attributable") if d.get("attributable") is not None else d.get("cost")
    return {"opd": d["opd"], "renja_row_id": row_id, "volume": d.get("volume") or str(pokir.volume),
            "cost": money, "note": d.get("reason") or None, "mode": d.get("mode")}


def follow_renja_decision(repo: Repository, event: dict) -> None:
    d = event["data"]
    if d["source"] != "pokir":
        return
    current, version = repo.pokir(d["source_id"], lock=True)
    actor = Actor(sub=f"renja/{d['opd']}", role=Role.BAPPEDA, pemda=event["pemda"])  # recorded on Renja's behalf
    action = DECISION_ACTIONS[d["decision"]]
    if action == "accommodate":
        params = _accommodation(d, current)
        if params is None:
            log.warning("renja decision diakomodasi names no row; pokir not marked accommodated",
                        extra={"pokir_id": current.id})
            return
    else:
        params = {"not_accommodate": {"reason": d.get("reason")},
                  "dispose": {"opd": d.get("rerouted_to"), "note": d.get("reason") or None}}[action]
    try:
        updated = apply(repo, actor, current, action, params, datetime.fromisoformat(d["decided_at"]))
    except (TransitionRefused, ValidationError) as exc:  # e.g. a re-route arriving after the final decision
        log.warning("renja decision not applicable; kept for the record only",
                    extra={"pokir_id": current.id, "decision": d["decision"], "reason": exc.message})
        return
    version = repo.save_pokir(updated, version)
    repo.uow.emit(events.BY_ACTION[action], updated.id, events.pokir_data(updated, version), updated.pemda,
                  updated.tahun)
