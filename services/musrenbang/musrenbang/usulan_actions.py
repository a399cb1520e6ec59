"""Use cases on one usulan: create, edit, submit, withdraw, decide (incl. merge).

Each runs inside the caller's unit of work: authorization, then the domain, then the save and the
event in the same transaction. A refusal raises before anything is written.

A create may carry a `request_id` (the gateway passes the client's Idempotency-Key): the usulan id
is then `uuid5(REQUEST_NAMESPACE, "<pemda>/<tahun>/<request_id>")` and its tracking code is drawn
from `random.Random(<that id>)`, so the same request gives the same usulan on any database, and a
retry by the same operator returns the usulan it already made (no second usulan, no new event).
"""
import random
import secrets
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Iterator

import sqlalchemy as sa

from eplanning_common.domainkit import request_ids
from eplanning_common.domainkit.text import text_field_errors, texts_errors, url_field_errors
from eplanning_common.errors import Conflict, NotFound

from . import events
from .access import Caller, require_author_role, require_decider, require_usulan_access
from .domain import (DecideUsulan, DecisionStatus, Level, Pengusul, TransitionRefused, Usulan, UsulanInput,
                     UsulanStatus, check_window, decide, generate_tracking_code, new_usulan, submit, withdraw)
from .errors import field_error, refuse_text
from .repository import Repository
from .views import usulan_view

CREATE_FIELDS = {"desa", "kamus_item_id", "volume", "permasalahan", "gagasan", "lat", "lon", "alamat",
                 "pengusul", "lampiran"}
PENGUSUL_FIELDS = {"nama", "telepon", "nik", "kelompok"}


def _input(data: dict) -> tuple[UsulanInput, list]:
    """Reject unknown fields (no mass assignment); anything about cost is refused, not ignored."""
    if not isinstance(data, dict):
        raise field_error("body", "Data usulan harus berupa objek JSON")
    unknown = sorted(set(data) - CREATE_FIELDS)
    if unknown:
        raise field_error(unknown[0], f"Kolom {', '.join(unknown)} tidak dikenal (biaya dihitung oleh sistem)",
                          "unknown_field")
    pengusul = data.get("pengusul")
    if pengusul is not None:
        if not isinstance(pengusul, dict) or set(pengusul) - PENGUSUL_FIELDS or not pengusul.get("nama"):
            raise field_error("pengusul", "Pengusul harus berisi nama (dan boleh telepon, nik, kelompok)")
        refuse_text(texts_errors((f"pengusul.{name}", value) for name, value in pengusul.items()))
        pengusul = Pengusul(**pengusul)
    lampiran = _lampiran(data.get("lampiran"))
    return UsulanInput(desa=data.get("desa"), kamus_item_id=data.get("kamus_item_id"), volume=data.get("volume"),
                       permasalahan=data.get("permasalahan"), gagasan=data.get("gagasan"), lat=data.get("lat"),
                       lon=data.get("lon"), alamat=data.get("alamat"), pengusul=pengusul), lampiran


