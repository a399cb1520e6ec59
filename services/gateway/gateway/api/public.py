"""Public data under /v1/public (no login; a token, if sent, is ignored and nothing about the
caller reaches the services): the status of an usulan by its tracking code, the published RKPD
of a pemda and year in every format with its SHA-256, the pokir register, and open-data exports
(JSON and CSV).

Public RPCs carry no identity, so each names the pemda itself and is written for the public:
musrenbang `track_usulan` and `public_open_data`, pokir `public_register`, rkpd `public_rkpd`,
`public_rkpd_file` and `public_open_data`.

**Published** means: for the RKPD, every version announced with `rkpd.published.v1`: in a legacy
year what Bappeda promoted (rancangan, rancangan akhir, penetapan), in a calendar year (Permendagri
86/2017) the rancangan awal Bappeda published, the penetapan and every perubahan; never the
automatic assemblies; for the usulan dataset, a closed Musrenbang stage; for the
pokir register, the pokir the DPRD delivered to Bappeda (the pokir service's rule).

**Nothing personal**: every JSON answer is cut down to its documented schema (`project`), which
names no proposer, phone, NIK, e-mail, address, coordinates or user id; open-data rows keep only
their dataset's columns. The RKPD files are served byte for byte (their SHA-256 is the proof of
what was published); what they contain is the rkpd service's document (no proposer data).
"""
from __future__ import annotations

import csv
import io
from typing import Any, Callable, Mapping

from eplanning_common.domainkit.text import spreadsheet_text

from ..auth.errors import InputInvalid
from ..problems import Problem
from . import rkpd
from .operation import PUBLIC, Call, Operation, Raw
from .schemas import (DATETIME, DESA, KECAMATAN, PEMDA, TAHUN, arr, boolean, check, enum, field_errors, integer,
                      nullable, obj, string)

TAG = "public"
TRACKING = string(pattern=r"^[A-Za-z0-9 -]{4,32}$", description="Kode lacak, e.g. ABCD-EFGH (case and dashes ignored)")
MONEY_TEXT = rkpd.MONEY_TEXT
DECIMAL_TEXT = string(pattern=r"^[0-9]+(\.[0-9]+)?$", description="A decimal number as text, e.g. 1.5")
TEXT, NTEXT = string(), nullable(string())
NOMOR = rkpd.NOMOR

# -- projection: only what a schema names leaves the gateway ----------------------------------


def project(value: Any, schema: Mapping[str, Any]) -> Any:
    """`value` reduced to what `schema` declares: an object keeps only its declared properties
    (recursively), an array projects its items, `anyOf` takes the first alternative whose
    projection is valid. Scalars pass unchanged. A schema that allows undeclared members is
    never used on a public answer."""
    if "anyOf" in schema:
        for alternative in schema["anyOf"]:
            projected = project(value, alternative)
            if not field_errors(projected, alternative):
                return projected
        return project(value, schema["anyOf"][0])
    kinds = schema.get("type")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if isinstance(value, dict) and "object" in kinds:
        properties = schema.get("properties", {})
        return {name: project(item, properties[name]) for name, item in value.items() if name in properties}
    if isinstance(value, list) and "array" in kinds:
        items = schema.get("items", {})
        return [project(item, items) for item in value]
    if isinstance(value, (dict, list)):
        return None  # a structure where the schema expects a scalar: nothing of it leaves
    return value


def projected(schema: dict, handler: Callable[[Call], Any]) -> Callable[[Call], Any]:
    def run(call: Call) -> Any:
        result = handler(call)
        return result if isinstance(result, Raw) else project(result, schema)

    run.__name__ = getattr(handler, "__name__", "handler")
    return run


# -- schemas ------------------------------------------------------------------------------------

DECISION = obj({"level": enum("desa", "kecamatan", "kabupaten"), "status": TEXT, "reason": TEXT,
                "volume": DECIMAL_TEXT, "cost": MONEY_TEXT}, ["level", "status", "reason", "volume", "cost"])
FOLLOW_UP = obj({"opd": TEXT, "decision": enum("diakomodasi", "ditolak", "dialihkan"), "reason": TEXT,
                 "rerouted_to": NTEXT, "cost": nullable(MONEY_TEXT), "decided_at": DATETIME,
                 "mode": nullable(enum("baris_baru", "tambah", "sudah_tercakup"))},
                ["opd", "decision", "reason", "rerouted_to", "cost", "decided_at"])
