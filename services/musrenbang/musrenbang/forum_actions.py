"""The kecamatan forum: weighted scoring, deterministic ranking, duplicate flags, berita acara,
and closing the forum (which freezes the kecamatan's list)."""
import hashlib
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from eplanning_common.domainkit.text import MULTILINE, text_field_errors, texts_errors
from eplanning_common.errors import Conflict, NotFound, ValidationError

from . import events
from .access import Caller, require_bappeda, require_kecamatan_forum, require_pemda
from .berita_acara import render_berita_acara
from .domain import (Criterion, Level, ScoringScheme, Step, Usulan, UsulanStatus, build_manifest, entry_for,
                     find_duplicates, rank, require_dependencies_closed, status_at, weighted_total)
from .errors import field_error, refuse_text
from .repository import Repository


def set_criteria(repo: Repository, caller: Caller, tahun: int, criteria: list) -> dict:
    require_bappeda(caller, caller.pemda)
    if not isinstance(criteria, list):
        raise field_error("criteria", "Kriteria berupa daftar {name, weight, max_score}")
    for i, c in enumerate(criteria):
        if not isinstance(c, dict) or set(c) != {"name", "weight", "max_score"}:
            raise field_error(f"criteria[{i}]", "Setiap kriteria berisi name, weight dan max_score")
    refuse_text(texts_errors((f"criteria[{i}].name", c["name"]) for i, c in enumerate(criteria)))
    scheme = ScoringScheme(tuple(Criterion(c["name"], c["weight"], c["max_score"]) for c in criteria))
    if repo.any_scores(caller.pemda, tahun):
        raise Conflict("Kriteria tidak dapat diubah setelah penilaian dimulai", code="scoring_started")
    stored = [{"name": c.name, "weight": str(c.weight), "max_score": c.max_score} for c in scheme.criteria]
    repo.set_scoring_scheme(caller.pemda, tahun, stored)
    return {"pemda": caller.pemda, "tahun": tahun, "criteria": stored}


def get_criteria(repo: Repository, caller: Caller, tahun: int) -> dict:
    """The cycle's scoring criteria, for every operator of the pemda (the forum's scoring form)."""
    require_pemda(caller, caller.pemda)
    stored = repo.scoring_scheme(caller.pemda, tahun)
    if stored is None:
        raise NotFound(f"Kriteria penilaian tahun {tahun} belum ditetapkan Bappeda", code="no_criteria")
    return {"pemda": caller.pemda, "tahun": tahun, "criteria": stored}


def _scheme(repo: Repository, pemda: str, tahun: int) -> ScoringScheme:
    stored = repo.scoring_scheme(pemda, tahun)
    if stored is None:
        raise Conflict(f"Kriteria penilaian {pemda} tahun {tahun} belum ditetapkan", code="no_criteria")
    return ScoringScheme(tuple(Criterion(c["name"], Decimal(c["weight"]), c["max_score"]) for c in stored))


def score(repo: Repository, caller: Caller, usulan_id: str, scores: dict, at: datetime) -> dict:
    u, _ = repo.usulan(usulan_id)
    require_kecamatan_forum(caller, u.pemda, u.kecamatan)
    if repo.forum_closed(u.pemda, u.tahun, u.kecamatan):
        raise Conflict(f"Forum kecamatan {u.kecamatan} sudah ditutup", code="kecamatan_closed")
    if not _rankable(u):
        raise Conflict("Hanya usulan yang diterima di tingkat desa dan masih berjalan yang dinilai",
                       code="not_rankable")
    if not isinstance(scores, dict):
        raise field_error("scores", "Nilai berupa objek {kriteria: nilai}")
    total = weighted_total(_scheme(repo, u.pemda, u.tahun), scores)
    repo.save_score(u.id, {k: int(v) for k, v in scores.items()}, total, caller.sub, at)
    return {"usulan_id": u.id, "scores": scores, "total": str(total)}


def _rankable(u: Usulan) -> bool:
    """In the kecamatan ranking: accepted by the desa, not rejected or merged at the kecamatan."""
    if u.status is not UsulanStatus.SUBMITTED or not u.accepted_at(Level.DESA):
        return False
    decision = u.decision_at(Level.KECAMATAN)
    return decision is None or decision.status.accepted


