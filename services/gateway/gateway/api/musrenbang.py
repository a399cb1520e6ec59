"""Musrenbang under /v1: usulan intake and decisions, the kamus usulan, the cycle's schedule and
stage close, and the kecamatan forum (criteria, scores, ranking, duplicates, berita acara).

Every operation is one RPC (two for a PATCH: the read that If-Match is checked against, then the
write) to the `musrenbang` service, which authorizes again: the role lists here are the first of
two checks and are never stricter than musrenbang.access (only `bappeda`, `operator_kecamatan`
and `operator_desa` exist for that service; each is cut to its territory by the service).

Not here: the public tracking lookup (`track_usulan`, no login) belongs to the public API module,
the dashboard counts (`summary`) to the aggregate module.
"""
from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from ..auth.errors import FieldError, InputInvalid
from ..auth.messages import MESSAGES, register_messages
from ..exceptions import ValidationError
from .operation import BAPPEDA, DESA, KECAMATAN, Call, Created, Operation, Raw
from .schemas import (
    DATETIME, DESA as DESA_CODE, HTTPS_URL, KECAMATAN as KECAMATAN_CODE, PEMDA, REASON, TAHUN, arr, boolean, enum,
    integer, multiline, nullable, obj, page_of, string,
)

SERVICE = "musrenbang"
TAG = "musrenbang"

# -- roles (musrenbang.access) -------------------------------------------------------------------
OPERATORS = frozenset({BAPPEDA, KECAMATAN, DESA})  # reads of the pemda's cycle, cut to territory
AUTHORS = frozenset({DESA})  # create, edit, submit, withdraw usulan (require_author_role)
DECIDERS = frozenset({BAPPEDA, KECAMATAN, DESA})  # each at its own level (require_decider)
FORUM = frozenset({BAPPEDA, KECAMATAN})  # kecamatan forum (require_kecamatan_forum)
STAGE_OWNER = frozenset({BAPPEDA})  # kamus, schedule, criteria, stage close (require_bappeda)

# -- vocabularies (musrenbang.domain; a unit test keeps them equal to the service's) ---------------
LEVELS = ("desa", "kecamatan", "kabupaten")
DECISION_STATUSES = ("diterima", "diterima dengan perubahan", "digabung", "ditolak")
LEVEL_STATUSES = ("draft", "ditarik", "tidak diteruskan", "belum diputuskan", *DECISION_STATUSES)
USULAN_STATUSES = ("draft", "submitted", "withdrawn")
SCHEDULE_CHANGES = ("close_early", "extend", "reopen")
SORTS = ("created_at", "-created_at", "current_cost", "-current_cost", "desa", "-desa")
TINDAK_LANJUT_DECISIONS = ("diakomodasi", "ditolak", "dialihkan")

# -- field schemas -------------------------------------------------------------------------------
NOT_BLANK = r"\S"
DECIMAL = string(pattern=r"^-?[0-9]+(\.[0-9]+)?$", description="Angka desimal sebagai teks, mis. 120.5")
MONEY = string(pattern=r"^[0-9]+\.[0-9]{2}$", description="Rupiah sebagai teks dengan 2 desimal (sen), mis. 850000.00")
SHA256 = string(pattern=r"^[0-9a-f]{64}$", description="SHA-256, 64 digit heksadesimal")
TRACKING_CODE = string(pattern=r"^[2-9A-HJ-NP-Z]{8}$", description="Kode lacak 8 karakter, mis. K7Q2M9XA")
AWARE_DATETIME = string(
    format="date-time",
    pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})$",
    description="Waktu ISO 8601 dengan zona waktu, mis. 2027-01-05T00:00:00+07:00")
VOLUME = {"type": ["string", "number"], "minimum": 0.001, "maximum": 1_000_000_000,
          "pattern": r"^(?=.*[1-9])[0-9]{1,10}(\.[0-9]{1,3})?$",
          "description": "Volume lebih dari 0, paling banyak 3 desimal, sebagai teks (mis. \"120.5\") atau angka; "
                         "biaya dihitung layanan dari harga satuan kamus"}
LATITUDE = {"type": ["string", "number"], "minimum": -90, "maximum": 90,
            "pattern": r"^-?[0-9]{1,2}(\.[0-9]{1,12})?$", "description": "Lintang -90..90, mis. \"1.1234\""}
LONGITUDE = {"type": ["string", "number"], "minimum": -180, "maximum": 180,
             "pattern": r"^-?[0-9]{1,3}(\.[0-9]{1,12})?$", "description": "Bujur -180..180, mis. \"99.6512\""}
TEXT = multiline(minLength=1, maxLength=2000, pattern=NOT_BLANK,
                 description="Teks wajib, paling banyak 2000 karakter (boleh beberapa baris)")
REQUIRED_REASON = {**REASON, "pattern": NOT_BLANK}
KAMUS_ITEM_ID = string(minLength=1, maxLength=200, pattern=r"^[0-9]{2}\.[0-9]{2}/[0-9]{4}/.+$",
                       description="id item kamus usulan <pemda>/<tahun>/<kode>, mis. 12.21/2027/DRN-01")
WEIGHT = {"type": ["string", "integer"], "minimum": 1, "pattern": r"^(?=.*[1-9])[0-9]{1,12}(\.[0-9]{1,12})?$",
          "description": "Bobot lebih dari 0: teks desimal (\"0.6\") atau bilangan bulat; pecahan JSON (0.6) ditolak "
                         "layanan agar bobot tidak dibulatkan"}


def _not(field: str) -> dict:
    """`field` must be absent (an error on the field itself)."""
    return {"properties": {field: {"not": {}}}}


def _when(field: str, values: tuple[str, ...], then: dict, otherwise: dict | None = None) -> dict:
    rule = {"if": {"properties": {field: {"enum": list(values)}}, "required": [field]}, "then": then}
    if otherwise is not None:
        rule["else"] = otherwise
    return rule


