"""Benchmark: the gateway through gunicorn, next to a bare Falcon hello-world on the same settings.

    make up        # the stack: services + gateway on 127.0.0.1:8080 (this script starts none of it)
    .venv/bin/python bench/bench_gateway.py [--clients 8] [--seconds 10] [--out var/bench/gateway.json]
    .venv/bin/python bench/bench_gateway.py --phases hello --quick     # seconds, no stack needed

Three phases, each `--clients` concurrent clients for `--seconds` (after `--warmup` seconds whose
requests are not counted), all in one run on one machine:

  hello  GET /hello of a bare Falcon app, started here under gunicorn with the deploy configuration
         (deploy/gateway/gunicorn.conf.py: same worker class, and the same worker count as the
         running gateway's) on another 127.0.0.1 port: the floor of what gunicorn + Falcon cost;
  read   GET /v1/musrenbang/{tahun}/usulan?limit=50 as a desa operator: a page of 50 usulan
         (token verification, validation, one RPC to musrenbang, its query, JSON both ways);
  write  POST /v1/musrenbang/{tahun}/usulan as that operator, each with its own Idempotency-Key
         (as a retrying client sends it; --no-idempotency-key leaves it out): one usulan created.

Setup, all through the gateway's REST API: logs in as the bootstrap administrator (password in
var/admin-password.txt, or GATEWAY_ADMIN_PASSWORD), creates (or resets the password of) a Bappeda
user `bench.bappeda` and a desa operator `bench.desa` for one real desa of pemda 12.21 (--desa;
default the last desa of data/wilayah_indonesia.csv), then as Bappeda loads the kamus usulan
(data/demo/kamus_usulan_12.21_<tahun>.csv) when the cycle has none, publishes a schedule whose desa
window is open when there is none (or reopens a closed desa window), and tops the desa up to 50
usulan so that the read returns a full page. NOTE: the write phase adds its usulan to that desa's
cycle in the stack's database (a few thousand per run).

The load generator is in this file: worker processes (so that the client is not one GIL) running
threads with http.client; a sync gunicorn worker closes the connection after every answer, so each
request opens a TCP connection (the same for all three phases). Latencies are per request, from
sending to the last body byte; percentiles are nearest-rank. The client shares the machine's CPUs
with the server: the report gives the machine's CPU use and the client's share of it per phase.

Writes the JSON to --out and a Markdown table next to it (--md, default <out>.md). Exit status 2
when the gateway is not reachable (run `make up` first), 1 when a phase could not be prepared.
Not a test: nothing here asserts a speed.
"""
from __future__ import annotations

import argparse
import csv
import http.client
import json
import multiprocessing
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (GATEWAY_MARKER, HELLO_MARKER, ROOT, SERVICES, CpuMeter, machine, now_iso, percentile,  # noqa: E402
                    stack_processes, wait_for_quiet, write_report)

GUNICORN_CONFIG = ROOT / "deploy" / "gateway" / "gunicorn.conf.py"
PEMDA = "12.21"
BAPPEDA_USER, DESA_USER = "bench.bappeda", "bench.desa"
KAMUS_KODE, VOLUME = "DRN-01", "150"
PAGE = 50

HELLO_APP = textwrap.dedent('''
    """A bare Falcon app: the baseline of the gateway benchmark (bench/bench_gateway.py)."""
    import falcon


    class Hello:
        def on_get(self, req, resp):
            resp.media = {"message": "hello"}


    app = falcon.App()
    app.add_route("/hello", Hello())
''')


class BenchError(Exception):
    """The benchmark cannot be prepared; the message says why."""


# -- HTTP helpers (setup) ------------------------------------------------------------------------------