def _ranking(repo: Repository, pemda: str, tahun: int, kecamatan: str) -> list[dict]:
    candidates = [u for u, _ in repo.usulan_of_cycle(pemda, tahun, kecamatan) if _rankable(u)]
    totals = repo.score_totals([u.id for u in candidates])
    by_id = {u.id: u for u in candidates}
    ranked = rank(entry_for(u, totals.get(u.id, Decimal(0))) for u in candidates)
    return [{"position": r.position, "usulan_id": r.entry.usulan_id, "tracking_code": by_id[r.entry.usulan_id].tracking_code,
             "desa": by_id[r.entry.usulan_id].desa, "total": str(r.entry.total), "cost": str(r.entry.cost),
             "status": status_at(by_id[r.entry.usulan_id], Level.KECAMATAN)} for r in ranked]


RANKING_RULE = ("nilai tertimbang tertinggi, lalu biaya terendah, lalu waktu pengajuan paling awal, "
                "lalu id usulan (urutan total dan tetap)")


def ranking(repo: Repository, caller: Caller, tahun: int, kecamatan: str) -> dict:
    require_kecamatan_forum(caller, caller.pemda, kecamatan)
    closed = repo.forum_closed(caller.pemda, tahun, kecamatan)
    if closed:  # the frozen list, as recorded when the forum closed
        return {"kecamatan": kecamatan, "frozen": True, "rule": RANKING_RULE,
                "ranking": closed["berita_acara"]["ranking"]}
    return {"kecamatan": kecamatan, "frozen": False, "rule": RANKING_RULE,
            "ranking": _ranking(repo, caller.pemda, tahun, kecamatan)}


def duplicates(repo: Repository, caller: Caller, tahun: int, kecamatan: str) -> list[dict]:
    require_kecamatan_forum(caller, caller.pemda, kecamatan)
    current = [u for u, _ in repo.usulan_of_cycle(caller.pemda, tahun, kecamatan)]
    earlier = repo.earlier_usulan(caller.pemda, tahun, {(u.desa, u.kamus_item.kode) for u in current})
    return [{"usulan_id": p.usulan_id, "other_id": p.other_id, "other_tahun": p.other_tahun, "score": p.score,
             "reason": p.reason} for p in find_duplicates(current, earlier)]