# -- request bodies -------------------------------------------------------------------------------
PENGUSUL_FIELDS = {
    "nama": string(minLength=1, maxLength=200, pattern=NOT_BLANK, description="Nama pengusul"),
    "telepon": nullable(string(maxLength=30)),
    "nik": nullable(string(maxLength=32)),
    "kelompok": nullable(string(maxLength=200, description="Kelompok masyarakat pengusul")),
}
PENGUSUL_IN = obj(PENGUSUL_FIELDS, ["nama"], description="Pengusul (data pribadi: tidak pernah tampil ke publik)")
PENGUSUL_PATCH = obj(PENGUSUL_FIELDS, description="Merge patch of the pengusul; null clears a member")
LAMPIRAN_ITEM = obj({
    "nama": string(minLength=1, maxLength=255),
    "jenis": string(maxLength=100, description="Media type, mis. image/jpeg"),
    "ukuran": integer(minimum=0, description="Ukuran dalam byte"), "sha256": SHA256,
    "url": HTTPS_URL,
}, ["nama"], description="Metadata lampiran (berkasnya di object storage)")
LAMPIRAN = nullable(arr(LAMPIRAN_ITEM, maxItems=20))

USULAN_FIELDS = {
    "desa": DESA_CODE, "kamus_item_id": KAMUS_ITEM_ID, "volume": VOLUME, "permasalahan": TEXT, "gagasan": TEXT,
    "lat": {**LATITUDE, "type": [*LATITUDE["type"], "null"]},
    "lon": {**LONGITUDE, "type": [*LONGITUDE["type"], "null"]},
    "alamat": nullable(string(maxLength=500)),
    "pengusul": nullable(PENGUSUL_IN), "lampiran": LAMPIRAN,
}
REQUIRED_USULAN_FIELDS = ["desa", "kamus_item_id", "volume", "permasalahan", "gagasan"]
_COORDINATES_TOGETHER = [
    {"if": {"properties": {a: {"not": {"type": "null"}}}, "required": [a]},
     "then": {"properties": {b: {"not": {"type": "null"}}}, "required": [b]}}
    for a, b in (("lat", "lon"), ("lon", "lat"))
]
USULAN_CREATE = obj(USULAN_FIELDS, REQUIRED_USULAN_FIELDS, allOf=_COORDINATES_TOGETHER,
                    description="No cost or price: cost = volume x harga satuan of the kamus item")
USULAN_PATCH = obj({**USULAN_FIELDS, "pengusul": nullable(PENGUSUL_PATCH)}, minProperties=1,
                   description="JSON merge patch (RFC 7396) of the editable fields, sent as application/json; "
                               "null clears an optional field")

DECISION_IN = obj({
    "level": enum(*LEVELS), "status": enum(*DECISION_STATUSES),
    "reason": nullable(string(maxLength=2000, description="Alasan; wajib kecuali untuk status diterima")),
    "revised_volume": VOLUME,
    "merge_target_id": string(minLength=1, maxLength=64, description="Usulan tujuan penggabungan"),
}, ["level", "status"], allOf=[
    _when("status", DECISION_STATUSES[1:], {"required": ["reason"], "properties": {"reason": REQUIRED_REASON}}),
    _when("status", ("diterima dengan perubahan",), {"required": ["revised_volume"]}, _not("revised_volume")),
    _when("status", ("digabung",), {"required": ["merge_target_id"]}, _not("merge_target_id")),
])
WITHDRAW_IN = obj({"reason": nullable(string(maxLength=2000, description="Alasan penarikan (boleh kosong)"))})
SCORES_IN = obj({"scores": {
    "type": "object", "propertyNames": {"minLength": 1, "maxLength": 100},
    "additionalProperties": integer(minimum=0),
    "description": "{nama kriteria: nilai bulat 0..max_score}; setiap kriteria wajib dinilai"}}, ["scores"])
CRITERIA_IN = obj({"criteria": arr(obj({
    "name": string(minLength=1, maxLength=100, pattern=NOT_BLANK), "weight": WEIGHT,
    "max_score": integer(minimum=1)}, ["name", "weight", "max_score"]), minItems=1)}, ["criteria"])
WINDOW_IN = obj({"level": enum(*LEVELS), "opens_at": AWARE_DATETIME, "closes_at": AWARE_DATETIME},
                ["level", "opens_at", "closes_at"])
SCHEDULE_IN = obj({"windows": arr(WINDOW_IN, minItems=3, maxItems=3,
                                  description="Tepat satu jendela per tingkat: desa, kecamatan, kabupaten")},
                  ["windows"])
SCHEDULE_CHANGE_IN = obj({
    "kind": enum(*SCHEDULE_CHANGES), "level": enum(*LEVELS), "reason": REQUIRED_REASON,
    "closes_at": {**AWARE_DATETIME, "description": "Waktu tutup baru: wajib untuk extend dan reopen (kecuali membuka "
                                                   "kembali tahap yang ditutup saat jendela kabupaten masih buka)"},
}, ["kind", "level", "reason"], allOf=[
    _when("kind", ("extend",), {"required": ["closes_at"]}),
    _when("kind", ("close_early",), _not("closes_at")),
])
FORUM_CLOSE_IN = obj({
    "tanggal": string(format="date", description="Tanggal forum, YYYY-MM-DD"),
    "tempat": string(minLength=1, maxLength=200, pattern=NOT_BLANK),
    "jumlah_peserta": integer(minimum=1),
    "pimpinan": nullable(string(maxLength=200)),
    "catatan": nullable(multiline(maxLength=5000)),
}, ["tanggal", "tempat", "jumlah_peserta"])

# -- responses ------------------------------------------------------------------------------------
KAMUS_ITEM = obj({
    "id": string(), "kode": string(), "nama": string(), "tahun": integer(), "pemda": PEMDA,
    "sub_kegiatan": string(), "opd": string(), "satuan": string(), "harga_satuan": MONEY,
    "volume_maks": nullable(DECIMAL),
}, ["id", "kode", "nama", "tahun", "pemda", "sub_kegiatan", "opd", "satuan", "harga_satuan", "volume_maks"])
DECISION = obj({
    "level": enum(*LEVELS), "status": enum(*DECISION_STATUSES), "reason": string(), "volume": DECIMAL,
    "cost": MONEY, "original_volume": DECIMAL, "original_cost": MONEY, "by": string(), "at": DATETIME,
    "merge_target": nullable(string()),
    "forum_ref": string(description="The Musrenbang RKPD forum whose agreement this kabupaten decision is "
                                    "(regulation's order)"),
}, ["level", "status", "reason", "volume", "cost", "original_volume", "original_cost", "by", "at", "merge_target"])
PENGUSUL_OUT = obj({"nama": string(), "telepon": nullable(string()), "nik": nullable(string()),
                    "kelompok": nullable(string())}, ["nama", "kelompok"],
                   description="The proposer, cut to the reader's role (UU PDP data minimisation): telepon "
                               "for the desa and kecamatan operators, nik for the desa operator only; a member "
                               "the role may not see is absent (null: not recorded)")
