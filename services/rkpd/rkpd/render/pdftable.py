"""Long tables as landscape A4 PDF pages, drawn straight with ReportLab.

xhtml2pdf lays out an HTML table at roughly 15-20 ms a row, which puts the 12,000 lines of a
kabupaten's chapter V table at several minutes. Here the rows are wrapped with the font metrics,
measured, and cut into pages up front, and each page is one ReportLab table with fixed row
heights: no splitting, no re-measuring. The pages are then placed into the xhtml2pdf document
with ``<pdf:insertpdf>``, so they are numbered and counted with the rest of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from . import columns as C

PAGE = landscape(A4)
MARGIN = 28.0  # about 1 cm
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
FONT_ITALIC = "Helvetica-Oblique"
SIZE = 6.5
LEADING = 7.6
PAD = 1.6  # cell padding, each side
HEAD_FILL = colors.HexColor("#D9E1F2")
TOTAL_FILL = colors.HexColor("#D9D9D9")
GRID = colors.HexColor("#808080")
ELLIPSIS = "…"


@dataclass(slots=True)
class RowStyle:
    font: str = FONT
    fill: object = None
    #: extra left padding (points) of the column `indent_col` of write_table_pdf
    indent: float = 0.0


NORMAL = RowStyle()


_WIDTHS: dict[str, dict[str, float]] = {}


def text_width(text: str, font: str, size: float) -> float:
    """stringWidth, remembered: a table repeats the same words and values thousands of times."""
    cache = _WIDTHS.get(font)
    if cache is None:
        cache = _WIDTHS[font] = {}
    w = cache.get(text)
    if w is None:
        if len(cache) > 200_000:
            cache.clear()
        w = cache[text] = stringWidth(text, font, 1000.0)
    return w * size / 1000.0


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width`; words longer than a line are cut.

    Standard Type 1 fonts have no kerning, so widths add up: each word is measured once.
    """
    out: list[str] = []
    space = text_width(" ", font, size)
    for para in text.split("\n"):
        if text_width(para, font, size) <= width:
            out.append(para)
            continue
        line = ""
        line_w = 0.0
        for word in para.split():
            word_w = text_width(word, font, size)
            if line and line_w + space + word_w <= width:
                line = f"{line} {word}"
                line_w += space + word_w
                continue
            if not line and word_w <= width:
                line, line_w = word, word_w
                continue
            if line:
                out.append(line)
            # a word wider than the column (a long code): cut it where it fills the line
            while word_w > width:
                cut = max(1, _fit(word, font, size, width))
                out.append(word[:cut])
                word = word[cut:]
                word_w = text_width(word, font, size)
            line, line_w = word, word_w
        out.append(line)
    return out


def _fit(word: str, font: str, size: float, width: float) -> int:
    lo, hi = 1, len(word)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if stringWidth(word[:mid], font, size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(slots=True)
class _Row:
    cells: list[str]
    height: float
    style: RowStyle


def _wrap_cell(text: str, font: str, width: float, max_lines: int) -> tuple[str, int]:
    lines = wrap(text, font, SIZE, width)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(0, len(lines[-1]) - 2)] + ELLIPSIS
    return "\n".join(lines), len(lines)


