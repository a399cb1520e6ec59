"""Column layouts shared by the spreadsheet, the HTML and the PDF, so the three agree.

A layout is a list of header groups, ``(label, children)``: a group with children spans them in
a second header row; a group without spans both header rows. Each leaf column names the view
attribute it shows, its kind ("text", "money", "int"), its spreadsheet width (characters) and
its PDF width (points, landscape A4).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Col:
    label: str
    attr: str
    kind: str = "text"
    xlsx_width: float = 14
    pdf_width: float = 50


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    cols: tuple[Col, ...]

    @property
    def spans(self) -> bool:
        return len(self.cols) > 1 or self.cols[0].label != self.label


def single(col: Col) -> Group:
    return Group(col.label, (col,))


def leaf_cols(groups: list[Group]) -> list[Col]:
    return [c for g in groups for c in g.cols]


def header_cells(groups: list[Group]):
    """The two header rows as [(label, first_col, last_col, first_row, last_row)] (0-based)."""
    cells = []
    col = 0
    for g in groups:
        n = len(g.cols)
        if g.spans:
            cells.append((g.label, col, col + n - 1, 0, 0))
            for i, c in enumerate(g.cols):
                cells.append((c.label, col + i, col + i, 1, 1))
        else:
            cells.append((g.label, col, col, 0, 1))
        col += n
    return cells


def html_header(groups: list[Group]):
    """Two lists of (label, colspan, rowspan) for <thead>."""
    top, second = [], []
    for g in groups:
        if g.spans:
            top.append((g.label, len(g.cols), 1))
            second.extend((c.label, 1, 1) for c in g.cols)
        else:
            top.append((g.label, 1, 2))
    return top, second


def tabel_v(tahun_n: str, tahun_n1: str) -> list[Group]:
    return [
        single(Col("Kode", "kode", xlsx_width=22, pdf_width=72)),
        single(Col("Urusan/Bidang Urusan/Program/Kegiatan/Sub Kegiatan", "uraian", xlsx_width=48, pdf_width=104)),
        single(Col("Indikator Kinerja", "indikator", xlsx_width=30, pdf_width=66)),
        Group(
            f"Rencana Tahun {tahun_n}",
            (
                Col("Lokasi", "lokasi", xlsx_width=18, pdf_width=52),
                Col("Target", "target_n", xlsx_width=12, pdf_width=40),
                Col("Pagu Indikatif (Rp)", "pagu_n", "money", xlsx_width=20, pdf_width=62),
                Col("Sumber Dana", "sumber_dana", xlsx_width=12, pdf_width=34),
            ),
        ),
        Group(
            "Prioritas",
            (
                Col("Nasional", "prioritas_nasional", xlsx_width=14, pdf_width=44),
                Col("Daerah", "prioritas_daerah", xlsx_width=14, pdf_width=44),
            ),
        ),
        single(Col("Kelompok Sasaran", "kelompok_sasaran", xlsx_width=18, pdf_width=44)),
        Group(
            f"Prakiraan Maju Tahun {tahun_n1}",
            (
                Col("Target", "target_n1", xlsx_width=12, pdf_width=38),
                Col("Pagu Indikatif (Rp)", "pagu_n1", "money", xlsx_width=20, pdf_width=62),
            ),
        ),
        single(Col("Diatribusikan ke Usulan/Pokir (Rp)", "atribusi", "money", xlsx_width=20, pdf_width=56)),
        single(Col("Perangkat Daerah Penanggung Jawab", "opd", xlsx_width=30, pdf_width=62)),
    ]


def akomodasi() -> list[Group]:
    """One line per item a Tabel V line accommodates, with the money attributable to it."""
    return [
        single(Col("No", "no", "int", xlsx_width=7, pdf_width=26)),
        Group(
            "Baris Tabel T-V.1",
            (
                Col("Kode Sub Kegiatan", "kode", xlsx_width=22, pdf_width=78),
                Col("Sub Kegiatan", "uraian", xlsx_width=36, pdf_width=140),
                Col("Perangkat Daerah", "opd", xlsx_width=28, pdf_width=100),
                Col("Pagu Baris (Rp)", "pagu_baris", xlsx_width=20, pdf_width=70),
            ),
        ),
        Group(
            "Usulan/Pokir yang Diakomodasi",
            (
                Col("Jenis", "jenis", xlsx_width=10, pdf_width=40),
                Col("Kode", "kode_item", xlsx_width=18, pdf_width=70),
                Col("Cara", "cara", xlsx_width=18, pdf_width=76),
                Col("Volume", "volume", xlsx_width=10, pdf_width=40),
            ),
        ),
        single(Col("Diatribusikan (Rp)", "attributable", "money", xlsx_width=20, pdf_width=70)),
    ]


def kajian_pokir() -> list[Group]:
    """Bappeda's review of each pokir before it reached an OPD."""
    return [
        single(Col("No", "no", "int", xlsx_width=7, pdf_width=26)),
        single(Col("Anggota DPRD", "anggota", xlsx_width=26, pdf_width=86)),
        single(Col("Dapil", "dapil", xlsx_width=12, pdf_width=48)),
        single(Col("Judul Usulan", "judul", xlsx_width=36, pdf_width=140)),
        single(Col("Perangkat Daerah", "opd", xlsx_width=28, pdf_width=90)),
        single(Col("Biaya (Rp)", "cost", "money", xlsx_width=18, pdf_width=62)),
        single(Col("Hasil Kajian", "status", xlsx_width=14, pdf_width=50)),
        Group(
            "Kajian",
            (
                Col("Kewenangan Daerah", "kewenangan", xlsx_width=12, pdf_width=46),
                Col("Sesuai Prioritas", "sesuai_prioritas", xlsx_width=12, pdf_width=44),
                Col("Duplikat Usulan", "duplikat_usulan", xlsx_width=18, pdf_width=58),
                Col("Biaya Wajar", "biaya_wajar", xlsx_width=10, pdf_width=40),
            ),
        ),
        single(Col("Catatan", "catatan", xlsx_width=30, pdf_width=92)),
    ]