def close_kecamatan(repo: Repository, caller: Caller, tahun: int, kecamatan: str, meeting: dict,
                    at: datetime) -> dict:
    require_kecamatan_forum(caller, caller.pemda, kecamatan)
    if not isinstance(meeting, dict) or set(meeting) - {"tanggal", "tempat", "jumlah_peserta", "pimpinan", "catatan"}:
        raise field_error("berita_acara", "Berita acara berisi tanggal, tempat, jumlah_peserta, pimpinan, catatan")
    errors = []
    try:
        tanggal = date.fromisoformat(meeting.get("tanggal") or "")  # a non-string: TypeError, below
    except (TypeError, ValueError):
        tanggal = None
        errors.append({"field": "tanggal", "message": "Tanggal forum wajib diisi (YYYY-MM-DD)", "code": "required"})
    for name in ("tempat", "pimpinan", "catatan"):
        if meeting.get(name) is not None and not isinstance(meeting[name], str):
            errors.append({"field": name, "message": "Harus berupa teks", "code": "type_string"})
    if isinstance(meeting.get("tempat"), str) and not meeting["tempat"].strip() or meeting.get("tempat") is None:
        errors.append({"field": "tempat", "message": "Tempat forum wajib diisi", "code": "required"})
    errors += [e.as_dict() for e in (text_field_errors(meeting.get("tempat"), "tempat", "Tempat")
                                     + text_field_errors(meeting.get("pimpinan"), "pimpinan", "Pimpinan sidang")
                                     + text_field_errors(meeting.get("catatan"), "catatan", "Catatan", MULTILINE))]
    peserta = meeting.get("jumlah_peserta")
    if isinstance(peserta, bool) or not isinstance(peserta, int) or peserta < 1:
        errors.append({"field": "jumlah_peserta", "message": "Jumlah peserta harus bilangan bulat > 0",
                       "code": "not_positive"})
    if errors:
        raise ValidationError("Data berita acara tidak valid", errors=errors)
    # one close at a time per kecamatan: a concurrent second close waits, then finds it closed
    repo.uow.execute(sa.select(sa.func.pg_advisory_xact_lock(
        sa.func.hashtext(f"musrenbang-kecamatan:{caller.pemda}/{tahun}/{kecamatan}"))))
    if repo.forum_closed(caller.pemda, tahun, kecamatan):
        raise Conflict(f"Forum kecamatan {kecamatan} sudah ditutup", code="kecamatan_closed")
    schedule = _schedule_or_none(repo, caller.pemda, tahun)
    new_order = schedule is not None and schedule.new_order
    if new_order:  # the desa step closes first (its window over, or closed early by Bappeda)
        require_dependencies_closed(schedule, Step.KECAMATAN, repo.reported_closed(caller.pemda, tahun), at)
    cycle = repo.usulan_of_cycle(caller.pemda, tahun, kecamatan)
    usulans = [u for u, _ in cycle]
    pending = [u.tracking_code for u in usulans if status_at(u, Level.KECAMATAN) == "belum diputuskan"]
    if pending:
        raise Conflict(f"{len(pending)} usulan belum diputuskan di forum kecamatan", code="undecided",
                       usulan=pending[:50])
    manifest = build_manifest(usulans, pemda=caller.pemda, tahun=tahun, level=Level.KECAMATAN).as_dict()
    names = repo.regions_for({u.desa for u in usulans})
    record = {
        "kecamatan": kecamatan, "tahun": tahun, "tanggal": tanggal.isoformat(), "tempat": meeting["tempat"].strip(),
        "jumlah_peserta": peserta, "pimpinan": (meeting.get("pimpinan") or "").strip(),
        "catatan": (meeting.get("catatan") or "").strip(), "ranking": _ranking(repo, caller.pemda, tahun, kecamatan),
        "keputusan": [{"usulan_id": u.id, "tracking_code": u.tracking_code, "desa": u.desa,
                       "desa_nama": names.name_of(u.desa), "gagasan": u.gagasan,
                       **events.decision_data(u.decision_at(Level.KECAMATAN))}
                      for u in usulans if u.decision_at(Level.KECAMATAN) is not None],
        "manifest": manifest,
    }
    kecamatan_name = repo.kecamatan_names(caller.pemda).get(kecamatan, kecamatan)
    document = render_berita_acara(record, kecamatan_name, ranking_rule=RANKING_RULE)
    digest = hashlib.sha256(document.encode("utf-8")).hexdigest()  # verifiable on the document file
    repo.close_forum(caller.pemda, tahun, kecamatan, caller.sub, record, document, digest)
    routed = _route(repo, cycle, kecamatan, at) if new_order else 0
    repo.uow.emit(events.KECAMATAN_CLOSED, f"{caller.pemda}/{tahun}/{kecamatan}",
                  {"kecamatan": kecamatan, "closed_at": at.isoformat(), "berita_acara_digest": digest,
                   "manifest": manifest, "ranking": [r["usulan_id"] for r in record["ranking"]]},
                  caller.pemda, tahun)
    return {"kecamatan": kecamatan, "digest": digest, "document": document, "manifest": manifest,
            "routed_count": routed}


def _schedule_or_none(repo: Repository, pemda: str, tahun: int):
    try:
        return repo.schedule(pemda, tahun)[0]
    except NotFound:
        return None


def _route(repo: Repository, cycle: list, kecamatan: str, at: datetime) -> int:
    """Regulation's order: each usulan accepted by the kecamatan forum goes to its OPD's inbox
    (Forum Perangkat Daerah) now, exactly once: `usulan.routed.v1` is emitted in the same
    transaction as the forum close and the routing record, and only for an usulan not routed yet."""
    routed = 0
    for u, version in cycle:
        if u.accepted_at(Level.KECAMATAN) and repo.mark_routed(u.id, u.kamus_item.opd, at, f"kecamatan/{kecamatan}"):
            repo.uow.emit(events.ROUTED, u.id, events.routed_data(u, version), u.pemda, u.tahun)
            routed += 1
    return routed


def berita_acara(repo: Repository, caller: Caller, tahun: int, kecamatan: str) -> dict:
    require_kecamatan_forum(caller, caller.pemda, kecamatan)
    closed = repo.forum_closed(caller.pemda, tahun, kecamatan)
    if closed is None:
        raise NotFound(f"Forum kecamatan {kecamatan} belum ditutup; berita acara belum ada", code="not_closed")
    return {"kecamatan": kecamatan, "digest": closed["digest"], "document": closed["document"],
            "closed_at": closed["closed_at"].isoformat(), "berita_acara": closed["berita_acara"]}
