"""Shared pieces of the benchmark harness (bench/): percentiles, CPU accounting from /proc, the
machine and commit a run was made on, JSON/Markdown output.

Imported by bench_gateway.py, bench_pipeline.py, bench_rkpd_scale.py and run.py as `common`
(each script puts bench/ first on sys.path). Nothing here starts or stops anything.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HZ = os.sysconf("SC_CLK_TCK")

GATEWAY_MARKER = "gateway.app:create_app"  # in the gateway gunicorn's command line
HELLO_MARKER = "bench_hello:app"           # the hello-world gunicorn of bench_gateway.py
SERVICES = ("musrenbang", "pokir", "renja", "rkpd", "webhooks")


# -- statistics ----------------------------------------------------------------------------------

def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(min(rank, len(sorted_values))) - 1]


def latency_ms(seconds: list[float]) -> dict:
    """p50/p90/p99/max/mean in milliseconds (2 decimals) of latencies given in seconds."""
    values = sorted(seconds)
    ms = lambda v: None if v is None else round(v * 1000, 2)  # noqa: E731
    return {"p50": ms(percentile(values, 50)), "p90": ms(percentile(values, 90)), "p99": ms(percentile(values, 99)),
            "max": ms(values[-1] if values else None), "mean": ms(sum(values) / len(values) if values else None),
            "samples": len(values)}


def linear_fit(xs: list[float], ys: list[float]) -> dict:
    """Least squares y = intercept + slope·x, with R² (1.0 when every point is on the line)."""
    n = len(xs)
    if n < 2 or len(set(xs)) < 2:
        return {"slope": None, "intercept": None, "r2": None, "points": n}
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    slope = sxy / sxx
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys))
    return {"slope": slope, "intercept": intercept, "r2": 1.0 if ss_tot == 0 else 1 - ss_res / ss_tot, "points": n}


# -- CPU accounting from /proc ------------------------------------------------------------------

def _stat(entry: Path) -> tuple[str, int, int] | None:
    """(comm, ppid, utime + stime jiffies) of /proc/<pid>, or None if it is gone."""
    try:
        stat = (entry / "stat").read_text()
    except OSError:
        return None
    comm = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    return comm, int(fields[1]), int(fields[11]) + int(fields[12])


def _cmdline(entry: Path) -> str:
    try:
        return (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def processes() -> dict[int, tuple[str, int, str, int]]:
    """pid -> (comm, ppid, command line, utime + stime jiffies) of every process, from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(entry)
        if stat is None:
            continue
        comm, ppid, jiffies = stat
        found[int(entry.name)] = (comm, ppid, _cmdline(entry), jiffies)
    return found


def descendants(root: int, procs: dict | None = None) -> set[int]:
    """`root` and every process below it."""
    procs = procs if procs is not None else processes()
    children: dict[int, list[int]] = {}
    for pid, (_, ppid, _, _) in procs.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


