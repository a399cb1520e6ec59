"""Renja (Rencana Kerja Perangkat Daerah) under /v1/renja: the OPD register, the cycle's pinned
nomenclature, ceilings, the OPD's rows, its inbox of usulan and pokir, the renja lifecycle,
snapshots and the stage close. Every handler is one `renja.<method>` RPC (a PATCH reads the row
once more to merge; a page above 100 items takes two calls).

Roles (the gateway's first check; the service checks again): an `opd` operator works on its own
OPD only (rows, inbox decisions, submitting, snapshots); `bappeda` reads every OPD, sets up the
cycle and the ceilings, verifies, returns and finalizes each renja and closes the stage. Bappeda
never edits an OPD's rows nor decides its inbox.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from .operation import BAPPEDA, OPD, Call, Created, Operation
from .pokir import (
    DECIMAL_TEXT, MONEY_TEXT, NOTE, REASON, SIGNED_MONEY_TEXT, UUID, VOLUME, csv_text, imported_rows, nullable_enum,
    page, rupiah_amount, tahun_of,
)
from .schemas import DATETIME, DESA, PEMDA, arr, check, enum, integer, nullable, obj, page_of, string

TAG = "renja"
BOTH = frozenset({OPD, BAPPEDA})
OPD_ONLY = frozenset({OPD})
BAPPEDA_ONLY = frozenset({BAPPEDA})

RENJA_STATUSES = ("draft", "diajukan", "diverifikasi", "dikembalikan", "final")
INBOX_STATUSES = ("menunggu", "diakomodasi", "ditolak", "dialihkan")
SOURCES = ("musrenbang", "pokir")
STEPS = ("submit", "verify", "return", "finalize")
SNAPSHOT_NAMES = ("rancangan awal", "rancangan", "rancangan akhir")
DECISIONS = ("accommodate", "reject", "reroute")

OPD_KODE = string(pattern=r"^[0-9]+(\.[0-9]+)*$", maxLength=64, description="Kode OPD, e.g. 1.03.0.00.0.00.01.0000")
VERSI = string(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
               description="A loaded nomenclature version, e.g. sipd-2027")
SUB_KEGIATAN = string(pattern=r"^[0-9]\.[0-9]{2}\.[0-9]{2}\.[0-9]\.[0-9]{2}\.[0-9]{4}$",
                      description="A concrete sub kegiatan code of the pinned version, e.g. 1.03.06.2.01.0012")
LOKASI = string(pattern=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}(\.[0-9]{4})?$",
                description="Kode kecamatan (12.21.07) or desa/kelurahan (12.21.07.1001) of the pemda")
TAGS = arr(string(minLength=1, maxLength=200), maxItems=20)
AMOUNT = rupiah_amount(0)

# -- request bodies -----------------------------------------------------------------------------

ROW_FIELDS = {
    "sub_kegiatan": SUB_KEGIATAN,
    "target": {**VOLUME, "description": "Target in the satuan: > 0, at most 3 decimals, e.g. 500 or \"12.5\""},
    "pagu_n": {**AMOUNT, "description": "Pagu indikatif of the plan year N: rupiah, e.g. \"400000000\""},
    "pagu_n1": {**AMOUNT, "description": "Pagu indikatif of N+1: rupiah, e.g. \"450000000\""},
    "lokasi": arr(LOKASI, minItems=1, maxItems=500),
    "sumber_dana": string(minLength=1, maxLength=200),
    "kelompok_sasaran": string(minLength=1, maxLength=1000),
    "indikator": string(maxLength=1000, description="Empty: the nomenclature's indikator"),
    "satuan": string(maxLength=100, description="Empty: the nomenclature's satuan"),
    "prioritas_nasional": TAGS,
    "prioritas_daerah": TAGS,
}
ROW_REQUIRED = ["sub_kegiatan", "target", "pagu_n", "pagu_n1", "lokasi", "sumber_dana", "kelompok_sasaran"]
ROW_IN = obj(ROW_FIELDS, ROW_REQUIRED,
             description="The OPD's rows together must stay within its ceiling (N and N+1)")
# merge patch: the fields to change; null resets indikator / satuan to the nomenclature's
ROW_PATCH = obj({**ROW_FIELDS, "indikator": nullable(ROW_FIELDS["indikator"]),
                 "satuan": nullable(ROW_FIELDS["satuan"])}, minProperties=1)

PAGU_IN = obj({"pagu_n": {**AMOUNT, "description": "Ceiling of the plan year N: rupiah, e.g. \"2000000000\""},
               "pagu_n1": {**AMOUNT, "description": "Ceiling of N+1: rupiah, e.g. \"2100000000\""}},
              ["pagu_n", "pagu_n1"])
PIN_IN = obj({"versi": VERSI}, ["versi"])
STEP_IN = obj({"action": enum(*STEPS), "note": NOTE}, ["action"],
              allOf=[{"if": {"properties": {"action": {"const": "return"}}, "required": ["action"]},
                      "then": {"required": ["note"]}}],
              description="submit (the OPD: at least one row, within its ceiling) · verify · return (note required) "
                          "· finalize (Bappeda)")
SNAPSHOT_IN = obj({"nama": enum(*SNAPSHOT_NAMES)}, ["nama"])

DECISION_PARAMS: dict[str, dict[str, dict]] = {
    "accommodate": {"row_id": {**UUID, "description": "An existing row of this OPD and year"},
                    "row": ROW_IN, "volume": VOLUME, "cost": rupiah_amount(1), "reason": REASON},
    "reject": {"reason": REASON},
    "reroute": {"to_opd": OPD_KODE, "reason": REASON},
}
DECISION_REQUIRED = {"reject": ["reason"], "reroute": ["to_opd", "reason"]}


def _decision_body() -> dict:
    every: dict[str, dict] = {"decision": enum(*DECISIONS),
                              "version": integer(minimum=1, description="The item's version as the inbox showed it: "
                                                                        "a decision on a changed item is refused "
                                                                        "(409 stale_version)")}
    for params in DECISION_PARAMS.values():
        every.update(params)
    schema = obj(every, ["decision"])
    schema["allOf"] = [
        {"if": {"properties": {"decision": {"const": decision}}, "required": ["decision"]},
         "then": {"properties": {"decision": True, "version": True, **{name: True for name in params}},
                  "additionalProperties": False,
                  **({"required": DECISION_REQUIRED[decision]} if decision in DECISION_REQUIRED else {})}}
        for decision, params in DECISION_PARAMS.items()]
    schema["description"] = ("accommodate {row_id (an existing row) | row (a new row), volume, cost, reason} · "
                             "reject {reason} · reroute {to_opd, reason}")
    return schema


DECISION_IN = _decision_body()

# -- responses ------------------------------------------------------------------------------------

SOURCE_REF = obj({"source": enum(*SOURCES), "source_id": string()}, ["source", "source_id"])
ROW_PROPS = {
    "row_id": string(), "version": integer(minimum=1), "opd": string(), "sub_kegiatan": string(),
    "indikator": string(), "target": DECIMAL_TEXT, "satuan": string(), "pagu_n": MONEY_TEXT, "pagu_n1": MONEY_TEXT,
    "lokasi": arr(string()), "sumber_dana": string(), "prioritas_nasional": arr(string()),
    "prioritas_daerah": arr(string()), "kelompok_sasaran": string(),
    "sumber": arr(SOURCE_REF, description="The usulan and pokir this row accommodates"),
}
ROW_KEYS = list(ROW_PROPS)
ROW_LISTED = obj(ROW_PROPS, ROW_KEYS)
ROW = obj({**ROW_PROPS, "tahun": integer()}, [*ROW_KEYS, "tahun"])
OPD_ENTRY = obj({"kode": string(), "nama": string(), "bidang": arr(string())}, ["kode", "nama", "bidang"])
TOTALS = obj({"opd": string(), "status": enum(*RENJA_STATUSES), "rows": integer(minimum=0),
              "total_n": MONEY_TEXT, "pagu_n": MONEY_TEXT, "sisa_n": SIGNED_MONEY_TEXT,
              "total_n1": MONEY_TEXT, "pagu_n1": MONEY_TEXT, "sisa_n1": SIGNED_MONEY_TEXT},
             ["opd", "status", "rows", "total_n", "pagu_n", "sisa_n", "total_n1", "pagu_n1", "sisa_n1"])
_DECIDED = {"decision": enum(*INBOX_STATUSES[1:]), "reason": nullable(string()), "renja_row_id": nullable(string()),
            "volume": nullable(DECIMAL_TEXT), "cost": nullable(MONEY_TEXT), "rerouted_to": nullable(string()),
            "decided_at": DATETIME}
DECISION_STORED = obj({**_DECIDED, "by": string()}, [*_DECIDED, "by"])  # as the inbox lists it
DECISION_MADE = obj({"source": enum(*SOURCES), "source_id": string(), "opd": string(), **_DECIDED},
                    ["source", "source_id", "opd", *_DECIDED])  # as decide answers (the inbox.decided.v1 data)
_ITEM = {"item_id": string(), "source": enum(*SOURCES), "source_id": string(), "opd": string(), "judul": string(),
         "volume": DECIMAL_TEXT, "cost": MONEY_TEXT, "sub_kegiatan": nullable(string()), "lokasi": DESA,
         "previous_opds": arr(string()), "status": enum(*INBOX_STATUSES), "version": integer(minimum=1)}
INBOX_ITEM = obj({**_ITEM, "decision": nullable(DECISION_STORED)}, [*_ITEM, "decision"])
DECIDED_ITEM = obj({**_ITEM, "decision": DECISION_MADE}, [*_ITEM, "decision"])
HISTORY = obj({"action": string(), "by": string(), "role": string(), "at": DATETIME,
               "from_status": nullable_enum(*RENJA_STATUSES), "to_status": enum(*RENJA_STATUSES),
               "note": nullable(string())}, ["action", "by", "role", "at", "from_status", "to_status", "note"])
STATE = obj({"pemda": PEMDA, "opd": string(), "tahun": integer(), "status": enum(*RENJA_STATUSES),
             "history": arr(HISTORY), "catatan": nullable(string(description="Bappeda's latest return note")),
             "version": integer(minimum=1)}, ["pemda", "opd", "tahun", "status", "history", "catatan", "version"])
SNAPSHOT = obj({"nama": enum(*SNAPSHOT_NAMES), "opd": string(), "tahun": integer(), "rows": integer(minimum=0),
                "total_n": MONEY_TEXT, "taken_at": DATETIME}, ["nama", "opd", "tahun", "rows", "total_n", "taken_at"])
COMPARISON = obj({
    "before": enum(*SNAPSHOT_NAMES), "after": enum(*SNAPSHOT_NAMES),
    "added": arr(string(), description="Row ids only in `after`"),
    "removed": arr(string(), description="Row ids only in `before`"),
    "changed": arr(obj({"row_id": string(),
                        "fields": {"type": "object", "additionalProperties": arr(string(), minItems=2, maxItems=2),
                                   "description": "{field: [before, after]}"}}, ["row_id", "fields"])),
    "total_n_before": MONEY_TEXT, "total_n_after": MONEY_TEXT,
    "total_n1_before": MONEY_TEXT, "total_n1_after": MONEY_TEXT,
}, ["before", "after", "added", "removed", "changed", "total_n_before", "total_n_after", "total_n1_before",
    "total_n1_after"])
MANIFEST = obj({
    "pemda": PEMDA, "tahun": integer(), "rows": integer(minimum=0),
    "totals": {"type": "object", "additionalProperties": obj(
        {"total_n": MONEY_TEXT, "total_n1": MONEY_TEXT, "rows": integer(minimum=0)}, ["total_n", "total_n1", "rows"]),
        "description": "Per OPD code"},
    "total_n": MONEY_TEXT, "total_n1": MONEY_TEXT, "digest_algorithm": enum("sha256"),
    "digest": string(pattern=r"^[0-9a-f]{64}$"),
}, ["pemda", "tahun", "rows", "totals", "total_n", "total_n1", "digest_algorithm", "digest"])
CLOSED = obj({"manifest": MANIFEST, "closed_by": string()}, ["manifest", "closed_by"])

# -- examples -------------------------------------------------------------------------------------

EX_OPD = "1.03.0.00.0.00.01.0000"
EX_ROW_ID = "0c5b7e1a-3d2f-4a6b-9c8d-1e2f3a4b5c6d"
EX_ITEM_ID = "5a8f3c2e-1b4d-5e6f-8a9b-0c1d2e3f4a5b"
EX_ROW_IN = {"sub_kegiatan": "1.03.06.2.01.0012", "target": "500", "pagu_n": "400000000", "pagu_n1": "450000000",
             "lokasi": ["12.21.07"], "sumber_dana": "DAU", "kelompok_sasaran": "Warga Kecamatan Barumun",
             "prioritas_nasional": ["PN 5: Infrastruktur"]}
EX_ROW_LISTED = {"row_id": EX_ROW_ID, "version": 1, "opd": EX_OPD, "sub_kegiatan": "1.03.06.2.01.0012",
                 "indikator": "Panjang saluran drainase yang dibangun", "target": "500", "satuan": "meter",
                 "pagu_n": "400000000.00", "pagu_n1": "450000000.00", "lokasi": ["12.21.07"], "sumber_dana": "DAU",
                 "prioritas_nasional": ["PN 5: Infrastruktur"], "prioritas_daerah": [],
                 "kelompok_sasaran": "Warga Kecamatan Barumun", "sumber": []}
EX_ROW = {**EX_ROW_LISTED, "tahun": 2027}
EX_DECIDED_AT = "2027-04-08T03:15:00+00:00"
EX_INBOX_ITEM = {"item_id": EX_ITEM_ID, "source": "musrenbang", "source_id": "7d2e0b8c-5f3a-4d1e-8c6b-9a0f1e2d3c4b",
                 "opd": EX_OPD, "judul": "Drainase keliling Pasar Sibuhuan", "volume": "300", "cost": "255000000.00",
                 "sub_kegiatan": "1.03.06.2.01.0012", "lokasi": "12.21.07.1001", "previous_opds": [],
                 "status": "menunggu", "version": 1, "decision": None}
EX_DECIDED = {**EX_INBOX_ITEM, "status": "diakomodasi", "version": 2,
              "decision": {"source": "musrenbang", "source_id": EX_INBOX_ITEM["source_id"], "opd": EX_OPD,
                           "decision": "diakomodasi", "reason": "", "renja_row_id": EX_ROW_ID, "volume": "300",
                           "cost": "255000000.00", "rerouted_to": None, "decided_at": EX_DECIDED_AT}}
EX_STATE = {"pemda": "12.21", "opd": EX_OPD, "tahun": 2027, "status": "diajukan", "catatan": None, "version": 1,
            "history": [{"action": "diajukan", "by": "u-pupr", "role": "opd", "at": "2027-04-20T02:00:00+00:00",
                         "from_status": "draft", "to_status": "diajukan", "note": "Rancangan akhir Renja PUPR"}]}
EX_OPD_CSV = ("kode,nama,bidang\n1.03.0.00.0.00.01.0000,Dinas Pekerjaan Umum dan Penataan Ruang,1.03\n"
              "1.02.0.00.0.00.01.0000,Dinas Kesehatan,1.02\n")
EX_MANIFEST = {"pemda": "12.21", "tahun": 2027, "rows": 212,
               "totals": {EX_OPD: {"total_n": "41250000000.00", "total_n1": "43000000000.00", "rows": 37}},
               "total_n": "41250000000.00", "total_n1": "43000000000.00", "digest_algorithm": "sha256",
               "digest": "4e1f0a9c3b7d2e6f8a5c1b3d9e7f0a2c4b6d8e1f3a5c7b9d0e2f4a6c8b1d3e5f"}

# -- handlers -------------------------------------------------------------------------------------


def _opd(call: Call) -> str:
    return check(call.params["opd"], OPD_KODE, "opd")


def import_opd(call: Call) -> Any:
    versi, text = call.query["versi"], csv_text(call)
    return imported_rows(lambda: call.rpc.call("renja", "import_opd", versi, text), lambda error: "csv")


def list_opd(call: Call) -> Any:
    return call.rpc.call("renja", "list_opd")


def pin_cycle(call: Call) -> Any:
    return call.rpc.call("renja", "pin_cycle", tahun_of(call), call.body["versi"])


def set_pagu(call: Call) -> Any:
    return call.rpc.call("renja", "set_pagu", _opd(call), tahun_of(call), call.body["pagu_n"], call.body["pagu_n1"])


def create_row(call: Call) -> Any:
    created = call.rpc.call("renja", "create_row", _opd(call), tahun_of(call), call.body, **call.request_kwargs())
    return Created(created, f"/v1/renja/rows/{created['row_id']}")


def list_rows(call: Call) -> Any:
    tahun = tahun_of(call)
    filters = {name: call.query[name] for name in ("opd", "sub_kegiatan") if name in call.query}
    return page(call, lambda cursor, limit: call.rpc.call("renja", "list_rows", tahun, filters=filters,
                                                          cursor=cursor, limit=limit))


def get_row(call: Call) -> Any:
    return call.rpc.call("renja", "get_row", str(call.params["row_id"]))


EDITABLE = tuple(ROW_FIELDS)


def update_row(call: Call) -> Any:
    """Merge patch over the stored row (the service re-validates the whole row). A new sub_kegiatan
    without indikator/satuan takes the nomenclature's: the old ones described the old code."""
    row_id = str(call.params["row_id"])
    current = call.rpc.call("renja", "get_row", row_id)
    data = {name: current.get(name) for name in EDITABLE}
    if "sub_kegiatan" in call.body and call.body["sub_kegiatan"] != current.get("sub_kegiatan"):
        data["indikator"] = data["satuan"] = None
    data.update(call.body)
    return call.rpc.call("renja", "update_row", row_id, data, expected_version=call.expected_version)


