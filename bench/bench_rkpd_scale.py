"""Benchmark: RKPD assembly time and peak memory at SCALE=1, 5 and 10, and whether it grows linearly.

    .venv/bin/python bench/bench_rkpd_scale.py [--scales 1,5,10] [--repeats 3] [--out var/bench/rkpd_scale.json]
    .venv/bin/python bench/bench_rkpd_scale.py --quick     # seconds: SCALE=0.05 and 0.2, once each

SCALE=1 is Padang Lawas (docs/domain.md): 1,600 usulan at Musrenbang kecamatan, 1 in 4 accepted
through kabupaten (≈ the 380 of 1,600 reported), 500 renja rows, 600 pokir (30 DPRD members in 5
dapil, 20 each); 40 OPD and the region tree (304 desa) stay fixed. SCALE=S multiplies every
per-cycle volume by S: SCALE=10 is 16,000 usulan (a DKI-Jakarta-size intake), 5,000 rows, 6,000 pokir.

For each scale a fresh process (so that its peak memory is its own) empties the RKPD service's
copy tables in one benchmark database (`--database` and a run suffix, dropped at the end), loads the
scale's synthetic cycle straight into them (loading is not what is measured), then `--repeats`
times does what the RKPD service does when the last stage closes, timed per step:
  check   completeness of the three stages against their close manifests (completeness.check);
  build   gathering the inputs and building the document (assembly.build_from);
  render  JSON, XLSX, HTML and PDF in the renderer subprocess (render.render_in_subprocess).
The median of the repeats is reported. Peak memory: the service process's VmHWM, reset before each
repeat (/proc/self/clear_refs), so it is the peak of the assembly itself, next to the RSS before it;
the renderer child's VmHWM sampled from /proc while it runs (ru_maxrss would report the parent's
size: Linux carries it across fork+exec). CPU: this process and the renderer (getrusage), PostgreSQL
(/proc).

The growth curve: least-squares lines time = a + b·usulan (and peak memory = a + b·usulan) over the
scales, with R² and b as ms (MiB) per 1,000 usulan, and the log-log slope between the smallest and
the largest scale (1.0 = proportional; near 2 = quadratic). Linear means R² ≥ 0.99, judged on the
CPU time (this process's plus the renderer's): the wall time of a shared machine also carries what
everyone else runs on it, the CPU time is the work itself; both lines are reported. Writes the JSON to --out and a
Markdown table next to it (--md). Not a test: nothing here asserts a speed.
"""
from __future__ import annotations

import argparse
import csv
import gc
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (ROOT, CpuMeter, fmt, linear_fit, machine, md_table, now_iso, reset_peak_rss, rss_mib,  # noqa: E402
                    write_json, write_report)

PEMDA, TAHUN = "12.21", 2027
BASE = {"usulan": 1600, "renja_rows": 500, "pokir": 600}  # SCALE=1
OPD_COUNT, MEMBERS, DAPIL, ACCEPT_EVERY = 40, 30, 5, 4
QUICK_SCALES, FULL_SCALES = "0.05,0.2", "1,5,10"


def sizes(scale: float) -> dict:
    return {name: max(1, round(n * scale)) for name, n in BASE.items()} | {"opd": OPD_COUNT, "anggota_dprd": MEMBERS}


# -- one scale (runs in its own process) --------------------------------------------------------------

def _codes() -> list[str]:
    from eplanning_common.config import data_dir

    with open(data_dir() / "nomenklatur_kabkota.csv", encoding="utf-8", newline="") as fh:
        return [r["kode"] for r in csv.DictReader(fh)
                if r["tingkat"] == "sub_kegiatan" and r["kode"].split(".")[3] == "2" and not r["kode"].startswith("X")]


