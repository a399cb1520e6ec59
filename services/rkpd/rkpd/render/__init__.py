"""Rendering of the RKPD document (the builder's canonical dict) to JSON, XLSX, HTML and PDF.

    render_all(document, outdir) -> {filename: {"sha256", "bytes"}}     # in this process
    render_in_subprocess(document, outdir, timeout=120) -> same          # in a child process
    python -m rkpd.render <document.json> <outdir>                      # the CLI behind it

Rendering is CPU-bound for seconds: a service (eventlet) calls render_in_subprocess, never
render_all. Importing this package is cheap: openpyxl, Jinja2 and xhtml2pdf are loaded by
render_all only.
"""
from __future__ import annotations

from pathlib import Path

from .core import FILES, canonical_json
from .runner import RenderError, render_in_subprocess

__all__ = ["FILES", "RenderError", "canonical_json", "render_all", "render_in_subprocess"]


def render_all(document: dict, outdir: Path, timings: dict | None = None) -> dict:
    from .core import render_all as _render_all

    return _render_all(document, outdir, timings)


render_all.__doc__ = "Write rkpd.json/.xlsx/.html/.pdf into outdir; see rkpd.render.core.render_all."
