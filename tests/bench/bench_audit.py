"""Benchmark: what the audit chain costs a state change.

    python tests/bench/bench_audit.py [--units 2000] [--out FILE]

On a throwaway database (dropped at the end): bursts of units of work, each inserting one row and
emitting one event (the shape of an RPC such as submit_usulan), by 1, 4 and 16 concurrent writers,
once with the audit append (what services do) and once without it (a UnitOfWork subclass that skips
it, for comparison only). Every append takes the chain lock (pg_advisory_xact_lock) just before
COMMIT, so concurrent writers queue for the tail: the interesting numbers are the latency added at
concurrency 1 (the cost of one append) and the throughput lost at 4 and 16 (the cost of the
serialization). Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "common"))

import sqlalchemy as sa  # noqa: E402

from eplanning_common import audit  # noqa: E402
from eplanning_common.db import UnitOfWork  # noqa: E402
from eplanning_common.migrations import create_database_if_missing  # noqa: E402
from eplanning_common.schema import metadata as plumbing  # noqa: E402

PG_URI = os.environ.get("PG_URI", "postgresql://postgres@127.0.0.1:5432")
IDENTITY = {"sub": "bench", "role": "bappeda", "pemda": "12.21"}
bench_meta = sa.MetaData()
items = sa.Table("bench_items", bench_meta, sa.Column("id", sa.Text, primary_key=True), sa.Column("n", sa.Integer))


class UnauditedUnitOfWork(UnitOfWork):
    """For comparison only: the same unit of work without the audit append."""

    def commit(self) -> None:
        self.audit_entries.clear()
        self.writes.clear()
        super().commit()


def hold_connections(engine, n: int, patience: float = 300.0) -> None:
    """Open the pool's n connections before measuring (waiting while the server is full), so that no
    burst stalls on, or fails at, connecting."""
    deadline, held = time.monotonic() + patience, []
    try:
        while len(held) < n:
            try:
                held.append(engine.connect())
            except sa.exc.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)
    finally:
        for conn in held:
            conn.close()


def burst(engine, unit_class, writers: int, units: int) -> dict:
    latencies: list[float] = []
    failures: list[BaseException] = []
    lock = threading.Lock()
    per_writer = units // writers

    def work(w: int) -> None:
        mine = []
        try:
            for i in range(per_writer):
                started = time.perf_counter()
                with unit_class(engine, "bench", None, {"identity": IDENTITY}) as uow:
                    key = f"{w}-{i}-{uuid.uuid4().hex[:6]}"
                    uow.execute(items.insert().values(id=key, n=i))
                    uow.emit("item.recorded.v1", key, {"key": key, "n": i, "volume": "12.50"}, "12.21", 2027)
                mine.append(time.perf_counter() - started)
        except BaseException as exc:  # reported below: a burst with a dead writer measures nothing
            failures.append(exc)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(f"{len(failures)} writer(s) failed: {failures[0]!r}")
    latencies.sort()
    return {"writers": writers, "units": len(latencies), "units_per_second": round(len(latencies) / elapsed, 1),
            "latency_ms_p50": round(statistics.median(latencies) * 1000, 2),
            "latency_ms_p99": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
            "latency_ms_mean": round(statistics.fmean(latencies) * 1000, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=2000, help="units of work per burst")
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()

    name = f"eplanning_bench_audit_{uuid.uuid4().hex[:6]}"
    url = f"{PG_URI}/{name}"
    create_database_if_missing(url)
    engine = sa.create_engine(url, pool_size=16, max_overflow=0)
    try:
        plumbing.create_all(engine)
        bench_meta.create_all(engine)
        with engine.begin() as conn:
            audit.create_audit_log(conn)
        hold_connections(engine, 16)
        burst(engine, UnitOfWork, 4, 200)  # warm up the caches
        results = []
        for writers in (1, 4, 16):
            for label, unit_class in (("without_audit", UnauditedUnitOfWork), ("with_audit", UnitOfWork)):
                results.append({"mode": label, **burst(engine, unit_class, writers, args.units)})
        with engine.connect() as conn:
            report = audit.verify(conn)
        assert report.ok, report.broken
        rows = {(r["mode"], r["writers"]): r for r in results}
        summary = {
            "append_ms_added_at_1_writer": round(rows[("with_audit", 1)]["latency_ms_mean"]
                                                 - rows[("without_audit", 1)]["latency_ms_mean"], 2),
            **{f"throughput_ratio_at_{w}_writers": round(rows[("with_audit", w)]["units_per_second"]
                                                         / rows[("without_audit", w)]["units_per_second"], 2)
               for w in (1, 4, 16)},
            "chain_entries_verified": report.count,
        }
        out = {"bench": "audit_chain", "units_per_burst": args.units, "results": results, "summary": summary}
        text = json.dumps(out, indent=2)
        print(text)
        if args.out:
            Path(args.out).write_text(text + "\n")
    finally:
        engine.dispose()
        admin = sa.create_engine(f"{PG_URI}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