def delete_row(call: Call) -> Any:
    return call.rpc.call("renja", "delete_row", str(call.params["row_id"]))


def totals(call: Call) -> Any:
    return call.rpc.call("renja", "totals", tahun_of(call))


def inbox(call: Call) -> Any:
    tahun, opd, status = tahun_of(call), call.query.get("opd"), call.query.get("status")
    return page(call, lambda cursor, limit: call.rpc.call("renja", "inbox", tahun, opd=opd, status=status,
                                                          cursor=cursor, limit=limit))


def decide_inbox(call: Call) -> Any:
    params = {name: value for name, value in call.body.items() if name not in ("decision", "version")}
    return call.rpc.call("renja", "decide_inbox", str(call.params["item_id"]), call.body["decision"], params,
                         expected_version=call.body.get("version"))


def renja_step(call: Call) -> Any:
    return call.rpc.call("renja", "renja_step", _opd(call), tahun_of(call), call.body["action"],
                         call.body.get("note"))


def take_snapshot(call: Call) -> Any:
    return call.rpc.call("renja", "take_snapshot", _opd(call), tahun_of(call), call.body["nama"])


def compare_snapshots(call: Call) -> Any:
    return call.rpc.call("renja", "compare_snapshots", _opd(call), tahun_of(call), call.query["before"],
                         call.query["after"])