def write_table_pdf(
    path: Path,
    *,
    title: str,
    subtitle: str,
    running: str,
    groups: list[C.Group],
    rows,
    column_numbers: bool = False,
    total: list[str] | None = None,
    total_span: int = 1,
    metadata: dict[str, str] | None = None,
    indent_col: int = 1,
) -> int:
    """Write the table as landscape pages to `path`; returns the number of pages.

    `rows` yields (cells: list[str], RowStyle). `total` is a last row in bold on grey whose
    first `total_span` cells are merged.
    """
    rl_config.invariant = 1  # no clock and no random id in the file
    cols = C.leaf_cols(groups)
    frame_w = PAGE[0] - 2 * MARGIN
    scale = frame_w / sum(c.pdf_width for c in cols)
    widths = [c.pdf_width * scale for c in cols]
    inner = [w - 2 * PAD for w in widths]
    right = [i for i, c in enumerate(cols) if c.kind in ("money", "int")]

    # header: two rows (+ the column numbers), spans from the layout
    head_cells = C.header_cells(groups)
    head = [[""] * len(cols), [""] * len(cols)]
    spans = []
    need = [0, 0]
    tall = []
    for label, c0, c1, r0, r1 in head_cells:
        w = sum(widths[c0 : c1 + 1]) - 2 * PAD
        lines = wrap(label, FONT_BOLD, SIZE, w)
        head[r0][c0] = "\n".join(lines)
        if (c0, r0) != (c1, r1):
            spans.append(("SPAN", (c0, r0), (c1, r1)))
        if r0 == r1:
            need[r0] = max(need[r0], len(lines))
        else:
            tall.append(len(lines))
    h0 = max(need[0], 1) * LEADING + 2 * PAD
    h1 = max(need[1], 1) * LEADING + 2 * PAD
    for n in tall:
        h1 = max(h1, n * LEADING + 4 * PAD - h0)
    head_heights = [h0, h1]
    if column_numbers:
        head.append([f"({i})" for i in range(1, len(cols) + 1)])
        head_heights.append(LEADING + 2 * PAD)
    head_h = sum(head_heights)

    title_h = 30.0  # title and subtitle above the first page's table
    running_h = 14.0
    footer_h = 14.0
    body_h = PAGE[1] - 2 * MARGIN - footer_h
    max_lines = max(1, int((body_h - title_h - head_h - 2 * PAD) / LEADING) - 1)

    def measure(cells: list[str], style: RowStyle) -> _Row:
        out = []
        n = 1
        for i, t in enumerate(cells):
            w = inner[i] - style.indent if i == indent_col else inner[i]
            if "\n" not in t and text_width(t, style.font, SIZE) <= w:
                out.append(t)
                continue
            s, k = _wrap_cell(t, style.font, w, max_lines)
            out.append(s)
            n = max(n, k)
        return _Row(out, n * LEADING + 2 * PAD, style)

    # paginate
    pages: list[list[_Row]] = []
    current: list[_Row] = []
    room = body_h - title_h - head_h
    for cells, style in rows:
        row = measure(cells, style)
        if row.height > room and current:
            pages.append(current)
            current = []
            room = body_h - running_h - head_h
        current.append(row)
        room -= row.height
    total_row = None
    if total is not None:
        total_row = measure(total, RowStyle(FONT_BOLD, TOTAL_FILL))
        if total_row.height > room and current:
            pages.append(current)
            current = []
        current.append(total_row)
    if current or not pages:
        pages.append(current)

    canvas = Canvas(str(path), pagesize=PAGE, invariant=1, pageCompression=1)
    meta = metadata or {}
    canvas.setTitle(meta.get("title", title))
    canvas.setAuthor(meta.get("author", "E-Planning"))
    canvas.setSubject(meta.get("subject", subtitle))
    canvas.setCreator("E-Planning")
    xs = [MARGIN]
    for w in widths:
        xs.append(xs[-1] + w)
    right_set = set(right)
    head_fonts = [FONT_BOLD, FONT_BOLD, FONT_ITALIC]
    npages = len(pages)
    for number, page_rows in enumerate(pages, 1):
        top = PAGE[1] - MARGIN
        if number == 1:
            canvas.setFont(FONT_BOLD, 10)
            canvas.drawCentredString(PAGE[0] / 2, top - 11, title)
            canvas.setFont(FONT, 8)
            canvas.drawCentredString(PAGE[0] / 2, top - 23, subtitle)
            top -= title_h
        else:
            canvas.setFont(FONT_ITALIC, 7)
            canvas.drawString(MARGIN, top - 9, f"{title} (lanjutan)")
            top -= running_h
        _draw_page(
            canvas, xs, top, head_cells, head, head_heights, head_fonts, page_rows,
            right_set, total_row, total_span, indent_col,
        )
        canvas.setFont(FONT, 6.5)
        canvas.setFillColor(colors.black)
        canvas.drawString(MARGIN, MARGIN, running)
        canvas.drawRightString(PAGE[0] - MARGIN, MARGIN, f"halaman {number} dari {npages}")
        canvas.showPage()
    canvas.save()
    return npages


def _baseline(top: float, k: int) -> float:
    """The baseline of line `k` of a cell whose top edge is `top`."""
    return top - PAD - SIZE + 1.0 - k * LEADING


