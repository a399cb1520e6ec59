"""Issue #18 in RKPD: a narrative section's judul is one line, its teks several; neither holds what
the text rule refuses (the service checks again behind the gateway)."""
from __future__ import annotations

import pytest

from eplanning_common import errors as rpc
from rkpd.narrative_edits import _check_sections


def test_a_narrative_keeps_its_paragraphs():
    _check_sections([{"judul": "Latar Belakang", "teks": "Paragraf satu.\n\nParagraf dua.\tTab."}])


def test_a_narrative_refuses_a_two_line_title_and_a_broken_character():
    with pytest.raises(rpc.ValidationError) as refused:
        _check_sections([{"judul": "Latar\n# Belakang", "teks": "Teks\uffff"}])
    assert [(e["field"], e["code"]) for e in refused.value.payload["errors"]] == [
        ("sections[0].judul", "line_break"), ("sections[0].teks", "invalid_character")]