class Api:
    def __init__(self, base_url: str, timeout: float = 30.0):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise BenchError(f"--url must be http://host:port, got {base_url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout

    def request(self, method: str, path: str, *, token: str | None = None, json_body=None, body: bytes | None = None,
                content_type: str | None = None, headers: dict | None = None) -> tuple[int, dict, object]:
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        headers.setdefault("Accept-Language", "en")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            raw = response.read()
            response_headers = {k.lower(): v for k, v in response.getheaders()}
        finally:
            conn.close()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode("utf-8", "replace")
        return response.status, response_headers, data

    def expect(self, statuses, method, path, **kwargs):
        status, headers, data = self.request(method, path, **kwargs)
        if status not in (statuses if isinstance(statuses, tuple) else (statuses,)):
            raise BenchError(f"{method} {path} answered {status}: {json.dumps(data)[:600]}")
        return data

    def login(self, username: str, password: str) -> str:
        return self.expect(200, "POST", "/v1/auth/login",
                           json_body={"username": username, "password": password})["access_token"]


def check_gateway(api: Api, script: str = "bench_gateway", then: str = "make bench") -> None:
    """Exit 2 unless the gateway answers /readyz with 200 (every service and the broker up): the
    benchmarks start nothing themselves."""
    where = f"http://{api.host}:{api.port}"
    try:
        status, _, data = api.request("GET", "/readyz", headers={"Accept": "application/json"})
    except OSError as exc:
        print(f"{script}: the gateway is not reachable at {where} ({exc}).\n"
              f"  Start the stack first: `make up` (then `{then}`). This script starts nothing.", file=sys.stderr)
        raise SystemExit(2) from None
    if status != 200:
        print(f"{script}: {where}/readyz answered {status} ({json.dumps(data)[:300]}): "
              "the stack is not ready; see var/log/stack.log (`make up` starts what is missing)", file=sys.stderr)
        raise SystemExit(2)


def admin_password() -> str:
    if os.environ.get("GATEWAY_ADMIN_PASSWORD"):
        return os.environ["GATEWAY_ADMIN_PASSWORD"]
    path = ROOT / "var" / "admin-password.txt"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        raise BenchError(f"no administrator password: {path} is missing and GATEWAY_ADMIN_PASSWORD "
                         "is not set") from None


def ensure_user(api: Api, admin_token: str, username: str, role: str, **scope) -> str:
    """Create `username` with a fresh random password, or give the existing one that password."""
    password = "bench-" + secrets.token_urlsafe(18)
    status, _, data = api.request("POST", "/v1/admin/users", token=admin_token,
                                  json_body={"username": username, "password": password, "role": role, **scope})
    if status == 201:
        return password
    if status != 409:
        raise BenchError(f"creating {username} answered {status}: {json.dumps(data)[:600]}")
    offset = 0
    while True:
        page = api.expect(200, "GET", f"/v1/admin/users?role={role}&limit=200&offset={offset}", token=admin_token)
        found = next((u for u in page["items"] if u["username"] == username), None)
        if found or offset + len(page["items"]) >= page["total"] or not page["items"]:
            break
        offset += len(page["items"])
    if found is None:
        raise BenchError(f"user {username} exists but is not a {role} of the administrator's pemda; "
                         "delete or rename it")
    api.expect(200, "PATCH", f"/v1/admin/users/{found['id']}", token=admin_token,
               json_body={"password": password, "active": True, **scope})
    return password


def desa_codes(pemda: str) -> list[str]:
    with (ROOT / "data" / "wilayah_indonesia.csv").open(newline="", encoding="utf-8") as fh:
        return sorted(row["kode"] for row in csv.DictReader(fh)
                      if row["tingkat"] == "desa_kelurahan" and row["kode"].startswith(pemda + "."))


def prepare_cycle(api: Api, bappeda: str, tahun: int,
                  reason: str = "Benchmark gateway (bench/bench_gateway.py)") -> dict:
    """Kamus loaded and the desa window open for `tahun`, through the REST API (a closed or closing
    desa window is reopened or extended with `reason`). Returns what was done."""
    done = {}
    kamus = api.expect(200, "GET", f"/v1/musrenbang/{tahun}/kamus", token=bappeda)
    if not any(item.get("kode") == KAMUS_KODE for item in kamus["items"]):
        path = ROOT / "data" / "demo" / f"kamus_usulan_{PEMDA}_{tahun}.csv"
        if not path.exists():
            raise BenchError(f"the {tahun} cycle has no kamus item {KAMUS_KODE} and there is no {path}")
        api.expect(200, "PUT", f"/v1/musrenbang/{tahun}/kamus", token=bappeda, body=path.read_bytes(),
                   content_type="text/csv")
        done["kamus"] = f"imported {path.relative_to(ROOT)}"
    now = datetime.now(timezone.utc).replace(microsecond=0)
    status, _, schedule = api.request("GET", f"/v1/musrenbang/{tahun}/schedule", token=bappeda)
    if status == 404:
        windows = [{"level": level, "opens_at": (now - timedelta(days=1)).isoformat(),
                    "closes_at": (now + timedelta(days=30)).isoformat()}
                   for level in ("desa", "kecamatan", "kabupaten")]
        api.expect(201, "PUT", f"/v1/musrenbang/{tahun}/schedule", token=bappeda, json_body={"windows": windows})
        done["schedule"] = "published: every window open for 30 days"
        return done
    if status != 200:
        raise BenchError(f"GET /v1/musrenbang/{tahun}/schedule answered {status}: {json.dumps(schedule)[:400]}")
    if schedule.get("closed") or schedule.get("manifest"):
        raise BenchError(f"the {tahun} Musrenbang stage is closed: no usulan can be created; use another --tahun")
    desa = next(w for w in schedule["windows"] if w["level"] == "desa")
    opens, closes = datetime.fromisoformat(desa["opens_at"]), datetime.fromisoformat(desa["closes_at"])
    if opens > now:
        raise BenchError(f"the {tahun} desa window opens only at {desa['opens_at']}; use another --tahun")
    if closes <= now + timedelta(minutes=10):
        kind = "reopen" if closes <= now else "extend"
        api.expect(200, "POST", f"/v1/musrenbang/{tahun}/schedule/changes", token=bappeda,
                   json_body={"kind": kind, "level": "desa", "reason": reason,
                              "closes_at": (now + timedelta(days=1)).isoformat()},
                   headers={"Idempotency-Key": f"bench-{uuid.uuid4().hex}"})
        done["schedule"] = f"desa window: {kind} until tomorrow"
    return done


def usulan_body(desa: str, tahun: int, n: int) -> dict:
    return {"desa": desa, "kamus_item_id": f"{PEMDA}/{tahun}/{KAMUS_KODE}", "volume": VOLUME,
            "permasalahan": "Jalan dusun tergenang setiap hujan deras",
            "gagasan": f"Bangun drainase di sepanjang jalan dusun (benchmark {n})"}


# -- the hello-world gunicorn ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_workers(app_marker: str, port: int | None = None) -> tuple[int | None, int | None]:
    """(master pid, worker count) of a running gunicorn serving `app_marker` (on `port`), from /proc."""
    procs = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if "gunicorn" in cmdline and app_marker in cmdline:
            procs[int(entry.name)] = ppid
    masters = [pid for pid, ppid in procs.items() if ppid not in procs]
    if port is not None:
        def binds(pid):
            try:
                env = (Path("/proc") / str(pid) / "environ").read_bytes().split(b"\0")
            except OSError:
                return False
            bind = next((e.split(b"=", 1)[1].decode() for e in env if e.startswith(b"GATEWAY_BIND=")), "127.0.0.1:8080")
            return bind.rsplit(":", 1)[-1] == str(port)
        masters = [pid for pid in masters if binds(pid)] or masters
    if len(masters) != 1:
        return None, None
    return masters[0], sum(1 for ppid in procs.values() if ppid == masters[0])


def start_hello(workdir: Path, workers: int | None) -> tuple[subprocess.Popen, int, Path]:
    (workdir / (HELLO_MARKER.split(":")[0] + ".py")).write_text(HELLO_APP)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(workdir), "GATEWAY_BIND": f"127.0.0.1:{port}",
           "GATEWAY_PREPARE_ON_START": "0", "LOG_LEVEL": "WARNING"}
    env.pop("GATEWAY_PIDFILE", None)
    if workers:
        env["GATEWAY_WORKERS"] = str(workers)
    log = workdir / "hello-gunicorn.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log.open("wb") as fh:
        proc = subprocess.Popen([str(gunicorn), "--config", str(GUNICORN_CONFIG), HELLO_MARKER],
                                cwd=workdir, env=env, stdout=fh, stderr=subprocess.STDOUT)
    hello = Api(f"http://127.0.0.1:{port}", timeout=2)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError("the hello-world gunicorn exited:\n" + log.read_text()[-2000:])
        try:
            if hello.request("GET", "/hello")[0] == 200:
                return proc, port, log
        except OSError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise BenchError("the hello-world gunicorn did not answer within 20 s:\n" + log.read_text()[-2000:])


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- the load generator ----------------------------------------------------------------------------------

