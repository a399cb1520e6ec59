"""The cycle's schedule (per pemda and plan year) and the stage close at kabupaten level.

The three-level schedule (`set_schedule`: desa, kecamatan, kabupaten) is the old order's schedule:
a year set with it plays the old order (`tata_urutan` "lama": usulan reach the OPDs when Bappeda
closes Musrenbang at kabupaten level). A year in the order of Permendagri 86/2017 is set with the
calendar (calendar_actions.set_calendar, all nine steps). Window changes (close early, extend,
reopen) take a level or a step, in either kind of year."""
from datetime import datetime, timezone

from eplanning_common.domainkit.moments import parse_aware
from eplanning_common.domainkit.text import text_field_errors
from eplanning_common.errors import Conflict

from . import events
from .access import Caller, require_bappeda
from .codec import schedule_to_dict, window_to_dict
from .domain import (TATA_URUTAN_LAMA, Level, Schedule, Step, UsulanStatus, Window, as_step, build_manifest,
                     closed_steps,
                     close_early, extend, reopen, status_at)
from .errors import field_error, refuse_text
from .repository import Repository


def _moment(value, field: str) -> datetime:
    moment = parse_aware(value)  # an offset beyond ±14:00 too: PostgreSQL would refuse it
    if moment is None:
        raise field_error(field, "Waktu harus ISO 8601 dengan zona waktu (selisih paling banyak ±14:00), "
                                 "mis. 2027-01-05T00:00:00+07:00")
    return moment


def _level(value, field: str = "level") -> Level:
    try:
        return Level(value)
    except ValueError:
        raise field_error(field, "Tingkat harus desa, kecamatan atau kabupaten") from None


def _key(value, field: str = "level") -> Step:
    """A window named by its level (desa, kecamatan, kabupaten) or by its calendar step."""
    try:
        return as_step(value)
    except (ValueError, KeyError, TypeError):
        raise field_error(field, "Tingkat (desa, kecamatan, kabupaten) atau tahap kalender "
                                 f"({', '.join(s.value for s in Step)}) tidak dikenal") from None


def set_schedule(repo: Repository, caller: Caller, tahun: int, windows: list) -> dict:
    """Publish the schedule of a cycle (once; later changes go through close/extend/reopen)."""
    require_bappeda(caller, caller.pemda)
    if not isinstance(windows, list) or not windows:
        raise field_error("windows", "Jadwal berisi satu jendela per tingkat (desa, kecamatan, kabupaten)")
    parsed = []
    for i, w in enumerate(windows):
        if not isinstance(w, dict) or set(w) != {"level", "opens_at", "closes_at"}:
            raise field_error(f"windows[{i}]", "Setiap jendela berisi level, opens_at dan closes_at")
        opens = _moment(w["opens_at"], f"windows[{i}].opens_at")
        closes = _moment(w["closes_at"], f"windows[{i}].closes_at")
        if closes <= opens:
            raise field_error(f"windows[{i}].closes_at", "Waktu tutup harus sesudah waktu buka")
        parsed.append(Window(_level(w["level"], f"windows[{i}].level"), opens, closes))
    if sorted(w.level.value for w in parsed) != sorted(level.value for level in Level):
        raise field_error("windows", "Jadwal harus punya tepat satu jendela untuk desa, kecamatan dan kabupaten")
    if repo.schedule_exists(caller.pemda, tahun):
        raise Conflict(f"Jadwal {caller.pemda} tahun {tahun} sudah ditetapkan; ubah dengan tutup lebih awal, "
                       "perpanjang atau buka kembali", code="schedule_exists")
    schedule = Schedule(caller.pemda, tahun, tuple(parsed), tata_urutan=TATA_URUTAN_LAMA)
    repo.insert_schedule(schedule)
    repo.uow.emit(events.STAGE_OPENED, f"{caller.pemda}/{tahun}", schedule_to_dict(schedule), caller.pemda, tahun)
    return {**schedule_to_dict(schedule), "version": 1}


def change_window(repo: Repository, caller: Caller, tahun: int, kind: str, level, reason: str | None,
                  closes_at: str | None, at: datetime) -> dict:
    require_bappeda(caller, caller.pemda)
    refuse_text(text_field_errors(reason, "reason", "Alasan"))
    level = _key(level, "step" if field_name_step(level) else "level")
    schedule, version, manifest = repo.schedule(caller.pemda, tahun, lock=True)
    # the Musrenbang stage's close freezes its own windows; the steps of the other services (penetapan,
    # renja_final, ...) of a calendar keep changing after it
    musrenbang_window = not schedule.new_order or level in (Step.DESA, Step.KECAMATAN, Step.MUSRENBANG_RKPD)
    if manifest is not None and musrenbang_window and kind != "reopen":
        raise Conflict(f"Tahap Musrenbang {caller.pemda} {tahun} sudah ditutup", code="stage_closed")
    if manifest is not None and musrenbang_window:
        return _reopen_closed_stage(repo, caller, tahun, schedule, version, level, reason, closes_at, at)
    # steps already closed by their owner's act (the penetapan, say) bind no other window any more
    from .calendar_actions import reported  # (calendar_actions builds on this module)
    closed = frozenset(closed_steps(schedule, reported(repo, schedule, manifest), at)) if schedule.new_order \
        else frozenset()
    if kind == "close_early":
        changed = close_early(schedule, level, by=caller.sub, at=at, reason=reason, closed=closed)
    elif kind in ("extend", "reopen"):
        until = _moment(closes_at, "closes_at")
        change = extend if kind == "extend" else reopen
        changed = change(schedule, level, closes_at=until, by=caller.sub, at=at, reason=reason, closed=closed)
    else:
        raise field_error("kind", "Perubahan jadwal: close_early, extend atau reopen")
    version = repo.save_schedule(changed, version)
    record = changed.history[-1]
    routing_key = events.STAGE_REOPENED if kind == "reopen" else events.STAGE_WINDOW_CHANGED
    repo.uow.emit(routing_key, f"{caller.pemda}/{tahun}",
                  {**events.schedule_change_data(record), "tata_urutan": changed.tata_urutan}, caller.pemda, tahun)
    return {**schedule_to_dict(changed), "version": version}


