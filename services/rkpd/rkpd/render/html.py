"""The RKPD as HTML from ``templates/rkpd.html.j2``; the PDF is made from the same template.

``pdf=False`` gives the full document for the browser (every table in full, print CSS with a
landscape named page for the wide tables). ``pdf=True`` gives the markup xhtml2pdf converts:
the chapter V table (and any annex drawn by :mod:`.pdftable`) is placed with
``<pdf:insertpdf>``, and an annex too long for the PDF is replaced by its summary and a pointer
to the XLSX/HTML files. Autoescaping is on for everything the document supplies.
"""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from . import columns as C
from .model import DASH, View, fmt_int, fmt_money, fmt_rupiah

TEMPLATE = "rkpd.html.j2"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def _cell(value, kind: str = "text") -> str:
    if value is None:
        return DASH
    if kind == "money" or isinstance(value, Decimal):
        return fmt_money(value)
    if kind == "int" or isinstance(value, int):
        return fmt_int(value)
    return str(value)


def _get(row, attr: str):
    return row[attr] if isinstance(row, dict) else getattr(row, attr)


def _sum(rows, attr: str):
    vals = [_get(r, attr) for r in rows]
    vals = [v for v in vals if v is not None]
    return sum(vals) if vals else None


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(cell=_cell, money=fmt_money, rupiah=fmt_rupiah, int=fmt_int)
    env.globals.update(get=_get, sum_of=_sum, html_header=C.html_header, leaf_cols=C.leaf_cols)
    return env


def _no_slot(kind: str) -> str:
    raise RuntimeError(f"no PDF pages were prepared for {kind}")


def render_html(view: View, *, pdf: bool = False, inserts: dict | None = None, slot=_no_slot) -> str:
    """The document as HTML. PDF only: `inserts` maps a section kind to {"pages", ...} and
    `slot(kind)` gives the file whose pages xhtml2pdf reserves for that kind's table."""
    tn, tn1 = view.tahun_s, view.tahun_n1_s
    layouts = {
        "tabel_v": C.tabel_v(tn, tn1),
        "usulan": C.usulan(),
        "pokir": C.pokir(),
        "ringkasan_kecamatan": C.ringkasan_kecamatan(),
        "ringkasan_opd": C.ringkasan_opd(tn, tn1),
        "ringkasan_urusan": C.ringkasan_urusan(tn, tn1),
        "akomodasi": C.akomodasi(),
        "kajian_pokir": C.kajian_pokir(),
    }
    return environment().get_template(TEMPLATE).render(
        v=view, pdf=pdf, inserts=inserts or {}, slot=slot, layouts=layouts, DASH=DASH
    )
