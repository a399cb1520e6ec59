"""The chapters of the RKPD and the narrative sections Bappeda edits.

A narrative is a mapping chapter -> sections, the chapter given as 1..7 or as "I".."VII";
a section is `Section(judul, teks)` or a `(judul, teks)` pair. `default_narrative` is what the
service starts a new cycle from (placeholders in Bahasa Indonesia for chapters I-IV, VI, VII;
chapter V is the table). Chapters missing from a narrative simply have no narrative section.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII")
CHAPTER_TITLES = {
    "I": "PENDAHULUAN",
    "II": "GAMBARAN UMUM KONDISI DAERAH",
    "III": "KERANGKA EKONOMI DAN KEUANGAN DAERAH",
    "IV": "SASARAN DAN PRIORITAS PEMBANGUNAN DAERAH",
    "V": "RENCANA KERJA DAN PENDANAAN DAERAH",
    "VI": "KINERJA PENYELENGGARAAN PEMERINTAHAN DAERAH",
    "VII": "PENUTUP",
}


@dataclass(frozen=True)
class Section:
    judul: str
    teks: str

    def __post_init__(self) -> None:
        if not isinstance(self.judul, str) or not self.judul.strip():
            raise ValueError("Judul bagian narasi wajib diisi")
        if not isinstance(self.teks, str):
            raise TypeError("Teks bagian narasi harus teks")
        object.__setattr__(self, "judul", " ".join(self.judul.split()))
        # browsers send CRLF from a textarea: the same text must give the same document
        object.__setattr__(self, "teks", self.teks.replace("\r\n", "\n").replace("\r", "\n"))


Narrative = Mapping["int | str", Sequence["Section | tuple[str, str]"]]


def chapter_numeral(chapter: int | str) -> str:
    """"IV" for 4 or "iv" or "IV"; ValueError outside I..VII."""
    if isinstance(chapter, int) and not isinstance(chapter, bool) and 1 <= chapter <= 7:
        return ROMAN[chapter - 1]
    if isinstance(chapter, str):
        text = chapter.strip().upper()
        if text in ROMAN:
            return text
        if text.isdigit() and 1 <= int(text) <= 7:
            return ROMAN[int(text) - 1]
    raise ValueError(f"Bab tidak dikenal: {chapter!r} (I sampai VII)")


def normalize_narrative(narrative: Narrative | None) -> dict[str, tuple[Section, ...]]:
    """{roman numeral: sections} in the order given; a chapter named twice is refused."""
    result: dict[str, tuple[Section, ...]] = {}
    for chapter, sections in (narrative or {}).items():
        numeral = chapter_numeral(chapter)
        if numeral in result:
            raise ValueError(f"Bab {numeral} disebut lebih dari sekali dalam narasi")
        result[numeral] = tuple(s if isinstance(s, Section) else Section(*s) for s in sections)
    return result


def default_narrative(pemda_nama: str, tahun: int) -> dict[int, list[Section]]:
    """Placeholder sections for chapters I-IV, VI and VII that Bappeda replaces."""
    nama = " ".join(str(pemda_nama).split())
    lalu = tahun - 2
    isi = "[Bappeda melengkapi bagian ini.]"
    return {
        1: [
            Section("Latar Belakang",
                    f"Rencana Kerja Pemerintah Daerah (RKPD) {nama} Tahun {tahun} adalah "
                    "dokumen perencanaan daerah untuk periode 1 (satu) tahun yang menjabarkan "
                    "RPJMD dan menjadi pedoman penyusunan KUA-PPAS dan APBD. RKPD disusun dari "
                    "hasil Musrenbang, pokok-pokok pikiran DPRD dan Rencana Kerja Perangkat "
                    f"Daerah. {isi}"),
            Section("Dasar Hukum Penyusunan",
                    "1. Undang-Undang Nomor 25 Tahun 2004 tentang Sistem Perencanaan "
                    "Pembangunan Nasional;\n2. Undang-Undang Nomor 23 Tahun 2014 tentang "
                    "Pemerintahan Daerah;\n3. Peraturan Menteri Dalam Negeri Nomor 86 Tahun 2017 "
                    "tentang Tata Cara Perencanaan, Pengendalian dan Evaluasi Pembangunan "
                    f"Daerah;\n4. Peraturan Menteri Dalam Negeri tentang Pedoman Penyusunan RKPD "
                    f"Tahun {tahun}. {isi}"),
            Section("Hubungan Antar Dokumen",
                    "RKPD mengacu pada RPJMD dan RKP, serta menjadi acuan Rencana Kerja "
                    f"Perangkat Daerah. {isi}"),
            Section("Maksud dan Tujuan",
                    f"RKPD {nama} Tahun {tahun} dimaksudkan sebagai pedoman pembangunan daerah "
                    f"selama tahun {tahun}. {isi}"),
            Section("Sistematika Dokumen",
                    "Bab I Pendahuluan; Bab II Gambaran Umum Kondisi Daerah; Bab III Kerangka "
                    "Ekonomi dan Keuangan Daerah; Bab IV Sasaran dan Prioritas Pembangunan "
                    "Daerah; Bab V Rencana Kerja dan Pendanaan Daerah; Bab VI Kinerja "
                    "Penyelenggaraan Pemerintahan Daerah; Bab VII Penutup."),
        ],
        2: [
            Section("Kondisi Umum Daerah",
                    f"Aspek geografi dan demografi, kesejahteraan masyarakat, pelayanan umum "
                    f"dan daya saing daerah {nama}. {isi}"),
            Section("Evaluasi Pelaksanaan RKPD",
                    f"Evaluasi pelaksanaan RKPD sampai dengan tahun {lalu} dan realisasi "
                    f"RPJMD. {isi}"),
            Section("Permasalahan Pembangunan Daerah", isi),
        ],
        3: [
            Section("Arah Kebijakan Ekonomi Daerah",
                    f"Kondisi ekonomi daerah tahun {lalu} dan perkiraan tahun {tahun}. {isi}"),
            Section("Arah Kebijakan Keuangan Daerah",
                    f"Arah kebijakan pendapatan, belanja dan pembiayaan daerah tahun {tahun}. "
                    f"{isi}"),
        ],
        4: [
            Section("Tujuan dan Sasaran Pembangunan Daerah", isi),
            Section("Prioritas Pembangunan Daerah",
                    f"Prioritas pembangunan daerah tahun {tahun} dan keselarasannya dengan "
                    f"prioritas nasional. {isi}"),
        ],
        6: [
            Section("Indikator Kinerja Penyelenggaraan Pemerintahan Daerah",
                    f"Indikator kinerja daerah yang menjadi acuan pengukuran kinerja tahun "
                    f"{tahun}. {isi}"),
        ],
        7: [
            Section("Penutup",
                    f"RKPD {nama} Tahun {tahun} menjadi pedoman bagi Perangkat Daerah dalam "
                    "menyusun Rencana Kerja dan bagi Pemerintah Daerah dalam menyusun KUA-PPAS. "
                    f"{isi}"),
        ],
    }
