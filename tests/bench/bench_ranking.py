"""Benchmark: rank 2,000 scored usulan of one kecamatan forum (fixed seed), 20 times.

    python tests/bench/bench_ranking.py [--out FILE]

Each run computes the weighted totals from the score sheets and ranks the usulan, as the forum
does when scores change. Prints JSON {"ranking_2000_seconds_median": ..., ...}.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services" / "musrenbang"))

from musrenbang.domain import (Criterion, KamusItem, ScoringScheme, Usulan,  # noqa: E402
                               UsulanStatus, compute_cost, entry_for, generate_tracking_code,
                               rank, weighted_total)

COUNT, RUNS, SEED = 2000, 20, 20260105
WIB = timezone(timedelta(hours=7))


def build(rnd: random.Random):
    scheme = ScoringScheme((Criterion("urgensi", Decimal("0.4"), 5),
                            Criterion("manfaat", Decimal("0.35"), 5),
                            Criterion("swadaya", Decimal("0.25"), 3)))
    items = [KamusItem(f"k-{i}", f"K{i:02d}", f"Item {i}", 2027, "12.21", "1.03.10.2.01.0001",
                       "1.03.0.00.0.00.01.0000", "unit", Decimal(rnd.randint(1, 400) * 25000))
             for i in range(20)]
    start = datetime(2026, 1, 5, 8, tzinfo=WIB)
    usulans, sheets = [], {}
    for n in range(COUNT):
        item = rnd.choice(items)
        volume = Decimal(rnd.randint(1, 400))
        at = start + timedelta(minutes=rnd.randint(0, 60 * 24 * 26))
        desa = f"12.21.{1 + n % 17:02d}.{2001 + n % 18}"
        usulan = Usulan(
            id=f"u-{n:05d}", tracking_code=generate_tracking_code(rnd.randrange), tahun=2027,
            pemda="12.21", kecamatan=desa.rsplit(".", 1)[0], desa=desa, kamus_item=item,
            volume=volume, cost=compute_cost(volume, item.harga_satuan), permasalahan="p",
            gagasan="g", created_by="op", created_at=at, status=UsulanStatus.SUBMITTED,
            submitted_at=at)
        usulans.append(usulan)
        sheets[usulan.id] = {c.name: rnd.randint(0, c.max_score) for c in scheme.criteria}
    return scheme, usulans, sheets


def run_once(scheme, usulans, sheets) -> float:
    began = time.perf_counter()
    entries = [entry_for(u, weighted_total(scheme, sheets[u.id])) for u in usulans]
    ranked = rank(entries)
    elapsed = time.perf_counter() - began
    assert len(ranked) == COUNT
    return elapsed


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="also write the JSON result to this file")
    args = parser.parse_args(argv)
    scheme, usulans, sheets = build(random.Random(SEED))
    times = [run_once(scheme, usulans, sheets) for _ in range(RUNS)]
    result = {
        "ranking_2000_seconds_median": round(statistics.median(times), 6),
        "ranking_2000_seconds_max": round(max(times), 6),
        "usulan": COUNT, "runs": RUNS, "seed": SEED,
    }
    text = json.dumps(result, sort_keys=True)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
