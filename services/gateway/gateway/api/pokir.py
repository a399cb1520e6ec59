"""Pokir (Pokok-pokok Pikiran DPRD) under /v1/pokir: the DPRD register, the catalogue, the pokir
window, reses, the pokir themselves and their lifecycle, overlaps with Musrenbang, and the stage
close. Every handler is one `pokir.<method>` RPC (a PATCH reads the pokir once more to merge).

Roles (the gateway's first check; the service checks again): a DPRD member (`anggota_dprd`) and
their `staf_ahli` work on that member's pokir only, `setwan` reads every pokir, recommends, returns
and delivers them, `bappeda` reads every pokir, owns the catalogue and the window and records the
follow-up. Which lifecycle action a role may take, and on whose pokir, is the service's check.
The public register (`public_register`) is served under /v1/public.
"""
from __future__ import annotations

from typing import Any, Callable

from ..auth.errors import FieldError, InputInvalid
from ..exceptions import ValidationError, row_number
from .operation import ANGGOTA, BAPPEDA, SETWAN, STAF_AHLI, Call, Created, Operation, read_by_id
from .schemas import (
    DATETIME, DESA, FILE, KECAMATAN, PEMDA, TAHUN, TEXT_KIND, arr, check, enum, integer, multiline, nullable, obj,
    page_of, string,
)

# -- shared with the renja module (stage APIs over services whose pages stop at 100) ---------------

SERVICE_PAGE_MAX = 100  # list_pokir, list_rows, inbox: limit 1..100 (the gateway promises up to 200)
DATE = string(format="date", description="ISO 8601 date, e.g. 2027-01-15")
OFFSET_DATETIME = string(format="date-time", pattern=r"(Z|[+-][0-9]{2}:[0-9]{2})$",
                         description="ISO 8601 time with its UTC offset, e.g. 2027-03-08T23:59:00+07:00")
DECIMAL_TEXT = string(pattern=r"^[0-9]+(\.[0-9]+)?$", description="A decimal number as text, e.g. 1.5")
MONEY_TEXT = string(pattern=r"^[0-9]+\.[0-9]{2}$", description="Rupiah as text with 2 decimals (sen), e.g. 1500000.00")
SIGNED_MONEY_TEXT = string(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="Rupiah as text, negative when over a ceiling")
NOTE = multiline(minLength=1, maxLength=2000)
REASON = string(minLength=1, maxLength=2000, description="Alasan (satu baris)")
# numbers that may also come as text: `pattern` constrains the text, minimum/maximum the number
VOLUME = {"type": ["number", "string"], "exclusiveMinimum": 0, "maximum": 1_000_000_000,
          "pattern": r"^[0-9]{1,13}(\.[0-9]{1,3})?$",
          "description": "A quantity > 0 with at most 3 decimals: a number or its text, e.g. 2 or \"12.5\""}
UUID = string(pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
              description="A UUID, e.g. 0c5b7e1a-3d2f-4a6b-9c8d-1e2f3a4b5c6d")


def nullable_enum(*values: str) -> dict:
    """`schemas.nullable(enum(...))` would still refuse null (the enum keyword lists no null)."""
    return {"type": ["string", "null"], "enum": [*values, None]}


def rupiah_amount(minimum: int = 0) -> dict:
    """Rupiah: a whole number, or text with at most 2 decimals (never a float: 0.1 + 0.2)."""
    return {"type": ["integer", "string"], "minimum": minimum, "pattern": r"^[0-9]{1,16}(\.[0-9]{1,2})?$",
            "description": f"Rupiah >= {minimum}: an integer, or text with at most 2 decimals, e.g. \"1500000000\""}


def number_or_text(minimum: float, maximum: float, description: str, null: bool = False) -> dict:
    return {"type": ["number", "string", *(["null"] if null else [])], "minimum": minimum, "maximum": maximum,
            "pattern": r"^-?[0-9]{1,3}(\.[0-9]{1,12})?$", "description": description}


def tahun_of(call: Call) -> int:
    """The plan year of the path, in range (422 naming `tahun` otherwise)."""
    return check(call.params["tahun"], TAHUN, "tahun")