TRACKED = obj({
    "tracking_code": TEXT, "tahun": TAHUN, "status": enum("submitted", "withdrawn"), "status_label": TEXT,
    "kecamatan": TEXT, "desa": TEXT, "item": TEXT, "satuan": TEXT, "volume_awal": DECIMAL_TEXT,
    "cost_awal": MONEY_TEXT, "volume": DECIMAL_TEXT, "cost": MONEY_TEXT, "decisions": arr(DECISION),
    "tindak_lanjut": arr(FOLLOW_UP, description="The OPDs' decisions (Renja), in the order they were made"),
}, ["tracking_code", "tahun", "status", "status_label", "kecamatan", "desa", "item", "satuan", "volume_awal",
    "cost_awal", "volume", "cost", "decisions", "tindak_lanjut"],
    description="Status and reasons at every level; kecamatan/desa are names")

PUBLIC_FILE = obj({**rkpd.FILE["properties"]}, rkpd.FILE["required"])
PUBLISHED_VERSION = obj({
    "nomor": NOMOR, "versi": enum(*rkpd.ALL_VERSIONS), "content_hash": rkpd.SHA256,
    "ditetapkan": boolean(description="Penetapan: final"), "dipublikasikan_pada": DATETIME,
    "files": obj({fmt: PUBLIC_FILE for fmt in rkpd.FORMATS}),
}, ["nomor", "versi", "content_hash", "ditetapkan", "dipublikasikan_pada", "files"])
PUBLISHED = obj({
    "pemda": PEMDA, "pemda_nama": TEXT, "tahun": TAHUN,
    "terkini": NOMOR,
    "versi": arr(PUBLISHED_VERSION, minItems=1, description="Every published version, oldest first"),
}, ["pemda", "pemda_nama", "tahun", "terkini", "versi"])

POKIR_PUBLIC = obj({"id": TEXT, "tahun": TAHUN, "anggota": TEXT, "fraksi": TEXT, "dapil": TEXT, "judul": TEXT,
                    "kecamatan": TEXT, "desa": TEXT, "cost": MONEY_TEXT, "status": TEXT, "status_label": TEXT},
                   ["id", "tahun", "anggota", "fraksi", "dapil", "judul", "kecamatan", "desa", "cost", "status",
                    "status_label"], description="A delivered pokir; anggota is the DPRD member (a public office)")
POKIR_REGISTER = obj({"pemda": PEMDA, "tahun": TAHUN, "items": arr(POKIR_PUBLIC)}, ["pemda", "tahun", "items"])

# -- open data ----------------------------------------------------------------------------------


def _columns(spec: Mapping[str, dict]) -> dict:
    return obj(spec, list(spec))


TABEL_V_ROW = _columns({
    "tingkat": rkpd.TINGKAT, "kode": TEXT, "uraian": TEXT, "opd": TEXT, "indikator": NTEXT, "target_n": NTEXT,
    "satuan": NTEXT, "pagu_n": MONEY_TEXT, "lokasi": NTEXT, "sumber_dana": NTEXT, "prioritas_nasional": NTEXT,
    "prioritas_daerah": NTEXT, "kelompok_sasaran": NTEXT, "target_n1": NTEXT, "pagu_n1": MONEY_TEXT})
USULAN_ROW = _columns({
    "tracking_code": TEXT, "tahun": TAHUN, "kecamatan": KECAMATAN, "desa": DESA, "opd": TEXT, "sub_kegiatan": TEXT,
    "kamus_kode": TEXT, "item": TEXT, "satuan": TEXT, "volume_awal": DECIMAL_TEXT, "cost_awal": MONEY_TEXT,
    "volume_akhir": DECIMAL_TEXT, "cost_akhir": MONEY_TEXT, "status_desa": TEXT, "status_kecamatan": TEXT,
    "status_kabupaten": TEXT, "status_musrenbang": TEXT, "alasan_musrenbang": NTEXT, "digabung_ke": NTEXT,
    "keputusan_opd": {"type": ["string", "null"], "enum": ["diakomodasi", "ditolak", "dialihkan", None]},
    "alasan_opd": NTEXT,
    "dialihkan_ke": NTEXT, "status_akhir": TEXT, "alasan_akhir": NTEXT})
POKIR_ROW = _columns({k: v for k, v in POKIR_PUBLIC["properties"].items()})


def _tabel_v(call: Call, pemda: str, tahun: int) -> tuple[dict, list]:
    got = call.rpc.call("rkpd", "public_open_data", pemda, tahun, "tabel-v")
    return got["sumber"], got["rows"]


