"""The RKPD workbook: "Tabel V", "Lampiran Usulan", "Lampiran Pokir", "Ringkasan", "Keterangan".

Written in openpyxl's write-only mode (rows streamed, a few named styles) so a 12,000-line
table and 20,000 usulan stay fast and small. Money cells are numbers (Decimal, 2 dp) with the
format ``#,##0.00``, which Excel shows with the reader's separators (1.234.567,00 in an
Indonesian locale). The file is byte-identical for an identical document: the core properties
and every zip entry carry a timestamp derived from the document, never the clock.
"""
from __future__ import annotations

import shutil
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import Outline
from openpyxl.writer.excel import ExcelWriter

from eplanning_common.domainkit.text import xml_text

from . import columns as C
from .model import DASH, View, fmt_int

MONEY_FORMAT = "#,##0.00"
INT_FORMAT = "#,##0"
MAX_LEVEL = 5
#: 4 title rows, a blank row, 2 header rows and the column numbers come first
TABEL_V_FIRST_DATA_ROW = 9
#: 2 title rows, a blank row and 2 header rows
LAMPIRAN_FIRST_DATA_ROW = 6

_thin = Side(style="thin", color="808080")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_LEVEL_FILL = {
    0: PatternFill("solid", fgColor="FCE4D6"),
    1: PatternFill("solid", fgColor="FFF2CC"),
    2: PatternFill("solid", fgColor="FFF9E5"),
    3: PatternFill("solid", fgColor="EDF3E4"),
}
_TOTAL_FILL = PatternFill("solid", fgColor="D9D9D9")


def _styles() -> list[NamedStyle]:
    out = [
        NamedStyle("rk_title", font=Font(bold=True, size=14), alignment=Alignment(horizontal="center")),
        NamedStyle("rk_subtitle", font=Font(bold=True, size=11), alignment=Alignment(horizontal="center")),
        NamedStyle("rk_note", font=Font(italic=True, size=9)),
        NamedStyle("rk_section", font=Font(bold=True, size=11)),
        NamedStyle(
            "rk_head",
            font=Font(bold=True, size=10),
            fill=_HEAD_FILL,
            border=_BORDER,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        ),
        NamedStyle(
            "rk_colno",
            font=Font(italic=True, size=8),
            fill=_HEAD_FILL,
            border=_BORDER,
            alignment=Alignment(horizontal="center"),
        ),
        NamedStyle("rk_text", border=_BORDER, alignment=Alignment(vertical="top", wrap_text=True)),
        NamedStyle(
            "rk_money", border=_BORDER, number_format=MONEY_FORMAT, alignment=Alignment(vertical="top")
        ),
        NamedStyle("rk_int", border=_BORDER, number_format=INT_FORMAT, alignment=Alignment(vertical="top")),
        NamedStyle(
            "rk_total_label",
            font=Font(bold=True),
            fill=_TOTAL_FILL,
            border=_BORDER,
            alignment=Alignment(horizontal="center", vertical="center"),
        ),
        NamedStyle(
            "rk_total_money",
            font=Font(bold=True),
            fill=_TOTAL_FILL,
            border=_BORDER,
            number_format=MONEY_FORMAT,
        ),
        NamedStyle("rk_total_int", font=Font(bold=True), fill=_TOTAL_FILL, border=_BORDER, number_format=INT_FORMAT),
        NamedStyle("rk_total_blank", fill=_TOTAL_FILL, border=_BORDER),
    ]
    # the chapter V table: one text, one uraian (indented) and one money style per level
    for level in range(MAX_LEVEL + 1):
        bold = level <= 3
        italic = level == 4
        fill = _LEVEL_FILL.get(level, PatternFill())
        font = Font(bold=bold, italic=italic, size=10)
        out.append(
            NamedStyle(
                f"rk_t{level}",
                font=font,
                fill=fill,
                border=_BORDER,
                alignment=Alignment(vertical="top", wrap_text=True),
            )
        )
        out.append(
            NamedStyle(
                f"rk_u{level}",
                font=font,
                fill=fill,
                border=_BORDER,
                alignment=Alignment(vertical="top", wrap_text=True, indent=level),
            )
        )
        out.append(
            NamedStyle(
                f"rk_m{level}",
                font=font,
                fill=fill,
                border=_BORDER,
                number_format=MONEY_FORMAT,
                alignment=Alignment(vertical="top"),
            )
        )
    return out


