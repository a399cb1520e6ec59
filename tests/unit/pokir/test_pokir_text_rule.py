"""Issue #18 in Pokir: the service itself refuses what the text rule refuses where text enters it
(the gateway is not the only door): pokir fields, reses, notes and reasons, and the DPRD register
CSV cells, field by field."""
from __future__ import annotations

import pytest

from pokir.domain import parse_register_rows
from pokir.domain.lifecycle import _note
from pokir.domain.reses import _text as reses_text
from pokir.domain.validation import _text
from pokir_builders import PEMDA, PERIODE, regions


@pytest.mark.parametrize("value, kind, code", [
    ("Sumur bor\uffff", "line", "invalid_character"), ("Sumur\nbor", "line", "line_break"),
    ("Air bersih\x01", "multiline", "invalid_character"),
])
def test_pokir_and_reses_text_fields(value, kind, code):
    for check in (_text, reses_text):
        text, errors = check(value, "judul", "Judul", True, 2000, kind)
        assert text is None and [(e.field, e.code) for e in errors] == [("judul", code)]
    assert _text("Baris satu\nbaris dua", "usulan", "Usulan", True, 2000, "multiline")[1] == []


def test_notes_keep_lines_and_reasons_are_one_line():
    assert _note("Layak.\nSesuai RPJMD.", "catatan", "Catatan", True) == ("Layak.\nSesuai RPJMD.", [])
    assert [e.code for e in _note("Tidak\nlayak", "reason", "Alasan", True)[1]] == ["line_break"]
    assert [e.code for e in _note("Layak\ufffe", "note", "Catatan", False)[1]] == ["invalid_character"]


def test_a_register_cell_the_text_rule_refuses_is_a_row_error():
    dapil = [{"kode": "PALAS-1", "nama": "Padang Lawas 1\uffff", "kecamatan": "12.21.01"}]
    anggota = [{"id": "A-01", "nama": "H. Ahmad\x1b[31m", "fraksi": "Golkar", "dapil": "PALAS-1", "pagu": ""}]
    staf = [{"id": "S-01", "nama": "Dewi\u2028Lubis", "anggota_id": "A-01"}]
    register, errors = parse_register_rows(dapil, anggota, staf, pemda=PEMDA, periode=PERIODE, regions=regions())
    assert register is None
    assert {(e["file"], e["row"], e["field"], e["code"]) for e in errors} == {
        ("dapil", 2, "nama", "invalid_character"), ("anggota", 2, "nama", "invalid_character"),
        ("staf_ahli", 2, "nama", "line_break")}
