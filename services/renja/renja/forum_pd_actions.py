"""Forum Perangkat Daerah: the pemda's choice (one forum per OPD, or one joint forum chaired by
Bappeda), recording the forum and closing it with its berita acara (`forum_pd.closed.v1`).

Closing is refused (409 `forum_pd_blocked`, every blocker listed) while the forum is not recorded,
an inbox item of its OPD(s) is undecided, or the calendar's `kecamatan` step (and `renja_draft`,
when scheduled) is not closed. A year played under the old order (`tata_urutan: lama`) has no
Forum PD (409 `tata_urutan_lama`); a year whose calendar has not arrived may record its forum, and
its close waits for the calendar (`kalender_belum_ada`)."""
from datetime import datetime

from eplanning_common.errors import Conflict
from eplanning_common.jsoncodec import to_json

from . import events, forum_pd_report
from .domain import (BENTUK, GABUNGAN, Action, Actor, authorize, closed_forum, forum_close_blockers,
                     forum_pd_calendar_blockers, money_text, record_forum, rows_digest)
from .domain.akomodasi import KIND_OF_SOURCE
from .errors import field_error
from .repository import Repository

LAMA = "lama"


def set_bentuk(repo: Repository, actor: Actor, tahun: int, bentuk: str) -> dict:
    authorize(actor, Action.SET_KEBIJAKAN, pemda=actor.pemda)
    if bentuk not in BENTUK:
        raise field_error("bentuk", "Bentuk Forum Perangkat Daerah harus per_opd atau gabungan")
    repo.cycle(actor.pemda, tahun, lock=True)
    if any(f.closed for f in repo.forums(actor.pemda, tahun)):
        raise Conflict("Forum Perangkat Daerah tahun ini sudah ada yang ditutup; bentuknya tidak dapat diubah",
                       code="forum_closed")
    repo.set_forum_bentuk(actor.pemda, tahun, bentuk)
    return {"pemda": actor.pemda, "tahun": tahun, "bentuk": bentuk}


def _forum_of(repo: Repository, actor: Actor, tahun: int, opd: str | None) -> tuple[str, list[str]]:
    """(kunci, OPD codes) of the forum the caller acts on: its OPD's, or the joint one (opd None)."""
    cycle = repo.cycle(actor.pemda, tahun)
    if repo.tata_urutan(actor.pemda, tahun) == LAMA:
        raise Conflict(f"Tahun {tahun} dijalankan dengan tata urutan lama: tidak ada Forum Perangkat Daerah",
                       code="tata_urutan_lama")
    if opd is None:
        authorize(actor, Action.FORUM_PD_GABUNGAN, pemda=actor.pemda)
        if cycle.forum_pd_bentuk != GABUNGAN:
            raise Conflict("Pemda memilih Forum Perangkat Daerah per OPD; setiap OPD mencatat dan menutup forumnya "
                           "sendiri", code="forum_per_opd")
        return GABUNGAN, sorted(repo.opds(actor.pemda))
    authorize(actor, Action.FORUM_PD, pemda=actor.pemda, opd=opd)
    if cycle.forum_pd_bentuk == GABUNGAN:
        raise Conflict("Pemda memilih satu Forum Perangkat Daerah gabungan; Bappeda mencatat dan menutupnya",
                       code="forum_gabungan")
    repo.opd(actor.pemda, opd)
    return opd, [opd]


def view(forum, berita_acara: str | None = None) -> dict:
    data = to_json(forum)
    data["opd"] = None if forum.kunci == GABUNGAN else forum.kunci
    return data


def record(repo: Repository, actor: Actor, tahun: int, opd: str | None, data: dict, at: datetime) -> dict:
    kunci, opds = _forum_of(repo, actor, tahun, opd)
    existing, _ = repo.forum(actor.pemda, tahun, kunci, lock=True)
    forum = record_forum(existing, by=actor.sub, pemda=actor.pemda, tahun=tahun, kunci=kunci, opds=opds,
                         data=data, at=at)
    repo.save_forum(forum)
    return view(forum)


