"""The RKPD as PDF: xhtml2pdf (pisa.CreatePDF) on the template's ``pdf=True`` markup.

The long tables are drawn by :mod:`.pdftable` into landscape pages that the markup places with
``<pdf:insertpdf>``: the chapter V table always, each annex (usulan, pokir) when it has at most
:data:`PDF_ANNEX_MAX_ROWS` rows. A longer annex stays complete in the XLSX and HTML files; the
PDF shows its summary and says so ("Lampiran lengkap: lihat berkas XLSX/HTML").
"""
from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas

from . import columns as C
from .html import render_html
from .model import View, fmt_int, fmt_money
from .pdftable import FONT, FONT_BOLD, FONT_ITALIC, PAGE, RowStyle, write_table_pdf

#: An annex longer than this is summarised in the PDF (about 0.3 ms a row drawn: the limit keeps
#: a full-size document inside the render budget; see tests/unit/rkpd_render/bench_render.py).
PDF_ANNEX_MAX_ROWS = 5000

_LEVEL_STYLE = {
    0: RowStyle(FONT_BOLD, colors.HexColor("#FCE4D6")),
    1: RowStyle(FONT_BOLD, colors.HexColor("#FFF2CC"), 3.0),
    2: RowStyle(FONT_BOLD, colors.HexColor("#FFF9E5"), 6.0),
    3: RowStyle(FONT_BOLD, colors.HexColor("#EDF3E4"), 9.0),
    4: RowStyle(FONT_ITALIC, None, 12.0),
    5: RowStyle(FONT, None, 15.0),
}


class PdfRenderError(RuntimeError):
    pass


def _tabel_v_rows(view: View):
    for r in view.rows:
        yield (
            [
                r.kode,
                r.uraian,
                r.indikator,
                r.lokasi,
                r.target_n,
                r.pagu_n_s,
                r.sumber_dana,
                r.prioritas_nasional,
                r.prioritas_daerah,
                r.kelompok_sasaran,
                r.target_n1,
                r.pagu_n1_s,
                r.atribusi_s,
                r.opd,
            ],
            _LEVEL_STYLE.get(r.level, _LEVEL_STYLE[5]),
        )


def _plain_rows(items, cols: list[C.Col]):
    plain = RowStyle()
    fmts = []
    for c in cols:
        if c.kind == "money":
            fmts.append(fmt_money)
        elif c.kind == "int":
            fmts.append(fmt_int)
        else:
            fmts.append(str)
    attrs = [c.attr for c in cols]
    for item in items:
        yield [f(getattr(item, a)) for f, a in zip(fmts, attrs)], plain


def _total(cols: list[C.Col], items, span: int, label: str) -> list[str]:
    out = []
    for i, c in enumerate(cols):
        if i == 0:
            out.append(label)
        elif i < span or c.kind != "money":
            out.append("")
        else:
            vals = [getattr(x, c.attr) for x in items]
            vals = [v for v in vals if v is not None]
            out.append(fmt_money(sum(vals)) if vals else "-")
    return out


def _inserts(view: View, workdir: Path) -> dict:
    inserts: dict[str, dict] = {}
    running = f"RKPD {view.pemda_nama} Tahun {view.tahun_s} ({view.versi})"
    subtitle = f"{view.pemda_nama} ({view.pemda}) — versi: {view.versi} (nomor versi {view.nomor_versi})"
    meta = {"title": view.title, "subject": subtitle}
    if view.rows:
        groups = C.tabel_v(view.tahun_s, view.tahun_n1_s)
        cols = C.leaf_cols(groups)
        span = [c.attr for c in cols].index("pagu_n")
        total = ["JUMLAH"] + [""] * (span - 1) + [view.total_n_s] + [""] * (len(cols) - span - 1)
        total[[c.attr for c in cols].index("pagu_n1")] = view.total_n1_s
        total[[c.attr for c in cols].index("atribusi")] = view.total_atribusi_s
        path = workdir / "tabel_v.pdf"
        pages = write_table_pdf(
            path,
            title=f"Tabel T-V.1 Rencana Program dan Kegiatan Prioritas Daerah Tahun {view.tahun_s}",
            subtitle=subtitle,
            running=running + " — Bab V",
            groups=groups,
            rows=_tabel_v_rows(view),
            column_numbers=True,
            total=total,
            total_span=span,
            metadata=meta,
        )
        inserts["tabel_v"] = {"src": str(path), "pages": pages}
    for kind, items, groups, title, noun in (
        ("lampiran_usulan", view.usulan, C.usulan(), "Lampiran: Daftar Usulan Musrenbang", "usulan"),
        ("lampiran_pokir", view.pokir, C.pokir(), "Lampiran: Daftar Pokok-Pokok Pikiran DPRD", "pokir"),
        ("lampiran_akomodasi", view.akomodasi, C.akomodasi(),
         "Lampiran: Usulan dan Pokir yang Diakomodasi per Baris Tabel T-V.1", "item"),
        ("lampiran_kajian_pokir", view.kajian, C.kajian_pokir(),
         "Lampiran: Hasil Kajian Bappeda atas Pokok-Pokok Pikiran DPRD", "pokir"),
    ):
        if not items or len(items) > PDF_ANNEX_MAX_ROWS:
            continue
        cols = C.leaf_cols(groups)
        span = next(i for i, c in enumerate(cols) if c.kind == "money")
        path = workdir / f"{kind}.pdf"
        pages = write_table_pdf(
            path,
            title=title,
            subtitle=subtitle,
            running=running + " — Lampiran",
            groups=groups,
            rows=_plain_rows(items, cols),
            total=_total(cols, items, span, f"JUMLAH ({fmt_int(len(items))} {noun})"),
            total_span=span,
            metadata=meta,
        )
        inserts[kind] = {"src": str(path), "pages": pages}
    return inserts