def csv_text(call: Call) -> str:
    """The text/csv body as text (UTF-8, a BOM is fine)."""
    try:
        text = (call.raw_body or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise InputInvalid([FieldError("csv", "invalid")]) from None
    if not text.strip():
        raise InputInvalid([FieldError("csv", "required")])
    return text


def imported_rows(run: Callable[[], Any], file_of: Callable[[dict], str]) -> Any:
    """`run()`; a CSV import's row errors `{row, field, ...}` keep their line in the field name
    (`anggota_csv[3].pagu`, line 1 is the header): the problem's errors carry no row of their own."""
    try:
        return run()
    except ValidationError as exc:
        raw = exc.payload.get("errors")
        if not isinstance(raw, list):
            raise
        errors = [{**e, "row": row_number(e["row"]), "field": f"{file_of(e)}[{row_number(e['row'])}]."
                                                              f"{e.get('field') or ''}".rstrip(".")}
                  if isinstance(e, dict) and row_number(e.get("row")) is not None else e for e in raw]
        raise ValidationError(exc.service, exc.method, exc.exc_type, {**exc.payload, "errors": errors}) from None


def page(call: Call, fetch: Callable[[str | None, int], dict]) -> dict:
    """One page of up to `limit` (<= 200) items from a service that answers at most 100 a call:
    `fetch(cursor, limit)` is called again from its next_cursor until the page is full."""
    cursor, wanted, items = call.query.get("cursor") or None, call.query["limit"], []
    while True:
        asked = min(wanted - len(items), SERVICE_PAGE_MAX)
        got = fetch(cursor, asked)
        items.extend(got["items"])
        cursor = got.get("next_cursor")
        if not cursor or len(got["items"]) < asked or len(items) >= wanted:
            return {"items": items, "next_cursor": cursor}


TAG = "pokir"
MEMBERS = frozenset({ANGGOTA, STAF_AHLI})
READERS = frozenset({ANGGOTA, STAF_AHLI, SETWAN, BAPPEDA})  # the service's four roles

STATUSES = ("draft", "diajukan", "direkomendasikan", "disampaikan", "didisposisikan", "diakomodasi",
            "tidak diakomodasi", "ditarik")
ACTIONS = ("submit", "recommend", "return", "deliver", "withdraw", "dispose", "accommodate", "not_accommodate")
LAMPIRAN_TYPES = ("application/pdf", "image/jpeg", "image/png")
FILTERS = ("status", "anggota_id", "kecamatan", "desa", "kamus_kode")

ID = string(minLength=1, maxLength=64)
KODE = string(minLength=1, maxLength=64)
OPD_KODE = string(pattern=r"^[0-9]+(\.[0-9]+)*$", maxLength=64, description="Kode OPD, e.g. 1.03.0.00.0.00.01.0000")
CSV = string(minLength=1, maxLength=262144, description="The whole CSV file, header first (UTF-8)", **{TEXT_KIND: FILE})
LAT_TEXT = "Lintang (WGS 84), given together with lon"
LON_TEXT = "Bujur (WGS 84), given together with lat"
LAT, LON = number_or_text(-90, 90, LAT_TEXT), number_or_text(-180, 180, LON_TEXT)

# -- request bodies -----------------------------------------------------------------------------

REGISTER_IN = obj({
    "periode": string(pattern=r"^[0-9]{4}-[0-9]{4}$", description="Masa jabatan DPRD, 5 years: 2024-2029"),
    "dapil_csv": {**CSV, "description": "kode,nama,kecamatan (kecamatan codes separated by spaces or ;)"},
    "anggota_csv": {**CSV, "description": "id,nama,fraksi,dapil,pagu[,telepon,email] (pagu: plain number)"},
    "staf_ahli_csv": {**CSV, "description": "id,nama,anggota_id[,telepon]"},
}, ["periode", "dapil_csv", "anggota_csv", "staf_ahli_csv"])

WINDOW_IN = obj({"opens_at": OFFSET_DATETIME, "closes_at": OFFSET_DATETIME}, ["opens_at", "closes_at"])

RESES_IN = obj({
    "tanggal": {**DATE, "description": "Tanggal reses (not after today)"},
    "tempat": string(minLength=1, maxLength=300),
    "jumlah_peserta": integer(minimum=1),
    "dapil": {**KODE, "description": "Optional: must be the member's own dapil"},
    "catatan": nullable(multiline(maxLength=2000)),
}, ["tanggal", "tempat", "jumlah_peserta"])

LAMPIRAN = obj({
    "nama_berkas": string(minLength=1, maxLength=255),
    "media_type": enum(*LAMPIRAN_TYPES),
    "ukuran": integer(minimum=1, maximum=10 * 1024 * 1024, description="Bytes, at most 10 MiB"),
    "sha256": string(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file, 64 lower-case hex digits"),
}, ["nama_berkas", "media_type", "ukuran", "sha256"])

POKIR_FIELDS = {
    "judul": string(minLength=1, maxLength=200),
    "permasalahan": multiline(minLength=1, maxLength=2000),
    "usulan": multiline(minLength=1, maxLength=2000),
    "kamus_item_id": string(minLength=1, maxLength=200, description="Kamus usulan item of the plan year"),
    "volume": VOLUME,
    "desa": {**DESA, "description": "Kode desa/kelurahan in the member's dapil, e.g. 12.21.07.1001"},
    "reses_id": string(minLength=1, maxLength=64, description="The member's reses this pokir comes from"),
    "lat": LAT,
    "lon": LON,
    "alamat": string(maxLength=500),
    "lampiran": arr(LAMPIRAN, maxItems=10),
}
REQUIRED_POKIR = ["judul", "permasalahan", "usulan", "kamus_item_id", "volume", "desa", "reses_id"]
POKIR_IN = obj(POKIR_FIELDS, REQUIRED_POKIR,
               description="No cost and no member: cost = volume x the catalogue's unit price, the member is "
                           "the caller's")
# merge patch: the fields to change; null clears an optional field (lat, lon, alamat)
POKIR_PATCH = obj({**POKIR_FIELDS, "lat": number_or_text(-90, 90, LAT_TEXT, null=True),
                   "lon": number_or_text(-180, 180, LON_TEXT, null=True),
                   "alamat": nullable(POKIR_FIELDS["alamat"])}, minProperties=1)

# act_on_pokir: the parameters each action takes (pokir.pokir_actions.ALLOWED_PARAMS) and needs
ACTION_PARAMS: dict[str, dict[str, dict]] = {
    "submit": {"note": NOTE},
    "recommend": {"catatan": NOTE},
    "return": {"catatan": NOTE},
    "deliver": {"note": NOTE},
    "withdraw": {"reason": REASON},
    "dispose": {"opd": OPD_KODE, "note": NOTE},
    "accommodate": {"opd": OPD_KODE, "renja_row_id": string(minLength=1, maxLength=100), "volume": VOLUME,
                    "cost": rupiah_amount(1), "note": NOTE},
    "not_accommodate": {"reason": REASON},
}
ACTION_REQUIRED = {"recommend": ["catatan"], "return": ["catatan"], "dispose": ["opd"],
                   "accommodate": ["opd", "renja_row_id", "volume", "cost"], "not_accommodate": ["reason"]}


def _action_body() -> dict:
    every = {"action": enum(*ACTIONS)}
    for params in ACTION_PARAMS.values():
        every.update(params)
    schema = obj(every, ["action"])
    schema["allOf"] = [
        {"if": {"properties": {"action": {"const": action}}, "required": ["action"]},
         "then": {"properties": {"action": True, **{name: True for name in params}},
                  "additionalProperties": False, **({"required": ACTION_REQUIRED[action]}
                                                    if action in ACTION_REQUIRED else {})}}
        for action, params in ACTION_PARAMS.items()]
    schema["description"] = (
        "submit {note} (member/staf ahli, inside the window) · recommend {catatan} · return {catatan} · "
        "deliver {note} (Setwan) · withdraw {reason} (the member only) · dispose {opd, note} · accommodate "
        "{opd, renja_row_id, volume, cost, note} · not_accommodate {reason} (Bappeda)")
    return schema


ACTION_IN = _action_body()

# -- responses ------------------------------------------------------------------------------------

KAMUS_ITEM = obj({
    "id": string(), "kode": string(), "nama": string(), "tahun": integer(), "pemda": PEMDA,
    "sub_kegiatan": string(), "opd": string(), "satuan": string(), "harga_satuan": MONEY_TEXT,
    "volume_maks": nullable(DECIMAL_TEXT),
}, ["id", "kode", "nama", "tahun", "pemda", "sub_kegiatan", "opd", "satuan", "harga_satuan", "volume_maks"])
HISTORY = obj({
    "action": string(), "by": string(), "role": string(), "at": DATETIME,
    "from_status": nullable_enum(*STATUSES), "to_status": enum(*STATUSES), "note": nullable(string()),
}, ["action", "by", "role", "at", "from_status", "to_status", "note"])
AKOMODASI = obj({"opd": string(), "renja_row_id": string(), "volume": DECIMAL_TEXT, "cost": MONEY_TEXT},
                ["opd", "renja_row_id", "volume", "cost"])
OVERLAP = obj({"usulan_id": string(), "tracking_code": string(), "gagasan": string(),
               "score": {"type": "number", "minimum": 0, "maximum": 1}, "reason": string()},
              ["usulan_id", "tracking_code", "gagasan", "score", "reason"])
POKIR = obj({
    "id": string(), "tahun": integer(), "pemda": PEMDA, "anggota_id": string(), "dapil": string(),
    "reses_id": string(), "judul": string(), "permasalahan": string(), "usulan": string(),
    "kamus_item": KAMUS_ITEM, "volume": DECIMAL_TEXT, "cost": MONEY_TEXT, "kecamatan": KECAMATAN, "desa": DESA,
    "created_by": string(), "created_at": DATETIME, "alamat": nullable(string()),
    "lat": nullable(string()), "lon": nullable(string()), "lampiran": arr(LAMPIRAN),
    "status": enum(*STATUSES), "history": arr(HISTORY), "catatan_setwan": nullable(string()),
    "disposisi_opd": nullable(string()), "akomodasi": nullable(AKOMODASI),
    "alasan_tidak_diakomodasi": nullable(string()), "version": integer(minimum=1),
    "overlaps": arr(OVERLAP, description="Musrenbang usulan this pokir duplicates (reads only)"),
}, ["id", "tahun", "pemda", "anggota_id", "dapil", "reses_id", "judul", "permasalahan", "usulan", "kamus_item",
    "volume", "cost", "kecamatan", "desa", "created_by", "created_at", "alamat", "lat", "lon", "lampiran", "status",
    "history", "catatan_setwan", "disposisi_opd", "akomodasi", "alasan_tidak_diakomodasi", "version"])

REGISTER_SUMMARY = obj({"pemda": PEMDA, "periode": string(), "dapil": integer(minimum=0),
                        "anggota": integer(minimum=0), "staf_ahli": integer(minimum=0)},
                       ["pemda", "periode", "dapil", "anggota", "staf_ahli"])
REGISTER = obj({
    "pemda": PEMDA, "periode": string(),
    "dapil": arr(obj({"kode": string(), "nama": string(), "kecamatan": arr(KECAMATAN)}, ["kode", "nama", "kecamatan"])),
    "anggota": arr(obj({"id": string(), "nama": string(), "fraksi": string(), "dapil": string(),
                        "pagu": nullable(MONEY_TEXT)}, ["id", "nama", "fraksi", "dapil", "pagu"])),
    "staf_ahli": arr(obj({"id": string(), "nama": string(), "anggota_id": string()}, ["id", "nama", "anggota_id"])),
}, ["pemda", "periode", "dapil", "anggota", "staf_ahli"])
KAMUS_SUMMARY = obj({"pemda": PEMDA, "tahun": integer(), "imported": integer(minimum=0)},
                    ["pemda", "tahun", "imported"])
WINDOW = obj({"opens_at": DATETIME, "closes_at": DATETIME, "source": string()}, ["opens_at", "closes_at", "source"])
RESES = obj({"id": string(), "anggota_id": string(), "tanggal": DATE, "tempat": string(), "dapil": string(),
             "jumlah_peserta": integer(minimum=1), "catatan": nullable(string())},
            ["id", "anggota_id", "tanggal", "tempat", "dapil", "jumlah_peserta", "catatan"])
OVERLAP_ROW = obj({"pokir_id": string(), "judul": string(), "usulan_pokir": string(), "anggota_id": string(),
                   "desa": DESA, "kamus_kode": string(), "usulan": arr(OVERLAP, minItems=1)},
                  ["pokir_id", "judul", "usulan_pokir", "anggota_id", "desa", "kamus_kode", "usulan"])
MANIFEST = obj({
    "pemda": PEMDA, "tahun": integer(),
    "counts": obj({status: integer(minimum=0) for status in STATUSES}, STATUSES),
    "total": integer(minimum=0), "disampaikan_count": integer(minimum=0), "disampaikan_cost": MONEY_TEXT,
    "diakomodasi_count": integer(minimum=0), "diakomodasi_cost": MONEY_TEXT,
    "digest_algorithm": enum("sha256"), "digest": string(pattern=r"^[0-9a-f]{64}$"),
}, ["pemda", "tahun", "counts", "total", "disampaikan_count", "disampaikan_cost", "diakomodasi_count",
    "diakomodasi_cost", "digest_algorithm", "digest"])
CLOSED = obj({"manifest": MANIFEST, "closed_by": string()}, ["manifest", "closed_by"])

# -- examples -------------------------------------------------------------------------------------

EX_POKIR_ID = "3f0c8a52-6a0e-4c55-9d1e-2b7f4f1e9a10"
EX_POKIR_IN = {"judul": "Sumur bor Pasar Sibuhuan", "permasalahan": "Air bersih kurang di lingkungan pasar",
               "usulan": "Sumur bor di lingkungan Pasar Sibuhuan", "kamus_item_id": "12.21/2027/SPAM-02",
               "volume": "2", "desa": "12.21.07.1001", "reses_id": "b9d1f0a4-1c3e-4f8e-9a55-0d7e2c6b1a22",
               "lat": 1.1231, "lon": 99.8012, "alamat": "Jl. Pasar Sibuhuan"}
EX_POKIR = {
    "id": EX_POKIR_ID, "tahun": 2027, "pemda": "12.21", "anggota_id": "A01", "dapil": "PALAS-1",
    "reses_id": "b9d1f0a4-1c3e-4f8e-9a55-0d7e2c6b1a22", "judul": "Sumur bor Pasar Sibuhuan",
    "permasalahan": "Air bersih kurang di lingkungan pasar", "usulan": "Sumur bor di lingkungan Pasar Sibuhuan",
    "kamus_item": {"id": "12.21/2027/SPAM-02", "kode": "SPAM-02", "nama": "Sumur bor dalam", "tahun": 2027,
                   "pemda": "12.21", "sub_kegiatan": "1.03.03.2.01.0028", "opd": "1.03.0.00.0.00.01.0000",
                   "satuan": "unit", "harga_satuan": "95000000.00", "volume_maks": "4"},
    "volume": "2", "cost": "190000000.00", "kecamatan": "12.21.07", "desa": "12.21.07.1001",
    "created_by": "u-a01", "created_at": "2027-02-10T03:00:00+00:00", "alamat": "Jl. Pasar Sibuhuan",
    "lat": "1.1231", "lon": "99.8012", "lampiran": [], "status": "draft",
    "history": [{"action": "dibuat", "by": "u-a01", "role": "anggota_dprd", "at": "2027-02-10T03:00:00+00:00",
                 "from_status": None, "to_status": "draft", "note": None}],
    "catatan_setwan": None, "disposisi_opd": None, "akomodasi": None, "alasan_tidak_diakomodasi": None,
    "version": 1,
}
EX_OVERLAP = {"usulan_id": "7d2e0b8c-5f3a-4d1e-8c6b-9a0f1e2d3c4b", "tracking_code": "MR-2027-7Q4K",
              "gagasan": "Sumur bor Pasar Sibuhuan", "score": 0.75,
              "reason": "Desa dan item kamus sama dengan usulan Musrenbang MR-2027-7Q4K; kemiripan teks 0,75"}
EX_POKIR_READ = {**EX_POKIR, "overlaps": [EX_OVERLAP]}
EX_POKIR_RECOMMENDED = {
    **EX_POKIR, "status": "direkomendasikan", "version": 3, "catatan_setwan": "Layak, sesuai RPJMD",
    "history": EX_POKIR["history"] + [
        {"action": "diajukan", "by": "u-a01", "role": "anggota_dprd", "at": "2027-02-11T02:00:00+00:00",
         "from_status": "draft", "to_status": "diajukan", "note": None},
        {"action": "direkomendasikan", "by": "u-setwan", "role": "setwan", "at": "2027-02-12T02:00:00+00:00",
         "from_status": "diajukan", "to_status": "direkomendasikan", "note": "Layak, sesuai RPJMD"}]}
EX_REGISTER_IN = {
    "periode": "2024-2029",
    "dapil_csv": "kode,nama,kecamatan\nPALAS-1,Dapil Padang Lawas 1,12.21.07 12.21.13 12.21.16\n",
    "anggota_csv": "id,nama,fraksi,dapil,pagu\nA01,Anggota DPRD 01,Fraksi B,PALAS-1,2500000000.00\n",
    "staf_ahli_csv": "id,nama,anggota_id\nS01,Staf Ahli 01,A01\n",
}
EX_REGISTER = {
    "pemda": "12.21", "periode": "2024-2029",
    "dapil": [{"kode": "PALAS-1", "nama": "Dapil Padang Lawas 1", "kecamatan": ["12.21.07", "12.21.13", "12.21.16"]}],
    "anggota": [{"id": "A01", "nama": "Anggota DPRD 01", "fraksi": "Fraksi B", "dapil": "PALAS-1",
                 "pagu": "2500000000.00"}],
    "staf_ahli": [{"id": "S01", "nama": "Staf Ahli 01", "anggota_id": "A01"}],
}
EX_KAMUS_CSV = ("kode,nama,sub_kegiatan,opd,satuan,harga_satuan,volume_maks\n"
                "SPAM-02,Sumur bor dalam,1.03.03.2.01.0028,1.03.0.00.0.00.01.0000,unit,95000000.00,4\n")
EX_WINDOW = {"opens_at": "2027-01-02T00:00:00+07:00", "closes_at": "2027-03-09T00:00:00+07:00"}
EX_RESES_IN = {"tanggal": "2026-11-20", "tempat": "Aula Kecamatan Barumun", "jumlah_peserta": 90,
               "catatan": "Warga meminta air bersih dan drainase pasar"}
EX_RESES = {"id": "b9d1f0a4-1c3e-4f8e-9a55-0d7e2c6b1a22", "anggota_id": "A01", "tanggal": "2026-11-20",
            "tempat": "Aula Kecamatan Barumun", "dapil": "PALAS-1", "jumlah_peserta": 90,
            "catatan": "Warga meminta air bersih dan drainase pasar"}
EX_MANIFEST = {"pemda": "12.21", "tahun": 2027,
               "counts": {"draft": 0, "diajukan": 0, "direkomendasikan": 0, "disampaikan": 12, "didisposisikan": 3,
                          "diakomodasi": 9, "tidak diakomodasi": 2, "ditarik": 1},
               "total": 27, "disampaikan_count": 26, "disampaikan_cost": "4150000000.00", "diakomodasi_count": 9,
               "diakomodasi_cost": "1320000000.00", "digest_algorithm": "sha256",
               "digest": "9b1c4f2e0a7d3b6c8e5f1a2d4c6b8e0f9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d"}

# -- handlers -------------------------------------------------------------------------------------


def _pokir_id(call: Call) -> str:
    return str(call.params["pokir_id"])


def import_register(call: Call) -> Any:
    b = call.body
    return imported_rows(lambda: call.rpc.call("pokir", "import_register", b["periode"], b["dapil_csv"],
                                                b["anggota_csv"], b["staf_ahli_csv"]),
                         lambda error: f"{error.get('file', 'csv')}_csv")


def get_register(call: Call) -> Any:
    return call.rpc.call("pokir", "get_register")


def import_kamus(call: Call) -> Any:
    tahun, text = tahun_of(call), csv_text(call)
    return imported_rows(lambda: call.rpc.call("pokir", "import_kamus", tahun, text), lambda error: "csv")


def set_window(call: Call) -> Any:
    return call.rpc.call("pokir", "set_window", tahun_of(call), call.body["opens_at"], call.body["closes_at"])


def record_reses(call: Call) -> Any:
    return call.rpc.call("pokir", "record_reses", tahun_of(call), call.body, **call.request_kwargs())


def create_pokir(call: Call) -> Any:
    created = call.rpc.call("pokir", "create_pokir", tahun_of(call), call.body, **call.request_kwargs())
    return Created(created, f"/v1/pokir/pokir/{created['id']}")


def list_pokir(call: Call) -> Any:
    tahun = tahun_of(call)
    filters = {name: call.query[name] for name in FILTERS if name in call.query}
    return page(call, lambda cursor, limit: call.rpc.call("pokir", "list_pokir", tahun, filters=filters,
                                                          cursor=cursor, limit=limit))


def get_pokir(call: Call) -> Any:
    return call.rpc.call("pokir", "get_pokir", _pokir_id(call))


EDITABLE = ("judul", "permasalahan", "usulan", "kamus_item_id", "volume", "desa", "reses_id", "lat", "lon", "alamat",
            "lampiran")


def editable_content(pokir: dict) -> dict:
    """The content of a pokir as update_pokir takes it (the service replaces it all)."""
    content = {name: pokir.get(name) for name in EDITABLE if name != "kamus_item_id"}
    content["kamus_item_id"] = (pokir.get("kamus_item") or {}).get("id")
    return content


def update_pokir(call: Call) -> Any:
    """Merge patch: the service re-validates the whole content (and recomputes the cost)."""
    pokir_id = _pokir_id(call)
    data = {**editable_content(call.rpc.call("pokir", "get_pokir", pokir_id)), **call.body}
    return call.rpc.call("pokir", "update_pokir", pokir_id, data, expected_version=call.expected_version)


def act_on_pokir(call: Call) -> Any:
    params = {name: value for name, value in call.body.items() if name != "action"}
    return call.rpc.call("pokir", "act_on_pokir", _pokir_id(call), call.body["action"], params,
                         expected_version=call.expected_version)


def overlaps(call: Call) -> Any:
    return call.rpc.call("pokir", "overlaps", tahun_of(call))


def close_stage(call: Call) -> Any:
    return call.rpc.call("pokir", "close_stage", tahun_of(call))


# -- the table ------------------------------------------------------------------------------------

_ONE = "/v1/pokir/pokir/{pokir_id:uuid}"

OPERATIONS: list[Operation] = [
    Operation("PUT", "/v1/pokir/register", "pokir.importRegister",
              "Import the DPRD register of a term: dapil, anggota, staf ahli (three CSV files, all or nothing)",
              TAG, frozenset({SETWAN, BAPPEDA}), import_register, body=REGISTER_IN, example=EX_REGISTER_IN,
              response=REGISTER_SUMMARY,
              response_example={"pemda": "12.21", "periode": "2024-2029", "dapil": 5, "anggota": 30, "staf_ahli": 30},
              description="Any bad row imports nothing; every bad row is reported, its field named "
                          "`<file>_csv[<line>].<column>` (line 1 is the header)."),
    Operation("GET", "/v1/pokir/register", "pokir.getRegister",
              "The current DPRD register: dapil, members (fraksi, dapil, pagu), staf ahli (no contact data)",
              TAG, READERS, get_register, response=REGISTER, response_example=EX_REGISTER),
    Operation("PUT", "/v1/pokir/{tahun:int}/kamus", "pokir.importKamus",
              "Import the kamus usulan of a plan year (the Musrenbang CSV format, all or nothing)",
              TAG, frozenset({BAPPEDA}), import_kamus, body_media="text/csv", example=EX_KAMUS_CSV,
              response=KAMUS_SUMMARY, response_example={"pemda": "12.21", "tahun": 2027, "imported": 48},
              description="Columns kode,nama,sub_kegiatan,opd,satuan,harga_satuan[,volume_maks]. A bad row is "
                          "reported as `csv[<line>].<column>`."),
    Operation("PUT", "/v1/pokir/{tahun:int}/window", "pokir.setWindow",
              "Set the pokir window explicitly (otherwise it follows Musrenbang's schedule)",
              TAG, frozenset({BAPPEDA}), set_window, body=WINDOW_IN, example=EX_WINDOW, response=WINDOW,
              response_example={**EX_WINDOW, "source": "bappeda"},
              description="Half-open: open from opens_at until closes_at. Creating, editing and submitting a "
                          "pokir are refused outside it (409)."),
    Operation("POST", "/v1/pokir/{tahun:int}/reses", "pokir.recordReses",
              "Record a reses (recess meeting) of the caller's member", TAG, MEMBERS, record_reses,
              body=RESES_IN, example=EX_RESES_IN, response=RESES, response_example=EX_RESES, status=201,
              idempotent=True),
    Operation("POST", "/v1/pokir/{tahun:int}/pokir", "pokir.createPokir",
              "Create a draft pokir of the caller's member (the cost is computed from the catalogue)",
              TAG, MEMBERS, create_pokir, body=POKIR_IN, example=EX_POKIR_IN, response=POKIR,
              response_example=EX_POKIR, status=201, idempotent=True, etag_read=read_by_id(get_pokir, "pokir_id"),
              description="Refused after the deadline (409 `deadline_passed`), outside the member's dapil or above "
                          "the member's pagu (422, field errors)."),
    Operation("GET", "/v1/pokir/{tahun:int}/pokir", "pokir.listPokir",
              "Pokir of a plan year (a member and their staf ahli: that member's only), with overlaps",
              TAG, READERS, list_pokir, paged=True,
              query={"status": enum(*STATUSES), "anggota_id": ID, "kecamatan": KECAMATAN, "desa": DESA,
                     "kamus_kode": KODE},
              response=page_of(POKIR),
              response_example={"items": [EX_POKIR_READ], "next_cursor": "128"}),
    Operation("GET", _ONE, "pokir.getPokir", "One pokir, with the Musrenbang usulan it overlaps",
              TAG, READERS, get_pokir, response=POKIR, response_example=EX_POKIR_READ),
    Operation("PATCH", _ONE, "pokir.updatePokir",
              "Change a draft pokir (merge patch: the fields given; null clears lat, lon, alamat)",
              TAG, MEMBERS, update_pokir, body=POKIR_PATCH, example={"volume": "3", "alamat": None},
              if_match=True, current=get_pokir, response=POKIR,
              etag_read=lambda call, answer: get_pokir(call),  # the change may change its overlaps
              response_example={**EX_POKIR, "volume": "3", "cost": "285000000.00", "alamat": None, "version": 2},
              description="If-Match: the ETag of GET /v1/pokir/pokir/{pokir_id}. Only a draft, inside the window; "
                          "all fields are re-validated and the cost recomputed."),
    Operation("POST", _ONE + "/actions", "pokir.actOnPokir",
              "A lifecycle step: submit, recommend, return, deliver, withdraw, dispose, accommodate, "
              "not_accommodate", TAG, READERS, act_on_pokir, body=ACTION_IN,
              example={"action": "recommend", "catatan": "Layak, sesuai RPJMD"}, if_match=True, current=get_pokir,
              response=POKIR, response_example=EX_POKIR_RECOMMENDED,
              description="If-Match: the ETag of GET /v1/pokir/pokir/{pokir_id}. Who may take which step is "
                          "checked by the service: the member or staf ahli submit, only the member withdraws, "
                          "Setwan recommends, returns and delivers, Bappeda disposes and records the follow-up."),
    Operation("GET", "/v1/pokir/{tahun:int}/overlaps", "pokir.overlaps",
              "Pokir that duplicate a Musrenbang usulan (same desa and catalogue item, similar text)",
              TAG, READERS, overlaps, response=arr(OVERLAP_ROW),
              response_example=[{"pokir_id": EX_POKIR_ID, "judul": EX_POKIR["judul"],
                                 "usulan_pokir": EX_POKIR["usulan"], "anggota_id": "A01", "desa": "12.21.07.1001",
                                 "kamus_kode": "SPAM-02", "usulan": [EX_OVERLAP]}]),
    Operation("POST", "/v1/pokir/{tahun:int}/close", "pokir.closeStage",
              "Close the pokir stage of a plan year, with its manifest (SHA-256 of the delivered set)",
              TAG, frozenset({SETWAN, BAPPEDA}), close_stage, response=CLOSED,
              response_example={"manifest": EX_MANIFEST, "closed_by": "u-setwan"},
              description="Refused (409 `pending_review`) while Setwan still has pokir diajukan or "
                          "direkomendasikan."),
]
