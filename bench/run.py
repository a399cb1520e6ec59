"""The benchmark harness: every benchmark in sequence, each figure beside its reference measured in
the same run on the same machine.

    make up && make bench                       # the whole run (about 5 minutes); or:
    .venv/bin/python bench/run.py [--quick] [--sections gateway,pipeline,rkpd] [--readme]

Sections (each a script of bench/, run as its own process, also runnable alone; run in the order
pipeline, rkpd, gateway, reported in this one):
  gateway   bench_gateway.py: authenticated read and write through gunicorn vs a bare Falcon
            hello-world under the same gunicorn settings. Needs the stack (`make up`); when the
            gateway does not answer /readyz the section is recorded as "skipped: gateway not
            running" and the run goes on.
  pipeline  bench_pipeline.py: usulan routed by the stage close until visible in the OPD inbox
            vs raw kombu publish/consume of the same message (own services, databases, vhost).
  rkpd      bench_rkpd_scale.py: RKPD assembly time and peak memory at SCALE=1, 5, 10 with the
            growth curve (linear fit, R², ms per 1,000 usulan).
CPU per service: every section measures CPU per process group from /proc during its phases;
the harness gathers them into one table.

Writes bench/results.json (machine, date, git commit, every figure with its reference and units,
plus each section's full report) and bench/results.md (the tables); the sections' own reports go
to var/bench/. `--readme` also puts results.md into README.md between the
`<!-- bench-results:begin -->` and `<!-- bench-results:end -->` markers. `--quick` is a smoke run
of seconds (the suite runs it: tests/integration/test_bench_harness.py). Exit status 1 when a
section failed (a skipped gateway is not a failure).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, fmt, git_commit, machine, md_table, now_iso, wait_for_quiet, write_json  # noqa: E402

BENCH = ROOT / "bench"
SECTIONS = ("gateway", "pipeline", "rkpd")  # the order of the report
# the order of the run: the gateway last, as its load leaves the stack's connection pools full (the
# PostgreSQL server is shared with the other sections' own services)
RUN_ORDER = ("pipeline", "rkpd", "gateway")
README_BEGIN, README_END = "<!-- bench-results:begin -->", "<!-- bench-results:end -->"
SKIPPED_GATEWAY = "skipped: gateway not running"


def rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def gateway_ready(url: str) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=5) as response:
            return response.status == 200, f"/readyz answered {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"/readyz answered {exc.code}"
    except OSError as exc:
        return False, f"{url} is not reachable ({getattr(exc, 'reason', exc)})"


def pg_headroom() -> int | None:
    """Free PostgreSQL connection slots (0 when it refuses connections), None if it cannot be asked."""
    try:
        import psycopg2
    except ImportError:
        return None
    dsn = os.environ.get("TEST_PG_URI", "postgresql://postgres@127.0.0.1:5432") + "/postgres"
    try:
        conn = psycopg2.connect(dsn, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        return 0 if "too many clients" in str(exc) else None
    try:
        with conn.cursor() as cur:
            cur.execute("select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
                        " - (select count(*) from pg_stat_activity)")
            return cur.fetchone()[0]
    finally:
        conn.close()


def wait_for_postgres(needed: int, max_seconds: float) -> int | None:
    """Wait (up to `max_seconds`) until PostgreSQL has `needed` free connections (on a shared
    machine others' stacks and tests hold them); returns the last count."""
    deadline = time.monotonic() + max_seconds
    while True:
        free = pg_headroom()
        if free is None or free >= needed or time.monotonic() >= deadline:
            return free
        print(f"  waiting: PostgreSQL has {free} free connections, the benchmark needs {needed}", flush=True)
        time.sleep(10)


def run_script(name: str, args: list[str], log: Path) -> tuple[int, float]:
    """Run bench/<name> with this Python, its output shown and kept in `log`."""
    started = time.monotonic()
    cmd = [sys.executable, str(BENCH / name), *args]
    print(f"\n== {name} {' '.join(args)}", flush=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            fh.write(line)
        proc.wait()
    return proc.returncode, time.monotonic() - started


def ratio(value, reference):
    if value is None or reference in (None, 0):
        return None
    return round(value / reference, 4)


def figure(section: str, name: str, value, unit: str, reference_name: str, reference, reference_unit: str | None = None,
           better: str = "higher") -> dict:
    """One figure beside its reference (same run, same machine)."""
    reference_unit = reference_unit or unit
    return {"section": section, "name": name, "value": value, "unit": unit,
            "reference": {"name": reference_name, "value": reference, "unit": reference_unit},
            "ratio": ratio(value, reference) if reference_unit == unit else None,
            "better": better}


# -- the sections' figures ----------------------------------------------------------------------------

def gateway_figures(report: dict) -> list[dict]:
    phases = {p["phase"]: p for p in report["phases"]}
    hello = phases.get("hello")
    out = []
    for phase, label in (("read", "authenticated read"), ("write", "authenticated write")):
        p = phases.get(phase)
        if not p:
            continue
        request = f"{p['method']} {p['path']}"
        ref = "bare Falcon hello-world, same gunicorn settings"
        out.append(figure("gateway", f"{label} throughput ({request})", p["requests_per_second"], "req/s",
                          ref, hello and hello["requests_per_second"]))
        for q in ("p50", "p99"):
            out.append(figure("gateway", f"{label} latency {q} ({request})", p["latency_ms"][q], "ms", ref,
                              hello and hello["latency_ms"][q], better="lower"))
    return out


def pipeline_figures(report: dict) -> list[dict]:
    pb, ps = report["pipeline"]["batch"], report["pipeline"]["single"]
    rb, rs = report["reference"]["batch"], report["reference"]["single"]
    n, size = pb["usulan_routed"], report["reference"]["message_bytes"]
    ref_batch = f"raw kombu: {rb['messages']:,} × {size}-byte messages, publish (persistent, confirms) → consume (ack)"
    ref_single = f"raw kombu: one {size}-byte message at a time, publish → ack"
    out = [figure("pipeline", f"{n:,} usulan routed at once: commit → visible in the OPD inbox, throughput",
                  pb["items_per_second"], "items/s", ref_batch, rb["items_per_second"])]
    for q in ("p50", "p99"):
        out.append(figure("pipeline", f"{n:,} usulan routed at once: latency {q} (from the commit)",
                          pb["latency_ms"][q], "ms", ref_batch + " (from the first publish)", rb["latency_ms"][q],
                          better="lower"))
    for q in ("p50", "p99"):
        out.append(figure("pipeline", f"one usulan at a time (idle pipeline): latency {q}", ps["latency_ms"][q], "ms",
                          ref_single, rs["latency_ms"][q], better="lower"))
    return out


def scale_text(scale) -> str:
    return f"{scale:g}"


def rkpd_figures(report: dict) -> list[dict]:
    points = report["scales"]
    base = next((p for p in points if p["scale"] == 1), points[0])
    out = []
    for p in points:
        factor = p["inputs"]["usulan"] / base["inputs"]["usulan"]
        label = f"SCALE={scale_text(p['scale'])} ({p['inputs']['usulan']:,} usulan)"
        ref = f"SCALE={scale_text(base['scale'])} × {factor:g} (proportional growth)"
        out.append(figure("rkpd", f"{label}: assembly + render, total", p["seconds_median"]["total"], "s", ref,
                          round(base["seconds_median"]["total"] * factor, 3), better="lower"))
        out.append(figure("rkpd", f"{label}: assembly (check + build)", p["seconds_median"]["assembly"], "s", ref,
                          round(base["seconds_median"]["assembly"] * factor, 3), better="lower"))
        if "cpu_seconds_median" in p and "cpu_seconds_median" in base:
            out.append(figure("rkpd", f"{label}: CPU time (assembly + renderer)", p["cpu_seconds_median"]["total"],
                              "CPU s", ref, round(base["cpu_seconds_median"]["total"] * factor, 3), better="lower"))
        out.append(figure("rkpd", f"{label}: peak memory of the assembling process", p["service_peak_mib"], "MiB",
                          "its RSS before the assembly", p["rss_before_mib"], better="lower"))
        out.append(figure("rkpd", f"{label}: peak memory of the renderer", p["renderer_peak_mib"], "MiB",
                          f"SCALE={scale_text(base['scale'])}", base["renderer_peak_mib"], better="lower"))
    for key, what in (("total", "wall time"), ("total_cpu", "CPU time")):
        line = report["growth"].get(key, {})
        if line.get("ms_per_1000_usulan") is not None:
            out.append(figure("rkpd", f"growth of the total {what} (least squares over the scales, R² {line['r2']})",
                              line["ms_per_1000_usulan"], "ms per 1,000 usulan", "fixed cost (intercept)",
                              line["intercept_ms"], "ms", better="lower"))
    return out


def cpu_phases(section: str, report: dict) -> list[dict]:
    """[{"section", "phase", "seconds", "groups": {group: {cpu_seconds, percent_of_machine}}, "machine_busy_percent"}]"""
    found = []
    if section == "gateway":
        for p in report["phases"]:
            if "cpu" in p:
                found.append({"section": section, "phase": f"gateway {p['phase']}", **p["cpu"]})
    elif section == "pipeline":
        found.append({"section": section, "phase": "pipeline batch", **report["pipeline"]["batch"]["cpu"]})
        found.append({"section": section, "phase": "kombu reference batch", **report["reference"]["batch"]["cpu"]})
    elif section == "rkpd":
        for p in report["scales"]:
            found.append({"section": section, "phase": f"RKPD SCALE={scale_text(p['scale'])}", **p["cpu"]})
    return found


# -- Markdown --------------------------------------------------------------------------------------------

def _num(value, unit: str) -> str | None:
    if value is None:
        return None
    digits = 0 if unit in ("req/s", "items/s", "messages/s") and value >= 100 else (1 if unit != "s" else 2)
    return fmt(value, digits)


def _figure_rows(figures: list[dict]) -> list[list]:
    rows = []
    for f in figures:
        r = f["reference"]
        rows.append([f["name"], f"{_num(f['value'], f['unit'])} {f['unit']}" if f["value"] is not None else None,
                     r["name"], f"{_num(r['value'], r['unit'])} {r['unit']}" if r["value"] is not None else None,
                     None if f["ratio"] is None else f"{f['ratio']:.2f}×"])
    return rows


CPU_ORDER = ("gateway", "hello", "musrenbang", "pokir", "renja", "rkpd", "rkpd_service", "rkpd_renderer", "webhooks",
             "postgres", "rabbitmq", "load_generator", "harness", "kombu_publisher", "kombu_consumer", "other")


def markdown(results: dict) -> str:
    m, g = results["machine"], results["git"]
    lines = [f"Measured {results['measured_at']} on {m['cpus']} CPUs ({m.get('cpu_model') or 'unknown CPU'}, "
             f"{m.get('memory_gib')} GiB, {m['platform']}, Python {m['python']}) at commit "
             f"`{g['short']}`{' (with uncommitted changes)' if g['dirty'] else ''}"
             f"{'; QUICK smoke run, not a measurement' if results['quick'] else ''}. Every reference is measured in "
             "the same run on the same machine; ratio = figure ÷ reference. Rerun: `make up && make bench`.", ""]
    headers = ["figure", "measured", "reference (same run)", "reference value", "ratio"]
    for section, title in (("gateway", "Gateway (through gunicorn)"), ("pipeline", "Event pipeline"),
                           ("rkpd", "RKPD assembly")):
        info = results["sections"][section]
        lines += [f"### {title}", ""]
        if info["status"] != "ok":
            lines += [f"*{info['status']}*: {info.get('reason', '')}", ""]
            continue
        figures = [f for f in results["figures"] if f["section"] == section]
        if section == "rkpd":
            rk = results["reports"]["rkpd"]
            lines += md_table(
                ["SCALE", "usulan", "renja rows", "pokir", "check + build s", "render s", "total s", "CPU s",
                 "peak MiB (before)", "renderer peak MiB"],
                [[scale_text(p["scale"]), fmt(p["inputs"]["usulan"]), fmt(p["inputs"]["renja_rows"]), fmt(p["inputs"]["pokir"]),
                  f"{p['seconds_median']['assembly']:.2f}", f"{p['seconds_median']['render']:.2f}",
                  f"{p['seconds_median']['total']:.2f}",
                  f"{p['cpu_seconds_median']['total']:.2f}" if "cpu_seconds_median" in p else None,
                  f"{p['service_peak_mib']} ({p['rss_before_mib']})",
                  p["renderer_peak_mib"]] for p in rk["scales"]], right=set(range(1, 10)))
            lines += ["", f"Growth: {rk['verdict']}. " + "; ".join(
                f"{name.replace('_cpu', ' CPU')}: {c['ms_per_1000_usulan']:,.1f} ms per 1,000 usulan, R² {c['r2']:.4f}"
                for name, c in rk["growth"].items()
                if name in ("assembly", "render", "assembly_cpu", "render_cpu") and c.get("r2") is not None) + ".", ""]
            figures = [f for f in figures if "total" in f["name"] or "growth" in f["name"] or "CPU time" in f["name"]]
        lines += md_table(headers, _figure_rows(figures), right={1, 3, 4})
        if section == "pipeline":
            p = results["reports"]["pipeline"]["pipeline"]
            lines += ["", f"Batch latencies run from the commit of the routing (reference: the first publish) to each "
                          f"item, so they include the wait behind the items before it; verified afterwards through "
                          f"Renja's `inbox` RPC ({p['verified']['items']} items)."]
        lines.append("")
    if results["cpu_per_service"]:
        lines += ["### CPU per service", "",
                  "CPU-seconds (and % of the machine's CPUs) per process group during each measured phase. postgres and "
                  "rabbitmq count whole (whoever they work for); *other* is everything else on the machine, competing "
                  "for the same CPUs.", ""]
        for section in SECTIONS:
            phases = [p for p in results["cpu_per_service"] if p["section"] == section]
            used = {gr for p in phases for gr, v in p["groups"].items() if v["cpu_seconds"] > 0}
            groups = [gr for gr in CPU_ORDER if gr in used] + sorted(used - set(CPU_ORDER))
            if not phases:
                continue
            lines += md_table(["phase", "s", *[gr.replace("_", " ") for gr in groups], "machine busy"],
                              [[p["phase"], p["seconds"],
                                *(f"{p['groups'][gr]['cpu_seconds']} ({p['groups'][gr].get('percent_of_machine', '–')}%)"
                                  if gr in p["groups"] else None for gr in groups),
                                f"{p['machine_busy_percent']}%" if p.get("machine_busy_percent") is not None else None]
                               for p in phases], right=set(range(1, len(groups) + 3)))
            lines.append("")
    return "\n".join(lines)


def update_readme(table: str) -> bool:
    readme = ROOT / "README.md"
    text = readme.read_text()
    if README_BEGIN not in text or README_END not in text:
        print(f"README.md has no {README_BEGIN} … {README_END} markers: not updated", file=sys.stderr)
        return False
    head, rest = text.split(README_BEGIN, 1)
    _, tail = rest.split(README_END, 1)
    readme.write_text(f"{head}{README_BEGIN}\n{table.strip()}\n{README_END}{tail}")
    return True


def write_reports(results: dict, out: Path, md: str | None, readme: bool) -> None:
    md_path = Path(md) if md else out.with_suffix(".md")
    table = markdown(results)
    md_path.write_text("# Benchmark results\n\n" + table + "\n")
    print(f"\nwritten to {rel(out)} and {rel(md_path)}")
    if readme and update_readme(table):
        print("README.md: Benchmarks section updated")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke run of every section (seconds each)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="comma-separated subset of " + ",".join(SECTIONS))
    parser.add_argument("--gateway-url", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--quiet-wait", type=float, default=None,
                        help="before each section, wait up to this many seconds for other processes to use under "
                             "0.25 CPUs (default 60, 0 with --quick)")
    parser.add_argument("--pg-wait", type=float, default=None,
                        help="before each section, wait up to this many seconds for 30 free PostgreSQL connections "
                             "(default 900, 0 with --quick)")
    parser.add_argument("--retries", type=int, default=None,
                        help="run a failed section again this many times (default 1, 0 with --quick)")
    parser.add_argument("--work-dir", default=str(ROOT / "var" / "bench"), help="the sections' own reports and logs")
    parser.add_argument("--out", default=str(BENCH / "results.json"))
    parser.add_argument("--md", default=None, help="default: --out with .md")
    parser.add_argument("--readme", action="store_true", help="also put the tables into README.md (between markers)")
    parser.add_argument("--render", action="store_true",
                        help="measure nothing: write results.md (and README with --readme) again from --out")
    parser.add_argument("--pipeline-args", default="", help="extra arguments for bench_pipeline.py")
    parser.add_argument("--rkpd-args", default="", help="extra arguments for bench_rkpd_scale.py")
    parser.add_argument("--gateway-args", default="", help="extra arguments for bench_gateway.py")
    args = parser.parse_args()
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    if not sections or set(sections) - set(SECTIONS):
        parser.error("--sections: a comma-separated subset of " + ",".join(SECTIONS))
    if args.render:
        results = json.loads(Path(args.out).read_text())
        results["figures"] = [f for section, report in results["reports"].items() for f in
                              {"gateway": gateway_figures, "pipeline": pipeline_figures, "rkpd": rkpd_figures}[section](report)]
        results["cpu_per_service"] = [p for section, report in results["reports"].items()
                                      for p in cpu_phases(section, report)]
        write_json(args.out, results)
        write_reports(results, Path(args.out), args.md, args.readme and not results["quick"])
        return 0
    quiet_wait = args.quiet_wait if args.quiet_wait is not None else (0.0 if args.quick else 60.0)
    pg_wait = args.pg_wait if args.pg_wait is not None else (0.0 if args.quick else 900.0)
    retries = args.retries if args.retries is not None else (0 if args.quick else 1)
    work = Path(args.work_dir)
    quick = ["--quick"] if args.quick else []

    results: dict = {"generated_by": "bench/run.py", "measured_at": now_iso(), "machine": machine(),
                     "git": git_commit(), "quick": args.quick, "sections": {}, "figures": [], "cpu_per_service": [],
                     "reports": {}}
    failed = False
    started = time.monotonic()
    for section in RUN_ORDER:
        if section not in sections:
            results["sections"][section] = {"status": "not run", "reason": "not in --sections"}
            continue
        if section == "gateway":
            ready, why = gateway_ready(args.gateway_url)
            deadline = time.monotonic() + (0 if args.quick else 180)
            while not ready and "answered" in why and time.monotonic() < deadline:
                # up but not ready (a service reconnecting to the broker or the database): wait for it
                print(f"  waiting: the gateway's {why}", flush=True)
                time.sleep(5)
                ready, why = gateway_ready(args.gateway_url)
            if not ready:
                print(f"\n== gateway: {SKIPPED_GATEWAY} ({why}). It needs the stack: `make up`, then `make bench`.",
                      flush=True)
                results["sections"]["gateway"] = {"status": SKIPPED_GATEWAY, "reason": f"{why}; start the stack with "
                                                  "`make up` and rerun `make bench`"}
                continue
        script, report_path, extra = {
            "gateway": ("bench_gateway.py", work / "gateway.json", ["--url", args.gateway_url, *args.gateway_args.split()]),
            "pipeline": ("bench_pipeline.py", work / "pipeline.json", args.pipeline_args.split()),
            "rkpd": ("bench_rkpd_scale.py", work / "rkpd_scale.json", args.rkpd_args.split()),
        }[section]
        for attempt in range(retries + 1):
            free = wait_for_postgres(30, pg_wait) if pg_wait > 0 else None
            other = wait_for_quiet(quiet_wait) if quiet_wait > 0 else None
            if report_path.exists():
                report_path.unlink()
            code, seconds = run_script(script, [*quick, *extra, "--out", str(report_path)], work / f"{section}.log")
            if code == 0 and report_path.exists():
                break
            if attempt < retries:
                print(f"== {script} failed (exit {code}); once more", flush=True)
        info = {"status": "ok", "script": f"bench/{script}", "report": rel(report_path),
                "markdown": rel(report_path.with_suffix(".md")), "log": rel(work / f"{section}.log"),
                "wall_seconds": round(seconds, 1), "attempts": attempt + 1, "other_cpus_at_start": other,
                "free_postgres_connections_at_start": free}
        if code != 0 or not report_path.exists():
            info.update(status="failed", reason=f"{script} exited with status {code}; see {info['log']}")
            results["sections"][section] = info
            failed = True
            continue
        report = json.loads(report_path.read_text())
        results["reports"][section] = report
        results["figures"] += {"gateway": gateway_figures, "pipeline": pipeline_figures, "rkpd": rkpd_figures}[section](report)
        results["cpu_per_service"] += cpu_phases(section, report)
        results["sections"][section] = info
    results["wall_seconds"] = round(time.monotonic() - started, 1)

    out = write_json(args.out, results)
    write_reports(results, out, args.md, args.readme and not args.quick)
    for name, info in results["sections"].items():
        print(f"  {name}: {info['status']}" + (f" ({info['reason']})" if info["status"] not in ("ok",) else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