def field_name_step(value) -> bool:
    """Was the window named by a calendar step (not a legacy level)?"""
    return isinstance(value, str) and value not in {level.value for level in Level}


def close_stage(repo: Repository, caller: Caller, tahun: int) -> dict:
    """Close Musrenbang at kabupaten level (a year of the old order): route every accepted usulan
    to its OPD, publish the manifest. Refused while a kecamatan forum is open or an usulan awaits
    its kabupaten decision. A year in the regulation's order closes through its Musrenbang RKPD
    forum instead (forum_rkpd_actions.close)."""
    require_bappeda(caller, caller.pemda)
    schedule, version, manifest = repo.schedule(caller.pemda, tahun, lock=True)
    if schedule.new_order:
        raise Conflict(f"Tahun {tahun} mengikuti Permendagri 86/2017: Musrenbang RKPD ditutup lewat forumnya "
                       f"(POST /v1/musrenbang/{tahun}/forum-rkpd/close)", code="tata_urutan_baru")
    if manifest is not None:
        raise Conflict(f"Tahap Musrenbang {caller.pemda} {tahun} sudah ditutup", code="stage_closed")
    cycle = repo.usulan_of_cycle(caller.pemda, tahun)
    usulans = [u for u, _ in cycle]
    versions = {u.id: v for u, v in cycle}
    with_proposals = {u.kecamatan for u in usulans if u.status is UsulanStatus.SUBMITTED}
    open_forums = sorted(k for k in with_proposals if not repo.forum_closed(caller.pemda, tahun, k))
    if open_forums:
        raise Conflict(f"Forum kecamatan belum ditutup: {', '.join(open_forums)}", code="forums_open",
                       kecamatan=open_forums)
    pending = [u.id for u in usulans if status_at(u, Level.KABUPATEN) == "belum diputuskan"]
    if pending:
        raise Conflict(f"{len(pending)} usulan belum diputuskan di tingkat kabupaten", code="undecided",
                       usulan=pending[:50])
    built = build_manifest(usulans, pemda=caller.pemda, tahun=tahun, level=Level.KABUPATEN).as_dict()
    routed = [u for u in usulans if u.accepted_at(Level.KABUPATEN)]
    for u in routed:  # a reopened stage routes again, as before the calendar (Renja's inbox dedups)
        repo.mark_routed(u.id, u.kamus_item.opd, datetime.now(timezone.utc), "kabupaten")
        repo.uow.emit(events.ROUTED, u.id, events.routed_data(u, versions[u.id]), u.pemda, u.tahun)
    repo.close_stage(caller.pemda, tahun, built)
    data = {"manifest": built, "routed_count": len(routed), "closed_by": caller.sub}
    repo.uow.emit(events.STAGE_CLOSED, f"{caller.pemda}/{tahun}", data, caller.pemda, tahun)
    return data


def _reopen_closed_stage(repo: Repository, caller: Caller, tahun: int, schedule: Schedule, version: int, level: Level,
                         reason: str | None, closes_at: str | None, at: datetime) -> dict:
    """Reopen Musrenbang after its close (a Perubahan, say): an audited act with a reason. The
    close and its manifest are withdrawn; the kabupaten window is reopened if it had closed.
    Everything downstream (RKPD) learns it from `stage.reopened.v1`."""
    if level is not Step.MUSRENBANG_RKPD:
        raise field_error("level", "Tahap yang sudah ditutup dibuka kembali di tingkat kabupaten (Musrenbang RKPD)")
    if not (reason or "").strip():
        raise field_error("reason", "Alasan membuka kembali tahap wajib diisi", "required")
    window = schedule.window(Level.KABUPATEN)
    if window.is_open(at):
        data = {"step": "musrenbang_rkpd", "level": "kabupaten", "kind": "reopen", "reason": reason.strip(),
                "before": window_to_dict(window),
                "after": window_to_dict(window), "changed_at": at.isoformat()}
    else:
        schedule = reopen(schedule, level, closes_at=_moment(closes_at, "closes_at"), by=caller.sub, at=at,
                          reason=reason)
        version = repo.save_schedule(schedule, version)
        data = events.schedule_change_data(schedule.history[-1])
    repo.reopen_stage(caller.pemda, tahun)
    repo.reopen_forum_rkpd(caller.pemda, tahun)
    repo.uow.emit(events.STAGE_REOPENED, f"{caller.pemda}/{tahun}", {**data, "tata_urutan": schedule.tata_urutan},
                  caller.pemda, tahun)
    return {**schedule_to_dict(schedule), "version": version, "closed": False}