def close_stage(call: Call) -> Any:
    return call.rpc.call("renja", "close_stage", tahun_of(call))


# -- the table ------------------------------------------------------------------------------------

_OPD_YEAR = "/v1/renja/{tahun:int}/opd/{opd}"
_ROW = "/v1/renja/rows/{row_id:uuid}"

OPERATIONS: list[Operation] = [
    Operation("PUT", "/v1/renja/opd", "renja.importOpd",
              "Import the OPD register (CSV kode,nama,bidang; bidang checked against a nomenclature version)",
              TAG, BAPPEDA_ONLY, import_opd, body_media="text/csv", query={"versi": VERSI},
              required_query=frozenset({"versi"}), example=EX_OPD_CSV,
              response=obj({"pemda": PEMDA, "imported": integer(minimum=0)}, ["pemda", "imported"]),
              response_example={"pemda": "12.21", "imported": 41},
              description="All or nothing; a bad row is reported as `csv[<line>].<column>` (line 1 is the header)."),
    Operation("GET", "/v1/renja/opd", "renja.listOpd", "The OPD register of the caller's pemda, with their bidang",
              TAG, BOTH, list_opd, response=arr(OPD_ENTRY),
              response_example=[{"kode": EX_OPD, "nama": "Dinas Pekerjaan Umum dan Penataan Ruang",
                                 "bidang": ["1.03"]}]),
    Operation("PUT", "/v1/renja/{tahun:int}/nomenklatur", "renja.pinCycle",
              "Pin the plan year to one nomenclature version (only before the year has rows)",
              TAG, BAPPEDA_ONLY, pin_cycle, body=PIN_IN, example={"versi": "sipd-2027"},
              response=obj({"pemda": PEMDA, "tahun": integer(), "versi": string()}, ["pemda", "tahun", "versi"]),
              response_example={"pemda": "12.21", "tahun": 2027, "versi": "sipd-2027"}),
    Operation("PUT", _OPD_YEAR + "/pagu", "renja.setPagu", "Set (or replace) an OPD's ceiling for N and N+1",
              TAG, BAPPEDA_ONLY, set_pagu, body=PAGU_IN, example={"pagu_n": "2000000000", "pagu_n1": "2100000000"},
              response=obj({"opd": string(), "pagu_n": MONEY_TEXT, "pagu_n1": MONEY_TEXT},
                           ["opd", "pagu_n", "pagu_n1"]),
              response_example={"opd": EX_OPD, "pagu_n": "2000000000.00", "pagu_n1": "2100000000.00"}),
    Operation("POST", _OPD_YEAR + "/rows", "renja.createRow",
              "Add a row to the OPD's renja (its own operator; while draft or returned)", TAG, OPD_ONLY, create_row,
              body=ROW_IN, example=EX_ROW_IN, response=ROW, response_example=EX_ROW, status=201, idempotent=True,
              etag_read=lambda call, answer: answer,
              description="Refused with field errors: a code not in the pinned version (`unknown_code`) or outside "
                          "the OPD's bidang (`outside_bidang`), a location outside the pemda, a total above the "
                          "ceiling (`above_ceiling`, naming the total, the ceiling and the overrun)."),
    Operation("GET", "/v1/renja/{tahun:int}/rows", "renja.listRows",
              "Renja rows of a plan year (an OPD operator: its own OPD's only)", TAG, BOTH, list_rows, paged=True,
              query={"opd": OPD_KODE, "sub_kegiatan": SUB_KEGIATAN}, response=page_of(ROW_LISTED),
              response_example={"items": [EX_ROW_LISTED], "next_cursor": None}),
    Operation("GET", _ROW, "renja.getRow", "One renja row (its ETag is what PATCH's If-Match names)",
              TAG, BOTH, get_row, response=ROW, response_example=EX_ROW),
    Operation("PATCH", _ROW, "renja.updateRow",
              "Change a row (merge patch: the fields given; null resets indikator/satuan to the nomenclature's)",
              TAG, OPD_ONLY, update_row, body=ROW_PATCH, example={"pagu_n": "500000000"}, if_match=True,
              current=get_row, response=ROW, response_example={**EX_ROW, "pagu_n": "500000000.00", "version": 2},
              description="If-Match: the ETag of GET /v1/renja/rows/{row_id}. The whole row is re-validated against "
                          "the nomenclature and the ceiling. Changing sub_kegiatan without indikator/satuan takes the "
                          "new code's."),
    Operation("DELETE", _ROW, "renja.deleteRow",
              "Delete a row (not one that accommodates an usulan or pokir: 409 row_has_sources)", TAG, OPD_ONLY,
              delete_row, response=obj({"row_id": string(), "deleted": {"const": True}}, ["row_id", "deleted"]),
              response_example={"row_id": EX_ROW_ID, "deleted": True}),
    Operation("GET", "/v1/renja/{tahun:int}/totals", "renja.totals",
              "Per OPD: its rows' totals against its ceilings (sisa < 0: over) and its renja status",
              TAG, BOTH, totals, response=arr(TOTALS),
              response_example=[{"opd": EX_OPD, "status": "draft", "rows": 3, "total_n": "1900000000.00",
                                 "pagu_n": "2000000000.00", "sisa_n": "100000000.00", "total_n1": "2150000000.00",
                                 "pagu_n1": "2100000000.00", "sisa_n1": "-50000000.00"}]),
    Operation("GET", "/v1/renja/{tahun:int}/inbox", "renja.inbox",
              "The usulan and pokir routed to the OPDs, with their decisions (an OPD operator: its own inbox)",
              TAG, BOTH, inbox, paged=True, query={"opd": OPD_KODE, "status": enum(*INBOX_STATUSES)},
              response=page_of(INBOX_ITEM), response_example={"items": [EX_INBOX_ITEM], "next_cursor": "57"}),
    Operation("POST", "/v1/renja/inbox/{item_id:uuid}/decision", "renja.decideInbox",
              "Decide an inbox item: accommodate into a new or existing row, reject, or re-route to another OPD",
              TAG, OPD_ONLY, decide_inbox, body=DECISION_IN,
              example={"decision": "accommodate", "version": 1, "row": {**EX_ROW_IN, "pagu_n": "255000000",
                                                                        "pagu_n1": "0", "lokasi": ["12.21.07.1001"]}},
              response=DECIDED_ITEM, response_example=EX_DECIDED,
              description="Once per item, by the operator of the item's OPD. `version` (from the inbox listing) "
                          "guards against deciding an item that changed meanwhile (409 stale_version)."),
    Operation("POST", _OPD_YEAR + "/steps", "renja.renjaStep",
              "A step of the OPD's renja: submit (the OPD), verify, return with notes, finalize (Bappeda)",
              TAG, BOTH, renja_step, body=STEP_IN, example={"action": "submit", "note": "Rancangan akhir Renja PUPR"},
              response=STATE, response_example=EX_STATE),
    Operation("POST", _OPD_YEAR + "/snapshots", "renja.takeSnapshot",
              "Keep a named copy of the OPD's rows (rancangan awal, rancangan, rancangan akhir; once each)",
              TAG, BOTH, take_snapshot, body=SNAPSHOT_IN, example={"nama": "rancangan awal"}, status=201,
              idempotent=True, response=SNAPSHOT,
              response_example={"nama": "rancangan awal", "opd": EX_OPD, "tahun": 2027, "rows": 3,
                                "total_n": "1900000000.00", "taken_at": "2027-04-01T02:00:00+00:00"}),
    Operation("GET", _OPD_YEAR + "/snapshots/compare", "renja.compareSnapshots",
              "What changed between two snapshots: rows added, removed, changed (field by field), totals",
              TAG, BOTH, compare_snapshots, query={"before": enum(*SNAPSHOT_NAMES), "after": enum(*SNAPSHOT_NAMES)},
              required_query=frozenset({"before", "after"}), response=COMPARISON,
              response_example={"before": "rancangan awal", "after": "rancangan", "added": [], "removed": [],
                                "changed": [{"row_id": EX_ROW_ID, "fields": {"pagu_n": ["400000000.00",
                                                                                     "500000000.00"]}}],
                                "total_n_before": "1900000000.00", "total_n_after": "2000000000.00",
                                "total_n1_before": "2150000000.00", "total_n1_after": "2150000000.00"}),
    Operation("POST", "/v1/renja/{tahun:int}/close", "renja.closeStage",
              "Close the renja stage: every OPD final and every inbox item decided; the manifest", TAG,
              BAPPEDA_ONLY, close_stage, response=CLOSED, response_example={"manifest": EX_MANIFEST,
                                                                            "closed_by": "u-bappeda"},
              description="Refused (409 `close_blocked`) with every blocker listed: an OPD not final, an OPD with "
                          "undecided inbox items."),
]
# the OPD of the path is a code (422 otherwise), documented as such
OPERATIONS = [replace(op, path_params={"opd": OPD_KODE}) if "{opd}" in op.path else op for op in OPERATIONS]