USULAN_PROPERTIES = {
    "id": string(), "tracking_code": TRACKING_CODE, "tahun": integer(), "pemda": PEMDA,
    "kecamatan": KECAMATAN_CODE, "desa": DESA_CODE, "kamus_item": KAMUS_ITEM,
    "volume": DECIMAL, "cost": MONEY, "permasalahan": string(), "gagasan": string(),
    "created_by": string(), "created_at": DATETIME, "alamat": nullable(string()),
    "lat": nullable(DECIMAL), "lon": nullable(DECIMAL), "pengusul": nullable(PENGUSUL_OUT),
    "status": enum(*USULAN_STATUSES), "submitted_at": nullable(DATETIME), "withdrawn_at": nullable(DATETIME),
    "withdrawn_by": nullable(string()), "withdraw_reason": nullable(string()),
    "decisions": arr(DECISION), "merged_from": arr(string()), "version": integer(minimum=1),
    "lampiran": arr(LAMPIRAN_ITEM), "current_volume": DECIMAL, "current_cost": MONEY,
    "merged_into": nullable(string()),
    "status_per_level": obj({level: enum(*LEVEL_STATUSES) for level in LEVELS}, LEVELS),
}
USULAN = obj(USULAN_PROPERTIES, list(USULAN_PROPERTIES),
             description="An usulan as operators see it: the original volume/cost beside the current ones")
TINDAK_LANJUT = obj({
    "opd": string(), "decision": enum(*TINDAK_LANJUT_DECISIONS), "reason": string(),
    "rerouted_to": nullable(string()), "cost": nullable(MONEY), "decided_at": DATETIME,
    "renja_row_id": nullable(string()), "volume": nullable(DECIMAL),
    "mode": nullable(enum("baris_baru", "tambah", "sudah_tercakup",
                          description="How the OPD accommodated it: a new row, growing a row, a row that already "
                                      "covers it")),
}, ["opd", "decision", "reason", "rerouted_to", "cost", "decided_at", "renja_row_id", "volume"])
USULAN_DETAIL = obj({**USULAN_PROPERTIES, "tindak_lanjut": arr(TINDAK_LANJUT)},
                    [*USULAN_PROPERTIES, "tindak_lanjut"],
                    description="An usulan with the follow-up decisions of the OPDs' Renja")

STEPS = ("rancangan_awal", "renja_draft", "desa", "kecamatan", "forum_pd", "pokir", "musrenbang_rkpd", "penetapan",
         "renja_final")  # the calendar's steps (gateway.api.kalender)
WINDOW = obj({"step": enum(*STEPS), "level": nullable(enum(*LEVELS)), "opens_at": DATETIME, "closes_at": DATETIME},
             ["level", "opens_at", "closes_at"],
             description="A window; `level` is null for a calendar step of another service (e.g. forum_pd)")
SCHEDULE_CHANGE = obj({"step": enum(*STEPS), "level": nullable(enum(*LEVELS)), "kind": enum(*SCHEDULE_CHANGES),
                       "by": string(), "at": DATETIME, "reason": string(), "before": WINDOW, "after": WINDOW},
                      ["level", "kind", "by", "at", "reason", "before", "after"])
MANIFEST = obj({
    "pemda": PEMDA, "tahun": integer(), "level": enum(*LEVELS),
    "counts": obj({status: integer(minimum=0) for status in LEVEL_STATUSES}, LEVEL_STATUSES),
    "total": integer(minimum=0), "accepted_count": integer(minimum=0), "accepted_cost": MONEY,
    "digest_algorithm": enum("sha256"), "digest": SHA256,
}, ["pemda", "tahun", "level", "counts", "total", "accepted_count", "accepted_cost", "digest_algorithm", "digest"],
    description="What a level holds at its close; the digest covers the accepted set")
SCHEDULE = obj({
    "pemda": PEMDA, "tahun": integer(), "windows": arr(WINDOW), "history": arr(SCHEDULE_CHANGE),
    "tata_urutan": enum("permendagri_86_2017", "lama", description="lama: a year of the old order (this three-level "
                        "schedule, or stored before the calendar); permendagri_86_2017: set with PUT /v1/kalender"),
    "zona": enum("WIB", "WITA", "WIT"),
    "version": integer(minimum=1), "closed": boolean(description="The stage is closed at kabupaten level"),
    "manifest": nullable(MANIFEST),
}, ["pemda", "tahun", "windows", "history", "version"])
STAGE_CLOSED = obj({"manifest": MANIFEST, "routed_count": integer(minimum=0), "closed_by": string()},
                   ["manifest", "routed_count", "closed_by"])
KAMUS_IMPORTED = obj({"pemda": PEMDA, "tahun": integer(), "imported": integer(minimum=0)},
                     ["pemda", "tahun", "imported"])
KAMUS_LIST = obj({"items": arr(KAMUS_ITEM)}, ["items"])
CRITERIA = obj({"pemda": PEMDA, "tahun": integer(), "criteria": arr(obj(
    {"name": string(), "weight": DECIMAL, "max_score": integer(minimum=1)}, ["name", "weight", "max_score"]))},
    ["pemda", "tahun", "criteria"])
SCORED = obj({"usulan_id": string(), "scores": {"type": "object", "additionalProperties": integer(minimum=0)},
              "total": DECIMAL}, ["usulan_id", "scores", "total"])
RANK_ROW = obj({"position": integer(minimum=1), "usulan_id": string(), "tracking_code": TRACKING_CODE,
                "desa": DESA_CODE, "total": DECIMAL, "cost": MONEY, "status": enum(*LEVEL_STATUSES)},
               ["position", "usulan_id", "tracking_code", "desa", "total", "cost", "status"])
RANKING = obj({"kecamatan": KECAMATAN_CODE, "frozen": boolean(description="The forum is closed: the recorded list"),
               "rule": string(), "ranking": arr(RANK_ROW)}, ["kecamatan", "frozen", "rule", "ranking"])