def _xml_text(value: str) -> str:
    """Text for a cell written as sheet XML: what XML 1.0 cannot hold dropped (the door refuses it
    already: domainkit.text), markup escaped."""
    value = xml_text(value)
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose entries all carry one timestamp and mode, so its bytes follow its content.

    `inject(arcname)` may return the XML of rows to add at the end of that sheet's sheetData.
    """

    def __init__(self, *args, date_time: tuple[int, ...], inject=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._date_time = date_time
        self._inject = inject or (lambda arcname: None)

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        arcname = arcname if arcname is not None else Path(filename).name
        info = self._info(arcname)
        rows = self._inject(arcname)
        with open(filename, "rb") as src, self.open(info, "w", force_zip64=True) as dst:
            if rows is None:
                shutil.copyfileobj(src, dst, 1 << 20)
                return
            data = src.read()
            at = data.rfind(b"</sheetData>")
            if at < 0:  # no row written by openpyxl at all
                at = data.index(b"<sheetData/>")
                data = data[:at] + b"<sheetData></sheetData>" + data[at + len(b"<sheetData/>"):]
                at = data.rfind(b"</sheetData>")
            dst.write(data[:at])
            for i in range(0, len(rows), 2000):
                dst.write("".join(rows[i : i + 2000]).encode("utf-8"))
            dst.write(data[at:])


class _Sheet:
    """A write-only sheet: the row counter, the ranges to merge, and the fast row writer.

    The first rows (titles, headers) go through openpyxl. After :meth:`fast`, rows are written
    as sheet XML directly (inline strings, the named styles' ids): openpyxl spends some 35 us
    on a styled cell, which is 15 s for the 400,000 cells of a kabupaten's workbook.
    """

    def __init__(self, wb: Workbook, title: str, widths: list[float], freeze: str | None = None,
                 outline: bool = False, landscape: bool = False):
        # a write-only sheet writes its properties, view (frozen pane) and column widths with
        # its first row: all of them are set here, before any row
        self.wb = wb
        self.ws = ws = wb.create_sheet(title)
        self.row = 0
        self.ncols = len(widths)
        self.xml_rows: list[str] | None = None
        self._ids: dict[str, int] = {}
        self._letters = [get_column_letter(i) for i in range(1, len(widths) + 1)]
        for i, w in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(i)].width = w
        if outline:
            ws.sheet_properties.outlinePr = Outline(summaryBelow=False, summaryRight=True)
            ws.sheet_format.outlineLevelRow = MAX_LEVEL
        if freeze:
            ws.freeze_panes = freeze
        if landscape:
            ws.sheet_properties.pageSetUpPr.fitToPage = True
            ws.page_setup.orientation = "landscape"
            ws.page_setup.paperSize = "9"  # A4
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0

    def _style_id(self, name: str) -> int:
        sid = self._ids.get(name)
        if sid is None:
            probe = WriteOnlyCell(self.ws)
            probe.style = name
            sid = self._ids[name] = probe.style_id  # registers the style with the workbook
        return sid

    def fast(self) -> None:
        self.xml_rows = []

    def append(self, cells: list[tuple], outline: int = 0) -> int:
        """Append a row of (value, style name); None values leave the cell out."""
        self.row += 1
        if self.xml_rows is None:
            if outline:
                self.ws.row_dimensions[self.row].outlineLevel = outline
            out = []
            for value, style in cells:
                if isinstance(value, str):
                    # text is text: openpyxl would make "=..." a live formula (an OPD name from an
                    # import, a title) and refuse a control character
                    c = WriteOnlyCell(self.ws, value=xml_text(value))
                    c.data_type = "s"
                else:
                    c = WriteOnlyCell(self.ws, value=value)
                c.style = style
                out.append(c)
            self.ws.append(out)
            return self.row
        r = self.row
        parts = [f'<row r="{r}" outlineLevel="{outline}">' if outline else f'<row r="{r}">']
        letters = self._letters
        for i, (value, style) in enumerate(cells):
            if value is None:
                continue
            s = self._ids.get(style)
            if s is None:
                s = self._style_id(style)
            if isinstance(value, str):
                if value:
                    parts.append(f'<c r="{letters[i]}{r}" s="{s}" t="inlineStr"><is><t>{_xml_text(value)}</t></is></c>')
                else:
                    parts.append(f'<c r="{letters[i]}{r}" s="{s}"/>')
            elif isinstance(value, Decimal):
                parts.append(f'<c r="{letters[i]}{r}" s="{s}"><v>{value:f}</v></c>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                parts.append(f'<c r="{letters[i]}{r}" s="{s}"><v>{value}</v></c>')
            else:
                parts.append(f'<c r="{letters[i]}{r}" s="{s}" t="inlineStr"><is><t>{_xml_text(str(value))}</t></is></c>')
        parts.append("</row>")
        self.xml_rows.append("".join(parts))
        return r

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        if first_row == last_row and first_col == last_col:
            return
        self.ws.merged_cells.add(
            f"{get_column_letter(first_col)}{first_row}:{get_column_letter(last_col)}{last_row}"
        )

    def title(self, text: str, style: str = "rk_title", height: float | None = None) -> None:
        if height:  # a write-only row's dimensions must be set before the row is written
            self.ws.row_dimensions[self.row + 1].height = height
        r = self.append([(text, style)])
        self.merge(r, 1, r, self.ncols)

    def blank(self) -> None:
        self.append([])

    def header(self, groups: list[C.Group], numbers: bool = False) -> tuple[int, int]:
        """The two header rows (and optionally the "(1) (2) ..." row); returns (first, last) row."""
        ws = self.ws
        first = self.row + 1
        rows: list[list] = [[""] * self.ncols, [""] * self.ncols]
        for label, c0, _c1, r0, _r1 in C.header_cells(groups):
            rows[r0][c0] = label
        ws.row_dimensions[first].height = 30
        ws.row_dimensions[first + 1].height = 30
        for r in rows:
            self.append([(v, "rk_head") for v in r])
        for label, c0, c1, r0, r1 in C.header_cells(groups):
            self.merge(first + r0, c0 + 1, first + r1, c1 + 1)
        if numbers:
            self.append([(f"({i})", "rk_colno") for i in range(1, self.ncols + 1)])
        return first, self.row


_KIND_STYLE = {"money": "rk_money", "int": "rk_int", "text": "rk_text"}
_KIND_TOTAL = {"money": "rk_total_money", "int": "rk_total_int", "text": "rk_total_blank"}


def _getter(row, attr):
    return row[attr] if isinstance(row, dict) else getattr(row, attr)


def _simple_rows(sheet: _Sheet, cols: list[C.Col], rows) -> tuple[int, int]:
    styles = [_KIND_STYLE[c.kind] for c in cols]
    attrs = [c.attr for c in cols]
    first = sheet.row + 1
    for row in rows:
        values = [_getter(row, a) for a in attrs]
        sheet.append([(DASH if v is None else v, s) for v, s in zip(values, styles)])
    return first, sheet.row


def _total_row(sheet: _Sheet, cols: list[C.Col], rows, label_span: int, label: str = "JUMLAH") -> None:
    cells = []
    for i, c in enumerate(cols):
        if i == 0:
            cells.append((label, "rk_total_label"))
        elif i < label_span:
            cells.append(("", "rk_total_label"))
        elif c.kind in ("money", "int") and c.attr != "no":
            vals = [_getter(r, c.attr) for r in rows]
            vals = [v for v in vals if v is not None]
            cells.append((sum(vals) if vals else DASH, _KIND_TOTAL[c.kind]))
        else:
            cells.append(("", "rk_total_blank"))
    r = sheet.append(cells)
    sheet.merge(r, 1, r, label_span)


def _tabel_v(wb: Workbook, view: View) -> _Sheet:
    groups = C.tabel_v(view.tahun_s, view.tahun_n1_s)
    cols = C.leaf_cols(groups)
    first_data = TABEL_V_FIRST_DATA_ROW
    sheet = _Sheet(
        wb, "Tabel V", [c.xlsx_width for c in cols], freeze=f"C{first_data}", outline=True, landscape=True
    )
    ws = sheet.ws
    sheet.title(f"RENCANA KERJA PEMERINTAH DAERAH (RKPD) TAHUN {view.tahun_s}", height=20)
    sheet.title(f"{view.pemda_nama.upper()} ({view.pemda})", "rk_subtitle")
    sheet.title(f"Versi: {view.versi} (nomor versi {view.nomor_versi})", "rk_subtitle")
    sheet.title("Tabel T-V.1 Rencana Program dan Kegiatan Prioritas Daerah", "rk_section")
    sheet.blank()
    head_first, head_last = sheet.header(groups, numbers=True)
    assert head_last + 1 == first_data, (head_last, first_data)

    sheet.fast()
    attrs = [c.attr for c in cols]
    kinds = ["m" if c.kind == "money" else "u" if c.attr == "uraian" else "t" for c in cols]
    styles = [[f"rk_{k}{lvl}" for k in kinds] for lvl in range(MAX_LEVEL + 1)]
    for r in view.rows:
        lvl = min(max(r.level, 0), MAX_LEVEL)
        values = [getattr(r, a) for a in attrs]
        sheet.append(
            [(DASH if v is None else v, s) for v, s in zip(values, styles[lvl])], outline=lvl
        )

    # the grand total, as given by the document
    total = []
    label_span = attrs.index("pagu_n")
    for i, a in enumerate(attrs):
        if i == 0:
            total.append(("JUMLAH", "rk_total_label"))
        elif i < label_span:
            total.append(("", "rk_total_label"))
        elif a == "pagu_n":
            total.append((DASH if view.total_n is None else view.total_n, "rk_total_money"))
        elif a == "pagu_n1":
            total.append((DASH if view.total_n1 is None else view.total_n1, "rk_total_money"))
        elif a == "atribusi":
            total.append((DASH if view.total_atribusi is None else view.total_atribusi, "rk_total_money"))
        else:
            total.append(("", "rk_total_blank"))
    r = sheet.append(total)
    sheet.merge(r, 1, r, label_span)
    ws.print_title_rows = f"{head_first}:{head_last}"
    return sheet


def _lampiran(wb: Workbook, view: View, title: str, heading: str, groups, rows, noun: str) -> _Sheet:
    cols = C.leaf_cols(groups)
    sheet = _Sheet(wb, title, [c.xlsx_width for c in cols], freeze=f"A{LAMPIRAN_FIRST_DATA_ROW}", landscape=True)
    ws = sheet.ws
    sheet.title(heading, height=20)
    sheet.title(f"RKPD {view.pemda_nama} Tahun {view.tahun_s} — versi {view.versi}", "rk_subtitle")
    sheet.blank()
    head_first, head_last = sheet.header(groups)
    assert head_last + 1 == LAMPIRAN_FIRST_DATA_ROW, head_last
    sheet.fast()
    first, last = _simple_rows(sheet, cols, rows)
    if last >= first:
        ws.auto_filter.ref = f"A{head_last}:{get_column_letter(len(cols))}{last}"
    label_span = next(i for i, c in enumerate(cols) if c.kind == "money")
    _total_row(sheet, cols, rows, label_span, f"JUMLAH ({fmt_int(len(rows))} {noun})")
    ws.print_title_rows = f"{head_first}:{head_last}"
    return sheet


def _ringkasan(wb: Workbook, view: View) -> None:
    blocks = [
        ("Ringkasan Usulan Musrenbang per Kecamatan", C.ringkasan_kecamatan(), view.per_kecamatan),
        ("Ringkasan per Perangkat Daerah", C.ringkasan_opd(view.tahun_s, view.tahun_n1_s), view.per_opd),
        ("Ringkasan per Urusan", C.ringkasan_urusan(view.tahun_s, view.tahun_n1_s), view.per_urusan),
    ]
    width = max(len(C.leaf_cols(g)) for _, g, _ in blocks)
    widths = [0.0] * width
    for _, g, _ in blocks:
        for i, c in enumerate(C.leaf_cols(g)):
            widths[i] = max(widths[i], c.xlsx_width)
    sheet = _Sheet(wb, "Ringkasan", widths)
    sheet.title(f"RINGKASAN RKPD {view.pemda_nama.upper()} TAHUN {view.tahun_s}", height=20)
    sheet.title(f"Versi: {view.versi} (nomor versi {view.nomor_versi})", "rk_subtitle")
    for heading, groups, rows in blocks:
        sheet.blank()
        sheet.append([(heading, "rk_section")])
        cols = C.leaf_cols(groups)
        saved = sheet.ncols
        sheet.ncols = len(cols)
        sheet.header(groups)
        if rows:
            _simple_rows(sheet, cols, rows)
            _total_row(sheet, cols, rows, 2)
        else:
            sheet.append([("Tidak ada data.", "rk_note")])
        sheet.ncols = saved


def _keterangan(wb: Workbook, view: View) -> None:
    sheet = _Sheet(wb, "Keterangan", [28, 80])
    sheet.title("KETERANGAN DOKUMEN", "rk_section")
    items = [
        ("Dokumen", view.title),
        ("Skema", view.schema),
        ("Pemerintah daerah", f"{view.pemda_nama} ({view.pemda})"),
        ("Tahun rencana", view.tahun_s),
        ("Versi", f"{view.versi} (nomor versi {view.nomor_versi})"),
        ("Jumlah baris Tabel V", fmt_int(len(view.rows))),
        ("Jumlah sub kegiatan", fmt_int(view.leaf_count)),
        ("Jumlah usulan musrenbang", fmt_int(len(view.usulan))),
        ("Jumlah pokir DPRD", fmt_int(len(view.pokir))),
        (f"Total pagu indikatif {view.tahun_s}", view.total_n_rp),
        (f"Total prakiraan maju {view.tahun_n1_s}", view.total_n1_rp),
    ] + list(view.keterangan) + [(f"Masukan {k} (sha256)", v) for k, v in view.inputs]
    for k, v in items:
        sheet.append([(k, "rk_text"), (v, "rk_text")])


def write_xlsx(view: View, path: Path) -> None:
    wb = Workbook(write_only=True)
    for style in _styles():
        wb.add_named_style(style)
    props = wb.properties
    props.creator = "E-Planning"
    props.lastModifiedBy = "E-Planning"
    props.title = xml_text(view.title)
    props.subject = f"RKPD {view.pemda} {view.tahun_s} versi {view.nomor_versi}"
    props.created = view.fixed_time
    props.modified = view.fixed_time

    fast = [
        _tabel_v(wb, view),
        _lampiran(wb, view, "Lampiran Usulan", "LAMPIRAN: DAFTAR USULAN MUSRENBANG", C.usulan(), view.usulan, "usulan"),
        _lampiran(wb, view, "Lampiran Pokir", "LAMPIRAN: DAFTAR POKOK-POKOK PIKIRAN DPRD", C.pokir(), view.pokir, "pokir"),
    ]
    if view.akomodasi:
        fast.append(_lampiran(wb, view, "Akomodasi", "LAMPIRAN: USULAN DAN POKIR YANG DIAKOMODASI PER BARIS TABEL T-V.1",
                              C.akomodasi(), view.akomodasi, "item"))
    if view.kajian:
        fast.append(_lampiran(wb, view, "Kajian Pokir", "LAMPIRAN: HASIL KAJIAN BAPPEDA ATAS POKIR DPRD",
                              C.kajian_pokir(), view.kajian, "pokir"))
    _ringkasan(wb, view)
    _keterangan(wb, view)

    def inject(arcname: str):
        for sheet in fast:  # ws.path is set once openpyxl numbers the sheets, as it writes them
            if sheet.xml_rows and sheet.ws.path.lstrip("/") == arcname:
                return sheet.xml_rows
        return None

    fixed: datetime = view.fixed_time
    date_time = (fixed.year, fixed.month, fixed.day, fixed.hour, fixed.minute, fixed.second)
    # openpyxl's save_workbook stamps "modified" with the clock; its writer does not
    with _FixedTimeZip(
        path, "w", zipfile.ZIP_DEFLATED, allowZip64=True, date_time=date_time, inject=inject
    ) as archive:
        ExcelWriter(wb, archive).save()
