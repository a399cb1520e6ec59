"""Use cases on an usulan's attachments: add, list, read, remove (domain/lampiran.py has the rules).

The bytes travel over RPC as base64 text (`content_b64`), both ways: the gateway never writes to
this service's store, and the RPC payload stays JSON (a 10 MB PDF is a 13.4 MB message, far below
RabbitMQ's message size limit). What is kept is decided here, from the bytes alone
(lampiran_content.prepare: sniffed, photos re-encoded without EXIF), never from the file name.

Order of an add: who (the desa operator of the usulan's desa), whether the usulan can still
change, the count, then the content; the row and the event are written in the caller's unit of
work, and the bytes put in the document store (write-once, under a key naming the attachment)
last, before the commit: a failed put rolls the row back. Only a commit that fails after the put
leaves bytes no row names (never served: reads go through rows; a retry with the same
Idempotency-Key replaces them).
A removal deletes the row (and publishes the event) first; the service deletes the bytes after
the commit (`forget_bytes`).

A `request_id` (the gateway passes the client's Idempotency-Key) makes the attachment's id
`uuid5(NAMESPACE, "<pemda>/<tahun>/<usulan_id>/<request_id>")`: a retry by the same operator
returns the attachment the first attempt made, and publishes nothing new.
"""
from __future__ import annotations

import base64
import binascii
import logging
import uuid
from datetime import datetime
from typing import Callable

from eplanning_common import errors as rpc
from eplanning_common.domainkit import request_ids
from eplanning_common.errors import Conflict
from eplanning_common.storage import DocumentStore, ObjectMissing

from . import events, lampiran_content
from .access import OPD, Caller, require_author_role, require_lampiran_reader, require_lampiran_writer
from .domain import Level, TransitionRefused, Usulan, check_window
from .domain.lampiran import MAX_PER_USULAN, edit_refusal, routed_to, storage_key
from .errors import field_error
from .repository import Repository
from .usulan_actions import _cycle_checks, _ensure_forum_open

log = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("0b9a52d8-4c0e-4f63-9a3e-5f1d7e2c8a61")  # fixed: ids must not change
# base64 text of the largest kept upload (and a little slack for padding)
MAX_B64_CHARS = 4 * (lampiran_content.MAX_UPLOAD_BYTES // 3 + 1) + 4

Prepare = Callable[[bytes, bool], lampiran_content.Prepared]


def lampiran_view(row: dict) -> dict:
    return {"id": row["id"], "usulan_id": row["usulan_id"], "jenis": row["jenis"],
            "content_type": row["content_type"], "ukuran": row["ukuran"], "sha256": row["sha256"],
            "lokasi_disimpan": row["lokasi_disimpan"], "dibuat_pada": row["created_at"].isoformat()}


def lampiran_id_for(u: Usulan, request_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{u.pemda}/{u.tahun}/{u.id}/{request_id}"))


# -- add ------------------------------------------------------------------------------------------

def add(repo: Repository, store: DocumentStore, caller: Caller, usulan_id: str, content_b64: object,
        keep_location: object, at: datetime, request_id: str | None = None,
        prepare: Prepare = lampiran_content.prepare) -> dict:
    require_author_role(caller)
    if not isinstance(keep_location, bool):
        raise field_error("simpan_lokasi", "simpan_lokasi harus true atau false")
    if request_id is not None and not request_ids.is_valid(request_id):
        raise field_error("request_id", request_ids.INVALID_MESSAGE, request_ids.INVALID_CODE)
    u, _ = repo.usulan(usulan_id, lock=True)  # serializes the adds and removals of one usulan
    require_lampiran_writer(caller, u.pemda, u.desa)
    lampiran_id = str(uuid.uuid4())
    if request_id is not None:
        lampiran_id = lampiran_id_for(u, request_id)
        done = _earlier_add(repo, caller, u, lampiran_id)
        if done is not None:
            return done  # a retry: the same attachment, and no new event
    _check_editable(repo, u, at)
    if repo.lampiran_count(u.id) >= MAX_PER_USULAN:
        raise Conflict(f"Usulan ini sudah memiliki {MAX_PER_USULAN} lampiran (batas). Hapus lampiran yang tidak "
                       f"diperlukan, lalu kirim lagi.", code="lampiran_limit", max_lampiran=MAX_PER_USULAN)
    prepared = _prepared(prepare, _decoded(content_b64), keep_location)
    key = storage_key(u.pemda, u.tahun, u.id, lampiran_id)
    row = {"id": lampiran_id, "usulan_id": u.id, "pemda": u.pemda, "tahun": u.tahun, "jenis": prepared.jenis,
           "content_type": prepared.content_type, "ukuran": prepared.ukuran, "sha256": prepared.sha256,
           "storage_key": key, "lokasi_disimpan": prepared.lokasi_disimpan, "created_by": caller.sub,
           "created_at": at}
    repo.insert_lampiran(row)
    repo.uow.emit(events.LAMPIRAN_ADDED, u.id, events.lampiran_added_data(u, row), u.pemda, u.tahun)
    if request_id is not None:
        # bytes an earlier attempt put before its commit failed: no row names them (checked above,
        # under the usulan's lock), so they are an orphan and may differ from these
        store.delete(key)
    # last: a failed put rolls the row and the event back; nobody sees the row before the commit
    store.put(key, prepared.content, prepared.content_type)
    return lampiran_view(row)


def _earlier_add(repo: Repository, caller: Caller, u: Usulan, lampiran_id: str) -> dict | None:
    try:
        row = repo.lampiran_row(lampiran_id)
    except rpc.NotFound:
        return None
    if row["created_by"] != caller.sub or row["usulan_id"] != u.id:
        raise Conflict("request_id ini sudah dipakai untuk lampiran lain; gunakan request_id baru",
                       code="request_id_taken")
    return lampiran_view(row)


def _check_editable(repo: Repository, u: Usulan, at: datetime) -> None:
    """The attachments change only while the usulan itself could be edited (usulan_actions.edit)."""
    schedule = _cycle_checks(repo, u.pemda, u.tahun)
    check_window(schedule, Level.DESA, at)
    _ensure_forum_open(repo, u)
    reason = edit_refusal(u)
    if reason:
        raise TransitionRefused(reason, code="not_editable")


def _decoded(content_b64: object) -> bytes:
    if not isinstance(content_b64, str):
        raise field_error("file", "Berkas lampiran wajib dikirim")
    if len(content_b64) > MAX_B64_CHARS:
        raise rpc.PayloadTooLarge(f"Berkas melebihi batas. Lampirkan {lampiran_content.WHAT_IS_KEPT}.",
                                  code="file_too_large", max_bytes=lampiran_content.MAX_UPLOAD_BYTES)
    try:
        return base64.b64decode(content_b64, validate=True)
    except (binascii.Error, ValueError):
        raise field_error("file", "Isi berkas tidak terbaca (base64 tidak valid)") from None


def _prepared(prepare: Prepare, content: bytes, keep_location: bool) -> lampiran_content.Prepared:
    try:
        return prepare(content, keep_location)
    except lampiran_content.Refused as refused:
        limits = {"max_foto_bytes": lampiran_content.MAX_FOTO_BYTES,
                  "max_dokumen_bytes": lampiran_content.MAX_DOKUMEN_BYTES}
        if refused.status == 413:
            raise rpc.PayloadTooLarge(refused.message, code=refused.code, **limits) from None
        if refused.status == 415:
            raise rpc.UnsupportedMediaType(refused.message, code=refused.code,
                                           accepted=["image/jpeg", "image/png", "image/webp", "application/pdf"]
                                           ) from None
        raise rpc.ValidationError(refused.message, code=refused.code, errors=[
            {"field": "file", "message": refused.message, "code": refused.code}]) from None


# -- reads ----------------------------------------------------------------------------------------

def _require_reader(repo: Repository, caller: Caller, u: Usulan) -> None:
    routed = frozenset()
    if caller.role == OPD and caller.pemda == u.pemda:
        _, _, manifest = repo.schedule(u.pemda, u.tahun)
        routed = routed_to(u, manifest is not None, repo.rerouted_to(u.id))
    require_lampiran_reader(caller, u.pemda, u.desa, routed)


def list_for(repo: Repository, caller: Caller, usulan_id: str) -> dict:
    u, _ = repo.usulan(usulan_id)
    _require_reader(repo, caller, u)
    return {"items": [lampiran_view(row) for row in repo.lampiran_rows(u.id)]}


def read(repo: Repository, store: DocumentStore, caller: Caller, lampiran_id: str) -> dict:
    """The attachment and its bytes (base64), checked against the digest recorded when it was added."""
    row = repo.lampiran_row(lampiran_id)
    u, _ = repo.usulan(row["usulan_id"])
    _require_reader(repo, caller, u)
    try:
        content = store.get(row["storage_key"], sha256=row["sha256"])
    except ObjectMissing:
        raise rpc.NotFound("Berkas lampiran tidak ditemukan di penyimpanan; minta operator desa melampirkannya "
                           "lagi", code="lampiran_missing") from None
    return {"lampiran": lampiran_view(row), "content_b64": base64.b64encode(content).decode("ascii")}


# -- remove ---------------------------------------------------------------------------------------

def remove(repo: Repository, caller: Caller, lampiran_id: str, at: datetime) -> dict:
    """Deletes the row and publishes the removal; returns the row (its storage key for
    `forget_bytes`, called after the commit)."""
    require_author_role(caller)
    found = repo.lampiran_row(lampiran_id)
    u, _ = repo.usulan(found["usulan_id"], lock=True)
    require_lampiran_writer(caller, u.pemda, u.desa)
    row = repo.lampiran_row(lampiran_id, lock=True)
    _check_editable(repo, u, at)
    repo.delete_lampiran(row["id"])
    repo.uow.emit(events.LAMPIRAN_REMOVED, u.id, events.lampiran_removed_data(u, row, at), u.pemda, u.tahun)
    return row


def forget_bytes(store: DocumentStore, row: dict) -> None:
    """After the removal committed: the bytes go too (a photo may show a person). If the store
    fails now, the removal stands (no row names the bytes, so they are never served); the key is
    logged for the operator to delete."""
    try:
        store.delete(row["storage_key"])
    except Exception:  # noqa: BLE001 - the answer is the removal, which is done
        log.exception("lampiran removed but its bytes could not be deleted from the document store",
                      extra={"storage_key": row["storage_key"]})