def _lampiran(raw) -> list:
    """Attachment metadata only (the files live in object storage): name, media type, size, sha256."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > 20:
        raise field_error("lampiran", "Lampiran harus daftar berisi paling banyak 20 berkas")
    allowed = {"nama", "jenis", "ukuran", "sha256", "url"}
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or set(item) - allowed or not item.get("nama"):
            raise field_error(f"lampiran[{i}]", "Lampiran berisi nama, jenis, ukuran, sha256, url")
    refuse_text(*(texts_errors((f"lampiran[{i}].{name}", item.get(name)) for name in ("nama", "jenis"))
                  + url_field_errors(item.get("url"), f"lampiran[{i}].url", "URL lampiran")
                  for i, item in enumerate(raw)))
    return raw


def _cycle_checks(repo: Repository, pemda: str, tahun: int):
    schedule, _, manifest = repo.schedule(pemda, tahun)
    if manifest is not None:
        raise Conflict(f"Tahap Musrenbang {pemda} {tahun} sudah ditutup", code="stage_closed")
    return schedule


def _ensure_forum_open(repo: Repository, u: Usulan) -> None:
    if repo.forum_closed(u.pemda, u.tahun, u.kecamatan):
        raise Conflict(f"Forum kecamatan {u.kecamatan} sudah ditutup; daftar usulannya dibekukan",
                       code="kecamatan_closed")


# -- request ids (idempotent creates) ----------------------------------------------------------
REQUEST_NAMESPACE = uuid.UUID("75262f2b-db83-4e5b-a9b7-0d7062b5623a")  # fixed: ids must not change


def checked_request_id(request_id: object) -> str:
    if not request_ids.is_valid(request_id):
        raise field_error("request_id", request_ids.INVALID_MESSAGE, request_ids.INVALID_CODE)
    return request_id


def usulan_id_for(pemda: str, tahun: int, request_id: str) -> str:
    """The id of the usulan created by `request_id` in the cycle (pemda, tahun)."""
    return request_ids.derived_id(REQUEST_NAMESPACE, pemda, tahun, request_id)


def tracking_codes(seed: str | None = None) -> Iterator[str]:
    """Candidate tracking codes: random ones (seed None), or the sequence drawn from Random(seed)."""
    randbelow = secrets.randbelow if seed is None else random.Random(seed).randrange
    while True:
        yield generate_tracking_code(randbelow)


def earlier_create(repo: Repository, caller: Caller, usulan_id: str) -> dict | None:
    """The view of the usulan an earlier create with this request id made (None: there is none).
    Another operator's usulan is a Conflict. Locks the id until the transaction ends, so two
    concurrent retries cannot both insert."""
    repo.uow.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("musrenbang-usulan:" + usulan_id))))
    try:
        existing, version = repo.usulan(usulan_id)
    except NotFound:
        return None
    if existing.created_by != caller.sub:
        raise Conflict("request_id ini sudah dipakai untuk usulan pengguna lain; gunakan request_id baru",
                       code="request_id_taken")
    require_usulan_access(caller, existing.pemda, existing.desa)
    return usulan_view(existing, version, repo.lampiran(usulan_id), caller.role)


def create(repo: Repository, caller: Caller, tahun: int, data: dict, at: datetime, submit_now: bool = True,
           request_id: str | None = None) -> dict:
    require_author_role(caller)
    usulan_id, seed = str(uuid.uuid4()), None
    if request_id is not None:
        usulan_id = seed = usulan_id_for(caller.pemda, tahun, checked_request_id(request_id))
        done = earlier_create(repo, caller, usulan_id)
        if done is not None:
            return done  # a retry: the same usulan, unchanged, and no new event
    schedule = _cycle_checks(repo, caller.pemda, tahun)
    check_window(schedule, Level.DESA, at)
    raw, lampiran = _input(data)
    regions = repo.regions_for({raw.desa})
    kamus = repo.kamus_items({raw.kamus_item_id} if isinstance(raw.kamus_item_id, str) else set())
    codes = tracking_codes(seed)
    code = next(codes)
    while repo.tracking_code_taken(code):
        code = next(codes)
    u = new_usulan(raw, usulan_id=usulan_id, tracking_code=code, tahun=tahun, scope=caller.scope(),
                   regions=regions, kamus=kamus, by=caller.sub, at=at)
    if submit_now:
        u = submit(u, schedule, by=caller.sub, at=at)
    repo.insert_usulan(u, lampiran)
    if u.status is UsulanStatus.SUBMITTED:
        repo.uow.emit(events.SUBMITTED, u.id, events.usulan_data(u, 1), u.pemda, u.tahun)
    return usulan_view(u, 1, lampiran, caller.role)


def edit(repo: Repository, caller: Caller, usulan_id: str, data: dict, expected_version: int | None,
         at: datetime) -> dict:
    require_author_role(caller)
    current, version = repo.usulan(usulan_id, lock=True)
    require_usulan_access(caller, current.pemda, current.desa)
    _check_version(current, version, expected_version)
    schedule = _cycle_checks(repo, current.pemda, current.tahun)
    check_window(schedule, Level.DESA, at)
    if current.status is UsulanStatus.WITHDRAWN or current.decisions:
        raise TransitionRefused("Usulan yang sudah ditarik atau diputuskan tidak dapat diubah", code="not_editable")
    raw, lampiran = _input(data)
    regions = repo.regions_for({raw.desa})
    kamus = repo.kamus_items({raw.kamus_item_id} if isinstance(raw.kamus_item_id, str) else set())
    fresh = new_usulan(raw, usulan_id=current.id, tracking_code=current.tracking_code, tahun=current.tahun,
                       scope=caller.scope(), regions=regions, kamus=kamus, by=current.created_by,
                       at=current.created_at)
    updated = replace(fresh, status=current.status, submitted_at=current.submitted_at)
    version = repo.save_usulan(updated, version, lampiran)
    if updated.status is UsulanStatus.SUBMITTED:
        repo.uow.emit(events.UPDATED, updated.id, events.usulan_data(updated, version), updated.pemda, updated.tahun)
    return usulan_view(updated, version, lampiran, caller.role)


def submit_draft(repo: Repository, caller: Caller, usulan_id: str, at: datetime) -> dict:
    require_author_role(caller)
    current, version = repo.usulan(usulan_id, lock=True)
    require_usulan_access(caller, current.pemda, current.desa)
    schedule = _cycle_checks(repo, current.pemda, current.tahun)
    submitted = submit(current, schedule, by=caller.sub, at=at)
    version = repo.save_usulan(submitted, version)
    repo.uow.emit(events.SUBMITTED, submitted.id, events.usulan_data(submitted, version), submitted.pemda,
                  submitted.tahun)
    return usulan_view(submitted, version, repo.lampiran(submitted.id), caller.role)


def withdraw_usulan(repo: Repository, caller: Caller, usulan_id: str, reason: str | None, at: datetime) -> dict:
    require_author_role(caller)
    refuse_text(text_field_errors(reason, "reason", "Alasan"))
    current, version = repo.usulan(usulan_id, lock=True)
    require_usulan_access(caller, current.pemda, current.desa)
    schedule = _cycle_checks(repo, current.pemda, current.tahun)
    withdrawn = withdraw(current, schedule, by=caller.sub, at=at, reason=reason)
    version = repo.save_usulan(withdrawn, version)
    repo.uow.emit(events.WITHDRAWN, withdrawn.id, events.withdrawn_data(withdrawn, version), withdrawn.pemda,
                  withdrawn.tahun)
    return usulan_view(withdrawn, version, repo.lampiran(withdrawn.id), caller.role)


def decide_usulan(repo: Repository, caller: Caller, usulan_id: str, command: dict, expected_version: int | None,
                  at: datetime) -> dict:
    allowed = {"level", "status", "reason", "revised_volume", "merge_target_id"}
    if not isinstance(command, dict) or set(command) - allowed:
        unknown = sorted(set(command) - allowed) if isinstance(command, dict) else ["body"]
        raise field_error(unknown[0], f"Kolom {', '.join(unknown)} tidak dikenal", "unknown_field")
    refuse_text(text_field_errors(command.get("reason"), "reason", "Alasan"))
    try:
        level = Level(command.get("level"))
    except ValueError:
        raise field_error("level", "Tingkat harus desa, kecamatan atau kabupaten") from None
    try:
        status = DecisionStatus(command.get("status"))
    except ValueError:
        raise field_error("status", "Status harus diterima, diterima dengan perubahan, digabung atau ditolak") from None

    current, version = repo.usulan(usulan_id, lock=True)
    require_decider(caller, level, current.pemda, current.desa)
    _check_version(current, version, expected_version)
    schedule = _cycle_checks(repo, current.pemda, current.tahun)
    if level is Level.KABUPATEN and schedule.new_order:
        raise Conflict(f"Tahun {current.tahun} mengikuti Permendagri 86/2017: hasil usulan di Musrenbang RKPD "
                       f"dicatat sebagai kesepakatan forum (POST /v1/musrenbang/{current.tahun}/forum-rkpd), bukan "
                       "keputusan satu per satu", code="kesepakatan_forum_rkpd")
    if level is not Level.KABUPATEN:
        _ensure_forum_open(repo, current)
    target, target_version = None, None
    target_id = command.get("merge_target_id")
    if status is DecisionStatus.DIGABUNG and target_id:
        if target_id == usulan_id:
            raise field_error("merge_target_id", "Usulan tidak dapat digabung ke dirinya sendiri", "self_merge")
        target, target_version = repo.usulan(target_id, lock=True)
        require_usulan_access(caller, target.pemda, target.desa)
    outcome = decide(current, DecideUsulan(level=level, status=status, by=caller.sub, at=at,
                                           reason=command.get("reason") or "",
                                           revised_volume=command.get("revised_volume"),
                                           merge_target_id=target_id), schedule, merge_target=target)
    decided = outcome.usulan
    version = repo.save_usulan(decided, version)
    decision = decided.decisions[-1]
    repo.uow.emit(events.DECIDED, decided.id, events.decided_data(decided, version, decision), decided.pemda,
                  decided.tahun)
    if outcome.merge_target is not None:
        repo.save_usulan(outcome.merge_target, target_version)
        repo.uow.emit(events.MERGED, decided.id, events.merged_data(decided, outcome.merge_target, decision),
                      decided.pemda, decided.tahun)
    return usulan_view(decided, version, repo.lampiran(decided.id), caller.role)


def _check_version(current: Usulan, version: int, expected: int | None) -> None:
    if expected is not None and expected != version:
        raise Conflict(f"Usulan {current.id} versi {expected} sudah usang (versi sekarang {version})",
                       code="stale_version", current_version=version)
