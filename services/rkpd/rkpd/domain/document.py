"""Assembly of the RKPD document: a canonical-JSON-ready dict, the same for the same inputs.

No timestamps, no floats: money is text with 2 decimals, targets are plain decimal text, counts
are ints, every list has a defined order (see tabel, lampiran, ringkasan). The document names
the digests of the stage manifests it was built from (`inputs`), so a reader can check it
against the closed stages; `content_hash` is its SHA-256 over canonical JSON.

Chapters: narrative sections (jenis "narasi") in the order Bappeda gave them, then data
sections: IV "ringkasan_per_urusan"; V the table ("tabel_v"); VI "ringkasan_per_opd" and
"ringkasan_per_kecamatan". Data sections name what they show; the data itself lives once, in
"tabel_v" and "ringkasan".
"""
from __future__ import annotations

from typing import Iterable, Mapping

from .canonical import sha256_hex
from .inputs import NameLookup, OpdIn, PokirIn, RenjaRowIn, UsulanIn
from .lampiran import build_lampiran, checked_pokir, checked_usulan
from .narrative import CHAPTER_TITLES, ROMAN, Narrative, normalize_narrative
from .ringkasan import build_ringkasan
from .tabel import build_tabel_v, opd_names
from .versions import VERSIONS

SCHEMA = "eplanning.rkpd/1"
INPUT_STAGES = ("musrenbang", "pokir", "renja")
TABEL_V_TITLE = "Rencana Program dan Kegiatan Prioritas Daerah"
DATA_SECTIONS = {
    "IV": (("Ringkasan Pendanaan per Urusan", "ringkasan_per_urusan"),),
    "V": ((TABEL_V_TITLE, "tabel_v"),),
    "VI": (("Ringkasan Program dan Pendanaan per Perangkat Daerah", "ringkasan_per_opd"),
           ("Ringkasan Hasil Musrenbang per Kecamatan", "ringkasan_per_kecamatan")),
}


def _inputs(digests: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(digests, Mapping) or set(digests) != set(INPUT_STAGES):
        raise ValueError("inputs_digests harus berisi tepat digest musrenbang, pokir dan renja")
    for stage, digest in digests.items():
        if not isinstance(digest, str) or not digest.strip():
            raise ValueError(f"Digest tahap {stage} wajib diisi")
    return {stage: digests[stage].strip() for stage in INPUT_STAGES}


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
                   narrative: Narrative | None, inputs_digests: Mapping[str, str]) -> dict:
    """The RKPD document of `pemda` for plan year `tahun` (shape in README.md)."""
    if not isinstance(pemda, str) or not pemda.strip():
        raise ValueError("pemda wajib diisi")
    if not isinstance(pemda_nama, str) or not pemda_nama.strip():
        raise ValueError("pemda_nama wajib diisi")
    if not isinstance(tahun, int) or isinstance(tahun, bool):
        raise TypeError("tahun harus bilangan bulat")
    if versi not in VERSIONS:
        raise ValueError(f"versi harus salah satu dari: {', '.join(VERSIONS)}")
    if not isinstance(nomor_versi, int) or isinstance(nomor_versi, bool) or nomor_versi < 1:
        raise ValueError("nomor_versi harus bilangan bulat >= 1")
    rows = list(rows)
    register = opd_names(opds)
    usulan = checked_usulan(usulan)
    pokir = checked_pokir(pokir)
    tabel_v = build_tabel_v(rows, register, names)
    return {
        "schema": SCHEMA,
        "pemda": pemda.strip(),
        "pemda_nama": " ".join(pemda_nama.split()),
        "tahun": tahun,
        "versi": versi,
        "nomor_versi": nomor_versi,
        "inputs": _inputs(inputs_digests),
        "bab": _chapters(narrative),
        "tabel_v": tabel_v,
        "lampiran": build_lampiran(usulan, pokir),
        "ringkasan": build_ringkasan(rows, register, usulan, pokir, names),
        "grand_total": {"pagu_n": tabel_v["total_n"], "pagu_n1": tabel_v["total_n1"]},
    }


def content_hash(document: Mapping) -> str:
    """SHA-256 (hex) of the canonical JSON of the document: sorted keys, separators
    (",", ":"), ensure_ascii=False, UTF-8."""
    return sha256_hex(document)
