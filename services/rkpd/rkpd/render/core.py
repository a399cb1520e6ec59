"""render_all: one RKPD document to rkpd.json, rkpd.xlsx, rkpd.html and rkpd.pdf.

CPU-heavy and blocking (seconds for a large document): run it in a process of its own, never in
the service's eventlet hub -- the CLI (``python -m rkpd.render``) and
:func:`rkpd.render.render_in_subprocess` are the ways in.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

FILES = ("rkpd.json", "rkpd.xlsx", "rkpd.html", "rkpd.pdf")


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON: an RKPD document is plain JSON data")


def canonical_json(document: dict) -> bytes:
    """The canonical bytes of the document: sorted keys, no spaces, UTF-8 (not \\u-escaped)."""
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    ).encode("utf-8")


def file_digest(path: Path) -> dict:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return {"sha256": h.hexdigest(), "bytes": size}


def _publish(tmp: Path, final: Path) -> None:
    os.replace(tmp, final)


def render_all(document: dict, outdir: Path, timings: dict | None = None) -> dict:
    """Write the four files into `outdir` (created if needed) and return
    ``{filename: {"sha256": hex, "bytes": n}}``. Each file appears complete or not at all.
    `timings`, when given, receives the seconds each step took.
    """
    from .html import render_html
    from .model import build_view
    from .pdf import write_pdf
    from .xlsx import write_xlsx

    t = timings if timings is not None else {}
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".rkpd-render-", dir=outdir) as tmp:
        work = Path(tmp)
        start = time.perf_counter()

        (work / "rkpd.json").write_bytes(canonical_json(document))
        view = build_view(document)
        t["json+view"] = time.perf_counter() - start

        mark = time.perf_counter()
        write_xlsx(view, work / "rkpd.xlsx")
        t["xlsx"] = time.perf_counter() - mark

        mark = time.perf_counter()
        (work / "rkpd.html").write_text(render_html(view, pdf=False), encoding="utf-8")
        t["html"] = time.perf_counter() - mark

        mark = time.perf_counter()
        pdf_work = work / "pdf"
        pdf_work.mkdir()
        write_pdf(view, work / "rkpd.pdf", pdf_work)
        t["pdf"] = time.perf_counter() - mark

        result = {}
        for name in FILES:
            result[name] = file_digest(work / name)
            _publish(work / name, outdir / name)
        t["total"] = time.perf_counter() - start
    return result
