"""The planning calendar (Permendagri 86/2017) and Musrenbang RKPD as a forum, under /v1: both
live in the `musrenbang` service (musrenbang.calendar_actions, musrenbang.forum_rkpd_actions),
which authorizes again.

    PUT  /v1/kalender/{tahun}                           set every step's window (Bappeda, once)
    GET  /v1/kalender/{tahun}                           steps: owner, window (WIB), state, label, tata_urutan
    POST /v1/kalender/{tahun}/{step}/close_early|extend|reopen   an audited change with a reason (Bappeda)
    POST /v1/musrenbang/{tahun}/forum-rkpd              record the forum (Bappeda chairs)
    GET  /v1/musrenbang/{tahun}/forum-rkpd              the record
    POST /v1/musrenbang/{tahun}/forum-rkpd/close        close it (refused while Forum PD or pokir is open)
    GET  /v1/musrenbang/{tahun}/forum-rkpd/berita-acara the berita acara (Markdown) and its SHA-256
"""
from __future__ import annotations

import base64
import hashlib

from .musrenbang import AWARE_DATETIME, MANIFEST, NOT_BLANK, REQUIRED_REASON, SHA256, _tahun
from .operation import ALL_ROLES, BAPPEDA, Call, Operation, Raw
from .schemas import PEMDA, arr, enum, integer, multiline, nullable, obj, string

DATE = string(format="date", description="Tanggal, YYYY-MM-DD")

TAG = "kalender"

# -- vocabularies (musrenbang.domain; a unit test keeps them equal to the service's) ------------------
STEPS = ("rancangan_awal", "renja_draft", "desa", "kecamatan", "forum_pd", "pokir", "musrenbang_rkpd",
         "penetapan", "renja_final")
LEVELS = ("desa", "kecamatan", "kabupaten")
ZONES = ("WIB", "WITA", "WIT")
TATA_URUTAN = ("permendagri_86_2017", "lama")
STATES = ("not_open", "open", "awaiting_close", "closed")
CHANGES = ("close_early", "extend", "reopen")
UNSUR = ("opd", "dprd", "kecamatan", "masyarakat", "bappeda")
JENIS = ("prioritas", "perubahan_baris", "pokir", "usulan")
USULAN_OUTCOMES = ("diterima", "diterima dengan perubahan", "ditolak")

OWNER = frozenset({BAPPEDA})  # sets and changes the calendar, chairs Musrenbang RKPD (require_bappeda)
READERS = ALL_ROLES  # every role of the pemda reads the calendar and the forum (the service checks the pemda)

# -- request bodies -------------------------------------------------------------------------------------
STEP_IN = obj({"step": enum(*STEPS), "opens_at": AWARE_DATETIME,
               "closes_at": {**AWARE_DATETIME, "description": "Waktu tutup; untuk pokir boleh dihilangkan: "
                                                              "diturunkan dari Musrenbang RKPD (H-7, pukul 00.00)"}},
              ["step", "opens_at"])
KALENDER_IN = obj({
    "zona": enum(*ZONES, description="Zona tampilan tanggal kalender (bawaan WIB)"),
    "steps": arr(STEP_IN, minItems=len(STEPS), maxItems=len(STEPS),
                 description="Tepat satu jendela per tahap, dalam urutan yang konsisten dengan ketergantungannya"),
}, ["steps"])
CLOSE_EARLY_IN = obj({"reason": REQUIRED_REASON}, ["reason"])
MOVE_IN = obj({"reason": REQUIRED_REASON, "closes_at": AWARE_DATETIME}, ["reason", "closes_at"])
TEXT = string(minLength=1, maxLength=2000, pattern=NOT_BLANK)
PESERTA = obj({"nama": string(minLength=1, maxLength=200, pattern=NOT_BLANK), "unsur": enum(*UNSUR),
               "instansi": nullable(string(maxLength=200))}, ["nama", "unsur"])
KESEPAKATAN = obj({
    "jenis": enum(*JENIS), "uraian": multiline(maxLength=2000), "row_id": string(minLength=1, maxLength=200),
    "pokir_id": string(minLength=1, maxLength=200), "usulan_id": string(minLength=1, maxLength=64),
    "status": enum(*USULAN_OUTCOMES), "alasan": string(maxLength=2000),
    "volume": {"type": ["string", "number"], "description": "Volume baru (diterima dengan perubahan)"},
}, ["jenis"], description="prioritas: uraian; perubahan_baris: row_id, uraian, alasan; pokir: pokir_id, uraian; "
                          "usulan: usulan_id, status, alasan (kecuali diterima), volume (diterima dengan perubahan)")
