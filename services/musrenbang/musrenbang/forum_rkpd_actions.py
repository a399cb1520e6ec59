"""Musrenbang RKPD kabupaten/kota as a forum (a year in the order of Permendagri 86/2017; Bappeda
chairs): record the meeting, close it, read its berita acara.

The close is refused while a step it depends on (Forum Perangkat Daerah, pokir) is not closed
(domain.calendar: window over or closed early in the calendar, or the close reported by its
owner's service), while a kecamatan forum with submitted usulan is still open, or before the forum
is recorded. It then, in one transaction: records the forum's decision on every usulan that reached
it (domain.forum_rkpd: the agreed outcome, else "diterima"), each with the forum's reference
(`usulan.decided.v1` per usulan, as Bappeda's decisions were before); renders the berita acara
(Markdown) and its SHA-256; closes the stage with today's manifest and the forum in
`stage.closed.v1`. The usulan were routed to their OPDs when their kecamatan forum closed.
"""
import hashlib
from datetime import datetime

from eplanning_common.errors import Conflict, NotFound

from . import events
from .access import Caller, require_bappeda, require_pemda
from .berita_acara import render_berita_acara_rkpd
from .calendar_actions import reported
from .domain import (Level, Step, UsulanStatus, build_manifest, decimal_text, jenis_pemda, money_text,
                     require_dependencies_closed, step_title)
from .domain.errors import raise_if_any
from .domain.forum_rkpd import check_record, forum_decisions, reaching_forum, usulan_agreement_errors
from .repository import Repository


def _new_order_schedule(repo: Repository, pemda: str, tahun: int, lock: bool = False):
    schedule, version, manifest = repo.schedule(pemda, tahun, lock=lock)
    if not schedule.new_order:
        raise Conflict(f"Tahun {tahun} dimainkan dengan tata urutan lama: Musrenbang kabupaten ditutup lewat "
                       f"POST /v1/musrenbang/{tahun}/close", code="tata_urutan_lama")
    return schedule, version, manifest


def forum_ref(pemda: str, tahun: int) -> str:
    return f"BA-MUSRENBANG-RKPD/{pemda}/{tahun}"


def _view(row: dict) -> dict:
    return {"pemda": row["pemda"], "tahun": row["tahun"], "forum_ref": forum_ref(row["pemda"], row["tahun"]),
            **row["record"], "version": row["version"], "recorded_by": row["recorded_by"],
            "recorded_at": row["recorded_at"].isoformat(),
            "closed_at": row["closed_at"].isoformat() if row["closed_at"] else None,
            "berita_acara_sha256": row["digest"] if row["closed_at"] else None}


def _open_agreements(kesepakatan: list, usulans: list, pemda: str, tahun: int) -> list:
    """The agreements still to apply: those on usulan this forum already decided (a close before a
    reopen) are kept in the record but not checked again (their positions stay, for field names)."""
    ref = forum_ref(pemda, tahun)
    done = {u.id for u in usulans if (d := u.decision_at(Level.KABUPATEN)) is not None and d.forum_ref == ref}
    return [{"jenis": "prioritas"} if k.get("jenis") == "usulan" and k.get("usulan_id") in done else k
            for k in kesepakatan]


def record(repo: Repository, caller: Caller, tahun: int, body: dict, at: datetime) -> dict:
    """Record (or correct, until the close) the forum: tempat, tanggal, peserta, kesepakatan."""
    require_bappeda(caller, caller.pemda)
    clean = check_record(body)
    _, _, manifest = _new_order_schedule(repo, caller.pemda, tahun)
    if manifest is not None:
        raise Conflict(f"Musrenbang RKPD {tahun} sudah ditutup", code="stage_closed")
    usulans = [u for u, _ in repo.usulan_of_cycle(caller.pemda, tahun)]
    raise_if_any(usulan_agreement_errors(_open_agreements(clean["kesepakatan"], usulans, caller.pemda, tahun),
                                         {u.id: u for u in reaching_forum(usulans)}))
    repo.save_forum_rkpd(caller.pemda, tahun, clean, caller.sub, at)
    return _view(repo.forum_rkpd(caller.pemda, tahun))


def get(repo: Repository, caller: Caller, tahun: int) -> dict:
    require_pemda(caller, caller.pemda)
    row = repo.forum_rkpd(caller.pemda, tahun)
    if row is None:
        raise NotFound(f"Forum Musrenbang RKPD {tahun} belum dicatat", code="forum_not_recorded")
    return _view(row)