def _item_record(item) -> dict:
    d = item.decision
    return {"item_id": item.id, "kind": KIND_OF_SOURCE[item.source], "source_id": item.source_id,
            "tracking_code": item.tracking_code, "judul": item.judul, "opd": item.opd, "verdict": item.status.value,
            "row_id": d.renja_row_id if d else None, "mode": d.mode if d else None,
            "attributable": money_text(d.cost) if d and d.mode and d.cost is not None else None,
            "reason": (d.reason or None) if d else None, "rerouted_to": d.rerouted_to if d else None}


def close(repo: Repository, actor: Actor, tahun: int, opd: str | None, at: datetime) -> dict:
    kunci, opds = _forum_of(repo, actor, tahun, opd)
    for code in opds:
        repo.lock_opd_year(actor.pemda, code, tahun)
    forum, _ = repo.forum(actor.pemda, tahun, kunci, lock=True)
    if forum is not None and forum.closed:
        raise Conflict("Forum Perangkat Daerah ini sudah ditutup", code="forum_closed")
    items = repo.inbox_items_of(actor.pemda, tahun, opds)
    blockers = forum_close_blockers(forum, pending=[i for i in items if i.pending],
                                    calendar=forum_pd_calendar_blockers(repo.windows(actor.pemda, tahun), at))
    if blockers:
        raise Conflict(f"Forum Perangkat Daerah belum dapat ditutup: {len(blockers)} hal menghalangi",
                       code="forum_pd_blocked", blockers=blockers)
    rows = [r for r in repo.rows(actor.pemda, tahun) if r.opd in opds]
    manifest = {"count": len(rows), "pagu_total": money_text(sum((r.pagu_n for r in rows), 0)),
                "digest": rows_digest(rows)}
    register = repo.opds(actor.pemda)
    # in a fixed order (items arrive by events, in any order): the same forum gives the same berita acara
    item_records = sorted((_item_record(i) for i in items),
                          key=lambda r: (r["kind"], r["tracking_code"] or "", r["source_id"], r["opd"], r["item_id"]))
    report = {"pemda": actor.pemda, "tahun": tahun, "tempat": forum.tempat, "tanggal": forum.tanggal,
              "opds": [{"kode": c, "nama": register[c].nama if c in register else c} for c in opds],
              "peserta": [to_json(p) for p in forum.peserta], "kesepakatan": list(forum.kesepakatan),
              "items": item_records, "rows_manifest": manifest, "closed_by": actor.sub, "closed_at": at.isoformat()}
    text = forum_pd_report.render(report)
    closed = closed_forum(forum, by=actor.sub, at=at, sha256=forum_pd_report.digest(text))
    repo.save_forum(closed, text)
    data = {"opd": None if kunci == GABUNGAN else kunci, "opds": opds, "tahun": tahun, "pemda": actor.pemda,
            "closed_by": actor.sub, "closed_at": at.isoformat(), "tempat": forum.tempat, "tanggal": forum.tanggal,
            "peserta": report["peserta"], "kesepakatan": report["kesepakatan"],
            "berita_acara_sha256": closed.berita_acara_sha256,
            "items": [{k: v for k, v in r.items() if k != "judul"} for r in item_records],
            "rows_manifest": manifest}
    repo.uow.emit(events.FORUM_PD_CLOSED, f"{actor.pemda}/{tahun}/{kunci}", data, actor.pemda, tahun)
    return data


def berita_acara(repo: Repository, actor: Actor, tahun: int, opd: str | None) -> dict:
    if opd is None:
        authorize(actor, Action.VIEW, pemda=actor.pemda, opd=actor.opd)
        kunci = GABUNGAN
    else:
        authorize(actor, Action.VIEW, pemda=actor.pemda, opd=opd)
        kunci = opd
    forum, text = repo.forum(actor.pemda, tahun, kunci)
    if forum is None or not forum.closed:
        from eplanning_common.errors import NotFound
        raise NotFound("Forum Perangkat Daerah ini belum ditutup: berita acara belum ada", code="berita_acara_not_found")
    return {"opd": None if kunci == GABUNGAN else kunci, "tahun": tahun, "sha256": forum.berita_acara_sha256,
            "closed_at": forum.closed_at.isoformat(), "closed_by": forum.closed_by, "text": text}
