"""What Pokir learns from other services' events (each handler runs in one idempotent unit of
work; events may come in any order and more than once).

- Musrenbang usulan -> this service's `usulan_ref` copy (newest version wins), for overlaps.
- Musrenbang's schedule -> the default pokir window: open from the Musrenbang desa window, closed
  one week before Musrenbang kabupaten (unless Bappeda set the window itself).
- Renja's decisions on a pokir -> its follow-up status (accommodated with the Renja row, not
  accommodated with the reason, or re-routed to another OPD).
"""
import logging
from datetime import datetime

from . import events
from .domain import Actor, PokirWindow, Role, TransitionRefused, default_deadline
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


def follow_schedule(repo: Repository, event: dict) -> None:
    windows = {w["level"]: w for w in event["data"]["windows"]}
    if "desa" not in windows or "kabupaten" not in windows:
        return
    row = repo.window_row(event["pemda"], event["tahun"])
    if row is not None and row.source == "bappeda":
        return  # Bappeda's own window stands
    deadline = default_deadline(datetime.fromisoformat(windows["kabupaten"]["opens_at"]))
    # a Musrenbang calendar so short that the deadline falls before the desa opening: no window
    opens = min(datetime.fromisoformat(windows["desa"]["opens_at"]), deadline)
    window = PokirWindow(event["pemda"], event["tahun"], opens, deadline)
    repo.set_window(window.pemda, window.tahun, window.opens_at, window.closes_at, "musrenbang")


DECISION_ACTIONS = {"diakomodasi": "accommodate", "ditolak": "not_accommodate", "dialihkan": "dispose"}


def follow_renja_decision(repo: Repository, event: dict) -> None:
    d = event["data"]
    if d["source"] != "pokir":
        return
    current, version = repo.pokir(d["source_id"], lock=True)
    actor = Actor(sub=f"renja/{d['opd']}", role=Role.BAPPEDA, pemda=event["pemda"])  # recorded on Renja's behalf
    action = DECISION_ACTIONS[d["decision"]]
    params = {"accommodate": {"opd": d["opd"], "renja_row_id": d["renja_row_id"], "volume": d["volume"],
                              "cost": d["cost"], "note": d["reason"] or None},
              "not_accommodate": {"reason": d["reason"]},
              "dispose": {"opd": d["rerouted_to"], "note": d["reason"] or None}}[action]
    try:
        updated = apply(repo, actor, current, action, params, datetime.fromisoformat(d["decided_at"]))
    except TransitionRefused as exc:  # e.g. a re-route arriving after the final decision
        log.warning("renja decision not applicable; kept for the record only",
                    extra={"pokir_id": current.id, "decision": d["decision"], "reason": exc.message})
        return
    version = repo.save_pokir(updated, version)
    repo.uow.emit(events.BY_ACTION[action], updated.id, events.pokir_data(updated, version), updated.pemda,
                  updated.tahun)