def _usulan(call: Call, pemda: str, tahun: int) -> tuple[dict, list]:
    got = call.rpc.call("musrenbang", "public_open_data", pemda, tahun)
    return got["sumber"], got["rows"]


def _pokir(call: Call, pemda: str, tahun: int) -> tuple[dict, list]:
    return {"tahap": "pokir"}, call.rpc.call("pokir", "public_register", pemda, tahun)


# dataset -> (title, row schema (its properties are the columns, in order), source schema, fetch)
DATASETS: dict[str, tuple[str, dict, dict, Callable[[Call, str, int], tuple[dict, list]]]] = {
    "tabel-v": ("Tabel V RKPD: Rencana Program dan Kegiatan Prioritas Daerah (versi terbit terbaru)", TABEL_V_ROW,
                obj({"nomor": NOMOR, "versi": enum(*rkpd.ALL_VERSIONS), "content_hash": rkpd.SHA256},
                    ["nomor", "versi", "content_hash"]), _tabel_v),
    "usulan": ("Usulan Musrenbang dengan keputusan akhir (sesudah tahap Musrenbang ditutup)", USULAN_ROW,
               obj({"tahap": enum("musrenbang"), "accepted_count": integer(minimum=0), "accepted_cost": MONEY_TEXT},
                   ["tahap", "accepted_count", "accepted_cost"]), _usulan),
    "pokir": ("Register pokir DPRD yang sudah disampaikan ke Bappeda", POKIR_ROW,
              obj({"tahap": enum("pokir")}, ["tahap"]), _pokir),
}
OPEN_FORMATS = {"json": "application/json", "csv": "text/csv; charset=utf-8; header=present"}


def _dataset_schema(name: str) -> dict:
    _, row, source, _ = DATASETS[name]
    return obj({"dataset": enum(name), "pemda": PEMDA, "tahun": TAHUN, "sumber": source,
                "columns": arr(enum(*row["properties"]), description="The columns, in CSV order"),
                "rows": arr(row)}, ["dataset", "pemda", "tahun", "sumber", "columns", "rows"])


OPEN_DATA = {"anyOf": [_dataset_schema(name) for name in DATASETS]}
CATALOG = obj({"pemda": PEMDA, "tahun": TAHUN, "datasets": arr(obj({
    "dataset": enum(*DATASETS), "judul": TEXT, "columns": arr(string()),
    "formats": obj({fmt: string() for fmt in OPEN_FORMATS}, list(OPEN_FORMATS))},
    ["dataset", "judul", "columns", "formats"]))}, ["pemda", "tahun", "datasets"])

def csv_cell(value: Any) -> str:
    """A CSV cell: null is empty; text a spreadsheet would run as a formula gets a leading
    apostrophe (OWASP CSV injection: `domainkit.text.spreadsheet_text`, shared by every CSV and
    XLSX writer; a negative number or a lone "-" is left alone)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return spreadsheet_text(str(value))


def to_csv(columns: list[str], rows: list[dict]) -> bytes:
    """RFC 4180: a header line, CRLF line ends, fields quoted when needed; UTF-8."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(row.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")


# -- handlers -----------------------------------------------------------------------------------


def cycle_of(call: Call) -> tuple[str, int]:
    """The pemda and year of the path, checked (422 naming the field)."""
    errors = [*field_errors(call.params["pemda"], PEMDA, "pemda"), *field_errors(call.params["tahun"], TAHUN, "tahun")]
    if errors:
        raise InputInvalid(errors)
    return call.params["pemda"], call.params["tahun"]


def get_usulan(call: Call) -> Any:
    code = check(call.params["tracking_code"], TRACKING, "tracking_code")
    return call.rpc.call("musrenbang", "track_usulan", code)


def _public_url(call: Call, pemda: str, tahun: int):
    return lambda nomor, fmt: f"{call.base_url}/v1/public/rkpd/{pemda}/{tahun}/{fmt}?nomor={nomor}"


def get_rkpd(call: Call) -> Any:
    pemda, tahun = cycle_of(call)
    got = call.rpc.call("rkpd", "public_rkpd", pemda, tahun)
    url = _public_url(call, pemda, tahun)
    versions = []
    for v in got["versi"]:
        files = {fmt: {**f, "format": fmt, "url": url(v["nomor"], fmt)}
                 for fmt, f in (v.get("files") or {}).items() if fmt in rkpd.FORMATS}
        versions.append({**v, "files": files})
    return {**got, "pemda": pemda, "tahun": tahun, "versi": versions}


