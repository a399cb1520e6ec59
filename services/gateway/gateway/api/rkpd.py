"""RKPD under /v1/rkpd (Bappeda): the assembly status, the versions with their diff, the document,
the rendered files (JSON, XLSX, HTML, PDF), the narrative chapters, reassembly and promotion.

The rkpd service answers Bappeda of the caller's pemda only (every RPC checks it again), so every
operation here is for `bappeda`. Files travel over RPC as base64 with their SHA-256 (the gateway
never reads a service's disk); the gateway checks the bytes against that SHA-256 before it
answers. Server paths (`location`) stay inside the service: each file is shown as a URL instead.
The published versions are served to the public under /v1/public (gateway.api.public).

Years played in the order of Permendagri 86/2017 (`tata_urutan` "permendagri_86_2017") have their
versions at the calendar's points: Bappeda sets the year's priorities (`PUT .../rancangan-awal`) and
publishes the rancangan awal (`POST .../rancangan-awal/publish`); the rancangan appears by itself
when the last Forum Perangkat Daerah closes and the rancangan akhir when Musrenbang RKPD closes;
Bappeda records the Perkada (`POST .../penetapan`) and may open a revision for named OPDs
(`POST .../perubahan`, then `POST .../perubahan/assemble`). Legacy years keep `assemble`/`promote`.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from ..problems import Problem
from .operation import BAPPEDA, Call, Created, Operation, Raw
from .pokir import rupiah_amount
from .schemas import (DATETIME, KECAMATAN, PEMDA, TAHUN, arr, boolean, check, enum, integer, multiline, nullable, obj,
                      string)

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
VERSIONS = ("rancangan awal", "rancangan", "rancangan akhir", "penetapan")  # the legacy promotions
ALL_VERSIONS = VERSIONS + ("perubahan",)
ORDERS = ("lama", "permendagri_86_2017")
STAGES = ("musrenbang", "pokir", "renja")
NARRATIVE_CHAPTERS = (1, 2, 3, 4, 6, 7)  # chapter V is the table
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")

# -- schemas ------------------------------------------------------------------------------------

SHA256 = string(pattern=r"^[0-9a-f]{64}$", description="SHA-256, 64 lower-case hex digits")
MONEY_TEXT = string(pattern=r"^[0-9]+\.[0-9]{2}$", description="Rupiah as text with 2 decimals, e.g. 1500000.00")
SIGNED_MONEY_TEXT = string(pattern=r"^-?[0-9]+\.[0-9]{2}$", description="Rupiah as text, negative for a decrease")
TEXT = string()
NTEXT = nullable(string())
VERSI = enum(*ALL_VERSIONS, description="Tahap dokumen RKPD")
TATA_URUTAN = enum(*ORDERS, description="The order the year follows: Permendagri 86/2017, or the old order (lama)")
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
CALENDAR_STATE = obj({
    "forum_pd": arr(obj({"opd": TEXT, "ditutup": boolean()}, ["opd", "ditutup"]),
                    description="Every OPD with an indicative ceiling and whether its Forum PD closed"),
    "musrenbang_rkpd_ditutup": boolean(),
    "versi": obj({v: nullable(NOMOR) for v in ALL_VERSIONS}, ALL_VERSIONS,
                 description="The newest nomor of each calendar version, null when none yet"),
    "perubahan_terbuka": nullable(obj({"nomor_versi_dasar": NOMOR, "opds": arr(TEXT), "alasan": TEXT},
                                      ["nomor_versi_dasar", "opds", "alasan"])),
}, ["forum_pd", "musrenbang_rkpd_ditutup", "versi", "perubahan_terbuka"])
STATUS = obj({
    "pemda": PEMDA, "tahun": TAHUN, "tata_urutan": TATA_URUTAN,
    "tahap": obj({s: STAGE_STATE for s in STAGES}, STAGES),
    "kalender": nullable(CALENDAR_STATE),
    "menunggu": arr(string(), description="What the assembly waits for; empty when nothing"),
    "versi_terkini": nullable(CURRENT),
}, ["pemda", "tahun", "tahap", "menunggu", "versi_terkini"])

TINGKAT = enum("opd", "urusan", "bidang", "program", "kegiatan", "sub_kegiatan")
LINE = obj({
    "tingkat": TINGKAT, "kode": TEXT, "uraian": TEXT, "opd": TEXT, "row_id": NTEXT, "indikator": NTEXT,
    "target_n": NTEXT, "satuan": NTEXT, "pagu_n": MONEY_TEXT, "lokasi": arr(string()), "sumber_dana": NTEXT,
    "prioritas_nasional": arr(string()), "prioritas_daerah": arr(string()), "kelompok_sasaran": NTEXT,
    "target_n1": NTEXT, "pagu_n1": MONEY_TEXT,
    "cakupan_lokasi": nullable(enum("kabupaten", "kecamatan", "desa")),
    "akomodasi": arr(obj({"kind": enum("usulan", "pokir"), "source_id": TEXT, "tracking_code": NTEXT,
                          "mode": enum("baris_baru", "tambah", "sudah_tercakup"), "sudah_tercakup": boolean(),
                          "volume": TEXT, "attributable": MONEY_TEXT},
                         ["kind", "source_id", "tracking_code", "mode", "sudah_tercakup", "volume", "attributable"]),
                     description="The usulan and pokir this line accommodates, with the money attributable to each"),
    "atribusi": nullable(MONEY_TEXT),
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
KAJIAN_RECORD = obj({
    "pokir_id": TEXT, "anggota": NTEXT, "dapil": NTEXT, "judul": NTEXT, "opd": NTEXT, "cost": nullable(MONEY_TEXT),
    "status": enum("layak", "tidak_layak"), "kewenangan": boolean(), "sesuai_prioritas": boolean(),
    "duplikat_usulan": NTEXT, "biaya_wajar": boolean(), "catatan": NTEXT,
}, ["pokir_id", "status", "kewenangan", "sesuai_prioritas", "duplikat_usulan", "biaya_wajar"])
ANY_OBJECT = {"type": "object", "additionalProperties": True}
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
    "schema": enum("eplanning.rkpd/1", "eplanning.rkpd/2"),
    "pemda": PEMDA, "pemda_nama": TEXT, "tahun": TAHUN, "versi": VERSI, "nomor_versi": NOMOR,
    "tata_urutan": TATA_URUTAN,
    "inputs": {"type": "object", "additionalProperties": TEXT,
               "description": "Digests of what it was built from: the stage manifests (legacy years), the "
                              "ceilings, Forum PD manifests, Musrenbang RKPD's berita acara (calendar years)"},
    "rancangan_awal": nullable(obj({
        "prioritas": arr(TEXT),
        "pagu_indikatif": arr(obj({"opd": TEXT, "nama": TEXT, **{"pagu_n": MONEY_TEXT, "pagu_n1": MONEY_TEXT}},
                                  ["opd", "nama", "pagu_n", "pagu_n1"])),
        "pagu_kewilayahan": arr(obj({"kecamatan": TEXT, "pagu": MONEY_TEXT}, ["kecamatan", "pagu"])),
    }, ["prioritas", "pagu_indikatif", "pagu_kewilayahan"])),
    "perkada": nullable(obj({"nomor": TEXT, "tanggal": string(format="date")}, ["nomor", "tanggal"])),
    "perubahan": nullable(obj({"nomor_versi_dasar": NOMOR, "opds": arr(TEXT), "alasan": TEXT},
                              ["nomor_versi_dasar", "opds", "alasan"])),
    "bab": arr(BAB, minItems=7, maxItems=7),
    "tabel_v": obj({"baris": arr(LINE), "total_n": MONEY_TEXT, "total_n1": MONEY_TEXT},
                   ["baris", "total_n", "total_n1"]),
    "lampiran": obj({"usulan": arr(USULAN_RECORD), "pokir": arr(POKIR_RECORD),
                     "kajian_pokir": arr(KAJIAN_RECORD, description="Bappeda's review of each pokir"),
                     "forum_pd": arr(ANY_OBJECT, description="Each Forum PD: berita acara digest, verdicts"),
                     "musrenbang_rkpd": nullable(ANY_OBJECT)}, ["usulan", "pokir"]),
    "ringkasan": RINGKASAN,
    "grand_total": obj(PAGU, ["pagu_n", "pagu_n1"]),
}, ["schema", "pemda", "pemda_nama", "tahun", "versi", "nomor_versi", "inputs", "bab", "tabel_v", "lampiran",
    "ringkasan", "grand_total"], description="The RKPD document (schema eplanning.rkpd/2, canonical JSON)")

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
    "dipublikasikan": boolean(description="Announced with rkpd.published.v1 (public)"),
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
PRIORITAS = arr(string(minLength=1, maxLength=500), minItems=1, maxItems=50,
                description="The year's development priorities, in order")
WILAYAH_IN = obj({"kecamatan": KECAMATAN, "pagu": rupiah_amount(0)}, ["kecamatan", "pagu"])
RANCANGAN_AWAL_IN = obj({
    "prioritas": PRIORITAS,
    "pagu_kewilayahan": arr(WILAYAH_IN, maxItems=200,
                            description="Optional local policy: an indicative ceiling per kecamatan"),
}, ["prioritas"])
RANCANGAN_AWAL_OUT = obj({
    "pemda": PEMDA, "tahun": TAHUN, "tata_urutan": nullable(TATA_URUTAN), "prioritas": arr(TEXT),
    "pagu_kewilayahan": arr(obj({"kecamatan": TEXT, "pagu": MONEY_TEXT}, ["kecamatan", "pagu"])),
    "pagu_indikatif": arr(obj({"opd": TEXT, "pagu_n": MONEY_TEXT, "pagu_n1": MONEY_TEXT}, ["opd", "pagu_n", "pagu_n1"]),
                          description="The indicative ceiling per OPD as Renja set it (pagu.set.v1)"),
    "version": integer(minimum=0), "diterbitkan_nomor": nullable(NOMOR),
}, ["pemda", "tahun", "tata_urutan", "prioritas", "pagu_kewilayahan", "pagu_indikatif", "version",
    "diterbitkan_nomor"])
PENETAPAN_IN = obj({"nomor_perkada": string(minLength=1, maxLength=100, description="Nomor Peraturan Kepala Daerah"),
                    "tanggal_perkada": string(format="date", description="Tanggal Perkada, YYYY-MM-DD")},
                   ["nomor_perkada", "tanggal_perkada"])
PERUBAHAN_IN = obj({"opds": arr(string(minLength=1, maxLength=40), minItems=1, maxItems=200,
                                description="Kode OPD whose Renja is revised"),
                    "alasan": string(minLength=3, maxLength=2000, description="Why the fixed RKPD is revised")},
                   ["opds", "alasan"])
PERUBAHAN_OUT = obj({"pemda": PEMDA, "tahun": TAHUN, "nomor_versi_dasar": NOMOR, "opds": arr(TEXT), "alasan": TEXT,
                     "opened_by": TEXT}, ["pemda", "tahun", "nomor_versi_dasar", "opds", "alasan", "opened_by"])
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
    "pemda": "12.21", "tahun": 2027, "tata_urutan": "lama", "kalender": None,
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

EX_RANCANGAN_AWAL_IN = {"prioritas": ["Peningkatan konektivitas jalan desa", "Penurunan stunting"],
                        "pagu_kewilayahan": [{"kecamatan": "12.21.07", "pagu": "2500000000"}]}
EX_RANCANGAN_AWAL = {"pemda": "12.21", "tahun": 2027, "tata_urutan": "permendagri_86_2017",
                     "prioritas": EX_RANCANGAN_AWAL_IN["prioritas"],
                     "pagu_kewilayahan": [{"kecamatan": "12.21.07", "pagu": "2500000000.00"}],
                     "pagu_indikatif": [{"opd": "1.03.0.00.0.00.01.0000", "pagu_n": "40000000000.00",
                                         "pagu_n1": "42000000000.00"}],
                     "version": 1, "diterbitkan_nomor": None}

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
            "stale_reason": v.get("stale_reason"), "ditetapkan": v["ditetapkan"],
            "dipublikasikan": bool(v.get("dipublikasikan")), "created_at": v["created_at"]}


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


def get_rancangan_awal(call: Call) -> Any:
    return call.rpc.call("rkpd", "get_rancangan_awal", tahun_of(call))


def put_rancangan_awal(call: Call) -> Any:
    return call.rpc.call("rkpd", "set_rancangan_awal", tahun_of(call), call.body["prioritas"],
                         call.body.get("pagu_kewilayahan") or [])


def _created_version(call: Call, tahun: int, got: dict) -> Created:
    return Created(_assembled_out(call, tahun, got), f"{call.base_url}/v1/rkpd/{tahun}/document?nomor={got['nomor']}")


def post_publish_rancangan_awal(call: Call) -> Any:
    tahun = tahun_of(call)
    return _created_version(call, tahun, call.rpc.call("rkpd", "publish_rancangan_awal", tahun))


def post_penetapan(call: Call) -> Any:
    tahun = tahun_of(call)
    return _created_version(call, tahun, call.rpc.call("rkpd", "penetapan", tahun, call.body["nomor_perkada"],
                                                       call.body["tanggal_perkada"]))


def post_perubahan(call: Call) -> Any:
    tahun = tahun_of(call)
    got = call.rpc.call("rkpd", "open_perubahan", tahun, call.body["opds"], call.body["alasan"])
    return Created(got, f"{call.base_url}/v1/rkpd/{tahun}/status")


def post_perubahan_assemble(call: Call) -> Any:
    tahun = tahun_of(call)
    return _created_version(call, tahun, call.rpc.call("rkpd", "assemble_perubahan", tahun))


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
                    "/v1/public/rkpd/{pemda}/{tahun}. Penetapan is final (409 penetapan_final afterwards). "
                    "Years following the calendar of Permendagri 86/2017 are refused (409 tata_urutan_baru): "
                    "their versions come at the calendar's points."),
    _op("GET", f"{_BASE}/rancangan-awal", "rkpd.getRancanganAwal",
        "The rancangan awal's settings: the year's priorities, pagu indikatif kewilayahan (local policy) and the "
        "indicative ceiling per OPD copied from Renja", get_rancangan_awal, response=RANCANGAN_AWAL_OUT,
        response_example=EX_RANCANGAN_AWAL),
    _op("PUT", f"{_BASE}/rancangan-awal", "rkpd.setRancanganAwal",
        "Set the year's priorities and, optionally, pagu indikatif kewilayahan per kecamatan; the year follows "
        "the calendar of Permendagri 86/2017 from now on", put_rancangan_awal, body=RANCANGAN_AWAL_IN,
        example=EX_RANCANGAN_AWAL_IN, response=RANCANGAN_AWAL_OUT, response_example=EX_RANCANGAN_AWAL,
        description="Refused on a year played under the old order (409 tata_urutan_lama). Each kecamatan must be "
                    "one of the pemda's (422 with the field)."),
    _op("POST", f"{_BASE}/rancangan-awal/publish", "rkpd.publishRancanganAwal",
        "Publish the rancangan awal RKPD (priorities and the indicative ceiling per OPD) as guidance for the OPDs",
        post_publish_rancangan_awal, status=201, idempotent=True, response=ASSEMBLED,
        response_example={**EX_ASSEMBLED, "nomor": 1, "versi": "rancangan awal", "diff": None},
        description="Needs the priorities and at least one OPD ceiling; the kewilayahan ceilings may not exceed "
                    "their total (409 prioritas_kosong, pagu_indikatif_kosong, pagu_kewilayahan_melebihi). May be "
                    "published again (next nomor) until the rancangan appears (409 urutan_versi)."),
    _op("POST", f"{_BASE}/penetapan", "rkpd.penetapan",
        "Record the Perkada on the rancangan akhir: the RKPD version penetapan, published with each OPD's lines "
        "(what its Renja final must agree with)", post_penetapan, body=PENETAPAN_IN,
        example={"nomor_perkada": "17 Tahun 2026", "tanggal_perkada": "2026-06-30"}, status=201, idempotent=True,
        response=ASSEMBLED, response_example={**EX_ASSEMBLED, "nomor": 4, "versi": "penetapan"},
        description="Only on the current, fresh rancangan akhir (409 belum_rancangan_akhir, rancangan_akhir_usang); "
                    "once (409 penetapan_final)."),
    _op("POST", f"{_BASE}/perubahan", "rkpd.openPerubahan",
        "Open a Perubahan RKPD of the fixed RKPD for named OPDs, with a reason (rkpd.perubahan_opened.v1: Renja "
        "lets those OPDs edit again)", post_perubahan, body=PERUBAHAN_IN,
        example={"opds": ["1.03.0.00.0.00.01.0000"], "alasan": "Penanganan darurat banjir"}, status=201,
        idempotent=True, response=PERUBAHAN_OUT,
        response_example={"pemda": "12.21", "tahun": 2027, "nomor_versi_dasar": 4,
                          "opds": ["1.03.0.00.0.00.01.0000"], "alasan": "Penanganan darurat banjir",
                          "opened_by": "2b1c0d9e-0000-4000-8000-000000000001"},
        description="Only on a fixed version (409 belum_ditetapkan), one at a time (409 perubahan_terbuka)."),
    _op("POST", f"{_BASE}/perubahan/assemble", "rkpd.assemblePerubahan",
        "Assemble the revised RKPD (versi perubahan, next nomor): the named OPDs' lines from their Renja, every "
        "other line as fixed; diffed against the version it changes", post_perubahan_assemble, status=201,
        idempotent=True, response=ASSEMBLED, response_example={**EX_ASSEMBLED, "nomor": 5, "versi": "perubahan"}),
]