FORUM_IN = obj({
    "tempat": string(minLength=1, maxLength=200, pattern=NOT_BLANK), "tanggal": DATE,
    "peserta": arr(PESERTA, minItems=1, maxItems=500), "kesepakatan": arr(KESEPAKATAN, minItems=1, maxItems=2000),
    "rancangan_rkpd": nullable(obj({"nomor": integer(minimum=1), "sha256": SHA256}, ["nomor"],
                                   description="Versi rancangan RKPD yang dibahas")),
    "catatan": nullable(multiline(maxLength=5000)),
}, ["tempat", "tanggal", "peserta", "kesepakatan"])

# -- responses --------------------------------------------------------------------------------------------
WINDOW = obj({"step": enum(*STEPS), "level": nullable(enum(*LEVELS)), "opens_at": AWARE_DATETIME,
              "closes_at": AWARE_DATETIME}, ["step", "level", "opens_at", "closes_at"])
CHANGE = obj({"step": enum(*STEPS), "level": nullable(enum(*LEVELS)), "kind": enum(*CHANGES), "by": string(),
              "at": AWARE_DATETIME, "reason": string(), "before": WINDOW, "after": WINDOW},
             ["step", "level", "kind", "by", "at", "reason", "before", "after"])
STEP_OUT = obj({
    "step": enum(*STEPS), "label": string(description="Nama tahap, mis. Musrenbang RKPD Kabupaten / Kota"),
    "owner": string(description="Peran pemilik tahap"), "depends_on": arr(enum(*STEPS)),
    "closed_by": string(description="Apa yang menutup tahap"), "close_event": nullable(string()),
    "opens_at": nullable(AWARE_DATETIME), "closes_at": nullable(AWARE_DATETIME),
    "jadwal": nullable(string(description="Jendela dalam zona kalender, mis. 2027-01-05 00:00 WIB s.d. ...")),
    "state": enum(*STATES),
}, ["step", "label", "owner", "depends_on", "closed_by", "close_event", "opens_at", "closes_at", "jadwal", "state"])
KALENDER = obj({
    "pemda": PEMDA, "tahun": integer(), "tata_urutan": enum(*TATA_URUTAN), "zona": enum(*ZONES),
    "jenis_pemda": enum("kabupaten", "kota"), "version": integer(minimum=1), "steps": arr(STEP_OUT),
    "history": arr(CHANGE),
}, ["pemda", "tahun", "tata_urutan", "zona", "jenis_pemda", "version", "steps", "history"])
KESEPAKATAN_OUT = obj({**KESEPAKATAN["properties"], "uraian": string(), "alasan": string()}, ["jenis"])
PESERTA_OUT = obj({"nama": string(), "unsur": enum(*UNSUR), "instansi": string()}, ["nama", "unsur", "instansi"])
FORUM = obj({
    "pemda": PEMDA, "tahun": integer(), "forum_ref": string(), "tempat": string(), "tanggal": DATE,
    "peserta": arr(PESERTA_OUT), "kesepakatan": arr(KESEPAKATAN_OUT),
    "rancangan_rkpd": nullable(obj({"nomor": integer(minimum=1), "sha256": nullable(SHA256)}, ["nomor"])),
    "catatan": string(), "version": integer(minimum=1), "recorded_by": string(), "recorded_at": AWARE_DATETIME,
    "closed_at": nullable(AWARE_DATETIME), "berita_acara_sha256": nullable(SHA256),
}, ["pemda", "tahun", "forum_ref", "tempat", "tanggal", "peserta", "kesepakatan", "rancangan_rkpd", "catatan",
    "version", "recorded_by", "recorded_at", "closed_at", "berita_acara_sha256"])
FORUM_EVENT = obj({"forum_ref": string(), "tempat": string(), "tanggal": DATE, "peserta": arr(PESERTA_OUT),
                   "kesepakatan": arr(KESEPAKATAN_OUT), "berita_acara_sha256": SHA256},
                  ["forum_ref", "tempat", "tanggal", "peserta", "kesepakatan", "berita_acara_sha256"])
FORUM_CLOSED = obj({
    "manifest": MANIFEST, "routed_count": integer(minimum=0), "closed_by": string(), "forum": FORUM_EVENT,
    "label": string(), "document": string(contentMediaType="text/markdown"), "decided_count": integer(minimum=0),
}, ["manifest", "routed_count", "closed_by", "forum", "label", "document", "decided_count"])
BERITA_ACARA = obj({"tahun": integer(), "forum_ref": string(), "digest": SHA256,
                    "document": string(contentMediaType="text/markdown",
                                       description="The berita acara; `digest` is the SHA-256 of its UTF-8 text"),
                    "closed_at": nullable(AWARE_DATETIME)}, ["tahun", "forum_ref", "digest", "document", "closed_at"])