def _draw_page(canvas, xs, top, head_cells, head, head_heights, head_fonts, rows, right, total_row,
               total_span, indent_col) -> None:
    """One page of the table, drawn with a few paths and one text object (no platypus)."""
    left, right_edge = xs[0], xs[-1]
    # row edges: header rows, then body rows
    edges = [top]
    for h in head_heights:
        edges.append(edges[-1] - h)
    head_bottom = edges[-1]
    for r in rows:
        edges.append(edges[-1] - r.height)
    bottom = edges[-1]
    ncols = len(xs) - 1
    nhead = len(head_heights)

    # fills
    canvas.setFillColor(HEAD_FILL)
    canvas.rect(left, head_bottom, right_edge - left, top - head_bottom, stroke=0, fill=1)
    for i, r in enumerate(rows):
        if r.style.fill is not None:
            canvas.setFillColor(r.style.fill)
            y0 = edges[nhead + i + 1]
            canvas.rect(left, y0, right_edge - left, r.height, stroke=0, fill=1)

    # grid: the header cells one by one (they span), the body as full lines
    lines = []
    for _label, c0, c1, r0, r1 in head_cells:
        x0, x1 = xs[c0], xs[c1 + 1]
        y_top, y_bot = edges[r0], edges[r1 + 1]
        lines += [(x0, y_top, x1, y_top), (x0, y_bot, x1, y_bot), (x0, y_top, x0, y_bot), (x1, y_top, x1, y_bot)]
    if nhead > 2:  # the column numbers row
        for c in range(ncols + 1):
            lines.append((xs[c], edges[2], xs[c], edges[3]))
        lines.append((left, edges[3], right_edge, edges[3]))
    for y in edges[nhead + 1:]:
        lines.append((left, y, right_edge, y))
    spanned_total = total_row is not None and rows and rows[-1] is total_row and total_span > 1
    body_bottom = edges[-2] if spanned_total else bottom
    for x in xs:
        lines.append((x, head_bottom, x, body_bottom))
    if spanned_total:
        for c, x in enumerate(xs):
            if c == 0 or c >= total_span:
                lines.append((x, body_bottom, x, bottom))
    canvas.setStrokeColor(GRID)
    canvas.setLineWidth(0.3)
    canvas.lines(lines)

    # text
    canvas.setFillColor(colors.black)
    t = canvas.beginText()
    # _textOut: textOut without moving the text cursor, which costs a stringWidth per call;
    # every piece of text here is placed with its own setTextOrigin
    out = getattr(t, "_textOut", t.textOut)
    font = None
    for r_i, height in enumerate(head_heights):
        f = head_fonts[r_i]
        size = SIZE - 1 if r_i == 2 else SIZE
        t.setFont(f, size, LEADING)
        font = None
        for label, c0, c1, r0, r1 in head_cells if r_i < 2 else ((lab, c, c, 2, 2) for c, lab in enumerate(head[2])):
            if r0 != r_i:
                continue
            lines_ = head[r_i][c0].split("\n") if r_i < 2 else [label]
            y_top, y_bot = edges[r0], edges[r1 + 1]
            block = len(lines_) * LEADING
            first_top = y_top - (y_top - y_bot - block) / 2 - PAD
            cx = (xs[c0] + xs[c1 + 1]) / 2
            for k, line in enumerate(lines_):
                w = text_width(line, f, size)
                t.setTextOrigin(cx - w / 2, _baseline(first_top, k))
                out(line)
    for i, r in enumerate(rows):
        row_top = edges[nhead + i]
        if r.style.font != font:
            font = r.style.font
            t.setFont(font, SIZE, LEADING)
        is_total = r is total_row
        for c, text in enumerate(r.cells):
            if not text:
                continue
            if is_total and c == 0 and total_span > 1:
                w = text_width(text, font, SIZE)
                t.setTextOrigin((xs[0] + xs[total_span]) / 2 - w / 2, _baseline(row_top, 0))
                out(text)
                continue
            x = xs[c] + PAD + (r.style.indent if c == indent_col else 0)
            if "\n" in text:
                for k, line in enumerate(text.split("\n")):
                    if c in right:
                        t.setTextOrigin(xs[c + 1] - PAD - text_width(line, font, SIZE), _baseline(row_top, k))
                    else:
                        t.setTextOrigin(x, _baseline(row_top, k))
                    out(line)
            else:
                if c in right:
                    x = xs[c + 1] - PAD - text_width(text, font, SIZE)
                t.setTextOrigin(x, _baseline(row_top, 0))
                out(text)
    canvas.drawText(t)