def _placeholder(path: Path, pages: int) -> None:
    """`pages` blank landscape pages: what xhtml2pdf reserves the table's pages with."""
    canvas = Canvas(str(path), pagesize=PAGE, invariant=1)
    for _ in range(pages):
        canvas.showPage()
    canvas.save()


def _assemble(laid_out: Path, order: list[str], inserts: dict, out: Path) -> None:
    """Put the table pages onto the pages xhtml2pdf reserved for them.

    xhtml2pdf merges an inserted page by parsing its content stream (pypdf merge_page), about
    0.1 s a page: minutes for a kabupaten's table. It is given blank placeholders instead, and
    each reserved page -- the only landscape pages of the document, in the order the template
    placed them -- then takes the real page's content and resources as they are (still
    compressed, never parsed).
    """
    reader = PdfReader(laid_out)
    slots = [i for i, p in enumerate(reader.pages) if float(p.mediabox.width) > float(p.mediabox.height)]
    wanted = [(kind, j) for kind in order for j in range(inserts[kind]["pages"])]
    if len(slots) != len(wanted):
        raise PdfRenderError(
            f"xhtml2pdf reserved {len(slots)} table pages where {len(wanted)} were asked for"
        )
    writer = PdfWriter(clone_from=reader)
    sources = {kind: PdfReader(inserts[kind]["src"]) for kind in set(order)}
    for index, (kind, j) in zip(slots, wanted):
        page = writer.pages[index]
        source = sources[kind].pages[j]
        page[NameObject("/Contents")] = source.raw_get("/Contents").clone(writer)
        page[NameObject("/Resources")] = source.raw_get("/Resources").clone(writer)
    with open(out, "wb") as f:
        writer.write(f)


def write_pdf(view: View, path: Path, workdir: Path) -> None:
    """Write the PDF to `path`; `workdir` (empty, private) holds the table pages."""
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    rl_config.invariant = 1  # fixed dates and ids: the same document gives the same bytes
    workdir = Path(workdir).resolve()
    inserts = _inserts(view, workdir)
    order: list[str] = []
    for kind, ins in inserts.items():
        ins["placeholder"] = str(workdir / f"{kind}.slots.pdf")
        _placeholder(Path(ins["placeholder"]), ins["pages"])

    def slot(kind: str) -> str:
        order.append(kind)
        return inserts[kind]["placeholder"]

    markup = render_html(view, pdf=True, inserts=inserts, slot=slot)
    # the markup may read only the table pages just written, and nothing from the network
    policy = ResourceAccessPolicy.server(
        base_dir=workdir,
        allow_remote=False,
        max_render_seconds=None,
        max_local_bytes=None,
        max_total_bytes=None,
        max_document_bytes=None,
        max_resources=None,
    )
    laid_out = workdir / "laid-out.pdf" if inserts else path
    with open(laid_out, "wb") as out:
        result = pisa.CreatePDF(
            markup, dest=out, encoding="utf-8", path=str(workdir / "rkpd.html"), resource_policy=policy
        )
    if result.err:
        raise PdfRenderError(f"xhtml2pdf reported {result.err} error(s) rendering the RKPD PDF")
    if inserts:
        _assemble(laid_out, order, inserts, path)