def close(repo: Repository, caller: Caller, tahun: int, at: datetime) -> dict:
    require_bappeda(caller, caller.pemda)
    schedule, _, manifest = _new_order_schedule(repo, caller.pemda, tahun, lock=True)
    if manifest is not None:
        raise Conflict(f"Musrenbang RKPD {tahun} sudah ditutup", code="stage_closed")
    require_dependencies_closed(schedule, Step.MUSRENBANG_RKPD, reported(repo, schedule, manifest), at)
    cycle = repo.usulan_of_cycle(caller.pemda, tahun)
    usulans = [u for u, _ in cycle]
    with_proposals = {u.kecamatan for u in usulans if u.status is UsulanStatus.SUBMITTED}
    open_forums = sorted(k for k in with_proposals if not repo.forum_closed(caller.pemda, tahun, k))
    if open_forums:
        raise Conflict(f"Forum kecamatan belum ditutup: {', '.join(open_forums)}", code="forums_open",
                       kecamatan=open_forums)
    row = repo.forum_rkpd(caller.pemda, tahun, lock=True)
    if row is None:
        raise Conflict("Catat forum Musrenbang RKPD (tempat, tanggal, peserta, kesepakatan) sebelum menutupnya",
                       code="forum_not_recorded")
    forum = row["record"]
    reaching = reaching_forum(usulans)
    # the usulan may have moved since the record (a late kecamatan decision): check the agreements again
    raise_if_any(usulan_agreement_errors(_open_agreements(forum["kesepakatan"], usulans, caller.pemda, tahun),
                                         {u.id: u for u in reaching}))
    ref = forum_ref(caller.pemda, tahun)
    decided = forum_decisions(usulans, forum["kesepakatan"], forum_ref=ref, by=caller.sub, at=at)
    versions = {u.id: v for u, v in cycle}
    by_id = {u.id: u for u in usulans}
    for u in decided:
        version = repo.save_usulan(u, versions[u.id])
        by_id[u.id] = u
        repo.uow.emit(events.DECIDED, u.id, events.decided_data(u, version, u.decisions[-1]), u.pemda, u.tahun)
    built = build_manifest(list(by_id.values()), pemda=caller.pemda, tahun=tahun, level=Level.KABUPATEN).as_dict()
    pemda_name = repo.pemda_name(caller.pemda) or caller.pemda
    title = step_title(Step.MUSRENBANG_RKPD, jenis_pemda(pemda_name))
    outcomes = [{"tracking_code": u.tracking_code, "kecamatan": u.kecamatan, "desa": u.desa,
                 "status": u.decisions[-1].status.value, "volume": decimal_text(u.decisions[-1].volume),
                 "cost": money_text(u.decisions[-1].cost), "reason": u.decisions[-1].reason}
                for u in sorted(decided, key=lambda x: (x.kecamatan, x.desa, x.tracking_code))]
    document = render_berita_acara_rkpd(forum, title=title, pemda_name=_without_type(pemda_name), tahun=tahun,
                                        forum_ref=ref, decisions=outcomes, manifest=built)
    digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
    repo.close_forum_rkpd(caller.pemda, tahun, caller.sub, at, document, digest)
    repo.close_stage(caller.pemda, tahun, built)
    data = {"manifest": built, "routed_count": 0, "closed_by": caller.sub,
            "forum": {"forum_ref": ref, "tempat": forum["tempat"], "tanggal": forum["tanggal"],
                      "peserta": forum["peserta"], "kesepakatan": forum["kesepakatan"],
                      "berita_acara_sha256": digest}}
    repo.uow.emit(events.STAGE_CLOSED, f"{caller.pemda}/{tahun}", data, caller.pemda, tahun)
    return {**data, "label": title, "document": document, "decided_count": len(decided)}


def _without_type(name: str) -> str:
    """"Kabupaten Padang Lawas" -> "Padang Lawas" (the title already says Kabupaten/Kota)."""
    for prefix in ("Kabupaten ", "KABUPATEN ", "KAB. ", "Kab. ", "Kota ", "KOTA "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def berita_acara(repo: Repository, caller: Caller, tahun: int) -> dict:
    require_pemda(caller, caller.pemda)
    row = repo.forum_rkpd(caller.pemda, tahun)
    if row is None or row["document"] is None:
        raise NotFound(f"Forum Musrenbang RKPD {tahun} belum ditutup; berita acara belum ada", code="not_closed")
    return {"tahun": tahun, "forum_ref": forum_ref(caller.pemda, tahun), "digest": row["digest"],
            "document": row["document"], "closed_at": row["closed_at"].isoformat() if row["closed_at"] else None}
