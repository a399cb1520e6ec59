"""domainkit.text: the one text rule (issue #18) and the writers' own defences."""
from __future__ import annotations

import re

import pytest

from eplanning_common.domainkit.text import (
    FILE_PATTERN, LINE, LINE_PATTERN, MULTILINE, MULTILINE_PATTERN, markdown_block, markdown_inline,
    refused_character, spreadsheet_text, text_field_errors, text_problem, url_field_errors, xml_text,
)

# every character class the rule cares about, and some it must leave alone
SAMPLES = [chr(c) for c in (*range(0, 0x21), 0x7F, *range(0x80, 0xA1), 0x2028, 0x2029, 0xD7FF, 0xE000, 0xFDD0,
                            0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x1F600)] + ["é", "ñ", "中", "\u200b"]
_XML_CHAR = re.compile("[\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@pytest.mark.parametrize("char", SAMPLES, ids=[f"U+{ord(c):04X}" for c in SAMPLES])
def test_the_schema_patterns_and_the_rule_agree_on_every_character(char):
    text = f"a{char}b"
    for kind, pattern in ((LINE, LINE_PATTERN), (MULTILINE, MULTILINE_PATTERN)):
        assert (re.fullmatch(pattern[1:-1], text) is not None) == (text_problem(text, kind) is None), (kind, char)
    assert (re.fullmatch(FILE_PATTERN[1:-1], text) is not None) == (refused_character(text) is None)


@pytest.mark.parametrize("char", SAMPLES, ids=[f"U+{ord(c):04X}" for c in SAMPLES])
def test_what_the_rule_lets_in_every_xml_writer_can_hold(char):
    if text_problem(char, MULTILINE) is None:
        assert _XML_CHAR.fullmatch(char), f"U+{ord(char):04X}"


def test_kinds():
    assert text_problem("Aula Kantor Camat") is None
    assert text_problem("Aula\nKantor") == "line_break"
    assert text_problem("Aula\u2028Kantor") == "line_break"
    assert text_problem("Baris\nbaris\tdua", MULTILINE) is None
    assert text_problem("Baris\r\nbaris", MULTILINE) == "invalid_character"
    assert text_problem("x\uffff", MULTILINE) == "invalid_character"
    assert text_problem("x\ud800", MULTILINE) == "invalid_character"
    assert refused_character("a,b\r\nc,d\n") is None and refused_character("a\x00") == "\x00"
    assert [e.code for e in text_field_errors("a\x01", "nama", "Nama")] == ["invalid_character"]
    assert text_field_errors(None, "nama") == [] and text_field_errors(5, "nama") == []


@pytest.mark.parametrize("url, ok", [
    ("https://berkas.padanglawas.go.id/a.jpg", True), ("https://contoh.id", True), ("https://contoh.id?x=1", True),
    ("javascript:alert(1)", False), ("file:///etc/passwd", False), ("http://contoh.id/a", False),
    ("data:text/html,x", False), ("https://", False), ("https:///etc", False), ("https://u@contoh.id/", False),
    ("https://contoh.id/a b", False), ("HTTPS://contoh.id/", False), (" https://contoh.id/", False), (5, False),
])
def test_urls_are_https_only(url, ok):
    assert (url_field_errors(url, "url") == []) is ok


def test_spreadsheet_text_neutralises_formulas_and_keeps_numbers():
    assert spreadsheet_text('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert [spreadsheet_text(v) for v in ("@SUM(A1)", "+1+2", "-2+3", "\t=1", "\r=1")] == [
        "'@SUM(A1)", "'+1+2", "'-2+3", "'\t=1", "'\r=1"]
    assert [spreadsheet_text(v) for v in ("-12.5", "-", "Drainase", "")] == ["-12.5", "-", "Drainase", ""]


def test_xml_text_drops_what_xml_cannot_hold_only():
    assert xml_text("a\x00b\x0bc\uffffd\ufffee\ud800f\tg\nh\ri") == "abcdef\tg\nh\ri"
    assert xml_text("Kabupaten Padang Lawas") == "Kabupaten Padang Lawas"


def test_markdown_escapes_keep_plain_text_as_it_is():
    plain = "Aula Kantor Camat Sosopan, Jl. Merdeka No. 1 (lantai 2) - 2027"
    assert markdown_inline(plain) == plain
    assert markdown_block("Dihadiri perwakilan.\nBaris dua.") == "Dihadiri perwakilan.  \nBaris dua."
    assert markdown_inline("a | b\n# c <b>") == "a \\| b # c \\<b\\>"
    assert markdown_block("# h\n- i\n1. j\n> k\n===") == "\\# h  \n\\- i  \n1\\. j  \n\\> k  \n\\==="
