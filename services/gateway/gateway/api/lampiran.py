"""Attachments of an usulan (photos of the site, a proposal PDF) under /v1/musrenbang.

    POST   /v1/musrenbang/usulan/{usulan_id}/lampiran   multipart/form-data: file, simpan_lokasi
    GET    /v1/musrenbang/usulan/{usulan_id}/lampiran   {"items": [Lampiran]}
    GET    /v1/musrenbang/lampiran/{lampiran_id}        the bytes (image/jpeg or application/pdf)
    DELETE /v1/musrenbang/lampiran/{lampiran_id}        204, while the usulan can still be edited

The bytes go to the musrenbang service, which owns them (its database, through its document
store): as base64 text in the RPC payload, both ways. That costs a third more on the wire between
the gateway and the broker (a 10 MB PDF is a 13.4 MB message), which is far inside RabbitMQ's
message size limit and keeps one RPC per request, a service that checks everything itself (the
sniffing and re-encoding happen there, never on the client's word) and no second way into its
database. The gateway refuses an oversized body before reading it (`MAX_UPLOAD_BODY_BYTES`, its
own limit instead of GATEWAY_MAX_BODY_BYTES) and a file over the largest kept size before the RPC.

The public never sees attachments (they may show people): no public operation serves them, and
the public tracking view lists none. An OPD reads the attachments of an usulan routed to it.
"""
from __future__ import annotations

import base64
from typing import Any

from ..auth.messages import register_messages
from .operation import BAPPEDA, DESA, FORM_MEDIA, KECAMATAN, OPD, Call, Created, FormFile, Operation, Raw
from .schemas import DATETIME, arr, boolean, enum, integer, obj, string

TAG = "musrenbang"
MIB = 1024 * 1024
MAX_FOTO_BYTES = 8 * MIB  # musrenbang.lampiran_content (the service decides; these say it early)
MAX_DOKUMEN_BYTES = 10 * MIB
MAX_FILE_BYTES = max(MAX_FOTO_BYTES, MAX_DOKUMEN_BYTES)
MAX_UPLOAD_BODY_BYTES = MAX_FILE_BYTES + 256 * 1024  # the file and the multipart framing around it
UPLOAD_TIMEOUT_SECONDS = 25.0  # decoding and re-encoding a large photo on a busy service; below gunicorn's 30 s

WRITERS = frozenset({DESA})  # musrenbang.access.require_lampiran_writer
READERS = frozenset({BAPPEDA, KECAMATAN, DESA, OPD})  # require_lampiran_reader (OPD: routed usulan only)

register_messages({
    "duplicate_part": ("Bagian formulir ini dikirim lebih dari sekali; kirim satu saja.",
                       "This form part was sent more than once; send it once."),
})

USULAN_ID = string(minLength=1, maxLength=64, pattern=r"^[A-Za-z0-9-]+$", description="id usulan")
LAMPIRAN_ID = string(minLength=1, maxLength=64, pattern=r"^[A-Za-z0-9-]+$", description="id lampiran")

LAMPIRAN_FORM = obj({
    "file": {"type": "string", "format": "binary",
             "description": "Foto JPEG, PNG atau WebP (paling besar 8 MB; disimpan ulang sebagai JPEG, sisi "
                            "terpanjang paling banyak 2560 piksel, tanpa metadata EXIF) atau dokumen PDF (paling "
                            "besar 10 MB). Jenisnya dikenali dari isi berkas, bukan dari nama atau Content-Type."},
    "simpan_lokasi": enum("true", "false", default="false",
                          description="true: simpan posisi GPS foto (hanya lintang, bujur, ketinggian) di EXIF-nya; "
                                      "bawaan false: semua metadata foto dibuang"),
}, ["file"])

LAMPIRAN = obj({
    "id": string(), "usulan_id": string(), "jenis": enum("foto", "dokumen"),
    "content_type": enum("image/jpeg", "application/pdf", description="Jenis berkas yang disimpan"),
    "ukuran": integer(minimum=1, description="Ukuran berkas yang disimpan, byte"),
    "sha256": string(pattern=r"^[0-9a-f]{64}$", description="SHA-256 berkas yang disimpan"),
    "lokasi_disimpan": boolean(description="Foto menyimpan posisi GPS-nya"),
    "dibuat_pada": DATETIME,
    "url": string(description="Alamat berkasnya: GET untuk mengunduh (perlu login)"),
}, ["id", "usulan_id", "jenis", "content_type", "ukuran", "sha256", "lokasi_disimpan", "dibuat_pada", "url"],
    description="Lampiran usulan (foto lokasi, dokumen proposal)")
LAMPIRAN_LIST = obj({"items": arr(LAMPIRAN)}, ["items"])

_EXAMPLE = {"id": "2f1c7a7e-8a54-5d0e-b3c1-6f2f0e4b9a10", "usulan_id": "3f6c1f0e-5d7b-4a43-9a53-2b8c9e1d4a10",
            "jenis": "foto", "content_type": "image/jpeg", "ukuran": 482113,
            "sha256": "9f2b5c0e7d1a4b3c8e6f0a2d4c6e8b0a1c3e5f7092b4d6f8a0c2e4b6d8f0a2c4", "lokasi_disimpan": False,
            "dibuat_pada": "2027-01-15T09:05:00+00:00",
            "url": "/v1/musrenbang/lampiran/2f1c7a7e-8a54-5d0e-b3c1-6f2f0e4b9a10"}
_EXTENSION = {"image/jpeg": "jpg", "application/pdf": "pdf"}


