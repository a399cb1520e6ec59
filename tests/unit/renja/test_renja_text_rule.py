"""Issue #18 in Renja: the service itself refuses what the text rule refuses where text enters it:
row texts and tags, notes, inbox reasons, and OPD names from the CSV import."""
from __future__ import annotations

import pytest

from renja.domain import parse_opd_rows
from renja.domain.rows import _tags
from eplanning_common.domainkit.text import MULTILINE
from renja.domain.texts import text_field
from renja_builders import KNOWN_BIDANG


@pytest.mark.parametrize("value, kind, code", [
    ("Panjang jalan\uffff", "line", "invalid_character"), ("Panjang\njalan", "line", "line_break"),
    ("Catatan\x07", MULTILINE, "invalid_character"),
])
def test_text_fields(value, kind, code):
    text, errors = text_field(value, "indikator", "Indikator", kind=kind)
    assert text is None and [(e.field, e.code) for e in errors] == [("indikator", code)]
    assert text_field("Baris satu\nbaris dua", "note", "Catatan", kind=MULTILINE) == ("Baris satu\nbaris dua", [])


def test_tags():
    tags, errors = _tags(["Infrastruktur", "Pangan\uffff"], "prioritas_daerah", "Prioritas daerah")
    assert tags is None and [(e.field, e.code) for e in errors] == [("prioritas_daerah[1]", "invalid_character")]


@pytest.mark.parametrize("nama, code", [("Dinas PUPR\uffff", "invalid_character"), ("Dinas\nPUPR", "line_break")])
def test_an_opd_name_the_text_rule_refuses_is_a_row_error(nama, code):
    opds, errors = parse_opd_rows([{"kode": "1.03.0.00.0.00.01.0000", "nama": nama, "bidang": "1.03"}],
                                  known_bidang=KNOWN_BIDANG)
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [(2, "nama", code)]