def _client_process(spec: dict, threads: int, start_at: float, measure_from: float, end_at: float, queue,
                    first_index: int = 0) -> None:
    """One load-generator process: `threads` clients in a closed loop until `end_at` (time.time()).

    Optional keys of `spec` (bench/load_deadline_day.py uses them; the phases here do not):
      clients    one {"headers": {...}, "bodies": {variant: bytes}} per client, indexed by
                 first_index + the thread's index: each client its own token and body;
      mix        the variants a client sends in turn (e.g. 24 x "valid", "schema", 24 x "valid",
                 "domain"), each client starting at its own (random, reproducible) point of the list;
      think_ms   a random pause of 0..think_ms between two requests of a client;
      count_tail a request still in flight at `end_at` is waited for and counted (its outcome too).
    Answers are also counted per variant, so a caller can tell intended refusals from errors."""
    results = []
    lock = threading.Lock()
    cpu0 = time.process_time()
    per_client = spec.get("clients")
    mix = spec.get("mix") or ["default"]
    think = spec.get("think_ms", 0) / 1000.0
    count_tail = spec.get("count_tail", False)

    def client(index: int) -> None:
        latencies, statuses, errors = [], Counter(), Counter()
        by_variant: dict[str, Counter] = {}
        own = per_client[first_index + index] if per_client else None
        rng = random.Random(first_index + index)
        offset = rng.randrange(len(mix))  # clients spread over the mix, each always the same
        conn = http.client.HTTPConnection(spec["host"], spec["port"], timeout=spec["timeout"])
        n = 0
        while time.time() < start_at:
            time.sleep(0.001)
        while True:
            now = time.time()
            if now >= end_at:
                break
            variant = mix[(offset + n) % len(mix)]
            headers = dict(spec["headers"])
            if own is not None:
                headers.update(own["headers"])
            if spec.get("idempotency_key"):
                headers["Idempotency-Key"] = f"bench-{uuid.uuid4().hex}"
            body = own["bodies"][variant] if own is not None else spec["body"]
            if body is not None and spec.get("unique_body"):
                body = body.replace(b"__N__", f"{os.getpid()}-{index}-{n}".encode())
            n += 1
            counted = now >= measure_from
            t0 = time.perf_counter()
            try:
                conn.request(spec["method"], spec["path"], body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    conn.close()  # a sync gunicorn worker closes after every answer: reconnect next time
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if counted and (count_tail or time.time() <= end_at):
                    errors[type(exc).__name__] += 1
                    by_variant.setdefault(variant, Counter())[type(exc).__name__] += 1
                continue
            elapsed = time.perf_counter() - t0
            if counted and (count_tail or time.time() <= end_at):
                latencies.append(elapsed)
                statuses[status] += 1
                by_variant.setdefault(variant, Counter())[str(status)] += 1
            if think:
                time.sleep(rng.uniform(0, think))
        conn.close()
        with lock:
            results.append((latencies, statuses, errors, by_variant, n))

    pool = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    latencies, statuses, errors, by_variant, sent = [], Counter(), Counter(), {}, 0
    for lat, st, err, var, count in results:
        latencies.extend(lat)
        statuses.update(st)
        errors.update(err)
        for name, outcomes in var.items():
            by_variant.setdefault(name, Counter()).update(outcomes)
        sent += count
    queue.put({"latencies": latencies, "statuses": dict(statuses), "errors": dict(errors),
               "by_variant": {k: dict(v) for k, v in by_variant.items()}, "sent": sent,
               "finished_at": time.time(), "cpu_seconds": time.process_time() - cpu0})


CPU_GROUPS = ("hello", "gateway", *SERVICES, "postgres", "rabbitmq", "load_generator")


def run_phase(name: str, host: str, port: int, method: str, path: str, *, headers: dict | None = None,
              body: bytes | None = None, clients: int, seconds: float, warmup: float, processes: int,
              idempotency_key: bool = False, unique_body: bool = False, per_client: list[dict] | None = None,
              mix: list[str] | None = None, think_ms: float = 0.0, timeout: float = 60.0,
              count_tail: bool = False) -> dict:
    """`clients` concurrent clients for `seconds` after `warmup`. The optional `per_client`, `mix`,
    `think_ms` and `count_tail` are described in `_client_process`; `timeout` is each request's."""
    if per_client is not None and len(per_client) < clients:
        raise ValueError(f"per_client has {len(per_client)} entries for {clients} clients")
    spec = {"host": host, "port": port, "method": method, "path": path, "headers": dict(headers or {}),
            "body": body, "timeout": timeout, "idempotency_key": idempotency_key, "unique_body": unique_body,
            "clients": per_client, "mix": list(mix or []), "think_ms": think_ms, "count_tail": count_tail}
    processes = max(1, min(processes, clients))
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    firsts = [sum(shares[:i]) for i in range(processes)]
    start_at = time.time() + 0.5
    measure_from, end_at = start_at + warmup, start_at + warmup + seconds
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_client_process, args=(spec, share, start_at, measure_from, end_at, queue, first))
               for share, first in zip(shares, firsts)]
    for w in workers:
        w.start()
    # the load generator: its worker processes and this one (which waits for them)
    roles = {w.pid: "load_generator" for w in workers} | {os.getpid(): "load_generator"}
    time.sleep(max(0.0, measure_from - time.time()))
    meter = CpuMeter(roles=roles, ours=stack_processes(), role_trees=False).start()
    time.sleep(max(0.0, end_at - time.time()))
    usage = meter.stop()
    parts = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    latencies = sorted(x for p in parts for x in p["latencies"])
    statuses, errors, by_variant = Counter(), Counter(), {}
    for p in parts:
        statuses.update({int(k): v for k, v in p["statuses"].items()})
        errors.update(p["errors"])
        for variant, outcomes in p["by_variant"].items():
            by_variant.setdefault(variant, Counter()).update(outcomes)
    # with count_tail the last answers arrive after end_at: rates are over the time they took
    elapsed = max(seconds, max(p["finished_at"] for p in parts) - measure_from) if count_tail else seconds
    ok = sum(v for k, v in statuses.items() if 200 <= k < 300)
    requests = len(latencies)
    ms = lambda v: None if v is None else round(v * 1000, 2)  # noqa: E731
    client_cpu = sum(p["cpu_seconds"] for p in parts)
    machine_busy = usage["machine_busy_percent"] / 100
    # where the machine's busy CPU went during the measured seconds, in CPUs (1.0 = one core busy)
    cpu_use = {group: usage["groups"].get(group, {}).get("cpus", 0.0) for group in (*CPU_GROUPS, "other")}
    cpu_use["machine"] = round(machine_busy * (os.cpu_count() or 1), 2)
    result = {
        "phase": name, "method": method, "path": path.split("?")[0] + ("?" + path.split("?")[1] if "?" in path else ""),
        "clients": clients, "client_processes": processes, "seconds": seconds, "warmup_seconds": warmup,
        "requests": requests, "ok": ok, "errors": requests - ok + sum(errors.values()),
        "requests_per_second": round(ok / elapsed, 1), "all_requests_per_second": round(requests / elapsed, 1),
        "elapsed_seconds": round(elapsed, 2), "requests_sent": sum(p["sent"] for p in parts),
        "by_variant": {k: dict(sorted(v.items())) for k, v in sorted(by_variant.items())},
        "latency_ms": {"p50": ms(percentile(latencies, 50)), "p90": ms(percentile(latencies, 90)),
                       "p99": ms(percentile(latencies, 99)), "max": ms(latencies[-1] if latencies else None),
                       "mean": ms(sum(latencies) / len(latencies) if latencies else None)},
        "status_counts": {str(k): v for k, v in sorted(statuses.items())},
        "connection_errors": dict(errors),
        "machine_cpu_busy_percent": round(100 * machine_busy, 1),
        # CPUs in use per process group during the measured seconds ("other": not this benchmark's stack,
        # e.g. someone else's job on the machine: it competes with the server for the same CPUs)
        "cpu_in_use": cpu_use,
        # the same per group in CPU-seconds and % of the machine over the measured seconds
        "cpu": usage,
        # load generator's CPU over the whole phase (warm-up included), as a share of all CPUs
        "client_cpu_percent_of_machine": round(100 * client_cpu / ((warmup + seconds) * (os.cpu_count() or 1)), 1),
    }
    print(f"  {name:6s} {result['requests_per_second']:8.1f} req/s  p50 {result['latency_ms']['p50']} ms  "
          f"p99 {result['latency_ms']['p99']} ms  errors {result['errors']}  statuses {result['status_counts']}",
          flush=True)
    return result