DUPLICATE = obj({"usulan_id": string(), "other_id": string(), "other_tahun": integer(),
                 "score": {"type": "number", "minimum": 0, "maximum": 1}, "reason": string()},
                ["usulan_id", "other_id", "other_tahun", "score", "reason"])
DUPLICATES = obj({"tahun": integer(), "kecamatan": KECAMATAN_CODE, "items": arr(DUPLICATE)},
                 ["tahun", "kecamatan", "items"])
KEPUTUSAN = obj({
    "usulan_id": string(), "tracking_code": TRACKING_CODE, "desa": DESA_CODE, "desa_nama": nullable(string()),
    "gagasan": string(), "level": enum(*LEVELS), "status": enum(*DECISION_STATUSES), "reason": string(),
    "volume": DECIMAL, "cost": MONEY, "original_volume": DECIMAL, "original_cost": MONEY,
    "merge_target": nullable(string()), "decided_at": DATETIME,
}, ["usulan_id", "tracking_code", "desa", "desa_nama", "gagasan", "level", "status", "reason", "volume", "cost",
    "original_volume", "original_cost", "merge_target", "decided_at"])
BERITA_ACARA_RECORD = obj({
    "kecamatan": KECAMATAN_CODE, "tahun": integer(), "tanggal": string(format="date"), "tempat": string(),
    "jumlah_peserta": integer(minimum=1), "pimpinan": string(), "catatan": string(), "ranking": arr(RANK_ROW),
    "keputusan": arr(KEPUTUSAN), "manifest": MANIFEST,
}, ["kecamatan", "tahun", "tanggal", "tempat", "jumlah_peserta", "pimpinan", "catatan", "ranking", "keputusan",
    "manifest"])
FORUM_CLOSED = obj({"kecamatan": KECAMATAN_CODE, "digest": SHA256,
                    "document": string(contentMediaType="text/markdown"), "manifest": MANIFEST,
                    "routed_count": integer(minimum=0, description="Usulan this close routed to their OPDs "
                                                                   "(the regulation's order; 0 in the old order)")},
                   ["kecamatan", "digest", "document", "manifest"])
BERITA_ACARA = obj({"kecamatan": KECAMATAN_CODE, "digest": SHA256,
                    "document": string(contentMediaType="text/markdown",
                                       description="The berita acara; `digest` is the SHA-256 of its UTF-8 text"),
                    "closed_at": DATETIME, "berita_acara": BERITA_ACARA_RECORD},
                   ["kecamatan", "digest", "document", "closed_at", "berita_acara"])

# -- messages of this module ------------------------------------------------------------------------
_MESSAGES = {
    "musrenbang_csv_encoding": ("Berkas CSV harus berenkode UTF-8.", "The CSV file must be UTF-8 encoded."),
}
if not set(_MESSAGES) <= set(MESSAGES):
    register_messages(_MESSAGES)


# -- path parameters --------------------------------------------------------------------------------

def _tahun(call: Call) -> int:
    tahun = call.params["tahun"]
    if tahun < TAHUN["minimum"]:
        raise InputInvalid([FieldError("tahun", "min_value", {"min": TAHUN["minimum"]})])
    if tahun > TAHUN["maximum"]:
        raise InputInvalid([FieldError("tahun", "max_value", {"max": TAHUN["maximum"]})])
    return tahun


def _kecamatan(call: Call) -> str:
    kecamatan = call.params["kecamatan"]
    if not re.fullmatch(KECAMATAN_CODE["pattern"], kecamatan):
        raise InputInvalid([FieldError("kecamatan", "format_pattern", {"pattern": KECAMATAN_CODE["pattern"],
                                                                        "hint": KECAMATAN_CODE["description"]})])
    return kecamatan


def _rpc(call: Call, method: str, *args: Any, **kwargs: Any) -> Any:
    return call.rpc.call(SERVICE, method, *args, **kwargs)


# -- usulan ------------------------------------------------------------------------------------------

def create_usulan(call: Call) -> Created:
    created = _rpc(call, "create_usulan", _tahun(call), call.body, submit=call.query.get("submit", True),
                   **call.request_kwargs())
    return Created(created, f"/v1/musrenbang/usulan/{created['id']}")


LIST_FILTERS = ("kecamatan", "desa", "status", "status_kecamatan", "status_kabupaten", "opd", "kamus_kode")


def list_usulan(call: Call) -> dict:
    filters = {name: call.query[name] for name in LIST_FILTERS if name in call.query}
    return _rpc(call, "list_usulan", _tahun(call), filters or None, call.query.get("cursor"), call.query["limit"],
                sort=call.query.get("sort"))


_CURRENT = "_musrenbang_current_usulan"


def get_usulan(call: Call) -> dict:
    """The usulan as GET shows it; also what If-Match is checked against (remembered on the call,
    so that the PATCH merges onto exactly the representation whose ETag matched)."""
    current = _rpc(call, "get_usulan", call.params["usulan_id"])
    setattr(call, _CURRENT, current)
    return current


EDITABLE = ("desa", "kamus_item_id", "volume", "permasalahan", "gagasan", "lat", "lon", "alamat", "pengusul",
            "lampiran")


def editable_fields(view: dict) -> dict:
    """The editable fields of an usulan view, in the shape create/update take."""
    return {"desa": view["desa"], "kamus_item_id": view["kamus_item"]["id"], "volume": view["volume"],
            "permasalahan": view["permasalahan"], "gagasan": view["gagasan"], "lat": view["lat"],
            "lon": view["lon"], "alamat": view["alamat"], "pengusul": view["pengusul"],
            "lampiran": view["lampiran"]}


def merge_patch(view: dict, patch: dict) -> dict:
    """RFC 7396 onto the editable fields: the service's update replaces every field, the PATCH
    changes only those given (null clears an optional one; `pengusul` merges member by member)."""
    data = editable_fields(view)
    for name, value in patch.items():
        if name == "pengusul" and isinstance(value, dict) and isinstance(data["pengusul"], dict):
            data["pengusul"] = {**data["pengusul"], **value}
        else:
            data[name] = value
    return data


