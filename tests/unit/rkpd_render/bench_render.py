"""Benchmark (not a test): render the full-size RKPD document and print seconds and peak RSS.

    .venv/bin/python tests/unit/rkpd_render/bench_render.py [outdir]

Size: ~5,500 sub kegiatan in ~11,400 chapter V lines (40 OPD), 20,000 usulan, 2,000 pokir.
Budget (RKPD benchmark): total well under ~20 s and well under 1 GiB.
"""
from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parents[2] / "services" / "rkpd"), str(HERE)]

from rkpd_render_fixtures import make_large_document  # noqa: E402

from rkpd.render import render_all  # noqa: E402


def main() -> None:
    t0 = time.perf_counter()
    doc = make_large_document()
    built = time.perf_counter() - t0
    rows = doc["tabel_v"]["baris"]
    print(
        f"document: {len(rows)} table lines, {sum(r['tingkat'] == 'sub_kegiatan' for r in rows)} sub kegiatan, "
        f"{len(doc['lampiran']['usulan'])} usulan, {len(doc['lampiran']['pokir'])} pokir (built in {built:.1f} s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp)
        timings: dict = {}
        start = time.perf_counter()
        result = render_all(doc, out, timings)
        total = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()))
    print("files: " + json.dumps({k: v["bytes"] for k, v in result.items()}))
    print(f"render_all: {total:.2f} s, peak RSS {peak_mib:.0f} MiB (includes the document itself)")


if __name__ == "__main__":
    main()
