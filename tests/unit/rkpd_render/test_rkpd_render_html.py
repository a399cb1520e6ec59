"""The HTML file: chapters, escaping, totals, full annexes; made from the same template as the PDF."""
import re
from decimal import Decimal

from rkpd_render_fixtures import HOSTILE, make_document

from rkpd.render.html import render_html
from rkpd.render.model import build_view, fmt_money, fmt_rupiah

CHAPTERS = [
    "BAB I PENDAHULUAN",
    "BAB II GAMBARAN UMUM KONDISI DAERAH",
    "BAB III KERANGKA EKONOMI DAN KEUANGAN DAERAH",
    "BAB IV SASARAN DAN PRIORITAS PEMBANGUNAN DAERAH",
    "BAB V RENCANA KERJA DAN PENDANAAN DAERAH",
    "BAB VI KINERJA PENYELENGGARAAN PEMERINTAHAN DAERAH",
    "BAB VII PENUTUP",
]


def test_money_formats():
    assert fmt_money(Decimal("1234567")) == "1.234.567,00"
    assert fmt_rupiah(Decimal("1234567.5")) == "Rp1.234.567,50"
    assert fmt_rupiah(Decimal("-1000")) == "-Rp1.000,00"
    assert fmt_money(None) == "-"


def test_chapters_totals_and_annexes(rendered, document):
    out, _ = rendered
    html = (out / "rkpd.html").read_text("utf-8")
    headings = re.findall(r'<h1 class="bab"[^>]*>([^<]*)</h1>', html)
    assert headings == CHAPTERS
    total = fmt_rupiah(Decimal(document["grand_total"]["pagu_n"]))
    assert total in html
    assert fmt_money(Decimal(document["grand_total"]["pagu_n"])) in html  # the JUMLAH row
    for u in document["lampiran"]["usulan"]:
        assert u["tracking_code"] in html
    for p in document["lampiran"]["pokir"]:
        assert p["judul"] in html
    for r in document["tabel_v"]["baris"]:
        assert r["kode"] in html
    assert "Lampiran lengkap" not in html  # the HTML always has everything


def test_narrative_is_escaped(rendered):
    out, _ = rendered
    html = (out / "rkpd.html").read_text("utf-8")
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#39;rkpd&#39;)&lt;/script&gt; &amp; &#34;kutip&#34;" in html
    assert HOSTILE not in html


def test_unplaced_tables_go_to_lampiran():
    doc = make_document(place_annexes=False, n_usulan=3, n_pokir=2)
    html = render_html(build_view(doc))
    assert '<h1 class="bab" id="lampiran">LAMPIRAN</h1>' in html
    tail = html.split('id="lampiran"', 1)[1]
    assert doc["lampiran"]["usulan"][0]["tracking_code"] in tail
    assert doc["lampiran"]["pokir"][0]["judul"] in tail


def test_missing_values_are_dashes():
    html = render_html(build_view({"tabel_v": {"baris": [{"tingkat": "sub_kegiatan", "kode": "9.99"}]}}))
    row = re.search(r'<tr class="l5">(.*?)</tr>', html).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[0] == "9.99" and set(cells[1:]) == {"-"}
    assert "BAB VII PENUTUP" in html  # no chapters given: the regulation's seven
