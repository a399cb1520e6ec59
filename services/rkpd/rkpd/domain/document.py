"""Assembly of the RKPD document: a canonical-JSON-ready dict, the same for the same inputs.

No timestamps, no floats: money is text with 2 decimals, targets are plain decimal text, counts
are ints, every list has a defined order (see tabel, lampiran, ringkasan). The document names
the digests of the stage manifests it was built from (`inputs`), so a reader can check it
against the closed stages; `content_hash` is its SHA-256 over canonical JSON.

Chapters: narrative sections (jenis "narasi") in the order Bappeda gave them, then data
sections: IV "ringkasan_per_urusan"; V the table ("tabel_v"); VI "ringkasan_per_opd" and
"ringkasan_per_kecamatan". Data sections name what they show; the data itself lives once, in
"tabel_v" and "ringkasan".

Schema 2 adds what the calendar of Permendagri 86/2017 brings (legacy years carry the same keys,
empty): `tata_urutan`; `rancangan_awal` (the year's priorities, the indicative ceiling per OPD
and, as a local policy, per kecamatan); per Tabel V line the items it accommodates and the money
attributable to them; `lampiran.kajian_pokir` (Bappeda's pokir review), `lampiran.forum_pd`
(each Forum Perangkat Daerah's berita acara digest and verdicts) and `lampiran.musrenbang_rkpd`
(the forum's record and agreements); `perkada` on the penetapan; `perubahan` on a revision.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from .canonical import sha256_hex
from .inputs import NameLookup, OpdIn, PokirIn, RenjaRowIn, UsulanIn
from .lampiran import build_kajian_pokir, build_lampiran, checked_pokir, checked_usulan
from .narrative import CHAPTER_TITLES, ROMAN, Narrative, normalize_narrative
from .ringkasan import build_ringkasan
from .tabel import build_tabel_pagu_indikatif, build_tabel_v, opd_names
from .versions import ALL_VERSIONS, LAMA, check_order

SCHEMA = "eplanning.rkpd/2"
SCHEMAS = ("eplanning.rkpd/1", SCHEMA)
INPUT_STAGES = ("musrenbang", "pokir", "renja")
TABEL_V_TITLE = "Rencana Program dan Kegiatan Prioritas Daerah"
DATA_SECTIONS = {
    "IV": (("Ringkasan Pendanaan per Urusan", "ringkasan_per_urusan"),),
    "V": ((TABEL_V_TITLE, "tabel_v"),),
    "VI": (("Ringkasan Program dan Pendanaan per Perangkat Daerah", "ringkasan_per_opd"),
           ("Ringkasan Hasil Musrenbang per Kecamatan", "ringkasan_per_kecamatan")),
}


def _inputs(digests: Mapping[str, str], tata_urutan: str = LAMA) -> dict[str, str]:
    """Legacy years: exactly the three stage manifests' digests; calendar years: the digests of
    what each version was built from (ceilings, Forum PD manifests, the forum's berita acara)."""
    if not isinstance(digests, Mapping) or not digests or (
            tata_urutan == LAMA and set(digests) != set(INPUT_STAGES)):
        raise ValueError("inputs_digests harus berisi tepat digest musrenbang, pokir dan renja")
    for stage, digest in digests.items():
        if not isinstance(digest, str) or not digest.strip():
            raise ValueError(f"Digest tahap {stage} wajib diisi")
    return {stage: digests[stage].strip() for stage in sorted(digests)}


def _chapters(narrative: Narrative | None) -> list[dict]:
    sections = normalize_narrative(narrative)
    chapters = []
    for numeral in ROMAN:
        bagian = [{"judul": s.judul, "jenis": "narasi", "teks": s.teks}
                  for s in sections.get(numeral, ())]
        bagian += [{"judul": judul, "jenis": jenis}
                   for judul, jenis in DATA_SECTIONS.get(numeral, ())]
        chapters.append({"nomor": numeral, "judul": CHAPTER_TITLES[numeral], "bagian": bagian})
    return chapters


def build_document(*, pemda: str, pemda_nama: str, tahun: int, versi: str, nomor_versi: int,
                   rows: Iterable[RenjaRowIn], opds: Iterable[OpdIn], names: NameLookup | None,
                   usulan: Iterable[UsulanIn], pokir: Iterable[PokirIn],
                   narrative: Narrative | None, inputs_digests: Mapping[str, str],
                   tata_urutan: str = LAMA, rancangan_awal: Mapping | None = None,
                   ceilings: Mapping[str, tuple] | None = None, kajian_pokir: Iterable[dict] = (),
                   forum_pd: Iterable[dict] = (), musrenbang_rkpd: Mapping | None = None,
                   perubahan: Mapping | None = None) -> dict:
    """The RKPD document of `pemda` for plan year `tahun` (shape in README.md). `ceilings`
    (`{opd: (pagu_n, pagu_n1)}`) makes the rancangan awal's table of indicative ceilings instead of
    the renja rows' table."""
    if not isinstance(pemda, str) or not pemda.strip():
        raise ValueError("pemda wajib diisi")
    if not isinstance(pemda_nama, str) or not pemda_nama.strip():
        raise ValueError("pemda_nama wajib diisi")
    if not isinstance(tahun, int) or isinstance(tahun, bool):
        raise TypeError("tahun harus bilangan bulat")
    if versi not in ALL_VERSIONS:
        raise ValueError(f"versi harus salah satu dari: {', '.join(ALL_VERSIONS)}")
    check_order(tata_urutan)
    if not isinstance(nomor_versi, int) or isinstance(nomor_versi, bool) or nomor_versi < 1:
        raise ValueError("nomor_versi harus bilangan bulat >= 1")
    rows = list(rows)
    register = opd_names(opds)
    usulan = checked_usulan(usulan)
    pokir = checked_pokir(pokir)
    tabel_v = (build_tabel_v(rows, register, names) if ceilings is None
               else build_tabel_pagu_indikatif(ceilings, register))
    lampiran = build_lampiran(usulan, pokir)
    lampiran["kajian_pokir"] = build_kajian_pokir(kajian_pokir, pokir)
    lampiran["forum_pd"] = sorted((dict(f) for f in forum_pd), key=lambda f: (f.get("opd") or "", f["opds"]))
    lampiran["musrenbang_rkpd"] = None if musrenbang_rkpd is None else dict(musrenbang_rkpd)
    return {
        "schema": SCHEMA,
        "pemda": pemda.strip(),
        "pemda_nama": " ".join(pemda_nama.split()),
        "tahun": tahun,
        "versi": versi,
        "nomor_versi": nomor_versi,
        "tata_urutan": tata_urutan,
        "inputs": _inputs(inputs_digests, tata_urutan),
        "rancangan_awal": None if rancangan_awal is None else _rancangan_awal(rancangan_awal, register),
        "perkada": None,
        "perubahan": None if perubahan is None else dict(perubahan),
        "bab": _chapters(narrative),
        "tabel_v": tabel_v,
        "lampiran": lampiran,
        "ringkasan": build_ringkasan(rows, register, usulan, pokir, names),
        "grand_total": {"pagu_n": tabel_v["total_n"], "pagu_n1": tabel_v["total_n1"]},
    }


def _rancangan_awal(settings: Mapping, register: Mapping[str, str]) -> dict:
    """Priorities, ceilings per OPD (with names), ceilings per kecamatan (local policy)."""
    pagu = settings.get("pagu_indikatif") or {}
    return {
        "prioritas": list(settings.get("prioritas") or ()),
        "pagu_indikatif": [{"opd": opd, "nama": register.get(opd) or opd, "pagu_n": pagu[opd]["pagu_n"],
                            "pagu_n1": pagu[opd]["pagu_n1"]} for opd in sorted(pagu)],
        "pagu_kewilayahan": [dict(w) for w in settings.get("pagu_kewilayahan") or ()],
    }


def penetapan_document(rancangan_akhir: Mapping, nomor_versi: int, perkada: Mapping) -> dict:
    """The penetapan: the rancangan akhir's content, fixed by the Perkada (number, date)."""
    if rancangan_akhir.get("versi") != "rancangan akhir":
        raise ValueError("Penetapan hanya dari dokumen rancangan akhir")
    document = dict(rancangan_akhir)
    document.update(versi="penetapan", nomor_versi=nomor_versi,
                    perkada={"nomor": perkada["nomor"], "tanggal": perkada["tanggal"]})
    return document


def opd_lines(document: Mapping) -> dict[str, list[dict]]:
    """What each OPD's Renja final must agree with: its sub-kegiatan lines (row id, code, pagu N)."""
    out: dict[str, list[dict]] = {}
    for line in document["tabel_v"]["baris"]:
        if line["tingkat"] == "sub_kegiatan":
            out.setdefault(line["opd"], []).append(
                {"row_id": line["row_id"], "sub_kegiatan": line["kode"], "pagu_n": line["pagu_n"]})
    return out


def content_hash(document: Mapping) -> str:
    """SHA-256 (hex) of the canonical JSON of the document: sorted keys, separators
    (",", ":"), ensure_ascii=False, UTF-8."""
    return sha256_hex(document)