def stack_processes() -> set[int] | None:
    """The processes of the stack `make up` started (descendants of var/run/stack.pid), or None."""
    try:
        root = int((ROOT / "var" / "run" / "stack.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    found = descendants(root)
    return found if len(found) > 1 else None


def nameko_service(cmdline: str) -> str | None:
    """The service a `nameko run ... <package>.service` process runs (webhooks for the gateway's)."""
    if "nameko" not in cmdline or " run " not in f" {cmdline} ":
        return None
    module = cmdline.split()[-1]
    if module.endswith(".service"):
        name = module[:-len(".service")].rsplit(".", 1)[-1]
        return name
    return "nameko"


def classify(pid: int, comm: str, cmdline: str, roles: dict[int, str], ours: set[int] | None) -> str | None:
    """The group a process's CPU is counted in, None for "other". `roles`: pids the caller names
    (load generator, harness, services it started); `ours`: the processes of the system under
    test (None: any gateway/service process counts) — a gateway or service outside it (someone
    else's test run) is "other". PostgreSQL and RabbitMQ count whole, whoever they work for."""
    if pid in roles:
        return roles[pid]
    if "gunicorn" in cmdline and HELLO_MARKER in cmdline:
        return "hello"
    mine = ours is None or pid in ours
    if "gunicorn" in cmdline and GATEWAY_MARKER in cmdline:
        return "gateway" if mine else None
    service = nameko_service(cmdline)
    if service:
        return service if mine else None
    if comm.startswith("postgres") or cmdline.startswith("postgres"):
        return "postgres"
    if comm.startswith(("beam.smp", "erl_child_setup", "epmd", "inet_gethost")):
        return "rabbitmq"
    return None


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


class CpuMeter:
    """CPU used per process group between start() and stop(), from /proc/<pid>/stat.

        meter = CpuMeter(roles={os.getpid(): "harness", service.pid: "renja"}, ours=set())
        meter.start(); ...; usage = meter.stop()

    A process that exits between the two samples is not counted (its last jiffies are lost): the
    groups measured here are long-lived processes. `roles` may name a pid whose children belong to
    the same group (`role_trees=True`: a `nameko run` parent and its workers, a gunicorn master
    and its workers)."""

    def __init__(self, roles: dict[int, str] | None = None, ours: set[int] | None = None, role_trees: bool = True):
        self.roles = dict(roles or {})
        self.ours = ours
        self.role_trees = role_trees
        self._before: dict[int, tuple[str | None, int]] = {}

    def _sample(self) -> dict[int, tuple[str | None, int]]:
        procs = processes()
        roles = dict(self.roles)
        if self.role_trees:
            for pid, group in self.roles.items():
                for child in descendants(pid, procs):
                    roles.setdefault(child, group)
        return {pid: (classify(pid, comm, cmdline, roles, self.ours), jiffies)
                for pid, (comm, _, cmdline, jiffies) in procs.items()}

    def start(self) -> "CpuMeter":
        self._machine0 = machine_jiffies()
        self._before = self._sample()
        self._t0 = time.monotonic()
        return self

    def stop(self) -> dict:
        """{"seconds", "groups": {group: {"cpu_seconds", "cpus", "percent_of_machine"}},
        "machine_busy_percent"}; `cpus` is the average number of cores busy (1.0 = one core)."""
        after = self._sample()
        busy1, total1 = machine_jiffies()
        window = max(1e-6, time.monotonic() - self._t0)
        per_group = Counter()
        for pid, (group, jiffies) in after.items():
            if pid == os.getpid() and group is None:
                group = "harness"
            before = self._before.get(pid, (group, 0))[1]
            per_group[group or "other"] += max(0, jiffies - before)
        cpus = os.cpu_count() or 1
        groups = {}
        for group, jiffies in sorted(per_group.items()):
            seconds = jiffies / HZ
            groups[group] = {"cpu_seconds": round(seconds, 2), "cpus": round(seconds / window, 2),
                             "percent_of_machine": round(100 * seconds / (window * cpus), 1)}
        busy0, total0 = self._machine0
        return {"seconds": round(window, 2), "groups": groups,
                "machine_busy_percent": round(100 * (busy1 - busy0) / max(1, total1 - total0), 1)}


def wait_for_quiet(max_seconds: float, threshold: float = 0.25, ours: set[int] | None = None) -> float:
    """Wait (up to `max_seconds`) until processes outside the benchmark and its stack use less than
    `threshold` CPUs over one second; returns the last measurement (CPUs)."""
    deadline = time.monotonic() + max_seconds
    while True:
        meter = CpuMeter(ours=ours if ours is not None else stack_processes()).start()
        time.sleep(1.0)
        usage = meter.stop()
        other = usage["groups"].get("other", {}).get("cpus", 0.0)
        if other < threshold or time.monotonic() >= deadline:
            return round(other, 2)
        print(f"  waiting: other processes use {other:.2f} CPUs", flush=True)
        time.sleep(2.0)


def rss_mib(pid: int | str = "self") -> dict:
    """Current (VmRSS) and peak (VmHWM) resident memory of a process, MiB."""
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                found["rss" if key == "VmRSS" else "peak"] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return found


def reset_peak_rss() -> bool:
    """Reset this process's VmHWM to its current RSS (Linux ≥ 4.0); False if not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


# -- where and when ---------------------------------------------------------------------------------

def machine() -> dict:
    cpu_model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:"))
        memory_gib = round(mem / 1024 / 1024, 1)
    except (OSError, StopIteration):
        memory_gib = None
    return {"cpus": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)), "cpu_model": cpu_model,
            "memory_gib": memory_gib, "python": platform.python_version(), "platform": platform.platform(terse=True),
            "hostname": platform.node()}


def git_commit() -> dict:
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    commit = git("rev-parse", "HEAD") or None
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return {"commit": commit, "short": commit[:10] if commit else None, "dirty": dirty}


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# -- output -------------------------------------------------------------------------------------------

def write_json(path: Path | str, data) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def write_report(result: dict, out: Path | str, md: Path | str | None, markdown) -> tuple[Path, Path]:
    """A benchmark's result as JSON at `out` and as `markdown(result)` at `md` (default: beside it,
    .md); returns both paths."""
    out = write_json(out, result)
    md = Path(md) if md else out.with_suffix(".md")
    md.write_text(markdown(result))
    return out, md


def md_table(headers: list[str], rows: list[list], right: set[int] | None = None) -> list[str]:
    """A Markdown table; columns in `right` (indexes) are right-aligned (numbers)."""
    right = right or set()
    cell = lambda v: "–" if v is None else str(v).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(headers) + " |",
             "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def fmt(value, digits: int = 1) -> str | None:
    """A number for a table: thousands separated, `digits` decimals (fewer for big numbers)."""
    if value is None:
        return None
    if isinstance(value, int) or (isinstance(value, float) and abs(value) >= 1000):
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"