def usulan() -> list[Group]:
    return [
        single(Col("No", "no", "int", xlsx_width=7, pdf_width=26)),
        single(Col("Kode Usulan", "tracking_code", xlsx_width=18, pdf_width=56)),
        single(Col("Kecamatan", "kecamatan", xlsx_width=18, pdf_width=52)),
        single(Col("Desa/Kelurahan", "desa", xlsx_width=18, pdf_width=52)),
        single(Col("Usulan (Gagasan)", "gagasan", xlsx_width=40, pdf_width=120)),
        single(Col("Perangkat Daerah", "opd", xlsx_width=28, pdf_width=70)),
        Group(
            "Biaya (Rp)",
            (
                Col("Awal", "cost_awal", "money", xlsx_width=18, pdf_width=58),
                Col("Akhir", "cost_akhir", "money", xlsx_width=18, pdf_width=58),
            ),
        ),
        Group(
            "Musrenbang",
            (
                Col("Status", "status", xlsx_width=14, pdf_width=46),
                Col("Alasan", "alasan", xlsx_width=30, pdf_width=80),
            ),
        ),
        Group(
            "Verifikasi Perangkat Daerah",
            (
                Col("Keputusan", "keputusan_opd", xlsx_width=14, pdf_width=46),
                Col("Alasan", "alasan_opd", xlsx_width=30, pdf_width=80),
            ),
        ),
    ]


def pokir() -> list[Group]:
    return [
        single(Col("No", "no", "int", xlsx_width=7, pdf_width=26)),
        Group(
            "Pengusul",
            (
                Col("Anggota DPRD", "anggota", xlsx_width=26, pdf_width=90),
                Col("Fraksi", "fraksi", xlsx_width=16, pdf_width=60),
                Col("Dapil", "dapil", xlsx_width=12, pdf_width=50),
            ),
        ),
        single(Col("Judul Usulan", "judul", xlsx_width=40, pdf_width=170)),
        single(Col("Perangkat Daerah", "opd", xlsx_width=28, pdf_width=100)),
        single(Col("Biaya (Rp)", "cost", "money", xlsx_width=18, pdf_width=70)),
        Group(
            "Keputusan",
            (
                Col("Status", "status", xlsx_width=14, pdf_width=60),
                Col("Alasan", "alasan", xlsx_width=30, pdf_width=160),
            ),
        ),
    ]


def ringkasan_kecamatan() -> list[Group]:
    return [
        single(Col("Kode", "kecamatan", xlsx_width=14)),
        single(Col("Kecamatan", "nama", xlsx_width=28)),
        Group(
            "Usulan Musrenbang",
            (
                Col("Jumlah", "jumlah", "int", xlsx_width=10),
                Col("Diterima", "diterima", "int", xlsx_width=10),
                Col("Ditolak", "ditolak", "int", xlsx_width=10),
                Col("Lainnya", "lainnya", "int", xlsx_width=10),
            ),
        ),
        single(Col("Nilai Diterima (Rp)", "nilai_diterima", "money", xlsx_width=20)),
    ]


def ringkasan_opd(tahun_n: str, tahun_n1: str) -> list[Group]:
    return [
        single(Col("Kode", "opd", xlsx_width=24)),
        single(Col("Perangkat Daerah", "nama", xlsx_width=36)),
        single(Col("Jumlah Baris", "baris", "int", xlsx_width=10)),
        single(Col(f"Pagu Indikatif {tahun_n} (Rp)", "pagu_n", "money", xlsx_width=20)),
        single(Col(f"Prakiraan Maju {tahun_n1} (Rp)", "pagu_n1", "money", xlsx_width=20)),
        Group(
            "Diakomodasi",
            (
                Col("Usulan", "usulan_diakomodasi", "int", xlsx_width=10),
                Col("Pokir", "pokir_diakomodasi", "int", xlsx_width=10),
            ),
        ),
    ]


def ringkasan_urusan(tahun_n: str, tahun_n1: str) -> list[Group]:
    return [
        single(Col("Kode", "urusan", xlsx_width=14)),
        single(Col("Urusan", "nama", xlsx_width=36)),
        single(Col("Jumlah Baris", "baris", "int", xlsx_width=10)),
        single(Col(f"Pagu Indikatif {tahun_n} (Rp)", "pagu_n", "money", xlsx_width=20)),
        single(Col(f"Prakiraan Maju {tahun_n1} (Rp)", "pagu_n1", "money", xlsx_width=20)),
    ]