def get_rkpd_file(call: Call) -> Any:
    pemda, tahun = cycle_of(call)
    fmt = rkpd.format_of(call.params["fmt"])
    got = call.rpc.call("rkpd", "public_rkpd_file", pemda, tahun, fmt, call.query.get("nomor"))
    return rkpd.file_answer(got, f"rkpd_{pemda}_{tahun}_v{got['nomor']}.{fmt}")


def get_pokir(call: Call) -> Any:
    pemda, tahun = cycle_of(call)
    return {"pemda": pemda, "tahun": tahun, "items": call.rpc.call("pokir", "public_register", pemda, tahun)}


def get_catalog(call: Call) -> Any:
    pemda, tahun = cycle_of(call)
    base = f"{call.base_url}/v1/public/opendata/{pemda}/{tahun}"
    return {"pemda": pemda, "tahun": tahun, "datasets": [
        {"dataset": name, "judul": title, "columns": list(row["properties"]),
         "formats": {fmt: f"{base}/{name}.{fmt}" for fmt in OPEN_FORMATS}}
        for name, (title, row, _, _) in DATASETS.items()]}


def get_open_data(call: Call) -> Any:
    pemda, tahun = cycle_of(call)
    name, fmt = call.params["dataset"], call.params["fmt"]
    if name not in DATASETS or fmt not in OPEN_FORMATS:
        raise Problem(404, f"Dataset yang tersedia: {', '.join(DATASETS)}; format: {', '.join(OPEN_FORMATS)}",
                      code="dataset_not_found")
    _, row_schema, source_schema, fetch = DATASETS[name]
    source, rows = fetch(call, pemda, tahun)
    columns = list(row_schema["properties"])
    rows = [{c: project(r.get(c), row_schema["properties"][c]) for c in columns} for r in rows]
    data = {"dataset": name, "pemda": pemda, "tahun": tahun, "sumber": project(source, source_schema),
            "columns": columns, "rows": rows}
    if fmt == "json":
        return data
    return Raw(to_csv(columns, rows), OPEN_FORMATS["csv"], f"{name}_{pemda}_{tahun}.csv")


def _op(path: str, operation_id: str, summary: str, handler, *, response: dict | None = None,
        project_answer: bool = True, **more) -> Operation:
    run = projected(response, handler) if response is not None and project_answer else handler
    return Operation("GET", path, operation_id, summary, TAG, PUBLIC, run, response=response, **more)


EX_TRACKED = {
    "tracking_code": "7Q4KM2XP", "tahun": 2027, "status": "submitted", "status_label": "Diajukan",
    "kecamatan": "Barumun", "desa": "Pasar Sibuhuan", "item": "Rabat beton jalan desa", "satuan": "m",
    "volume_awal": "120", "cost_awal": "90000000.00", "volume": "100", "cost": "75000000.00",
    "decisions": [{"level": "desa", "status": "diterima", "reason": "", "volume": "120", "cost": "90000000.00"},
                  {"level": "kecamatan", "status": "diterima dengan perubahan", "reason": "Disesuaikan pagu kecamatan",
                   "volume": "100", "cost": "75000000.00"}],
    "tindak_lanjut": [{"opd": "1.03.0.00.0.00.01.0000", "decision": "diakomodasi", "reason": "Masuk Renja 2027",
                       "rerouted_to": None, "cost": "75000000.00", "decided_at": "2026-04-20T09:30:00+07:00"}],
}
EX_BASE = rkpd.EX_BASE
EX_PUBLISHED = {"pemda": "12.21", "pemda_nama": "Kabupaten Padang Lawas", "tahun": 2027, "terkini": 2, "versi": [{
    "nomor": 2, "versi": "rancangan", "content_hash": rkpd.EX_HASH, "ditetapkan": False,
    "dipublikasikan_pada": "2026-04-02T08:00:00+00:00",
    "files": {fmt: {**f, "url": f"{EX_BASE}/v1/public/rkpd/12.21/2027/{fmt}?nomor=2"}
              for fmt, f in rkpd._ex_files(2027, 2).items()}}]}