def update_usulan(call: Call) -> dict:
    current = getattr(call, _CURRENT, None) or get_usulan(call)
    return _rpc(call, "update_usulan", call.params["usulan_id"], merge_patch(current, call.body),
                expected_version=call.expected_version)


def submit_usulan(call: Call) -> dict:
    return _rpc(call, "submit_usulan", call.params["usulan_id"])


def withdraw_usulan(call: Call) -> dict:
    return _rpc(call, "withdraw_usulan", call.params["usulan_id"], call.body.get("reason"))


def decide_usulan(call: Call) -> dict:
    return _rpc(call, "decide_usulan", call.params["usulan_id"], call.body, expected_version=call.expected_version)


def score_usulan(call: Call) -> dict:
    return _rpc(call, "score_usulan", call.params["usulan_id"], call.body["scores"])


# -- kamus usulan ------------------------------------------------------------------------------------

def import_kamus(call: Call) -> dict:
    tahun = _tahun(call)
    try:
        text = (call.raw_body or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise InputInvalid([FieldError("body", "musrenbang_csv_encoding")]) from None
    try:
        return _rpc(call, "import_kamus", tahun, text)
    except ValidationError as exc:
        raise _with_csv_rows(exc) from exc


def _with_csv_rows(exc: ValidationError) -> ValidationError:
    """The service reports CSV errors per row ({row, field, message, code}); problem+json field
    errors carry field, message and code only, so the row goes into the field: `csv[3].harga_satuan`
    is column harga_satuan of line 3 (line 1 is the header)."""
    errors = exc.payload.get("errors")
    if not isinstance(errors, list) or not any(isinstance(e, dict) and "row" in e for e in errors):
        return exc
    rows = []
    for e in errors:
        if isinstance(e, dict) and "row" in e:
            e = {**e, "field": f"csv[{e['row']}].{e.get('field', '')}",
                 "message": f"Baris {e['row']}: {e.get('message', '')}"}
        rows.append(e)
    return ValidationError(exc.service, exc.method, exc.exc_type, {**exc.payload, "errors": rows})


def list_kamus(call: Call) -> dict:
    return {"items": _rpc(call, "list_kamus", _tahun(call))}


def export_kamus(call: Call) -> Raw:
    tahun = _tahun(call)
    text = _rpc(call, "export_kamus", tahun)
    pemda = (call.identity or {}).get("pemda", "pemda")
    return Raw(text.encode("utf-8"), "text/csv; charset=utf-8", filename=f"kamus_usulan_{pemda}_{tahun}.csv")


# -- schedule and stage ------------------------------------------------------------------------------

def set_schedule(call: Call) -> dict:
    return _rpc(call, "set_schedule", _tahun(call), call.body["windows"])


def get_schedule(call: Call) -> dict:
    return _rpc(call, "get_schedule", _tahun(call))


def change_schedule(call: Call) -> dict:
    body = call.body
    return _rpc(call, "change_schedule", _tahun(call), body["kind"], body["level"], body["reason"],
                closes_at=body.get("closes_at"))


def close_stage(call: Call) -> dict:
    return _rpc(call, "close_stage", _tahun(call))


# -- kecamatan forum ---------------------------------------------------------------------------------

def set_criteria(call: Call) -> dict:
    return _rpc(call, "set_criteria", _tahun(call), call.body["criteria"])


def get_criteria(call: Call) -> dict:
    return _rpc(call, "get_criteria", _tahun(call))


def ranking(call: Call) -> dict:
    return _rpc(call, "ranking", _tahun(call), _kecamatan(call))


def duplicates(call: Call) -> dict:
    tahun, kecamatan = _tahun(call), _kecamatan(call)
    return {"tahun": tahun, "kecamatan": kecamatan, "items": _rpc(call, "duplicates", tahun, kecamatan)}


def close_kecamatan(call: Call) -> dict:
    return _rpc(call, "close_kecamatan", _tahun(call), _kecamatan(call), call.body)


def berita_acara(call: Call) -> dict:
    return _rpc(call, "berita_acara", _tahun(call), _kecamatan(call))


def berita_acara_markdown(call: Call) -> Raw:
    """The document itself; `Repr-Digest` (RFC 9530) is the SHA-256 of exactly these bytes, the
    same digest the service stored and published when the forum closed."""
    tahun, kecamatan = _tahun(call), _kecamatan(call)
    found = _rpc(call, "berita_acara", tahun, kecamatan)
    body = found["document"].encode("utf-8")
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    return Raw(body, "text/markdown; charset=utf-8", filename=f"berita_acara_{kecamatan}_{tahun}.md",
               headers={"Repr-Digest": f"sha-256=:{digest}:"})


# -- examples ---------------------------------------------------------------------------------------

_UID = "3f6c1f0e-5d7b-4a43-9a53-2b8c9e1d4a10"
_TARGET = "8b1e2c3d-4f50-4a61-8b72-9c8d7e6f5a40"
_EXAMPLE_KAMUS = {"id": "12.21/2027/DRN-01", "kode": "DRN-01", "nama": "Pembangunan drainase lingkungan",
                  "tahun": 2027, "pemda": "12.21", "sub_kegiatan": "1.03.06.2.01.0012",
                  "opd": "1.03.0.00.0.00.01.0000", "satuan": "meter", "harga_satuan": "850000.00",
                  "volume_maks": "2000"}
EXAMPLE_CREATE = {"desa": "12.21.01.2001", "kamus_item_id": "12.21/2027/DRN-01", "volume": "120.5",
                  "permasalahan": "Jalan desa tergenang setiap hujan deras",
                  "gagasan": "Bangun drainase di sepanjang jalan dusun satu", "lat": "1.1234", "lon": "99.6512",
                  "alamat": "Dusun I, Desa Sosopan", "pengusul": {"nama": "Kelompok Tani Maju", "telepon": "0812000111",
                                                                 "kelompok": "Kelompok tani"},
                  "lampiran": [{"nama": "foto-genangan.jpg", "jenis": "image/jpeg", "ukuran": 482113,
                                "sha256": "9f2b5c0e7d1a4b3c8e6f0a2d4c6e8b0a1c3e5f7092b4d6f8a0c2e4b6d8f0a2c4"}]}
_DECISION_DESA = {"level": "desa", "status": "diterima", "reason": "", "volume": "120.5", "cost": "102425000.00",
                  "original_volume": "120.5", "original_cost": "102425000.00", "by": "op-desa-2001",
                  "at": "2027-01-20T10:00:00+07:00", "merge_target": None}
EXAMPLE_USULAN = {
    "id": _UID, "tracking_code": "K7Q2M9XA", "tahun": 2027, "pemda": "12.21", "kecamatan": "12.21.01",
    "desa": "12.21.01.2001", "kamus_item": _EXAMPLE_KAMUS, "volume": "120.5", "cost": "102425000.00",
    "permasalahan": EXAMPLE_CREATE["permasalahan"], "gagasan": EXAMPLE_CREATE["gagasan"],
    "created_by": "op-desa-2001", "created_at": "2027-01-15T09:00:00+07:00", "alamat": "Dusun I, Desa Sosopan",
    "lat": "1.1234", "lon": "99.6512",
    "pengusul": {"nama": "Kelompok Tani Maju", "telepon": "0812000111", "nik": None, "kelompok": "Kelompok tani"},
    "status": "submitted", "submitted_at": "2027-01-15T09:00:00+07:00", "withdrawn_at": None, "withdrawn_by": None,
    "withdraw_reason": None, "decisions": [_DECISION_DESA], "merged_from": [], "version": 2,
    "lampiran": EXAMPLE_CREATE["lampiran"], "current_volume": "120.5", "current_cost": "102425000.00",
    "merged_into": None,
    "status_per_level": {"desa": "diterima", "kecamatan": "belum diputuskan", "kabupaten": "tidak diteruskan"},
}
EXAMPLE_USULAN_DETAIL = {**EXAMPLE_USULAN, "tindak_lanjut": []}
EXAMPLE_CREATED = {**EXAMPLE_USULAN, "decisions": [], "version": 1,
                   "status_per_level": {"desa": "belum diputuskan", "kecamatan": "tidak diteruskan",
                                        "kabupaten": "tidak diteruskan"}}
_MANIFEST = {"pemda": "12.21", "tahun": 2027, "level": "kecamatan",
             "counts": {"draft": 0, "ditarik": 1, "tidak diteruskan": 2, "belum diputuskan": 0, "diterima": 10,
                        "diterima dengan perubahan": 3, "digabung": 1, "ditolak": 4},
             "total": 21, "accepted_count": 13, "accepted_cost": "2875000000.00", "digest_algorithm": "sha256",
             "digest": "4e1f0c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"}
_WINDOWS = [{"level": "desa", "opens_at": "2027-01-05T00:00:00+07:00", "closes_at": "2027-02-01T00:00:00+07:00"},
            {"level": "kecamatan", "opens_at": "2027-02-01T00:00:00+07:00", "closes_at": "2027-03-01T00:00:00+07:00"},
            {"level": "kabupaten", "opens_at": "2027-03-15T00:00:00+07:00", "closes_at": "2027-04-01T00:00:00+07:00"}]
EXAMPLE_SCHEDULE_CHANGE = {"kind": "extend", "level": "desa", "closes_at": "2027-02-08T00:00:00+07:00",
                           "reason": "Banyak desa terlambat karena banjir"}
_CHANGED_WINDOWS = [{**_WINDOWS[0], "closes_at": "2027-02-08T00:00:00+07:00"}, *_WINDOWS[1:]]
EXAMPLE_SCHEDULE = {"pemda": "12.21", "tahun": 2027, "windows": _CHANGED_WINDOWS, "history": [
    {"level": "desa", "kind": "extend", "by": "bappeda-1", "at": "2027-01-30T14:00:00+07:00",
     "reason": "Banyak desa terlambat karena banjir", "before": _WINDOWS[0], "after": _CHANGED_WINDOWS[0]}],
    "version": 2, "closed": False, "manifest": None, "tata_urutan": "lama", "zona": "WIB"}
_RANK_ROWS = [{"position": 1, "usulan_id": _UID, "tracking_code": "K7Q2M9XA", "desa": "12.21.01.2001",
               "total": "4.7", "cost": "102425000.00", "status": "diterima"},
              {"position": 2, "usulan_id": _TARGET, "tracking_code": "B3N8R4TW", "desa": "12.21.01.2002",
               "total": "3.0", "cost": "42500000.00", "status": "diterima dengan perubahan"}]
RANKING_RULE = ("nilai tertimbang tertinggi, lalu biaya terendah, lalu waktu pengajuan paling awal, "
                "lalu id usulan (urutan total dan tetap)")
EXAMPLE_FORUM_CLOSE = {"tanggal": "2027-02-10", "tempat": "Aula Kantor Camat Sosopan", "jumlah_peserta": 85,
                       "pimpinan": "Camat Sosopan", "catatan": "Dihadiri perwakilan seluruh desa"}
_DOCUMENT = ("# BERITA ACARA MUSRENBANG KECAMATAN SOSOPAN\n## Rencana Kerja Pemerintah Daerah Tahun 2027\n\n"
             "- Kode kecamatan: 12.21.01\n- Tanggal: 2027-02-10\n...\n")
_BERITA_ACARA_RECORD = {
    "kecamatan": "12.21.01", "tahun": 2027, **{k: EXAMPLE_FORUM_CLOSE[k] for k in ("tanggal", "tempat")},
    "jumlah_peserta": 85, "pimpinan": "Camat Sosopan", "catatan": "Dihadiri perwakilan seluruh desa",
    "ranking": _RANK_ROWS,
    "keputusan": [{"usulan_id": _UID, "tracking_code": "K7Q2M9XA", "desa": "12.21.01.2001", "desa_nama": "Sosopan",
                   "gagasan": EXAMPLE_CREATE["gagasan"], "level": "kecamatan", "status": "diterima", "reason": "",
                   "volume": "120.5", "cost": "102425000.00", "original_volume": "120.5",
                   "original_cost": "102425000.00", "merge_target": None, "decided_at": "2027-02-10T11:00:00+07:00"}],
    "manifest": _MANIFEST}
EXAMPLE_KAMUS_CSV = ("kode,nama,sub_kegiatan,opd,satuan,harga_satuan,volume_maks\n"
                     "DRN-01,Pembangunan drainase lingkungan,1.03.06.2.01.0012,1.03.0.00.0.00.01.0000,meter,"
                     "850000.00,2000\n")


def _op(method: str, path: str, operation_id: str, summary: str, roles: frozenset[str], handler, **more) -> Operation:
    return Operation(method, path, "musrenbang." + operation_id, summary, TAG, roles, handler, **more)


def _as_read(call: Call, answer: dict) -> dict:
    """An usulan as getUsulan shows it, from the answer of a create, submit or withdraw: with its
    OPD follow-ups, which only come after the stage closed, when these acts are refused."""
    return {**answer, "tindak_lanjut": answer.get("tindak_lanjut", [])}


def _schedule_as_read(call: Call, answer: dict) -> dict:
    """The schedule as getSchedule shows it, from the answer of setting or changing it: an open
    stage (a closed one takes no change but a reopening, which withdraws the close)."""
    return {"closed": False, "manifest": None, **answer}


_CYCLE = "/v1/musrenbang/{tahun:int}"
_USULAN = "/v1/musrenbang/usulan/{usulan_id}"
_FORUM = _CYCLE + "/kecamatan/{kecamatan}"

OPERATIONS: list[Operation] = [
    # usulan
    _op("POST", _CYCLE + "/usulan", "createUsulan", "Create an usulan (desa operator); submitted unless submit=false",
        AUTHORS, create_usulan, body=USULAN_CREATE, example=EXAMPLE_CREATE, status=201, idempotent=True,
        etag_read=_as_read,
        query={"submit": boolean(default=True, description="false: keep it as a draft, submit later")},
        response=USULAN, response_example=EXAMPLE_CREATED,
        description="Only while the desa window is open. The service computes the cost from the kamus item "
                    "(sending cost or price is refused) and gives the usulan its public tracking code. "
                    "Location: /v1/musrenbang/usulan/{id}."),
    _op("GET", _CYCLE + "/usulan", "listUsulan", "Usulan of the cycle in the caller's territory, filtered and sorted",
        OPERATORS, list_usulan, paged=True, response=page_of(USULAN),
        response_example={"items": [EXAMPLE_USULAN],
                          "next_cursor": "c1.WyJjdXJyZW50X2Nvc3QiLCIxMDI0MjUwMDAuMDAiLDEyXQ"},
        query={"kecamatan": KECAMATAN_CODE, "desa": DESA_CODE, "status": enum(*USULAN_STATUSES),
               "status_kecamatan": enum(*LEVEL_STATUSES), "status_kabupaten": enum(*LEVEL_STATUSES),
               "opd": string(maxLength=64, description="Kode OPD tujuan (dari item kamus)"),
               "kamus_kode": string(maxLength=64, description="Kode item kamus, mis. DRN-01"),
               "sort": enum(*SORTS, description="created_at (default; creation order), current_cost (cost after "
                                                "the latest decision), desa; '-' reverses. Ties are broken by "
                                                "creation order, so pages never repeat or skip")},
        description="A desa operator sees its desa, a kecamatan operator its kecamatan, Bappeda the pemda. "
                    "The cursor belongs to the sort it was made with."),
    _op("GET", _USULAN, "getUsulan", "One usulan with its decision trail and the OPDs' follow-up", OPERATORS,
        get_usulan, response=USULAN_DETAIL, response_example=EXAMPLE_USULAN_DETAIL),
    _op("PATCH", _USULAN, "updateUsulan", "Edit an usulan (desa operator) before any decision", AUTHORS,
        update_usulan, body=USULAN_PATCH, if_match=True, current=get_usulan,
        example={"volume": "140", "pengusul": {"telepon": "081377788899"}, "alamat": None},
        response=USULAN, response_example={**EXAMPLE_USULAN, "volume": "140", "cost": "119000000.00",
                                           "current_volume": "140", "current_cost": "119000000.00",
                                           "decisions": [], "version": 3, "alamat": None,
                                           "status_per_level": EXAMPLE_CREATED["status_per_level"]},
        description="A JSON merge patch of the editable fields (desa, kamus_item_id, volume, permasalahan, gagasan, "
                    "lat, lon, alamat, pengusul, lampiran) onto the usulan whose ETag is in If-Match; the cost is "
                    "recomputed. Only while the desa window is open and no level has decided."),
    _op("POST", _USULAN + "/submit", "submitUsulan", "Submit a draft usulan (desa operator)", AUTHORS, submit_usulan,
        idempotent=True, etag_read=_as_read, response=USULAN, response_example=EXAMPLE_CREATED),
    _op("POST", _USULAN + "/withdraw", "withdrawUsulan", "Withdraw an usulan (desa operator), before the kecamatan "
        "decides", AUTHORS, withdraw_usulan, body=WITHDRAW_IN, example={"reason": "Sudah dibiayai dana desa"},
        idempotent=True, etag_read=_as_read, response=USULAN,
        response_example={**EXAMPLE_CREATED, "status": "withdrawn", "withdrawn_at": "2027-01-18T08:00:00+07:00",
                          "withdrawn_by": "op-desa-2001", "withdraw_reason": "Sudah dibiayai dana desa", "version": 2,
                          "status_per_level": {level: "ditarik" for level in LEVELS}}),
    _op("POST", _USULAN + "/decisions", "decideUsulan", "Record a level's decision on an usulan", DECIDERS,
        decide_usulan, body=DECISION_IN, if_match=True, current=get_usulan,
        example={"level": "kecamatan", "status": "diterima dengan perubahan", "revised_volume": "100",
                 "reason": "Disesuaikan dengan panjang jalan yang tergenang"},
        response=USULAN, response_example=EXAMPLE_USULAN,
        description="desa: that desa's operator; kecamatan: that kecamatan's operator; kabupaten: Bappeda (Bappeda "
                    "may record any level). A reason is required unless diterima; 'diterima dengan perubahan' needs "
                    "revised_volume, 'digabung' needs merge_target_id. Once per level, while its window is open."),
    _op("POST", _USULAN + "/scores", "scoreUsulan", "Score an usulan on the cycle's criteria (kecamatan forum)",
        FORUM, score_usulan, body=SCORES_IN, example={"scores": {"urgensi": 5, "manfaat": 4}},
        response=SCORED, response_example={"usulan_id": _UID, "scores": {"urgensi": 5, "manfaat": 4},
                                           "total": "4.6"},
        description="Replaces the usulan's scores; every criterion is scored, 0..its max_score."),
    # kamus usulan
    _op("PUT", _CYCLE + "/kamus", "importKamus", "Import the kamus usulan of the cycle from CSV (all or nothing)",
        STAGE_OWNER, import_kamus, body_media="text/csv", example=EXAMPLE_KAMUS_CSV, response=KAMUS_IMPORTED,
        response_example={"pemda": "12.21", "tahun": 2027, "imported": 1},
        description="UTF-8 CSV with the columns kode, nama, sub_kegiatan, opd, satuan, harga_satuan, volume_maks; "
                    "rows are upserted by kode. One bad row imports nothing: every error is reported, the field "
                    "csv[N].column naming line N of the file (line 1 is the header)."),
    _op("GET", _CYCLE + "/kamus", "listKamus", "The kamus usulan of the cycle", OPERATORS, list_kamus,
        response=KAMUS_LIST, response_example={"items": [_EXAMPLE_KAMUS]}),
    _op("GET", _CYCLE + "/kamus.csv", "exportKamus", "The kamus usulan of the cycle as CSV (the import format)",
        OPERATORS, export_kamus, produces=("text/csv",)),
    # schedule and stage
    _op("PUT", _CYCLE + "/schedule", "setSchedule", "Publish the cycle's schedule (once)", STAGE_OWNER, set_schedule,
        body=SCHEDULE_IN, example={"windows": _WINDOWS}, status=201, response=SCHEDULE,
        etag_read=_schedule_as_read,
        response_example={"pemda": "12.21", "tahun": 2027, "windows": _WINDOWS, "history": [], "version": 1},
        description="One window per level (desa, kecamatan, kabupaten). Later changes go through "
                    "POST .../schedule/changes (close early, extend, reopen), each with a reason."),
    _op("GET", _CYCLE + "/schedule", "getSchedule", "The cycle's schedule, its change history and stage close",
        OPERATORS, get_schedule, response=SCHEDULE, response_example=EXAMPLE_SCHEDULE),
    _op("POST", _CYCLE + "/schedule/changes", "changeSchedule", "Close a window early, extend it, or reopen it",
        STAGE_OWNER, change_schedule, body=SCHEDULE_CHANGE_IN, example=EXAMPLE_SCHEDULE_CHANGE, idempotent=True,
        etag_read=_schedule_as_read,
        response=SCHEDULE, response_example=EXAMPLE_SCHEDULE,
        description="An audited act of the stage owner with a reason. Reopening (level kabupaten) also reopens a "
                    "closed stage: its close and manifest are withdrawn."),
    _op("POST", _CYCLE + "/close", "closeStage", "Close Musrenbang at kabupaten level and route accepted usulan",
        STAGE_OWNER, close_stage, idempotent=True, response=STAGE_CLOSED,
        response_example={"manifest": {**_MANIFEST, "level": "kabupaten"}, "routed_count": 13,
                          "closed_by": "bappeda-1"},
        description="Refused (409) while a kecamatan forum is open or an usulan awaits its kabupaten decision."),
    # kecamatan forum
    _op("PUT", _CYCLE + "/criteria", "setCriteria", "Set the cycle's weighted scoring criteria", STAGE_OWNER,
        set_criteria, body=CRITERIA_IN,
        example={"criteria": [{"name": "urgensi", "weight": "0.6", "max_score": 5},
                              {"name": "manfaat", "weight": "0.4", "max_score": 5}]},
        response=CRITERIA, response_example={"pemda": "12.21", "tahun": 2027, "criteria": [
            {"name": "urgensi", "weight": "0.6", "max_score": 5},
            {"name": "manfaat", "weight": "0.4", "max_score": 5}]},
        description="Refused (409) once scoring has started."),
    _op("GET", _CYCLE + "/criteria", "getCriteria", "The cycle's weighted scoring criteria", OPERATORS,
        get_criteria, response=CRITERIA, response_example={"pemda": "12.21", "tahun": 2027, "criteria": [
            {"name": "urgensi", "weight": "0.6", "max_score": 5},
            {"name": "manfaat", "weight": "0.4", "max_score": 5}]},
        description="What the kecamatan forum scores each usulan on. 404 `no_criteria` until Bappeda sets them."),
    _op("GET", _FORUM + "/ranking", "getRanking", "The kecamatan's ranking (frozen once the forum closed)", FORUM,
        ranking, response=RANKING,
        response_example={"kecamatan": "12.21.01", "frozen": False, "rule": RANKING_RULE, "ranking": _RANK_ROWS}),
    _op("GET", _FORUM + "/duplicates", "getDuplicates", "Likely duplicates in the kecamatan (this and earlier years)",
        FORUM, duplicates, response=DUPLICATES,
        response_example={"tahun": 2027, "kecamatan": "12.21.01", "items": [
            {"usulan_id": _UID, "other_id": _TARGET, "other_tahun": 2027, "score": 0.667,
             "reason": "Desa dan item kamus sama dengan usulan tahun ini; kemiripan teks usulan 0,67"}]}),
    _op("POST", _FORUM + "/close", "closeKecamatan", "Close the kecamatan forum: berita acara, frozen list", FORUM,
        close_kecamatan, body=FORUM_CLOSE_IN, example=EXAMPLE_FORUM_CLOSE, idempotent=True, response=FORUM_CLOSED,
        response_example={"kecamatan": "12.21.01", "digest": _MANIFEST["digest"], "document": _DOCUMENT,
                          "manifest": _MANIFEST},
        description="Refused (409) while an usulan of the kecamatan awaits its kecamatan decision."),
    _op("GET", _FORUM + "/berita-acara", "getBeritaAcara", "The berita acara of a closed kecamatan forum", FORUM,
        berita_acara, response=BERITA_ACARA,
        response_example={"kecamatan": "12.21.01", "digest": _MANIFEST["digest"], "document": _DOCUMENT,
                          "closed_at": "2027-02-10T12:00:00+07:00", "berita_acara": _BERITA_ACARA_RECORD}),
    _op("GET", _FORUM + "/berita-acara.md", "getBeritaAcaraMarkdown",
        "The berita acara document (Markdown), with its SHA-256 in Repr-Digest", FORUM, berita_acara_markdown,
        produces=("text/markdown",)),
]
