"""What Renja takes from the other services' events besides the inbox: its copy of the planning
calendar (Musrenbang's schedule events and kecamatan closes), the RKPD lines its Renja final must
agree with (RKPD's penetapan / perubahan publication), and a Perubahan RKPD reopening named OPDs.
Every handler is idempotent (the consumer records the event id; the effects are upserts that keep
the newest)."""
from datetime import datetime

from . import events
from .domain import open_for_perubahan, step_of
from .lifecycle_actions import totals_or_none
from .repository import Repository

LINE_VERSIONS = ("penetapan", "perubahan")


def _time(event: dict) -> datetime:
    return datetime.fromisoformat(event["time"])


def schedule_set(repo: Repository, event: dict) -> None:
    """stage.opened.v1: every window of the year's calendar, and the order it follows."""
    if event["data"].get("tata_urutan"):
        repo.set_tata_urutan(event["pemda"], event["tahun"], event["data"]["tata_urutan"], _time(event))
    for window in event["data"].get("windows", []):
        step = step_of(window)
        if step:
            repo.apply_window(event["pemda"], event["tahun"], step, datetime.fromisoformat(window["opens_at"]),
                              datetime.fromisoformat(window["closes_at"]), _time(event))


def window_changed(repo: Repository, event: dict) -> None:
    """stage.window_changed.v1 / stage.reopened.v1: one step's window after the change."""
    d = event["data"]
    after = d["after"]
    step = step_of({"step": d.get("step") or after.get("step"), "level": d.get("level") or after.get("level")})
    if step:
        repo.apply_window(event["pemda"], event["tahun"], step, datetime.fromisoformat(after["opens_at"]),
                          datetime.fromisoformat(after["closes_at"]), _time(event))


def kecamatan_closed(repo: Repository, event: dict) -> None:
    d = event["data"]
    repo.record_kecamatan_closed(event["pemda"], event["tahun"], d["kecamatan"],
                                 datetime.fromisoformat(d.get("closed_at") or event["time"]),
                                 d.get("berita_acara_digest"))


def rkpd_published(repo: Repository, event: dict) -> None:
    """rkpd.published.v1 of the penetapan (or a perubahan): the lines per OPD, kept (newest wins)."""
    d = event["data"]
    if d.get("versi") not in LINE_VERSIONS or not isinstance(d.get("opd_lines"), dict):
        return
    repo.save_penetapan(event["pemda"], event["tahun"], d["versi"], d.get("nomor"), _time(event),
                        {"perkada": d.get("perkada"), "opd_lines": d["opd_lines"]})


def perubahan_opened(repo: Repository, event: dict) -> None:
    """rkpd.perubahan_opened.v1: the named OPDs' renja becomes editable again (history entry
    `perubahan`, event renja.reopened.v1 — both audited); the others stay as they are."""
    d = event["data"]
    pemda, tahun = event["pemda"], event["tahun"]
    register = repo.opds(pemda)
    for opd in sorted(set(d.get("opds") or [])):
        if opd not in register:
            continue
        repo.lock_opd_year(pemda, opd, tahun)
        state, version = repo.state(pemda, opd, tahun, lock=True)
        changed = open_for_perubahan(state, by=d.get("opened_by") or "bappeda", at=_time(event),
                                     alasan=d.get("alasan") or "-")
        version = repo.save_state(changed, version)
        data = {**events.state_data(changed, totals_or_none(repo, pemda, opd, tahun)),
                "alasan": d.get("alasan"), "nomor_versi_dasar": d.get("nomor_versi_dasar")}
        repo.uow.emit(events.RENJA_REOPENED, f"{pemda}/{tahun}/{opd}", data, pemda, tahun)