EX_POKIR = {"pemda": "12.21", "tahun": 2027, "items": [
    {"id": "3f0c8a52-6a0e-4c55-9d1e-2b7f4f1e9a10", "tahun": 2027, "anggota": "H. Ahmad Nasution", "fraksi": "Golkar",
     "dapil": "Padang Lawas 1", "judul": "Sumur bor Pasar Sibuhuan", "kecamatan": "Barumun",
     "desa": "Pasar Sibuhuan", "cost": "190000000.00", "status": "disampaikan",
     "status_label": "Disampaikan ke Bappeda"}]}
EX_OPEN_DATA = {"dataset": "usulan", "pemda": "12.21", "tahun": 2027,
                "sumber": {"tahap": "musrenbang", "accepted_count": 1, "accepted_cost": "75000000.00"},
                "columns": list(USULAN_ROW["properties"]), "rows": [{
                    "tracking_code": "7Q4KM2XP", "tahun": 2027, "kecamatan": "12.21.01", "desa": "12.21.01.2001",
                    "opd": "1.03.0.00.0.00.01.0000", "sub_kegiatan": "1.03.10.2.01.0001", "kamus_kode": "JLN-01",
                    "item": "Rabat beton jalan desa", "satuan": "m", "volume_awal": "120",
                    "cost_awal": "90000000.00", "volume_akhir": "100", "cost_akhir": "75000000.00",
                    "status_desa": "diterima", "status_kecamatan": "diterima dengan perubahan",
                    "status_kabupaten": "diterima", "status_musrenbang": "diterima", "alasan_musrenbang": None,
                    "digabung_ke": None, "keputusan_opd": "diakomodasi", "alasan_opd": "Masuk Renja 2027",
                    "dialihkan_ke": None, "status_akhir": "diakomodasi", "alasan_akhir": "Masuk Renja 2027"}]}

OPERATIONS: list[Operation] = [
    _op("/v1/public/usulan/{tracking_code}", "public.trackUsulan",
        "The status of an usulan by its tracking code: each level's decision and reason, the OPD follow-up",
        get_usulan, response=TRACKED, response_example=EX_TRACKED, path_params={"tracking_code": TRACKING},
        description="No personal data: never the proposer, the operators, the address or free text."),
    _op("/v1/public/rkpd/{pemda}/{tahun:int}", "public.getRkpd",
        "The published RKPD of a pemda and year: every published version with the SHA-256 and URL of each file",
        get_rkpd, response=PUBLISHED, response_example=EX_PUBLISHED,
        description="Published = announced with rkpd.published.v1 (legacy years: promoted by Bappeda; calendar "
                    "years: rancangan awal, penetapan, perubahan). 404 "
                    "`rkpd_not_published` before the first promotion."),
    _op("/v1/public/rkpd/{pemda}/{tahun:int}/{fmt}", "public.getRkpdFile",
        "A file of the published RKPD (json, xlsx, html, pdf): the newest published version, or `nomor`",
        get_rkpd_file, query={"nomor": NOMOR}, produces=tuple(media for _, media in rkpd.FORMATS.values()),
        description="The bytes hash to the SHA-256 the metadata lists: `X-Content-SHA256` (hex) and "
                    "`Repr-Digest: sha-256=:<base64>:` carry it; the ETag is derived from it. A version that "
                    "was not published is 404."),
    _op("/v1/public/pokir/{pemda}/{tahun:int}", "public.getPokirRegister",
        "The pokir register: every pokir the DPRD delivered to Bappeda, with member, fraksi, dapil, amount, status",
        get_pokir, response=POKIR_REGISTER, response_example=EX_POKIR,
        description="No contact data (phones, e-mails) and nothing of the staf ahli."),
    _op("/v1/public/opendata/{pemda}/{tahun:int}", "public.listOpenData",
        "The open-data datasets of a pemda and year, with their columns and download URLs", get_catalog,
        response=CATALOG),
    _op("/v1/public/opendata/{pemda}/{tahun:int}/{dataset}.{fmt}", "public.getOpenData",
        "An open-data export (json or csv): tabel-v (RKPD chapter V), usulan (with final decisions), pokir",
        get_open_data, response=OPEN_DATA, response_example=EX_OPEN_DATA, produces=tuple(OPEN_FORMATS.values()),
        project_answer=False,  # the handler keeps only each dataset's columns itself
        description="Only published data: tabel-v from the newest published RKPD, usulan once Musrenbang is "
                    "closed, pokir once delivered; 404 before. Usulan rows carry region codes, the kamus item, "
                    "amounts, statuses and reasons: no proposer, operator, address or free text. CSV: RFC 4180, "
                    "UTF-8, header line; text a spreadsheet would run as a formula starts with an apostrophe."),
]
