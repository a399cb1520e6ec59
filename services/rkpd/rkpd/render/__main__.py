"""python -m rkpd.render <document.json|-> <outdir>

Writes rkpd.json, rkpd.xlsx, rkpd.html and rkpd.pdf into <outdir> and prints
{"rkpd.json": {"sha256": ..., "bytes": ...}, ...} as JSON on stdout. Exit 1 on failure
(the reason on stderr), 2 on bad arguments.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import traceback
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m rkpd.render", description="Render an RKPD document to JSON, XLSX, HTML and PDF."
    )
    parser.add_argument("document", help="the RKPD document (JSON file, or - for stdin)")
    parser.add_argument("outdir", help="the folder to write rkpd.{json,xlsx,html,pdf} into")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.document == "-":
            document = json.load(sys.stdin)
        else:
            with open(args.document, encoding="utf-8") as f:
                document = json.load(f)
    except (OSError, ValueError) as exc:
        print(f"rkpd.render: cannot read {args.document}: {exc}", file=sys.stderr)
        return 1
    if not isinstance(document, dict):
        print("rkpd.render: the document is not a JSON object", file=sys.stderr)
        return 1
    from .core import render_all

    real_stdout = sys.stdout
    try:
        # stdout carries only the result: anything a library prints goes to stderr
        with contextlib.redirect_stdout(sys.stderr):
            result = render_all(document, Path(args.outdir))
    except Exception as exc:  # noqa: BLE001 - reported to the caller, which raises RenderError
        traceback.print_exc(file=sys.stderr)
        print(f"rkpd.render: rendering failed: {exc}", file=sys.stderr)
        return 1
    real_stdout.write(json.dumps(result, sort_keys=True) + "\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
