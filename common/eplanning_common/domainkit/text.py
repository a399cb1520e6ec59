"""Text that enters the system, and text that leaves it (issue #18: findings 3, 4, 5, 8).

One rule at the door for every free-text field, so that every output format (XLSX, CSV,
Markdown, HTML, PDF, JSON events) can hold what was stored:

- a character XML 1.0 cannot hold (U+FFFE, U+FFFF, a lone surrogate, NUL) is refused;
- a control character other than newline and tab is refused (C0, DEL, C1: carriage return too);
- a one-line field (a name, a title, a place, a reason) also refuses a line break (newline,
  U+2028, U+2029).

The same rule is published as a JSON Schema `pattern` (`LINE_PATTERN`, `MULTILINE_PATTERN`), so
the gateway's schemas, generated clients and fuzzers know it. A CSV or file body is looser:
`FILE_PATTERN` only refuses what no format can hold (its line ends may be CRLF); each of its
cells is checked as a one-line field by the import that reads it.

And each writer still defends itself: `spreadsheet_text` for a CSV/XLSX cell a spreadsheet
would run as a formula, `xml_text` for what an XML writer must drop, `markdown_inline` /
`markdown_block` for text placed in a Markdown document.
"""
from __future__ import annotations

import re
from typing import Iterable

from .errors import FieldError

LINE, MULTILINE = "line", "multiline"

# what neither XML 1.0 nor PostgreSQL nor UTF-8 can hold, and every control character, except
# tab, newline and carriage return (a CSV or file body: its line ends)
_FILE_BAD = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff"
# free text: also no carriage return (a text area gives "\n"; "\r" alone breaks a Markdown line)
_MULTILINE_BAD = r"\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff"
# one line: also no newline and no Unicode line or paragraph separator
_LINE_BAD = r"\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff"

#: JSON Schema (ECMA-262) patterns: the whole value is made of allowed characters. Lone
#: surrogates are not in the class (a JavaScript regex without the u flag sees an emoji as two);
#: the gateway refuses them before any schema (`refused_character`).
FILE_PATTERN = f"^[^{_FILE_BAD}]*$"
MULTILINE_PATTERN = f"^[^{_MULTILINE_BAD}]*$"
LINE_PATTERN = f"^[^{_LINE_BAD}]*$"
PATTERNS = {LINE: LINE_PATTERN, MULTILINE: MULTILINE_PATTERN}

_SURROGATE = r"\ud800-\udfff"
_FILE_RE = re.compile(f"[{_FILE_BAD}{_SURROGATE}]")
_MULTILINE_RE = re.compile(f"[{_MULTILINE_BAD}{_SURROGATE}]")
_LINE_RE = re.compile(f"[{_LINE_BAD}{_SURROGATE}]")
_LINE_BREAK = re.compile(r"[\n\r\u2028\u2029]")


def refused_character(text: str) -> str | None:
    """The first character no format can hold (XML 1.0, PostgreSQL, UTF-8), or None. Tab,
    newline and carriage return are allowed here (the loosest rule: a CSV body)."""
    found = _FILE_RE.search(text)
    return found.group() if found else None


def text_problem(text: str, kind: str = LINE) -> str | None:
    """None when `text` may be stored as a field of `kind` (LINE or MULTILINE); else the code:
    `invalid_character` (a character no format can hold, or a control character) or
    `line_break` (a newline in a one-line field)."""
    if _MULTILINE_RE.search(text):
        return "invalid_character"
    if kind == LINE and _LINE_RE.search(text):
        return "line_break"
    return None


TEXT_MESSAGES = {
    "invalid_character": "{label} berisi karakter yang tidak diizinkan (karakter kontrol atau U+FFFE/U+FFFF)",
    "line_break": "{label} harus satu baris (tanpa baris baru)",
}


def text_field_errors(value: object, field: str, label: str | None = None, kind: str = LINE) -> list[FieldError]:
    """A FieldError when a string `value` breaks the text rule ([] for None or a non-string, which
    their own checks handle)."""
    if not isinstance(value, str):
        return []
    code = text_problem(value, kind)
    if code is None:
        return []
    return [FieldError(field, TEXT_MESSAGES[code].format(label=label or field), code)]


def texts_errors(values: Iterable[tuple[str, object]], kind: str = LINE) -> list[FieldError]:
    """`text_field_errors` of many (field, value) pairs of one kind."""
    return [e for field, value in values for e in text_field_errors(value, field, kind=kind)]


#: an attachment or link URL (also the gateway schema's `pattern`)
HTTPS_URL_PATTERN = r"^https://[^\s/?#@]+([/?#][^\s]*)?$"
_URL = re.compile(HTTPS_URL_PATTERN.replace("$", r"\Z"))


def url_field_errors(value: object, field: str, label: str = "URL") -> list[FieldError]:
    """An attachment or link URL: `https://host/...` only. `javascript:`, `data:`, `file:` and
    `http:` are refused (a link in a published document must not run code or leave TLS), so is
    a user part (`https://user@host`, a classic disguise)."""
    if value is None:
        return []
    if not isinstance(value, str) or not _URL.match(value) or text_problem(value, LINE):
        return [FieldError(field, f"{label} harus berupa URL https:// lengkap", "url_https")]
    return []


# -- writers --------------------------------------------------------------------------------------

_XML_ILLEGAL = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff{_SURROGATE}]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold (a writer's own defence: the door
    already refuses them)."""
    return _XML_ILLEGAL.sub("", text)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @ tab or CR gets a leading
    apostrophe (OWASP CSV injection). A number ("-12.5") and a lone "-" are left alone."""
    if text.startswith(_FORMULA_START) and text != "-":
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


_MD_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
_MD_LINE_START = re.compile(r"^(\s*)(?:([#>+\-=*])|([0-9]+)([.)]))")


def markdown_inline(text: str) -> str:
    """`text` as literal inline Markdown on one line: line breaks become spaces, and each
    character Markdown or HTML could read as syntax inside a line (emphasis, code, links, a table
    cell's `|`, an HTML tag or entity) is backslash-escaped. Placed after a label (`- Tempat: ...`)
    or in a table cell it can start no heading, table row, list item or tag."""
    return _MD_INLINE.sub(r"\\\1", _LINE_BREAK.sub(" ", xml_text(text)))


def _markdown_line(line: str) -> str:
    line = markdown_inline(line)
    return _MD_LINE_START.sub(lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2)
                                                       else m.group(3) + "\\" + m.group(4)), line, count=1)


def markdown_block(text: str) -> str:
    """Multi-line `text` as literal Markdown: each line escaped as `markdown_inline` and, at its
    start, a heading, quote, list, rule or setext marker escaped too; lines are kept (a hard break:
    two trailing spaces), blank lines too."""
    lines = re.split(r"\r\n|[\n\r\u2028\u2029]", xml_text(text))
    return "  \n".join(_markdown_line(line) for line in lines)