def load(engine, size: dict, rnd: random.Random):
    """The scale's cycle in the RKPD copy tables (emptied first), as the stage events would leave it."""
    import sqlalchemy as sa

    from rkpd.domain import OpdIn
    from rkpd.tables import opd_decision, pokir_copy, renja_row_copy, usulan_base, usulan_decision

    now = datetime.now(timezone.utc).isoformat()
    subs = _codes()
    opds = [OpdIn(f"{i:02d}.00.0.00.0.00.01.0000", f"OPD Contoh {i:02d}") for i in range(1, OPD_COUNT + 1)]
    with engine.connect() as conn:
        desa = [r[0] for r in conn.execute(sa.text(
            "select kode from wilayah where pemda = :p and tingkat = 'desa_kelurahan' order by kode"), {"p": PEMDA})]
    rows = []
    for i in range(size["renja_rows"]):
        pagu = rnd.randrange(10, 2000) * 1_000_000
        rows.append({"row_id": f"R{i:06d}", "pemda": PEMDA, "tahun": TAHUN, "version": 1, "deleted": False, "data": {
            "row_id": f"R{i:06d}", "version": 1, "opd": opds[i % OPD_COUNT].kode,
            "sub_kegiatan": subs[rnd.randrange(len(subs))], "indikator": "Indikator kinerja",
            "target": str(rnd.randrange(1, 500)), "satuan": "unit", "pagu_n": f"{pagu}.00", "pagu_n1": f"{pagu // 2}.00",
            "lokasi": [desa[i % len(desa)][:8]], "sumber_dana": "DAU", "prioritas_nasional": [],
            "prioritas_daerah": [], "kelompok_sasaran": "Masyarakat", "sumber": []}})
    usulan, decisions, opd_dec = [], [], []
    for i in range(size["usulan"]):
        d = desa[i % len(desa)]
        uid = f"U{i:06d}"
        cost = rnd.randrange(5, 500) * 1_000_000
        usulan.append({"usulan_id": uid, "pemda": PEMDA, "tahun": TAHUN, "version": 1, "withdrawn": False, "data": {
            "usulan_id": uid, "tracking_code": f"T{i:07d}", "version": 1, "kecamatan": d[:8], "desa": d,
            "kamus_kode": "DRN-01", "sub_kegiatan": subs[i % len(subs)], "opd": opds[i % OPD_COUNT].kode,
            "satuan": "unit", "harga_satuan": "1000000.00", "volume": str(cost // 1_000_000), "cost": f"{cost}.00",
            "permasalahan": "Masalah", "gagasan": f"Usulan nomor {i}", "submitted_at": now}})
        accepted = i % ACCEPT_EVERY == 0
        for level in ("desa", "kecamatan", "kabupaten") if accepted else ("desa", "kecamatan"):
            status = "diterima" if accepted or level == "desa" else "ditolak"
            decisions.append({"usulan_id": uid, "level": level, "data": {
                "usulan_id": uid, "level": level, "status": status, "reason": "" if status == "diterima" else "Alasan",
                "volume": str(cost // 1_000_000), "cost": f"{cost}.00"}})
        if accepted:
            opd_dec.append({"event_id": f"E{i}", "source": "musrenbang", "source_id": uid, "decided_at": now,
                            "data": {"decision": "diakomodasi", "reason": ""}})
    per_member = max(1, math.ceil(size["pokir"] / MEMBERS))
    pokir = []
    for i in range(size["pokir"]):
        pid = f"P{i:06d}"
        pokir.append({"pokir_id": pid, "pemda": PEMDA, "tahun": TAHUN, "version": 4, "data": {
            "pokir_id": pid, "version": 4, "anggota_id": f"A{i // per_member:02d}", "dapil": f"PALAS-{i % DAPIL + 1}",
            "status": "disampaikan", "judul": f"Pokir {i}", "kecamatan": desa[i % len(desa)][:8],
            "desa": desa[i % len(desa)], "sub_kegiatan": subs[i % len(subs)], "opd": opds[i % OPD_COUNT].kode,
            "volume": "1", "cost": "150000000.00", "alasan_tidak_diakomodasi": None}})
    members = {f"A{m:02d}": {"anggota": f"Anggota DPRD {m:02d}", "fraksi": "Fraksi A", "dapil": f"Dapil {m % DAPIL + 1}"}
               for m in range(MEMBERS)}
    tables = (renja_row_copy, usulan_base, usulan_decision, opd_decision, pokir_copy)
    with engine.begin() as conn:
        conn.execute(sa.text("truncate " + ", ".join(t.name for t in tables)))
        for table, values in zip(tables, (rows, usulan, decisions, opd_dec, pokir)):
            for start in range(0, len(values), 2000):
                conn.execute(table.insert(), values[start:start + 2000])
    with engine.connect() as conn:
        conn.execute(sa.text("analyze"))
    return opds, members, len(opd_dec)


def _cpu(who) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


class RendererWatch:
    """Samples the VmHWM (peak RSS, MiB) of this process's `rkpd.render` child every 20 ms. The
    child is looked for among this process's children only (/proc/self/task/*/children), then
    only its /proc/<pid>/status is read: the watch must not take CPU from the renderer."""

    def __init__(self):
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _renderer() -> int | None:
        for task in Path("/proc/self/task").iterdir():
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for pid in children:
                try:
                    if b"rkpd.render" in Path(f"/proc/{pid}/cmdline").read_bytes():
                        return int(pid)
                except OSError:
                    continue
        return None

    def _run(self):
        pid = None
        while not self._stop.is_set():
            pid = pid or self._renderer()
            if pid is not None:
                peak = rss_mib(pid).get("peak")
                if peak is None:  # it ended
                    pid = None
                else:
                    self.peak = max(self.peak, peak)
            self._stop.wait(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def run_scale(scale: float, database_url: str, repeats: int) -> dict:
    import eventlet

    eventlet.monkey_patch()  # as in the service process (psycopg2 made cooperative by make_engine)

    from eplanning_common.db import UnitOfWork, make_engine
    from rkpd import assembly, completeness
    from rkpd.render import render_in_subprocess

    size = sizes(scale)
    engine = make_engine(database_url)
    t_load = time.perf_counter()
    opds, members, accepted = load(engine, size, random.Random(2027))
    load_seconds = time.perf_counter() - t_load
    with UnitOfWork(engine, "rkpd") as uow:  # what the stages' close manifests would say
        manifests = {}
        for stage, count_key in completeness.COUNT_KEY.items():
            records = completeness.RECORDS[stage](uow, PEMDA, TAHUN)
            manifests[stage] = {count_key: len(records), "digest": completeness.digest(records)}
    runs = []
    for _ in range(repeats):
        gc.collect()
        before = rss_mib()
        peak_reset = reset_peak_rss()
        self0, child0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        meter = CpuMeter(roles={os.getpid(): "rkpd"}, ours=set()).start()
        with UnitOfWork(engine, "rkpd") as uow, tempfile.TemporaryDirectory(prefix="bench-rkpd-") as out:
            c0, t0 = _cpu(resource.RUSAGE_SELF), time.perf_counter()
            problems = [p for p in (completeness.check(uow, PEMDA, TAHUN, s, m) for s, m in manifests.items()) if p]
            t1 = time.perf_counter()
            document = assembly.build_from(uow, PEMDA, TAHUN, "rancangan awal", 1, manifests, opds, members)
            c2, t2 = _cpu(resource.RUSAGE_SELF), time.perf_counter()
            service_peak = rss_mib().get("peak")  # the render runs in a child: this is the assembly's peak
            r0 = _cpu(resource.RUSAGE_CHILDREN)
            with RendererWatch() as watch:
                files = render_in_subprocess(document, Path(out), timeout=900)
            t3, r3 = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
        cpu = meter.stop()
        self1, child1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu["groups"].pop("rkpd", None)
        cpu["groups"]["rkpd_service"] = {"cpu_seconds": round(self1.ru_utime + self1.ru_stime
                                                              - self0.ru_utime - self0.ru_stime, 2)}
        cpu["groups"]["rkpd_renderer"] = {"cpu_seconds": round(child1.ru_utime + child1.ru_stime
                                                               - child0.ru_utime - child0.ru_stime, 2)}
        for group in ("rkpd_service", "rkpd_renderer"):
            seconds = cpu["groups"][group]["cpu_seconds"]
            cpu["groups"][group].update({"cpus": round(seconds / cpu["seconds"], 2),
                                         "percent_of_machine": round(100 * seconds / (cpu["seconds"] * (os.cpu_count() or 1)), 1)})
        runs.append({
            "problems": problems,
            "seconds": {"check": t1 - t0, "build": t2 - t1, "render": t3 - t2, "assembly": t2 - t0, "total": t3 - t0},
            # CPU time of the assembling process (check + build) and of the renderer child: the work
            # itself, much less sensitive than wall time to what else runs on the machine
            "cpu_seconds": {"assembly": c2 - c0, "render": r3 - r0, "total": c2 - c0 + r3 - r0},
            "rss_before_mib": before.get("rss"), "service_peak_mib": service_peak if peak_reset else None,
            "renderer_peak_mib": round(watch.peak, 1) or None, "cpu": cpu,
            "files_bytes": {name: f["bytes"] for name, f in files.items()},
            "chapter_v_lines": len(document["tabel_v"]["baris"]),
        })
        del document
    engine.dispose()
    median = {k: round(statistics.median(r["seconds"][k] for r in runs), 3) for k in runs[0]["seconds"]}
    cpu_median = {k: round(statistics.median(r["cpu_seconds"][k] for r in runs), 3) for k in runs[0]["cpu_seconds"]}
    return {
        "scale": int(scale) if float(scale).is_integer() else scale, "inputs": {**size, "usulan_accepted": accepted},
        "load_seconds": round(load_seconds, 2), "repeats": repeats, "seconds_median": median,
        "seconds_runs": [{k: round(v, 3) for k, v in r["seconds"].items()} for r in runs],
        "cpu_seconds_median": cpu_median,
        "rss_before_mib": runs[0]["rss_before_mib"],
        "service_peak_mib": max((r["service_peak_mib"] for r in runs if r["service_peak_mib"]), default=None),
        "renderer_peak_mib": max((r["renderer_peak_mib"] for r in runs if r["renderer_peak_mib"]), default=None),
        "problems": runs[0]["problems"], "chapter_v_lines": runs[0]["chapter_v_lines"],
        "files_bytes": runs[0]["files_bytes"], "cpu": runs[len(runs) // 2]["cpu"],
    }


# -- the curve ---------------------------------------------------------------------------------------

def _fit(xs: list[float], ys: list[float]) -> dict:
    fit = linear_fit(xs, ys)
    loglog = (math.log(ys[-1] / ys[0]) / math.log(xs[-1] / xs[0])
              if len(xs) > 1 and ys[0] > 0 and ys[-1] > 0 and xs[-1] != xs[0] else None)
    return {
        "ms_per_1000_usulan": None if fit["slope"] is None else round(fit["slope"] * 1000, 1),
        "intercept_ms": None if fit["intercept"] is None else round(fit["intercept"], 1),
        "r2": None if fit["r2"] is None else round(fit["r2"], 4),
        "loglog_slope": None if loglog is None else round(loglog, 2),
        "linear": None if fit["r2"] is None else fit["r2"] >= LINEAR_R2,
    }


LINEAR_R2 = 0.99


def growth(points: list[dict]) -> dict:
    """Least-squares lines over the scales: wall time (total, assembly, render; ms), CPU time
    (`*_cpu`; ms) and the assembling process's peak memory (MiB)."""
    xs = [p["inputs"]["usulan"] for p in points]
    curve = {}
    for name in ("total", "assembly", "render"):
        curve[name] = _fit(xs, [p["seconds_median"][name] * 1000 for p in points])
        if all("cpu_seconds_median" in p for p in points):
            curve[f"{name}_cpu"] = _fit(xs, [p["cpu_seconds_median"][name] * 1000 for p in points])
    mem = [p["service_peak_mib"] for p in points]
    if all(m is not None for m in mem):
        fit = linear_fit(xs, mem)
        curve["service_peak_memory"] = {
            "mib_per_1000_usulan": None if fit["slope"] is None else round(fit["slope"] * 1000, 2),
            "intercept_mib": None if fit["intercept"] is None else round(fit["intercept"], 1),
            "r2": None if fit["r2"] is None else round(fit["r2"], 4)}
    return curve


def verdict(curve: dict) -> str:
    """Linear or not, judged on the CPU time when it was measured (the wall time of a shared
    machine carries everyone else's load), with the wall-time line beside it."""
    wall, cpu = curve.get("total", {}), curve.get("total_cpu", {})
    if wall.get("r2") is None:
        return "one scale only: no curve"
    judged = cpu if cpu.get("r2") is not None else wall
    shape = "linear" if judged["linear"] else "not linear"
    text = f"{shape}: "
    if judged is cpu:
        text += (f"CPU time = {cpu['intercept_ms']:,.0f} ms + {cpu['ms_per_1000_usulan']:,.1f} ms per 1,000 usulan "
                 f"(R² {cpu['r2']:.4f}, log-log slope {cpu['loglog_slope']}); ")
    return text + (f"wall time = {wall['intercept_ms']:,.0f} ms + {wall['ms_per_1000_usulan']:,.1f} ms per 1,000 "
                   f"usulan (R² {wall['r2']:.4f}, log-log slope {wall['loglog_slope']})")


def markdown(result: dict) -> str:
    lines = ["# RKPD assembly at scale", "",
             f"Measured {result['measured_at']} on {result['machine']['cpus']} CPUs; median of {result['repeats']} "
             "run(s) per scale, each scale in a fresh process. SCALE=1: Padang Lawas (1,600 usulan, 1 in 4 accepted, "
             "500 renja rows, 600 pokir, 40 OPD).", ""]
    lines += md_table(
        ["SCALE", "usulan", "accepted", "renja rows", "pokir", "chapter V lines", "check s", "build s", "render s",
         "total s", "CPU s", "ms / 1,000 usulan", "service RSS before MiB", "service peak MiB", "renderer peak MiB"],
        [[p["scale"], fmt(p["inputs"]["usulan"]), fmt(p["inputs"]["usulan_accepted"]), fmt(p["inputs"]["renja_rows"]),
          fmt(p["inputs"]["pokir"]), fmt(p["chapter_v_lines"]), f"{p['seconds_median']['check']:.2f}",
          f"{p['seconds_median']['build']:.2f}", f"{p['seconds_median']['render']:.2f}",
          f"{p['seconds_median']['total']:.2f}", f"{p['cpu_seconds_median']['total']:.2f}",
          fmt(p["seconds_median"]["total"] * 1e6 / p["inputs"]["usulan"]),
          p["rss_before_mib"], p["service_peak_mib"], p["renderer_peak_mib"]] for p in result["scales"]],
        right=set(range(1, 15)))
    curve = result["growth"]
    lines += ["", f"Growth: {result['verdict']}."]
    for name in ("assembly", "render", "assembly_cpu", "render_cpu"):
        c = curve.get(name)
        if c and c["r2"] is not None:
            label = name.replace("_cpu", " (CPU time)")
            lines.append(f"* {label}: {c['ms_per_1000_usulan']:,.1f} ms per 1,000 usulan + {c['intercept_ms']:,.0f} ms, "
                         f"R² {c['r2']:.4f}, log-log slope {c['loglog_slope']}")
    mem = curve.get("service_peak_memory")
    if mem and mem["r2"] is not None:
        lines.append(f"* service peak memory: {mem['intercept_mib']:,.0f} MiB + {mem['mib_per_1000_usulan']} MiB per "
                     f"1,000 usulan, R² {mem['r2']:.4f}")
    lines += ["", "check: completeness against the close manifests; build: gathering the inputs and building the "
              "document; render: JSON, XLSX, HTML and PDF in the renderer subprocess. CPU s: CPU time of the assembling "
              "process (check + build) plus the renderer's (PostgreSQL's excluded). Service peak: VmHWM of the "
              "assembling process during check + build (reset before each run); renderer peak: VmHWM of the "
              "renderer child.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default=None, help=f"comma-separated SCALE values (default {FULL_SCALES})")
    parser.add_argument("--repeats", type=int, default=None, help="runs per scale, median reported (default 3)")
    parser.add_argument("--quick", action="store_true", help=f"a smoke run: SCALE={QUICK_SCALES}, one run each")
    parser.add_argument("--database", default="eplanning_bench_rkpd_scale",
                        help="the database's name begins with it (a run suffix follows); dropped at the end")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "rkpd_scale.json"))
    parser.add_argument("--md", default=None, help="Markdown report (default: --out with .md)")
    parser.add_argument("--one-scale", type=float, default=None, help=argparse.SUPPRESS)  # the per-scale child
    parser.add_argument("--database-url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)

    if args.one_scale is not None:
        result = run_scale(args.one_scale, args.database_url, repeats)
        write_json(args.out, result)
        return 0

    scales = [float(s) for s in (args.scales or (QUICK_SCALES if args.quick else FULL_SCALES)).split(",") if s.strip()]
    scales = [int(s) if s.is_integer() else s for s in scales]
    if not scales or any(s <= 0 for s in scales) or repeats < 1:
        parser.error("--scales: positive numbers; --repeats: at least 1")

    sys.path.insert(0, str(ROOT))
    from tests.integration import support

    started = time.monotonic()
    try:
        return measure(args, scales, repeats, started)
    finally:
        support.drop_created_databases()  # the benchmark's database (named with a run suffix)


def measure(args, scales: list, repeats: int, started: float) -> int:
    import sqlalchemy as sa

    from eplanning_common.migrations import migrate
    from eplanning_common.wilayah import load_wilayah
    from tests.integration import support

    url = support.fresh_database(args.database)
    migrate("rkpd", url)
    engine = sa.create_engine(url)
    load_wilayah(engine, PEMDA)
    engine.dispose()
    points = []
    with tempfile.TemporaryDirectory(prefix="bench-rkpd-scale-") as tmp:
        for scale in sorted(scales):
            size = sizes(scale)
            print(f"rkpd: SCALE={scale}: {size['usulan']:,} usulan, {size['renja_rows']:,} renja rows, "
                  f"{size['pokir']:,} pokir; {repeats} run(s)", flush=True)
            part = Path(tmp) / f"scale-{scale}.json"
            done = subprocess.run([sys.executable, __file__, "--one-scale", str(scale), "--database-url", url,
                                   "--repeats", str(repeats), "--out", str(part)], cwd=ROOT)
            if done.returncode != 0:
                print(f"bench_rkpd_scale: SCALE={scale} failed (exit {done.returncode})", file=sys.stderr)
                return 1
            point = json.loads(part.read_text())
            if point["problems"]:
                print(f"bench_rkpd_scale: SCALE={scale}: completeness problems {point['problems']}", file=sys.stderr)
                return 1
            med = point["seconds_median"]
            print(f"  check {med['check']:.2f} s, build {med['build']:.2f} s, render {med['render']:.2f} s, "
                  f"total {med['total']:.2f} s; peak {point['service_peak_mib']} MiB (renderer "
                  f"{point['renderer_peak_mib']} MiB)", flush=True)
            points.append(point)
    curve = growth(points)
    result = {"scales": points, "growth": curve, "verdict": verdict(curve), "repeats": repeats, "quick": args.quick,
              "base_scale": {**BASE, "opd": OPD_COUNT, "anggota_dprd": MEMBERS, "accepted": f"1 in {ACCEPT_EVERY}"},
              "machine": machine(), "measured_at": now_iso(), "wall_seconds": round(time.monotonic() - started, 1)}
    print(f"rkpd: {result['verdict']}", flush=True)
    out, md = write_report(result, args.out, args.md, markdown)
    print(f"written to {out} and {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