# -- report ------------------------------------------------------------------------------------------------

def markdown(result: dict) -> str:
    m, g = result["machine"], result["gunicorn"]
    lines = [
        "# Gateway benchmark",
        "",
        f"Measured {result['measured_at']} on {m['cpus']} CPUs ({m['platform']}, Python {m['python']}); "
        f"gunicorn `{g['config']}`: {g['worker_class']} workers, gateway {g['gateway_workers']} / "
        f"hello-world {g['hello_workers']} workers. {result['clients']} concurrent clients per phase, "
        f"{result['seconds']} s measured after {result['warmup_seconds']} s of warm-up. "
        f"Same run, same machine, client and server sharing the CPUs.",
        "",
        "| phase | request | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | statuses | CPU busy | client CPU |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for p in result["phases"]:
        lat = p["latency_ms"]
        statuses = ", ".join(f"{k}: {v}" for k, v in p["status_counts"].items()) or "-"
        if p["connection_errors"]:
            statuses += "; " + ", ".join(f"{k}: {v}" for k, v in p["connection_errors"].items())
        lines.append(f"| {p['phase']} | `{p['method']} {p['path']}` | {p['requests_per_second']} | {lat['p50']} | "
                     f"{lat['p90']} | {lat['p99']} | {lat['max']} | {p['errors']} | {statuses} | "
                     f"{p['machine_cpu_busy_percent']}% | {p['client_cpu_percent_of_machine']}% |")
    lines += ["", "CPUs in use during the measured seconds (1.0 = one core busy). gateway and each service: the "
              "processes of the stack `make up` started; postgres and rabbitmq: every process of those servers "
              "(whoever they work for); *other*: everything else on the machine, competing for the same CPUs "
              "(the benchmark is cleanest when that column is near 0):", "",
              "| phase | " + " | ".join(g.replace("_", " ") for g in (*CPU_GROUPS, "other", "machine")) + " |",
              "|---|" + "---:|" * (len(CPU_GROUPS) + 2)]
    for p in result["phases"]:
        cells = (str(p["cpu_in_use"][g]) for g in (*CPU_GROUPS, "other", "machine"))
        lines.append(f"| {p['phase']} | " + " | ".join(cells) + " |")
    hello = next((p for p in result["phases"] if p["phase"] == "hello"), None)
    others = [p for p in result["phases"] if p is not hello and p["requests_per_second"]]
    if hello and hello["requests_per_second"] and others:
        lines += ["", "Relative to the hello-world:"]
        for p in others:
            lines.append(f"* {p['phase']}: {p['requests_per_second'] / hello['requests_per_second']:.1%} of its "
                         f"throughput, p99 {p['latency_ms']['p99'] / hello['latency_ms']['p99']:.1f}x")
    notes = result.get("notes") or []
    if notes:
        lines += ["", *[f"* {n}" for n in notes]]
    lines += ["", "req/s counts 2xx answers only; latencies cover every answer. CPU busy: the whole machine during "
              "the measured seconds; client CPU: the load generator's share of all CPUs.", ""]
    return "\n".join(lines)


# -- main ----------------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default=os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080"),
                        help="the running gateway (default http://127.0.0.1:8080)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients per phase (default 8)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="uncounted seconds before each phase (default 2)")
    parser.add_argument("--processes", type=int, default=max(1, min(4, os.cpu_count() or 1)),
                        help="load-generator processes the clients are spread over (default: CPUs, at most 4)")
    parser.add_argument("--tahun", type=int, default=2027)
    parser.add_argument("--desa", default=None, help="desa of the operator (default: the last desa of 12.21)")
    parser.add_argument("--phases", default="hello,read,write",
                        help="comma-separated subset of hello,read,write (hello alone needs no stack)")
    parser.add_argument("--quiet-wait", type=float, default=0.0,
                        help="before each phase, wait up to this many seconds for processes outside the stack "
                             "to use under 0.25 CPUs (on a shared machine; default 0: do not wait)")
    parser.add_argument("--no-idempotency-key", dest="idempotency_key", action="store_false",
                        help="send the writes without an Idempotency-Key")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 s per phase after 0.5 s of warm-up")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "gateway.json"))
    parser.add_argument("--md", default=None, help="Markdown report (default: --out with .md)")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.warmup = min(args.seconds, 2.0), min(args.warmup, 0.5)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if not phases or set(phases) - {"hello", "read", "write"}:
        parser.error("--phases: a comma-separated subset of hello,read,write")
    if args.clients < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--clients must be positive, --seconds positive, --warmup not negative")

    api = Api(args.url)
    needs_stack = bool({"read", "write"} & set(phases))
    notes = []
    _, gateway_workers = gunicorn_workers(GATEWAY_MARKER, api.port)
    if needs_stack:
        check_gateway(api)
    result: dict = {"gateway_url": args.url, "tahun": args.tahun, "clients": args.clients, "seconds": args.seconds,
                    "warmup_seconds": args.warmup, "phases": []}
    hello_proc = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench-gateway-") as tmp:
            read_headers = write_headers = None
            desa = None
            if needs_stack:
                desa = args.desa or desa_codes(PEMDA)[-1]
                admin = api.login(os.environ.get("GATEWAY_ADMIN_USERNAME", "admin"), admin_password())
                bappeda_password = ensure_user(api, admin, BAPPEDA_USER, "bappeda")
                desa_password = ensure_user(api, admin, DESA_USER, "operator_desa", wilayah=desa)
                bappeda = api.login(BAPPEDA_USER, bappeda_password)
                operator = api.login(DESA_USER, desa_password)
                prepared = prepare_cycle(api, bappeda, args.tahun)
                read_path = f"/v1/musrenbang/{args.tahun}/usulan?limit={PAGE}"
                page = api.expect(200, "GET", read_path, token=operator)
                seeded = 0
                while len(page["items"]) < PAGE:
                    for n in range(PAGE - len(page["items"])):
                        api.expect(201, "POST", f"/v1/musrenbang/{args.tahun}/usulan", token=operator,
                                   json_body=usulan_body(desa, args.tahun, n))
                        seeded += 1
                    page = api.expect(200, "GET", read_path, token=operator)
                if seeded:
                    prepared["seeded_usulan"] = seeded
                result["setup"] = {"desa": desa, "operator": DESA_USER, "page_items": len(page["items"]),
                                   "page_bytes": len(json.dumps(page)), **prepared}
                print(f"setup: desa {desa}; {prepared or 'kamus and schedule already in place'}", flush=True)
                read_headers = {"Authorization": f"Bearer {operator}", "Accept": "application/json"}
                write_headers = {"Authorization": f"Bearer {operator}", "Content-Type": "application/json",
                                 "Accept": "application/json"}

            if gateway_workers is None:
                notes.append("the running gateway's worker count could not be read from /proc: the hello-world "
                             "uses the deploy configuration's own count")
            hello_workers = None
            if "hello" in phases:
                hello_proc, hello_port, _ = start_hello(Path(tmp), gateway_workers)
            common = {"clients": args.clients, "seconds": args.seconds, "warmup": args.warmup,
                      "processes": args.processes}
            print(f"{args.clients} clients, {args.seconds:g} s per phase (+{args.warmup:g} s warm-up)", flush=True)
            for phase in phases:
                if args.quiet_wait > 0:
                    wait_for_quiet(args.quiet_wait)
                if phase == "hello":
                    result["phases"].append(run_phase("hello", "127.0.0.1", hello_port, "GET", "/hello",
                                                      headers={"Accept": "application/json"}, **common))
                    _, hello_workers = gunicorn_workers(HELLO_MARKER)
                elif phase == "read":
                    result["phases"].append(run_phase("read", api.host, api.port, "GET", read_path,
                                                      headers=read_headers, **common))
                else:
                    body = json.dumps(usulan_body(desa, args.tahun, 0)).replace("(benchmark 0)", "(benchmark __N__)")
                    result["phases"].append(run_phase(
                        "write", api.host, api.port, "POST", f"/v1/musrenbang/{args.tahun}/usulan",
                        headers=write_headers, body=body.encode(), idempotency_key=args.idempotency_key,
                        unique_body=True, **common))
            if hello_proc is not None:
                stop(hello_proc)
                hello_proc = None
    except BenchError as exc:
        print(f"bench_gateway: {exc}", file=sys.stderr)
        return 1
    finally:
        if hello_proc is not None:
            stop(hello_proc)

    import gunicorn

    result["gunicorn"] = {"version": gunicorn.__version__, "config": str(GUNICORN_CONFIG.relative_to(ROOT)),
                          "worker_class": "sync", "gateway_workers": gateway_workers, "hello_workers": hello_workers}
    if "write" in phases:
        notes.append("writes " + ("carry an Idempotency-Key each (the gateway records it)" if args.idempotency_key
                                  else "carry no Idempotency-Key"))
    notes.append("sync gunicorn workers close the connection after each answer: every request opens a new "
                 "TCP connection, in every phase")
    result["notes"] = notes
    result["machine"] = machine()
    result["measured_at"] = now_iso()
    out, md = write_report(result, args.out, args.md, markdown)
    print(f"written to {out} and {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