# -- handlers ---------------------------------------------------------------------------------------------

def set_calendar(call: Call) -> dict:
    return call.rpc.call("musrenbang", "set_calendar", _tahun(call), call.body)


def get_calendar(call: Call) -> dict:
    return call.rpc.call("musrenbang", "get_calendar", _tahun(call))


def _change(kind: str):
    def handler(call: Call) -> dict:
        return call.rpc.call("musrenbang", "change_calendar_step", _tahun(call), call.params["step"], kind, call.body["reason"],
                    closes_at=call.body.get("closes_at"))
    handler.__name__ = f"change_{kind}"
    return handler


def record_forum(call: Call) -> dict:
    return call.rpc.call("musrenbang", "record_forum_rkpd", _tahun(call), call.body)


def get_forum(call: Call) -> dict:
    return call.rpc.call("musrenbang", "get_forum_rkpd", _tahun(call))


def close_forum(call: Call) -> dict:
    return call.rpc.call("musrenbang", "close_forum_rkpd", _tahun(call))


def berita_acara(call: Call) -> dict:
    return call.rpc.call("musrenbang", "forum_rkpd_berita_acara", _tahun(call))


def berita_acara_markdown(call: Call) -> Raw:
    """The document itself, with its SHA-256 in `Repr-Digest` (RFC 9530)."""
    tahun = _tahun(call)
    found = call.rpc.call("musrenbang", "forum_rkpd_berita_acara", tahun)
    body = found["document"].encode("utf-8")
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    return Raw(body, "text/markdown; charset=utf-8", filename=f"berita_acara_musrenbang_rkpd_{tahun}.md",
               headers={"Repr-Digest": f"sha-256=:{digest}:"})


# -- examples ---------------------------------------------------------------------------------------------

_W = {"rancangan_awal": ("2026-01-02", "2026-01-05"), "renja_draft": ("2026-01-05", "2026-03-01"),
      "desa": ("2026-01-05", "2026-02-01"), "kecamatan": ("2026-02-01", "2026-02-20"),
      "forum_pd": ("2026-02-20", "2026-03-10"), "pokir": ("2026-01-05", "2026-03-09"),
      "musrenbang_rkpd": ("2026-03-16", "2026-04-01"), "penetapan": ("2026-04-01", "2026-05-31"),
      "renja_final": ("2026-06-01", "2026-06-30")}
EXAMPLE_KALENDER_IN = {"zona": "WIB", "steps": [
    {"step": step, "opens_at": f"{o}T00:00:00+07:00", **({} if step == "pokir" else {"closes_at": f"{c}T00:00:00+07:00"})}
    for step, (o, c) in _W.items()]}
_LEVEL = {"desa": "desa", "kecamatan": "kecamatan", "musrenbang_rkpd": "kabupaten"}
_DEPENDS = {"renja_draft": ["rancangan_awal"], "kecamatan": ["desa"], "forum_pd": ["kecamatan", "renja_draft"],
            "musrenbang_rkpd": ["forum_pd", "pokir"], "penetapan": ["musrenbang_rkpd"], "renja_final": ["penetapan"]}
EXAMPLE_KALENDER = {
    "pemda": "12.21", "tahun": 2027, "tata_urutan": "permendagri_86_2017", "zona": "WIB", "jenis_pemda": "kabupaten",
    "version": 1, "history": [],
    "steps": [{"step": step, "label": "Musrenbang RKPD Kabupaten" if step == "musrenbang_rkpd" else step,
               "owner": "bappeda", "depends_on": _DEPENDS.get(step, []), "closed_by": "akhir jendela",
               "close_event": None, "opens_at": f"{o}T00:00:00+07:00", "closes_at": f"{c}T00:00:00+07:00",
               "jadwal": f"{o} 00:00 WIB s.d. {c} 00:00 WIB", "state": "not_open"} for step, (o, c) in _W.items()]}