def _url(call: Call, lampiran_id: str) -> str:
    """Relative to the API's origin (as Location of the other creates), right behind any proxy."""
    return f"/v1/musrenbang/lampiran/{lampiran_id}"


def _with_url(call: Call, view: dict) -> dict:
    return {**view, "url": _url(call, view["id"])}


def _too_large_early(size: int) -> None:
    from ..problems import Problem

    if size > MAX_FILE_BYTES:
        raise Problem(413, f"Berkas {size} byte melebihi batas: foto paling besar 8 MB, dokumen PDF paling besar "
                           f"10 MB. Perkecil berkasnya, lalu kirim lagi.", code="file_too_large",
                      max_foto_bytes=MAX_FOTO_BYTES, max_dokumen_bytes=MAX_DOKUMEN_BYTES)


def add_lampiran(call: Call) -> Created:
    file: FormFile = call.form["file"]
    _too_large_early(len(file.data))
    keep = call.form.get("simpan_lokasi", "false") == "true"
    (outcome,) = call.rpc.call_many([("musrenbang", "add_lampiran", (call.params["usulan_id"],),
                                      {"content_b64": base64.b64encode(file.data).decode("ascii"),
                                       "simpan_lokasi": keep, **call.request_kwargs()})],
                                    timeout=UPLOAD_TIMEOUT_SECONDS)
    if isinstance(outcome, BaseException):
        raise outcome
    return Created(_with_url(call, outcome), _url(call, outcome["id"]))


def list_lampiran(call: Call) -> dict:
    found = call.rpc.call("musrenbang", "list_lampiran", call.params["usulan_id"])
    return {"items": [_with_url(call, item) for item in found["items"]]}


def get_lampiran_file(call: Call) -> Raw:
    found = call.rpc.call("musrenbang", "get_lampiran", call.params["lampiran_id"])
    meta: dict[str, Any] = found["lampiran"]
    content = base64.b64decode(found["content_b64"])
    name = f"lampiran-{meta['id']}.{_EXTENSION.get(meta['content_type'], 'bin')}"
    disposition = "inline" if meta["content_type"] == "image/jpeg" else "attachment"
    return Raw(content, meta["content_type"], headers={
        "Content-Disposition": f'{disposition}; filename="{name}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-cache",  # who may read it is checked on every request
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
        "Repr-Digest": "sha-256=:" + base64.b64encode(bytes.fromhex(meta["sha256"])).decode() + ":",
    })


def delete_lampiran(call: Call) -> None:
    call.rpc.call("musrenbang", "delete_lampiran", call.params["lampiran_id"])


_USULAN_LAMPIRAN = "/v1/musrenbang/usulan/{usulan_id}/lampiran"
_LAMPIRAN = "/v1/musrenbang/lampiran/{lampiran_id}"


def _op(method: str, path: str, operation_id: str, summary: str, roles, handler, **more) -> Operation:
    return Operation(method, path, "musrenbang." + operation_id, summary, TAG, roles, handler, **more)


OPERATIONS: list[Operation] = [
    _op("POST", _USULAN_LAMPIRAN, "addLampiran", "Attach a photo or a PDF to an usulan (desa operator)", WRITERS,
        add_lampiran, body_media=FORM_MEDIA, form=LAMPIRAN_FORM, max_body_bytes=MAX_UPLOAD_BODY_BYTES,
        path_params={"usulan_id": USULAN_ID}, status=201, idempotent=True, response=LAMPIRAN,
        response_example=_EXAMPLE,
        problems={413: "The file is larger than kept: a photo up to 8 MB, a PDF up to 10 MB (code file_too_large)",
                  415: "The file's content (sniffed, not its name) is not JPEG, PNG, WebP or PDF "
                       "(code unsupported_type), or the body is not multipart/form-data"},
        description="Only the operator of the usulan's desa, while the usulan can still be edited (the desa window "
                    "is open, nothing decided, not withdrawn); at most 10 per usulan (409 lampiran_limit). The "
                    "type is sniffed from the bytes. Photos are re-encoded as JPEG (longest side 2560 px) without "
                    "any EXIF metadata, unless simpan_lokasi=true keeps the GPS position only. A broken or "
                    "truncated file, an encrypted PDF or a photo over 40 megapixels is a 422 that says what to do. "
                    "With an Idempotency-Key a retry (even with a new multipart boundary) answers the first "
                    "attachment. Location: /v1/musrenbang/lampiran/{id}."),
    _op("GET", _USULAN_LAMPIRAN, "listLampiran", "The attachments of an usulan", READERS, list_lampiran,
        path_params={"usulan_id": USULAN_ID}, response=LAMPIRAN_LIST, response_example={"items": [_EXAMPLE]},
        description="Whoever may read the usulan (its desa, its kecamatan, Bappeda), and the OPD it was routed to."),
    _op("GET", _LAMPIRAN, "getLampiran", "An attachment's file (image/jpeg or application/pdf)", READERS,
        get_lampiran_file, path_params={"lampiran_id": LAMPIRAN_ID}, produces=("image/jpeg", "application/pdf"),
        description="The bytes as stored, checked against their SHA-256 (also in Repr-Digest). Served with "
                    "X-Content-Type-Options: nosniff, Cache-Control: private, and Content-Disposition inline for "
                    "a photo, attachment for a PDF. Only for whoever may read the usulan."),
    _op("DELETE", _LAMPIRAN, "deleteLampiran", "Remove an attachment (desa operator) while the usulan can be edited",
        WRITERS, delete_lampiran, path_params={"lampiran_id": LAMPIRAN_ID}, status=204,
        description="The file is deleted too. Refused (409) once the desa window closed, after any decision or "
                    "after a withdrawal."),
]
