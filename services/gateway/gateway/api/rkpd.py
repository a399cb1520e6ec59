"""RKPD under /v1/rkpd (Bappeda): the assembly status, the versions with their diff, the document,
the rendered files (JSON, XLSX, HTML, PDF), the narrative chapters, reassembly and promotion.

The rkpd service answers Bappeda of the caller's pemda only (every RPC checks it again), so every
operation here is for `bappeda`. Files travel over RPC as base64 with their SHA-256 (the gateway
never reads a service's disk); the gateway checks the bytes against that SHA-256 before it
answers. Server paths (`location`) stay inside the service: each file is shown as a URL instead.
The published versions are served to the public under /v1/public (gateway.api.public).
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from ..problems import Problem
from .operation import BAPPEDA, Call, Created, Operation, Raw
from .schemas import DATETIME, PEMDA, TAHUN, arr, boolean, check, enum, integer, multiline, nullable, obj, string

TAG = "rkpd"
ROLES = frozenset({BAPPEDA})

# format -> (file name in the service, media type); the four files every version has
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: dict[str, tuple[str, str]] = {
    "json": ("rkpd.json", "application/json"),
    "xlsx": ("rkpd.xlsx", XLSX),
    "html": ("rkpd.html", "text/html; charset=utf-8"),
    "pdf": ("rkpd.pdf", "application/pdf"),
}
VERSIONS = ("rancangan awal", "rancangan", "rancangan akhir", "penetapan")
STAGES = ("musrenbang", "pokir", "renja")
NARRATIVE_CHAPTERS = (1, 2, 3, 4, 6, 7)  # chapter V is the table
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")

# -- schemas ------------------------------------------------------------------------------------

SHA256 = string(pattern=r"^[0-9a-f]{64}$", description="SHA-256, 64 lower-case hex digits")
MONEY_TEXT = string(pattern=r"^[0-9]+\.[0-9]{2}$", description="Rupiah as text with 2 decimals, e.g. 1500000.00")
SIGNED_MONEY_TEXT = string(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="Rupiah as text, negative for a decrease")
TEXT = string()
NTEXT = nullable(string())
VERSI = enum(*VERSIONS, description="Tahap dokumen RKPD")
NOMOR = integer(minimum=1, description="Nomor versi (1, 2, 3, ... across the stages)")

FILE = obj({
    "format": enum(*FORMATS),
    "filename": string(),
    "media_type": string(),
    "sha256": SHA256,
    "bytes": integer(minimum=0),
    "url": string(description="Where to download it (the bytes hash to sha256)"),
}, ["format", "filename", "media_type", "sha256", "bytes", "url"])
FILES = obj({fmt: FILE for fmt in FORMATS}, description="The rendered files by format")

STAGE_STATE = obj({"ditutup": boolean(),
                   "manifest": nullable({"type": "object", "additionalProperties": True,
                                         "description": "The stage's close manifest (counts, totals, digest)"})},
                  ["ditutup", "manifest"])
CURRENT = obj({"nomor": NOMOR, "versi": VERSI, "content_hash": SHA256, "stale": boolean(),
               "alasan_stale": NTEXT, "ditetapkan": boolean()},
              ["nomor", "versi", "content_hash", "stale", "alasan_stale", "ditetapkan"])
STATUS = obj({
    "pemda": PEMDA, "tahun": TAHUN,
    "tahap": obj({s: STAGE_STATE for s in STAGES}, STAGES),
    "menunggu": arr(string(), description="What the assembly waits for; empty when nothing"),
    "versi_terkini": nullable(CURRENT),
}, ["pemda", "tahun", "tahap", "menunggu", "versi_terkini"])

TINGKAT = enum("opd", "urusan", "bidang", "program", "kegiatan", "sub_kegiatan")
LINE = obj({
    "tingkat": TINGKAT, "kode": TEXT, "uraian": TEXT, "opd": TEXT, "row_id": NTEXT, "indikator": NTEXT,
    "target_n": NTEXT, "satuan": NTEXT, "pagu_n": MONEY_TEXT, "lokasi": arr(string()), "sumber_dana": NTEXT,
    "prioritas_nasional": arr(string()), "prioritas_daerah": arr(string()), "kelompok_sasaran": NTEXT,
    "target_n1": NTEXT, "pagu_n1": MONEY_TEXT,
}, ["tingkat", "kode", "uraian", "opd", "row_id", "indikator", "target_n", "satuan", "pagu_n", "lokasi",
    "sumber_dana", "prioritas_nasional", "prioritas_daerah", "kelompok_sasaran", "target_n1", "pagu_n1"],
    description="A line of Tabel V; non-leaf lines carry only kode, uraian, opd and the sums")
USULAN_RECORD = obj({
    "id": TEXT, "tracking_code": TEXT, "kecamatan": TEXT, "kecamatan_nama": NTEXT, "desa": TEXT, "desa_nama": NTEXT,
    "gagasan": TEXT, "opd": NTEXT, "cost_awal": MONEY_TEXT, "cost_akhir": MONEY_TEXT, "status_musrenbang": TEXT,
    "alasan": NTEXT, "keputusan_opd": NTEXT, "alasan_opd": NTEXT, "status_akhir": TEXT, "alasan_akhir": NTEXT,
}, ["id", "tracking_code", "kecamatan", "desa", "cost_awal", "cost_akhir", "status_musrenbang", "status_akhir"])
POKIR_RECORD = obj({
    "id": TEXT, "anggota": TEXT, "fraksi": NTEXT, "dapil": TEXT, "judul": TEXT, "kecamatan": NTEXT, "desa": NTEXT,
    "opd": NTEXT, "cost": MONEY_TEXT, "status": TEXT, "alasan": NTEXT,
}, ["id", "anggota", "dapil", "judul", "cost", "status"])
NARRATIVE_SECTION = obj({"judul": TEXT, "jenis": enum("narasi"), "teks": TEXT}, ["judul", "jenis", "teks"])
DATA_SECTION = obj({"judul": TEXT, "jenis": enum("ringkasan_per_urusan", "tabel_v", "ringkasan_per_opd",
                                                 "ringkasan_per_kecamatan")}, ["judul", "jenis"])
BAB = obj({"nomor": enum(*ROMAN), "judul": TEXT, "bagian": arr({"anyOf": [NARRATIVE_SECTION, DATA_SECTION]})},
          ["nomor", "judul", "bagian"])
PAGU = {"pagu_n": MONEY_TEXT, "pagu_n1": MONEY_TEXT}
RINGKASAN = obj({
    "per_kecamatan": arr(obj({"kecamatan": TEXT, "nama": TEXT, "jumlah": integer(minimum=0),
                              "diterima": integer(minimum=0), "ditolak": integer(minimum=0),
                              "lainnya": integer(minimum=0), "nilai_diterima": MONEY_TEXT},
                             ["kecamatan", "nama", "jumlah", "diterima", "ditolak", "lainnya", "nilai_diterima"])),
    "per_opd": arr(obj({"opd": TEXT, "nama": TEXT, "baris": integer(minimum=0), **PAGU,
                        "usulan_diakomodasi": integer(minimum=0), "pokir_diakomodasi": integer(minimum=0)},
                       ["opd", "nama", "baris", "pagu_n", "pagu_n1", "usulan_diakomodasi", "pokir_diakomodasi"])),
    "per_urusan": arr(obj({"urusan": TEXT, "nama": TEXT, "baris": integer(minimum=0), **PAGU},
                          ["urusan", "nama", "baris", "pagu_n", "pagu_n1"])),
}, ["per_kecamatan", "per_opd", "per_urusan"])
DOCUMENT = obj({
    "schema": enum("eplanning.rkpd/1"),
    "pemda": PEMDA, "pemda_nama": TEXT, "tahun": TAHUN, "versi": VERSI, "nomor_versi": NOMOR,
    "inputs": obj({s: TEXT for s in STAGES}, STAGES, description="Digests of the stage manifests it was built from"),
    "bab": arr(BAB, minItems=7, maxItems=7),
    "tabel_v": obj({"baris": arr(LINE), "total_n": MONEY_TEXT, "total_n1": MONEY_TEXT},
                   ["baris", "total_n", "total_n1"]),
    "lampiran": obj({"usulan": arr(USULAN_RECORD), "pokir": arr(POKIR_RECORD)}, ["usulan", "pokir"]),
    "ringkasan": RINGKASAN,
    "grand_total": obj(PAGU, ["pagu_n", "pagu_n1"]),
}, ["schema", "pemda", "pemda_nama", "tahun", "versi", "nomor_versi", "inputs", "bab", "tabel_v", "lampiran",
    "ringkasan", "grand_total"], description="The RKPD document (schema eplanning.rkpd/1, canonical JSON)")

ANY = {"description": "Any JSON value"}
CHANGE = obj({"before": ANY, "after": ANY}, ["before", "after"])
CHANGED_COLUMNS = {"type": "object", "additionalProperties": CHANGE, "description": "column -> {before, after}"}
REF = obj({"versi": VERSI, "nomor_versi": NOMOR, "hash": SHA256}, ["versi", "nomor_versi", "hash"])
TOTAL = obj({"before": MONEY_TEXT, "after": MONEY_TEXT, "delta": SIGNED_MONEY_TEXT}, ["before", "after", "delta"])


def _annex(record: dict, label: str) -> dict:
    return obj({"added": arr(record), "removed": arr(record),
                "changed": arr(obj({"id": TEXT, label: NTEXT, "columns": CHANGED_COLUMNS}, ["id", label, "columns"]))},
               ["added", "removed", "changed"])


DIFF = obj({
    "from": REF, "to": REF,
    "rows": obj({"added": arr(LINE), "removed": arr(LINE),
                 "changed": arr(obj({"opd": TEXT, "kode": TEXT, "row_id": NTEXT, "uraian": TEXT,
                                     "columns": CHANGED_COLUMNS}, ["opd", "kode", "row_id", "uraian", "columns"]))},
                ["added", "removed", "changed"]),
    "totals": obj({"pagu_n": TOTAL, "pagu_n1": TOTAL}, ["pagu_n", "pagu_n1"]),
    "annex": obj({"usulan": _annex(USULAN_RECORD, "tracking_code"), "pokir": _annex(POKIR_RECORD, "anggota")},
                 ["usulan", "pokir"]),
    "chapters": arr(enum(*ROMAN), description="Chapters whose content differs"),
    "unchanged": boolean(),
}, ["from", "to", "rows", "totals", "annex", "chapters", "unchanged"],
    description="The changes from the previous version")
DIFF_SUMMARY = obj({"rows_added": integer(minimum=0), "rows_removed": integer(minimum=0),
                    "rows_changed": integer(minimum=0)}, ["rows_added", "rows_removed", "rows_changed"])

VERSION = obj({
    "nomor": NOMOR, "versi": VERSI, "content_hash": SHA256, "files": FILES, "diff": nullable(DIFF),
    "stale_reason": NTEXT, "ditetapkan": boolean(), "created_at": DATETIME,
}, ["nomor", "versi", "content_hash", "files", "diff", "stale_reason", "ditetapkan", "created_at"])
VERSIONS_OUT = obj({"pemda": PEMDA, "tahun": TAHUN, "versions": arr(VERSION)}, ["pemda", "tahun", "versions"])
ASSEMBLED = obj({"nomor": NOMOR, "versi": VERSI, "content_hash": SHA256, "files": FILES,
                 "diff": nullable(DIFF_SUMMARY)}, ["nomor", "versi", "content_hash", "files", "diff"],
                description="The version just assembled")
DOCUMENT_OUT = obj({"nomor": NOMOR, "versi": VERSI, "document": DOCUMENT, "files": FILES},
                   ["nomor", "versi", "document", "files"])

SECTION_IN = obj({"judul": string(minLength=1, maxLength=300), "teks": multiline(maxLength=200_000)}, ["judul", "teks"])
NARRATIVE_IN = obj({"sections": arr(SECTION_IN, minItems=1, maxItems=100,
                                    description="The chapter's sections, in order; they replace the current ones")},
                   ["sections"])
NARRATIVE_OUT = obj({"bab": integer(), "sections": arr(SECTION_IN),
                     "version": integer(minimum=0, description="0: never edited (the year's default text)"),
                     "bawaan": boolean(description="true: the default text of the year's template, not yet edited")},
                    ["bab", "sections", "version", "bawaan"])
PROMOTE_IN = obj({"to": enum(*VERSIONS[1:], description="The next stage (exactly one step forward)")}, ["to"])

# -- examples -----------------------------------------------------------------------------------

EX_HASH = "9f2c4e0b7a1d3c5e8f6a0b2d4c6e8a1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c"
EX_BASE = "https://eplanning.example.go.id"


def _ex_files(tahun: int, nomor: int) -> dict:
    sizes = {"json": 48213, "xlsx": 20577, "html": 91544, "pdf": 183002}
    return {fmt: {"format": fmt, "filename": name, "media_type": media, "sha256": EX_HASH, "bytes": sizes[fmt],
                  "url": f"{EX_BASE}/v1/rkpd/{tahun}/files/{fmt}?nomor={nomor}"}
            for fmt, (name, media) in FORMATS.items()}


EX_STATUS = {
    "pemda": "12.21", "tahun": 2027,
    "tahap": {"musrenbang": {"ditutup": True, "manifest": {"total": 1600, "accepted_count": 380,
                                                           "accepted_cost": "41250000000.00", "digest": EX_HASH}},
              "pokir": {"ditutup": True, "manifest": {"total": 412, "digest": EX_HASH}},
              "renja": {"ditutup": False, "manifest": None}},
    "menunggu": ["menunggu penutupan tahap renja"],
    "versi_terkini": None,
}
EX_ASSEMBLED = {"nomor": 2, "versi": "rancangan", "content_hash": EX_HASH, "files": _ex_files(2027, 2),
                "diff": {"rows_added": 3, "rows_removed": 0, "rows_changed": 12}}
EX_NARRATIVE_IN = {"sections": [
    {"judul": "Latar Belakang", "teks": "RKPD Kabupaten Padang Lawas Tahun 2027 adalah dokumen perencanaan daerah "
                                        "untuk periode satu tahun."},
    {"judul": "Maksud dan Tujuan", "teks": "Pedoman pembangunan daerah selama tahun 2027."}]}

# -- handlers -----------------------------------------------------------------------------------


def tahun_of(call: Call) -> int:
    return check(call.params["tahun"], TAHUN, "tahun")


def format_of(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Problem(404, f"Format berkas RKPD yang tersedia: {', '.join(FORMATS)}", code="format_not_found")
    return fmt


def files_out(files: dict | None, url_of) -> dict:
    """The service's `{"rkpd.json": {sha256, bytes}, ...}` as `{fmt: FILE}` with each file's URL."""
    out = {}
    for fmt, (filename, media_type) in FORMATS.items():
        stored = (files or {}).get(filename)
        if stored:
            out[fmt] = {"format": fmt, "filename": filename, "media_type": media_type, "sha256": stored["sha256"],
                        "bytes": stored["bytes"], "url": url_of(fmt)}
    return out


def _bappeda_url(call: Call, tahun: int, nomor: int):
    return lambda fmt: f"{call.base_url}/v1/rkpd/{tahun}/files/{fmt}?nomor={nomor}"


def _version_out(call: Call, tahun: int, v: dict) -> dict:
    return {"nomor": v["nomor"], "versi": v["versi"], "content_hash": v["content_hash"],
            "files": files_out(v.get("files"), _bappeda_url(call, tahun, v["nomor"])), "diff": v.get("diff"),
            "stale_reason": v.get("stale_reason"), "ditetapkan": v["ditetapkan"], "created_at": v["created_at"]}


def _assembled_out(call: Call, tahun: int, v: dict) -> dict:
    return {"nomor": v["nomor"], "versi": v["versi"], "content_hash": v["content_hash"],
            "files": files_out(v.get("files"), _bappeda_url(call, tahun, v["nomor"])), "diff": v.get("diff")}


def file_answer(got: dict, filename: str) -> Raw:
    """A file the service sent (base64 + its SHA-256) as the HTTP answer, after checking the bytes:
    the ETag is derived from the bytes, `Repr-Digest` / `Digest` carry the SHA-256 (RFC 9530 /
    RFC 3230) and `X-Content-SHA256` the same digest in hex, as the metadata lists it."""
    try:
        content = base64.b64decode(got["content_base64"], validate=True)
    except (KeyError, ValueError):
        raise Problem(502, "Berkas dari layanan RKPD tidak terbaca", title="Berkas tidak utuh",
                      type_slug="bad-gateway", code="file_corrupt") from None
    digest = hashlib.sha256(content)
    if digest.hexdigest() != got.get("sha256"):
        raise Problem(502, "Berkas dari layanan RKPD tidak cocok dengan hash-nya", title="Berkas tidak utuh",
                      type_slug="bad-gateway", code="file_corrupt")
    b64 = base64.b64encode(digest.digest()).decode("ascii")
    headers = {"Repr-Digest": f"sha-256=:{b64}:", "Digest": f"SHA-256={b64}", "X-Content-SHA256": digest.hexdigest(),
               "X-RKPD-Nomor": str(got["nomor"]), "X-RKPD-Versi": got["versi"]}
    return Raw(content, got["media_type"], filename, headers)


def get_status(call: Call) -> Any:
    return call.rpc.call("rkpd", "status", tahun_of(call))


def get_versions(call: Call) -> Any:
    tahun = tahun_of(call)
    versions = call.rpc.call("rkpd", "versions", tahun)
    return {"pemda": call.identity["pemda"], "tahun": tahun,
            "versions": [_version_out(call, tahun, v) for v in versions]}


def get_document(call: Call) -> Any:
    tahun = tahun_of(call)
    got = call.rpc.call("rkpd", "document", tahun, call.query.get("nomor"))
    document = got["document"]
    nomor = document["nomor_versi"]
    return {"nomor": nomor, "versi": document["versi"], "document": document,
            "files": files_out(got.get("files"), _bappeda_url(call, tahun, nomor))}


def get_file(call: Call) -> Any:
    tahun, fmt = tahun_of(call), format_of(call.params["fmt"])
    got = call.rpc.call("rkpd", "document_file", tahun, call.query.get("nomor"), fmt)
    return file_answer(got, f"rkpd_{call.identity['pemda']}_{tahun}_v{got['nomor']}.{fmt}")


def get_narrative(call: Call) -> Any:
    tahun, bab = tahun_of(call), call.params["bab"]
    check(bab, enum_int(NARRATIVE_CHAPTERS), "bab")
    return call.rpc.call("rkpd", "get_narrative", tahun, bab)


def put_narrative(call: Call) -> Any:
    tahun, bab = tahun_of(call), call.params["bab"]
    check(bab, enum_int(NARRATIVE_CHAPTERS), "bab")
    return call.rpc.call("rkpd", "set_narrative", tahun, bab, call.body["sections"],
                         expected_version=call.expected_version)


def post_assemble(call: Call) -> Any:
    tahun = tahun_of(call)
    got = call.rpc.call("rkpd", "assemble", tahun)
    return _assembled_out(call, tahun, got) if "nomor" in got else got


def post_promote(call: Call) -> Any:
    tahun = tahun_of(call)
    got = call.rpc.call("rkpd", "promote", tahun, call.body["to"])
    return Created(_assembled_out(call, tahun, got), f"{call.base_url}/v1/rkpd/{tahun}/document?nomor={got['nomor']}")


def enum_int(values) -> dict:
    return {"type": "integer", "enum": list(values)}


def _op(method: str, path: str, operation_id: str, summary: str, handler, **more) -> Operation:
    return Operation(method, path, operation_id, summary, TAG, ROLES, handler, **more)


_BASE = "/v1/rkpd/{tahun:int}"
OPERATIONS: list[Operation] = [
    _op("GET", f"{_BASE}/status", "rkpd.getStatus",
        "Assembly status: which stages closed (with their manifests), what it waits for, the current version",
        get_status, response=STATUS, response_example=EX_STATUS),
    _op("GET", f"{_BASE}/versions", "rkpd.listVersions",
        "Every version: stage, content hash, files with their SHA-256, diff against the previous one, stale reason",
        get_versions, response=VERSIONS_OUT),
    _op("GET", f"{_BASE}/document", "rkpd.getDocument",
        "The RKPD document (canonical JSON) of a version, the newest by default", get_document,
        query={"nomor": NOMOR}, response=DOCUMENT_OUT),
    _op("GET", f"{_BASE}/files/{{fmt}}", "rkpd.getFile",
        "A rendered file of a version (json, xlsx, html, pdf), the newest by default", get_file,
        query={"nomor": NOMOR}, response=None, produces=tuple(media for _, media in FORMATS.values()),
        description="The bytes hash to the version's recorded SHA-256: `X-Content-SHA256` (hex) and "
                    "`Repr-Digest` carry it. The service refuses a file that changed on disk (409 file_mismatch)."),
    _op("GET", f"{_BASE}/narrative/{{bab:int}}", "rkpd.getNarrative",
        "The narrative sections of a chapter (1, 2, 3, 4, 6 or 7) and their version; its ETag is what a "
        "replacement sends as If-Match", get_narrative, response=NARRATIVE_OUT,
        path_params={"bab": enum_int(NARRATIVE_CHAPTERS)},
        response_example={"bab": 1, **EX_NARRATIVE_IN, "version": 0, "bawaan": True}),
    _op("PUT", f"{_BASE}/narrative/{{bab:int}}", "rkpd.setNarrative",
        "Replace the narrative sections of a chapter (1, 2, 3, 4, 6 or 7; chapter V is the table)",
        put_narrative, body=NARRATIVE_IN, example=EX_NARRATIVE_IN, response=NARRATIVE_OUT, if_match=True,
        current=get_narrative, path_params={"bab": enum_int(NARRATIVE_CHAPTERS)},
        response_example={"bab": 1, **EX_NARRATIVE_IN, "version": 1, "bawaan": False},
        description="`If-Match` with the ETag of the GET is required: an edit made from an older text is "
                    "refused (412) and changes nothing, so two people editing one chapter cannot overwrite "
                    "each other. Takes effect in the next assembly (`POST .../assemble`)."),
    _op("POST", f"{_BASE}/assemble", "rkpd.assemble",
        "Reassemble now (after a narrative edit, say): the new version, or the status when nothing could be "
        "assembled", post_assemble, idempotent=True, response={"anyOf": [ASSEMBLED, STATUS]},
        response_example=EX_ASSEMBLED,
        description="The current version is marked stale and a new one assembled at the same stage when every "
                    "stage is closed and complete. Otherwise (still waiting, or the RKPD is ditetapkan) the "
                    "answer is the status."),
    _op("POST", f"{_BASE}/promote", "rkpd.promote",
        "Promote the RKPD one stage forward (rancangan, rancangan akhir, penetapan): a new, published version",
        post_promote, body=PROMOTE_IN, example={"to": "rancangan"}, status=201, idempotent=True,
        response=ASSEMBLED, response_example=EX_ASSEMBLED,
        description="Every promoted version is published: the public sees it under "
                    "/v1/public/rkpd/{pemda}/{tahun}. Penetapan is final (409 penetapan_final afterwards)."),
]