EXAMPLE_FORUM_IN = {
    "tempat": "Aula Bappeda Kabupaten Padang Lawas", "tanggal": "2026-03-18",
    "peserta": [{"nama": "Kepala Bappeda", "unsur": "bappeda", "instansi": "Bappeda"},
                {"nama": "Ketua Komisi C", "unsur": "dprd", "instansi": "DPRD"},
                {"nama": "Camat Barumun", "unsur": "kecamatan", "instansi": "Kecamatan Barumun"},
                {"nama": "Kepala Dinas PUPR", "unsur": "opd", "instansi": "Dinas PUPR"},
                {"nama": "Forum Anak Daerah", "unsur": "masyarakat", "instansi": None}],
    "rancangan_rkpd": {"nomor": 2, "sha256": "4e1f0c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"},
    "kesepakatan": [{"jenis": "prioritas", "uraian": "Infrastruktur dasar dan layanan kesehatan primer"},
                    {"jenis": "perubahan_baris", "row_id": "8c1d0e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f",
                     "uraian": "Pagu drainase ditambah Rp500.000.000", "alasan": "Usulan tiga kecamatan"},
                    {"jenis": "pokir", "pokir_id": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
                     "uraian": "Sumur bor Desa Sosopan diakomodasi"},
                    {"jenis": "usulan", "usulan_id": "3f6c1f0e-5d7b-4a43-9a53-2b8c9e1d4a10", "status": "ditolak",
                     "alasan": "Dibiayai DAK tahun berjalan"}],
    "catatan": "Disepakati secara musyawarah"}
_FORUM_OUT_PESERTA = [{**p, "instansi": p["instansi"] or ""} for p in EXAMPLE_FORUM_IN["peserta"]]
EXAMPLE_FORUM = {"pemda": "12.21", "tahun": 2027, "forum_ref": "BA-MUSRENBANG-RKPD/12.21/2027",
                 **{k: EXAMPLE_FORUM_IN[k] for k in ("tempat", "tanggal", "rancangan_rkpd", "kesepakatan", "catatan")},
                 "peserta": _FORUM_OUT_PESERTA, "version": 1, "recorded_by": "bappeda-1",
                 "recorded_at": "2026-03-18T15:00:00+07:00", "closed_at": None, "berita_acara_sha256": None}
_DIGEST = "9a3c0b1d2e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"
_DOCUMENT = ("# BERITA ACARA MUSRENBANG RKPD KABUPATEN PADANG LAWAS\n## Rencana Kerja Pemerintah Daerah Tahun 2027\n"
             "\n- Nomor referensi forum: BA-MUSRENBANG-RKPD/12.21/2027\n...\n")
EXAMPLE_FORUM_CLOSED = {
    "manifest": {"pemda": "12.21", "tahun": 2027, "level": "kabupaten",
                 "counts": {"draft": 0, "ditarik": 1, "tidak diteruskan": 6, "belum diputuskan": 0, "diterima": 12,
                            "diterima dengan perubahan": 0, "digabung": 0, "ditolak": 1},
                 "total": 20, "accepted_count": 12, "accepted_cost": "2450000000.00", "digest_algorithm": "sha256",
                 "digest": "4e1f0c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"},
    "routed_count": 0, "closed_by": "bappeda-1", "label": "Musrenbang RKPD Kabupaten", "document": _DOCUMENT,
    "decided_count": 13,
    "forum": {"forum_ref": "BA-MUSRENBANG-RKPD/12.21/2027", "tempat": EXAMPLE_FORUM_IN["tempat"],
              "tanggal": "2026-03-18", "peserta": _FORUM_OUT_PESERTA, "kesepakatan": EXAMPLE_FORUM_IN["kesepakatan"],
              "berita_acara_sha256": _DIGEST}}


def _op(method: str, path: str, operation_id: str, summary: str, roles, handler, **more) -> Operation:
    return Operation(method, path, "kalender." + operation_id, summary, TAG, roles, handler, **more)


_KALENDER = "/v1/kalender/{tahun:int}"
_FORUM = "/v1/musrenbang/{tahun:int}/forum-rkpd"
_STEP = {"step": enum(*STEPS, description="Tahap kalender")}


def _as_answered(call, answer: dict) -> dict:
    """Setting the calendar answers with the calendar as getKalender shows it (the service builds
    both with one view): its ETag is the one the next GET gives."""
    return answer


