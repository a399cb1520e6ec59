"""The PDF: chapters and the grand total in its text, chapter V on landscape pages, long annexes
summarised."""
from decimal import Decimal

import pytest
from pypdf import PdfReader

from rkpd.render import pdf as pdf_module
from rkpd.render.model import build_view, fmt_money, fmt_rupiah
from rkpd_render_fixtures import make_document

CHAPTERS = ["BAB I ", "BAB II ", "BAB III ", "BAB IV ", "BAB V ", "BAB VI ", "BAB VII "]


@pytest.fixture(scope="module")
def pages(rendered):
    out, _ = rendered
    reader = PdfReader(out / "rkpd.pdf")
    return [(float(p.mediabox.width) > float(p.mediabox.height), p.extract_text()) for p in reader.pages]


def test_chapter_titles_and_grand_total(pages, document):
    text = "\n".join(t for _, t in pages)
    for title in CHAPTERS:
        assert title in text
    assert "BAB VII PENUTUP" in text
    assert fmt_rupiah(Decimal(document["grand_total"]["pagu_n"])) in text
    assert fmt_rupiah(Decimal(document["grand_total"]["pagu_n1"])) in text


def test_chapter_v_table_on_landscape_pages(pages, document):
    portrait = [t for landscape, t in pages if not landscape]
    landscape = [t for is_landscape, t in pages if is_landscape]
    assert portrait[0].count("BAB") == 0  # the cover
    table = "\n".join(t for t in landscape if "Tabel T-V.1" in t)
    assert table
    leaf = next(r for r in document["tabel_v"]["baris"] if r["tingkat"] == "sub_kegiatan")
    assert leaf["kode"] in table
    assert "JUMLAH" in table and fmt_money(Decimal(document["grand_total"]["pagu_n"])) in table
    # the pages are numbered with the document: the first portrait page after the table
    n_before = next(i for i, (ls, _) in enumerate(pages) if ls)
    n_table = sum(1 for _, t in pages if "Tabel T-V.1" in t)
    assert f"halaman {n_before + n_table + 1}" in pages[n_before + n_table][1]


def test_small_annexes_are_complete(pages, document):
    text = "\n".join(t for landscape, t in pages if landscape)
    for u in document["lampiran"]["usulan"]:
        assert u["tracking_code"] in text
    assert "Lampiran lengkap" not in "\n".join(t for _, t in pages)


def test_long_annexes_are_summarised(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "PDF_ANNEX_MAX_ROWS", 5)
    doc = make_document(n_opd=1, n_usulan=8, n_pokir=6)
    pdf_module.write_pdf(build_view(doc), tmp_path / "rkpd.pdf", tmp_path)
    text = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "rkpd.pdf").pages)
    assert text.count("Lampiran lengkap: lihat berkas XLSX/HTML") == 2
    assert "Usulan musrenbang per kecamatan" in text
    assert "Pokir menurut fraksi" in text
    assert doc["lampiran"]["usulan"][0]["tracking_code"] not in text
    assert "Tabel T-V.1" in text  # the chapter V table is always complete