OPERATIONS: list[Operation] = [
    _op("PUT", _KALENDER, "setKalender", "Set the year's planning calendar: every step's window (Bappeda, once)",
        OWNER, set_calendar, body=KALENDER_IN, example=EXAMPLE_KALENDER_IN, status=201, response=KALENDER,
        response_example=EXAMPLE_KALENDER, etag_read=_as_answered,
        description="The nine steps of Permendagri 86/2017 (rancangan_awal, renja_draft, desa, kecamatan, forum_pd, "
                    "pokir, musrenbang_rkpd, penetapan, renja_final). Windows must follow the dependencies: a step "
                    "opens no earlier and closes no earlier than the steps it depends on; pokir closes at the "
                    "latest at 00:00 one week before Musrenbang RKPD opens (its closes_at may be left out: then "
                    "exactly then). Every inconsistent field is named (422, steps[i].opens_at|closes_at). The year "
                    "plays the regulation's order (tata_urutan permendagri_86_2017)."),
    _op("GET", _KALENDER, "getKalender", "The year's calendar: each step's owner, window, state and label",
        READERS, get_calendar, response=KALENDER, response_example=EXAMPLE_KALENDER,
        description="A step is closed when its window ended (by time, or closed early) or its owner's service "
                    "reported the close (pokir: Pokir's stage close; musrenbang_rkpd: the forum close). Years "
                    "stored before the calendar show tata_urutan lama with their three Musrenbang levels."),
    *(_op("POST", f"{_KALENDER}/{{step}}/{kind}", {"close_early": "closeStepEarly", "extend": "extendStep", "reopen": "reopenStep"}[kind], summary, OWNER,
          _change(kind), body=body, example=example, path_params=_STEP, idempotent=True, response=KALENDER,
          response_example=EXAMPLE_KALENDER, description=description)
      for kind, summary, body, example, description in (
          ("close_early", "Close a step's window now, with a reason", CLOSE_EARLY_IN,
           {"reason": "Semua OPD sudah menutup Forum PD"},
           "Refused (409) while a window it depends on is still open; audited in the history."),
          ("extend", "Move a step's close later, with a reason", MOVE_IN,
           {"reason": "Banyak desa terlambat karena banjir", "closes_at": "2026-02-08T00:00:00+07:00"},
           "Refused on closes_at (422) past the close of a step that depends on it, or past the pokir deadline."),
          ("reopen", "Reopen a closed step's window until closes_at, with a reason", MOVE_IN,
           {"reason": "Perubahan RKPD: pagu bertambah", "closes_at": "2026-04-10T00:00:00+07:00"},
           "Reopening musrenbang_rkpd after its forum closed withdraws the close and its manifest."))),
    _op("POST", _FORUM, "recordForumRkpd", "Record the Musrenbang RKPD forum (Bappeda chairs)", OWNER, record_forum,
        body=FORUM_IN, example=EXAMPLE_FORUM_IN, idempotent=True, response=FORUM, response_example=EXAMPLE_FORUM,
        description="tempat, tanggal, peserta (nama, unsur: opd, dprd, kecamatan, masyarakat, bappeda; instansi), "
                    "the rancangan RKPD discussed, kesepakatan (priorities confirmed, changes to lines with "
                    "reasons, pokir taken in, outcomes of particular usulan). May be corrected until the close. "
                    "Only for a year in the regulation's order (409 tata_urutan_lama otherwise)."),
    _op("GET", _FORUM, "getForumRkpd", "The recorded Musrenbang RKPD forum", READERS, get_forum, response=FORUM,
        response_example=EXAMPLE_FORUM),
    _op("POST", _FORUM + "/close", "closeForumRkpd", "Close Musrenbang RKPD: the forum's decisions, berita acara, "
        "stage.closed.v1", OWNER, close_forum, idempotent=True, response=FORUM_CLOSED,
        response_example=EXAMPLE_FORUM_CLOSED,
        description="Refused (409 dependencies_open, with `steps`) while Forum Perangkat Daerah or pokir is not "
                    "closed; 409 forums_open while a kecamatan forum is open; 409 forum_not_recorded before the "
                    "forum is recorded. Every usulan accepted at kecamatan level and still undecided gets the "
                    "forum's decision (its agreement, else diterima) with the forum's reference."),
    _op("GET", _FORUM + "/berita-acara", "getBeritaAcaraRkpd", "The berita acara of Musrenbang RKPD and its SHA-256",
        READERS, berita_acara, response=BERITA_ACARA,
        response_example={"tahun": 2027, "forum_ref": "BA-MUSRENBANG-RKPD/12.21/2027", "digest": _DIGEST,
                          "document": _DOCUMENT, "closed_at": "2026-03-18T17:00:00+07:00"}),
    _op("GET", _FORUM + "/berita-acara.md", "getBeritaAcaraRkpdMarkdown",
        "The berita acara document (Markdown), with its SHA-256 in Repr-Digest", READERS, berita_acara_markdown,
        produces=("text/markdown",)),
]
