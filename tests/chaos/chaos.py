"""Fault injection on a whole planning cycle (`make chaos`; the short version is
tests/integration/test_chaos_quick.py, part of `make test`).

    .venv/bin/python tests/chaos/chaos.py [--quick] [--seed N] [--scale X] [--tahun T]
                                          [--reference FILE | --save-reference FILE] [--json-out FILE]

1. The reference: a fault-free run of the demo (`python -m eplanning_demo`, same seed, scale and
   territory) on its own stack: fresh databases, a fresh RabbitMQ vhost, the four services as
   `nameko run` subprocesses, the gateway under gunicorn (2 workers). Its business state is read
   through the API (and checked against the plan). `--save-reference FILE` keeps it; `--reference
   FILE` reads one kept earlier instead of playing it again (it must have been made by this script,
   on fresh databases, with the same seed / scale / territory / year).
2. The faulty run: the same on another fresh stack, while a fault thread - triggered by the demo's
   progress lines, so the faults land mid-stream at the same points of every run - SIGKILLs each of
   the four services once (a supervisor restarts it a second later), SIGKILLs one gunicorn worker
   (gunicorn replaces it), SIGKILLs RabbitMQ once and PostgreSQL once (postmaster and backends:
   a crash, not a shutdown) and starts them again (tests/chaos/infra_kill.py). The demo client retries as a real client does
   (same Idempotency-Key on a lost answer; updates re-read and checked).
3. Drain: every service's outbox has no pending row and every queue of the vhost (retry queues
   included) is empty for a few seconds in a row; dead-letter queues are counted. The webhooks
   worker is not started (its queues, q.webhooks.*, are left out of the drain), nor are the reply
   queues of killed gateway workers (rpc.reply-*: late replies nobody waits for).
4. The business state of every service, read through the API as Bappeda, against the plan (ids
   are deterministic, taken from the reference run): usulan and their decisions per level, pokir
   and their status, renja rows, inbox items and their decisions, RKPD versions. Prints
   `lost= duplicated= unexpected=`, both RKPD content hashes and the fault timeline.

Exit status 0 when all three counts are 0, no message is dead-lettered, the demo succeeded, every
fault fired and the faulty run's RKPD content hash equals the reference's; 1 otherwise.

RabbitMQ and PostgreSQL are the machine's (killing them disturbs anything else using them).
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from eplanning_common.identity_tokens import generate_keys  # noqa: E402
from eplanning_demo.cycle import INBOX_DECISION  # noqa: E402
from eplanning_demo.plan import Territory, build_plan, load_reference  # noqa: E402
from tests.integration import gateway_stack as stack  # noqa: E402
from tests.integration import support  # noqa: E402
from tests.chaos import infra_kill  # noqa: E402

SERVICES = ("musrenbang", "pokir", "renja", "rkpd")
USER_PASSWORD = "kata-sandi-chaos"
PG_VERSION = os.environ.get("CHAOS_PG_VERSION", "15")
QUICK_TERRITORY = Territory(kecamatan=("12.21.02", "12.21.07"), desa_per_kecamatan=5,
                            opd=("1.03.0.00.0.00.01.0000", "1.02.0.00.0.00.01.0000", "1.02.0.00.0.00.02.0000",
                                 "1.04.2.10.0.00.01.0000"),
                            anggota=("A01", "A02", "A14", "A15"))

# (demo progress line that triggers it, seconds after, fault). Stage labels of eplanning_demo.cycle:
# every fault lands while later stages (and the events between the services) are in flight.
SCHEDULE = (
    ("users created", 0.2, "kill-gateway-worker"),
    ("musrenbang: usulan created", 0.0, "kill-musrenbang"),
    ("pokir: reses recorded", 0.0, "kill-pokir"),
    ("musrenbang: kecamatan scores", 0.0, "kill-rabbitmq"),
    ("musrenbang: kecamatan forums closed", 0.3, "kill-renja"),
    ("forum PD: decisions", 0.0, "kill-postgresql"),
    ("renja final: submitted, verified", 0.0, "kill-rkpd"),
)


def log(text: str) -> None:
    print(f"chaos: {text}", flush=True)


# -- the stack: services as processes, the gateway under gunicorn ---------------------------------


class ServiceProcess:
    """One `nameko run` subprocess (as deploy/local/Procfile starts it); restartable."""

    def __init__(self, name: str, env: dict, log_path: Path):
        self.name, self.env, self.log_path = name, env, log_path
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        argv = [str(Path(sys.executable).parent / "nameko"), "run", "--config", str(ROOT / "deploy" / "nameko.yaml"),
                f"{self.name}.service"]
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.starts += 1

    def kill(self) -> int:
        pid = self.process.pid
        os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        return pid

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class Stack:
    """Fresh databases, a fresh vhost, four service processes, a gunicorn gateway."""

    def __init__(self, label: str, tmp: Path, workers: int = 2):
        self.label, self.tmp, self.workers = label, tmp, workers
        self.vhost = support.create_vhost()
        self.amqp_uri = support.amqp_uri_for(self.vhost)
        self.suffix = f"chaos{label}"
        self.db_urls: dict[str, str] = {}
        self.services: dict[str, ServiceProcess] = {}
        self.gateway: stack.Gateway | None = None
        self.lock = threading.Lock()
        self.closing = False
        self.unplanned_deaths: list[str] = []
        self._watch = threading.Thread(target=self._supervise, daemon=True)

    def start(self) -> None:
        (self.tmp / "gateway").mkdir(parents=True, exist_ok=True)
        (self.tmp / "rkpd").mkdir(parents=True, exist_ok=True)
        generate_keys()  # the RPC identity keys every process reads (RPC_IDENTITY_KEYS_DIR, else var/keys)
        for name in SERVICES:
            self.db_urls[name] = stack.service_database(name, self.suffix)
            env = {**os.environ, "SERVICE_NAME": name, "AMQP_URI": self.amqp_uri, "DATABASE_URL": self.db_urls[name],
                   "RKPD_OUTPUT_DIR": str(self.tmp / "rkpd"), "LOG_LEVEL": "WARNING"}
            service = ServiceProcess(name, env, self.tmp / f"{name}.log")
            service.start()
            self.services[name] = service
        self.gateway = stack.start_gateway(self.amqp_uri, self.suffix, self.tmp / "gateway", workers=self.workers,
                                           extra_env={"GATEWAY_ADMIN_PASSWORD": stack.ADMIN_PASSWORD})
        self.wait_ready(120)
        self._watch.start()

    def wait_ready(self, timeout: float) -> float:
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            try:
                if self.gateway.request("GET", "/readyz", timeout=10).status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the stack was not ready within {timeout:.0f} s")

    def _supervise(self) -> None:
        """A supervisor: a service process that died without being killed on purpose is restarted
        (and reported)."""
        while not self.closing:
            with self.lock:
                for service in self.services.values():
                    if service.process.poll() is not None and not self.closing:
                        self.unplanned_deaths.append(f"{service.name} exited {service.process.returncode}")
                        service.start()
            time.sleep(0.5)

    def kill_service(self, name: str, restart_after: float = 1.0) -> str:
        with self.lock:
            service = self.services[name]
            pid = service.kill()
            time.sleep(restart_after)
            service.start()
        return f"SIGKILL pid {pid}, restarted after {restart_after:.0f} s as pid {service.process.pid}"

    def kill_gateway_worker(self) -> str:
        master = self.gateway.process.pid
        workers = sorted(int(p) for p in subprocess.run(["pgrep", "-P", str(master)], capture_output=True,
                                                       text=True).stdout.split())
        if not workers:
            raise RuntimeError("gunicorn has no workers")
        os.kill(workers[0], signal.SIGKILL)
        return f"SIGKILL worker pid {workers[0]} of master {master} (workers were {workers})"

    def stop(self) -> None:
        self.closing = True
        if self.gateway is not None:
            stack.stop_gateway(self.gateway)
        with self.lock:
            for service in self.services.values():
                service.stop()
        support.delete_vhost(self.vhost)

    # -- drain ---------------------------------------------------------------------------------
    def outbox_backlog(self) -> dict[str, int]:
        backlog = {}
        for name, url in self.db_urls.items():
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
            try:
                with engine.connect() as conn:
                    backlog[name] = conn.execute(sa.text("SELECT count(*) FROM outbox WHERE status <> 'sent'")).scalar()
            finally:
                engine.dispose()
        return backlog

    def queues(self) -> dict[str, int]:
        quoted = urllib.parse.quote(self.vhost, safe="")
        answer = requests.get(f"{support.RABBIT_MGMT}/api/queues/{quoted}", auth=("guest", "guest"), timeout=10,
                              params={"columns": "name,messages,messages_ready,messages_unacknowledged"})
        answer.raise_for_status()
        return {q["name"]: int(q.get("messages") or 0) for q in answer.json()}

    def drain(self, timeout: float) -> dict:
        """Wait until no outbox row is pending and every non-dead-letter queue has been empty for
        5 s in a row (the management API's counts lag a little)."""
        deadline = time.monotonic() + timeout
        quiet_since = None
        last = {}
        while time.monotonic() < deadline:
            try:
                backlog = self.outbox_backlog()
                queues = self.queues()
            except Exception as exc:  # noqa: BLE001 - a restart still settling; try again
                last = {"error": repr(exc)}
                quiet_since = None
                time.sleep(1)
                continue
            # the webhooks worker is not started: its queues (q.webhooks.*) only fill up
            # and a reply queue of a killed gateway worker keeps the late reply nobody waits for any more
            busy = {q: n for q, n in queues.items()
                    if n and "dead" not in q and not q.startswith(("q.webhooks.", "rpc.reply-"))}
            last = {"outbox": backlog, "busy_queues": busy,
                    "dead_letters": {q: n for q, n in queues.items() if n and "dead" in q}}
            if not any(backlog.values()) and not busy:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since >= 5:
                    return {"drained": True, **last}
            else:
                quiet_since = None
            time.sleep(1)
        return {"drained": False, **last}


# -- the demo and the faults -----------------------------------------------------------------------


@dataclass
class Options:
    seed: int
    scale: float
    tahun: int
    territory: Territory
    workers: int = 6
    demo_timeout: float = 1800


def demo_argv(stack_: Stack, opts: Options, result_file: Path, password_file: Path) -> list[str]:
    argv = [sys.executable, "-m", "eplanning_demo", "--gateway", stack_.gateway.url, "--seed", str(opts.seed),
            "--scale", str(opts.scale), "--tahun", str(opts.tahun), "--admin-password-file", str(password_file),
            "--user-password", USER_PASSWORD, "--workers", str(opts.workers), "--rkpd-timeout", "600",
            "--result-json", str(result_file)]
    t = opts.territory
    if t.kecamatan:
        argv += ["--kecamatan", ",".join(t.kecamatan)]
    if t.desa_per_kecamatan:
        argv += ["--desa-per-kecamatan", str(t.desa_per_kecamatan)]
    if t.opd:
        argv += ["--opd", ",".join(t.opd)]
    if t.anggota:
        argv += ["--anggota", ",".join(t.anggota)]
    return argv


@dataclass
class Faults:
    """Fires SCHEDULE against a stack as the demo's progress lines arrive."""

    stack: Stack
    t0: float
    schedule: tuple = SCHEDULE
    timeline: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition)
    finished: bool = False
    errors: list = field(default_factory=list)

    def feed(self, line: str) -> None:
        with self.cond:
            self.lines.append(line)
            self.cond.notify_all()

    def finish(self) -> None:
        with self.cond:
            self.finished = True
            self.cond.notify_all()

    def _wait(self, trigger: str) -> bool:
        with self.cond:
            while True:
                if any(trigger in line for line in self.lines):
                    return True
                if self.finished:
                    return False
                self.cond.wait(1)

    def note(self, fault: str, detail: str, started: float) -> None:
        entry = {"t": round(started - self.t0, 1), "fault": fault, "detail": detail,
                 "seconds": round(time.monotonic() - started, 1)}
        self.timeline.append(entry)
        log(f"[{entry['t']:7.1f}s] {fault}: {detail} ({entry['seconds']} s)")

    def run(self) -> None:
        for trigger, delay, fault in self.schedule:
            if not self._wait(trigger):
                self.timeline.append({"t": None, "fault": fault, "detail": f"NOT FIRED: the demo ended before "
                                      f"{trigger!r}", "seconds": 0})
                continue
            time.sleep(delay)
            started = time.monotonic()
            try:
                self.note(fault, self.fire(fault), started)
            except Exception as exc:  # noqa: BLE001 - reported, fails the run
                self.errors.append(f"{fault}: {exc!r}")
                self.note(fault, f"FAILED: {exc!r}", started)

    def fire(self, fault: str) -> str:
        if fault.startswith("kill-") and fault[5:] in SERVICES:
            return self.stack.kill_service(fault[5:])
        if fault == "kill-gateway-worker":
            return self.stack.kill_gateway_worker()
        if fault == "kill-rabbitmq":
            return infra_kill.kill_rabbitmq()
        if fault == "kill-postgresql":
            return infra_kill.kill_postgresql(PG_VERSION)
        raise ValueError(fault)


def play(label: str, opts: Options, tmp: Path, faults: bool) -> dict:
    """A stack on fresh databases, the demo played on it (with the fault schedule when `faults`),
    drained, its business state read; the stack stopped."""
    run_tmp = tmp / label
    run_tmp.mkdir(parents=True)
    s = Stack(label, run_tmp)
    out: dict = {"label": label, "faults": faults}
    try:
        s.start()
        s.gateway.tokens.clear()
        password_file = run_tmp / "admin-password.txt"
        password_file.write_text(stack.ADMIN_PASSWORD + "\n")
        result_file = run_tmp / "result.json"
        env = {k: v for k, v in os.environ.items() if k != "GATEWAY_ADMIN_PASSWORD"}
        log(f"{label}: playing the demo (seed {opts.seed}, scale {opts.scale:g}, tahun {opts.tahun})"
            + (" with faults" if faults else ""))
        t0 = time.monotonic()
        demo = subprocess.Popen(demo_argv(s, opts, result_file, password_file), cwd=ROOT, env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=1)
        injector = Faults(s, t0) if faults else None
        thread = threading.Thread(target=injector.run, daemon=True) if injector else None
        if thread:
            thread.start()
        output = []
        for line in demo.stdout:
            output.append(line)
            if injector:
                injector.feed(line)
        demo.wait(timeout=opts.demo_timeout)
        out["demo_seconds"] = round(time.monotonic() - t0, 1)
        out["demo_exit"] = demo.returncode
        out["demo_tail"] = "".join(output[-40:])
        if injector:
            injector.finish()
            thread.join(timeout=600)
            out["timeline"] = injector.timeline
            out["fault_errors"] = injector.errors
        out["result"] = json.loads(result_file.read_text()) if result_file.exists() else None
        log(f"{label}: demo exited {demo.returncode} after {out['demo_seconds']} s; draining")
        s.wait_ready(180)
        out["drain"] = s.drain(300)
        out["unplanned_deaths"] = list(s.unplanned_deaths)
        out["state"] = read_state(s.gateway, opts.tahun)
        return out
    finally:
        s.stop()


# -- the business state ----------------------------------------------------------------------------


def read_state(gateway: stack.Gateway, tahun: int) -> dict:
    token = gateway.login("bappeda", USER_PASSWORD)

    def get(path: str):
        for _ in range(20):
            answer = gateway.request("GET", path, token=token, timeout=60)
            if answer.status == 200:
                return answer.json
            time.sleep(1)
        raise RuntimeError(f"GET {path}: {answer.status} {answer.body[:300]!r}")

    def every(path: str) -> list:
        items, cursor = [], None
        while True:
            page = get(path + ("&" if "?" in path else "?") + "limit=200"
                       + (f"&cursor={urllib.parse.quote(cursor, safe='')}" if cursor else ""))
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    return {
        "usulan": [{"id": u["id"], "status": u["status"], "permasalahan": u.get("permasalahan"),
                    "decisions": [{"level": d["level"], "status": d["status"]} for d in u.get("decisions") or []]}
                   for u in every(f"/v1/musrenbang/{tahun}/usulan")],
        "pokir": [{"id": p["id"], "status": p["status"], "judul": p.get("judul")}
                  for p in every(f"/v1/pokir/{tahun}/pokir")],
        "rows": [{"row_id": r["row_id"], "opd": r["opd"], "sub_kegiatan": r.get("sub_kegiatan"),
                  "pagu_n": r.get("pagu_n")} for r in every(f"/v1/renja/{tahun}/rows")],
        "inbox": [{"item_id": i["item_id"], "source_id": i["source_id"], "opd": i["opd"], "status": i["status"]}
                  for i in every(f"/v1/renja/{tahun}/inbox")],
        "rkpd": [{"nomor": v["nomor"], "versi": v["versi"], "content_hash": v["content_hash"]}
                 for v in get(f"/v1/rkpd/{tahun}/versions")["versions"]],
    }


class Tally:
    def __init__(self):
        self.counts = collections.Counter()
        self.details: list[str] = []

    def add(self, kind: str, what: str, n: int = 1) -> None:
        if n > 0:
            self.counts[kind] += n
            if len(self.details) < 200:
                self.details.append(f"{kind}: {what}" + (f" (x{n})" if n > 1 else ""))

    def once_each(self, noun: str, planned: dict, seen: collections.Counter) -> None:
        """Every planned object (key -> how to name it) listed once: missing is lost, listed more
        than once is duplicated."""
        for key, name in planned.items():
            if not seen[key]:
                self.add("lost", f"{noun} {name}")
        for key, n in seen.items():
            self.add("duplicated", f"{noun} {key} listed twice", n - 1)


def check_state(plan, ids: dict, state: dict, reference_rkpd: list[dict]) -> Tally:
    """Compares a run's business state with the plan; `ids` is the reference run's result json (the
    deterministic ids), `reference_rkpd` its RKPD versions."""
    tally = Tally()
    # usulan and their decisions
    planned = {ids["usulan"][str(u.n)]["id"]: u for u in plan.usulan}
    texts = {u.permasalahan for u in plan.usulan}
    tally.once_each("usulan", {ident: f"{u.n} ({ident})" for ident, u in planned.items()},
                    collections.Counter(u["id"] for u in state["usulan"]))
    for u in state["usulan"]:
        p = planned.get(u["id"])
        if p is None:
            tally.add("duplicated" if u.get("permasalahan") in texts else "unexpected", f"usulan {u['id']}")
            continue
        want = collections.Counter((level, d.status) for level, d in p.decisions)
        if p.routed and p.kabupaten_decision is None:
            # the Musrenbang RKPD forum's close records its agreement on every usulan that reached it
            # at kabupaten level: "diterima", since the demo's forum agrees on no usulan otherwise
            want[("kabupaten", "diterima")] += 1
        got = collections.Counter((d["level"], d["status"]) for d in u["decisions"])
        for key, n in want.items():
            tally.add("lost", f"usulan {p.n}: decision {key}", n - got[key])
        for key, n in got.items():
            tally.add("duplicated" if key in want else "unexpected", f"usulan {p.n}: decision {key}", n - want[key])
        if p.withdrawn != (u["status"] == "withdrawn"):
            tally.add("unexpected", f"usulan {p.n}: status {u['status']!r}, withdrawn planned {p.withdrawn}")
    # pokir
    planned_pokir = {ids["pokir"][str(p.n)]: p for p in plan.pokir}
    judul = {p.judul for p in plan.pokir}
    tally.once_each("pokir", {ident: f"{p.n} ({ident})" for ident, p in planned_pokir.items()},
                    collections.Counter(p["id"] for p in state["pokir"]))
    for p in state["pokir"]:
        want = planned_pokir.get(p["id"])
        if want is None:
            tally.add("duplicated" if p.get("judul") in judul else "unexpected", f"pokir {p['id']}")
        elif p["status"] != want.status_akhir:
            tally.add("unexpected", f"pokir {want.n}: status {p['status']!r}, planned {want.status_akhir!r}")
    # renja rows
    planned_rows = {ids["rows"][r.key]: r for r in plan.rows if r.key in ids["rows"]}
    for r in plan.rows:
        if r.key not in ids["rows"]:
            tally.add("lost", f"row {r.key}: not in the reference run")
    shapes = {(r.opd, r.sub_kegiatan) for r in plan.rows}
    tally.once_each("row", {ident: f"{r.key} ({ident})" for ident, r in planned_rows.items()},
                    collections.Counter(r["row_id"] for r in state["rows"]))
    for r in state["rows"]:
        if r["row_id"] not in planned_rows:
            tally.add("duplicated" if (r["opd"], r["sub_kegiatan"]) in shapes else "unexpected", f"row {r['row_id']}")
    # inbox items and their decisions (a pokir Bappeda found tidak_layak reaches no inbox)
    expected = {}
    for kind, items in (("musrenbang", plan.routed_usulan()), ("pokir", plan.layak_pokir())):
        for x in items:
            source = ids["usulan"][str(x.n)]["id"] if kind == "musrenbang" else ids["pokir"][str(x.n)]
            for f in x.follow_up.chain():
                expected[(source, f.opd)] = INBOX_DECISION[f.decision]
    tally.once_each("inbox item", {key: key for key in expected},
                    collections.Counter((i["source_id"], i["opd"]) for i in state["inbox"]))
    for i in state["inbox"]:
        key = (i["source_id"], i["opd"])
        if key not in expected:
            tally.add("unexpected", f"inbox item {key}")
        elif i["status"] != expected[key]:
            tally.add("unexpected", f"inbox item {key}: {i['status']!r}, planned {expected[key]!r}")
    # RKPD versions: each assembled once, with the reference's content
    want = collections.Counter((v["versi"], v["content_hash"]) for v in reference_rkpd)
    got = collections.Counter((v["versi"], v["content_hash"]) for v in state["rkpd"])
    for key, n in want.items():
        tally.add("lost", f"RKPD version {key}", n - got[key])
    versi = {v for v, _ in want}
    for key, n in got.items():
        if n > want[key]:
            tally.add("duplicated" if key[0] in versi else "unexpected", f"RKPD version {key}", n - want[key])
    return tally


def assembled_hash(state: dict) -> str | None:
    first = sorted(state["rkpd"], key=lambda v: v["nomor"])
    return first[0]["content_hash"] if first else None


# -- main --------------------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a small territory (2 kecamatan, 10 desa, 4 OPD)")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--scale", type=float)
    parser.add_argument("--tahun", type=int, default=2027)
    parser.add_argument("--workers", type=int, default=6, help="the demo's parallel requests")
    parser.add_argument("--reference", type=Path, help="a reference kept with --save-reference (not played again)")
    parser.add_argument("--save-reference", type=Path, help="keep the fault-free run's reference here")
    parser.add_argument("--json-out", type=Path, help="write the whole report as JSON here")
    parser.add_argument("--keep-tmp", action="store_true", help="keep the logs (services, gunicorn) of both runs")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    territory = QUICK_TERRITORY if args.quick else Territory()
    opts = Options(seed=args.seed if args.seed is not None else (7 if args.quick else 1),
                   scale=args.scale if args.scale is not None else (0.6 if args.quick else 1.0),
                   tahun=args.tahun, territory=territory, workers=args.workers)
    meta = {"seed": opts.seed, "scale": opts.scale, "tahun": opts.tahun, "quick": args.quick}
    plan = build_plan(load_reference(), seed=opts.seed, scale=opts.scale, territory=territory, tahun=opts.tahun)
    tmp = Path(tempfile.mkdtemp(prefix="chaos-"))
    log(f"logs in {tmp}")
    report: dict = {"meta": meta}
    try:
        if args.reference:
            reference = json.loads(args.reference.read_text())
            if reference["meta"] != meta:
                log(f"the reference {args.reference} is for {reference['meta']}, not {meta}")
                return 2
            log(f"reference read from {args.reference}")
        else:
            reference = play("reference", opts, tmp, faults=False)
            reference["meta"] = meta
            if args.save_reference:
                args.save_reference.parent.mkdir(parents=True, exist_ok=True)
                args.save_reference.write_text(json.dumps(reference, indent=1))
        report["reference"] = reference
        if reference.get("demo_exit") != 0 or reference.get("result") is None:
            log(f"the fault-free reference run failed (exit {reference.get('demo_exit')}):\n{reference['demo_tail']}")
            return 1
        ref_tally = check_state(plan, reference["result"], reference["state"], reference["state"]["rkpd"])
        faulty = play("faulty", opts, tmp, faults=True)
        report["faulty"] = faulty
        tally = check_state(plan, reference["result"], faulty["state"], reference["state"]["rkpd"])
    finally:
        support.drop_created_databases()
        if not args.keep_tmp and "faulty" in report:
            subprocess.run(["rm", "-rf", str(tmp)], check=False)
    ref_hash, hash_ = assembled_hash(reference["state"]), assembled_hash(faulty["state"])
    problems = []
    if any(ref_tally.counts.values()):
        problems.append(f"the reference run does not match the plan: {dict(ref_tally.counts)} {ref_tally.details[:10]}")
    if faulty["demo_exit"] != 0:
        problems.append(f"the demo failed under faults (exit {faulty['demo_exit']}):\n{faulty['demo_tail']}")
    not_fired = [e["fault"] for e in faulty["timeline"] if e["t"] is None or e["detail"].startswith("FAILED")]
    if not_fired:
        problems.append(f"faults not fired or failed: {not_fired}")
    for run in (reference, faulty):
        if not run["drain"].get("drained"):
            problems.append(f"{run['label']}: did not drain: {run['drain']}")
        if run["drain"].get("dead_letters"):
            problems.append(f"{run['label']}: dead-lettered messages: {run['drain']['dead_letters']}")
        if run.get("unplanned_deaths"):
            problems.append(f"{run['label']}: service processes died on their own: {run['unplanned_deaths']}")
    if hash_ != ref_hash:
        problems.append(f"RKPD content hash {hash_} != the fault-free run's {ref_hash}")
    counts = {k: tally.counts.get(k, 0) for k in ("lost", "duplicated", "unexpected")}
    if any(counts.values()):
        problems.append("business state differs from the plan: " + "; ".join(tally.details[:30]))
    print()
    print("fault timeline (seconds since the faulty demo started):")
    for e in faulty["timeline"]:
        t = "   never" if e["t"] is None else f"{e['t']:7.1f}s"
        print(f"  {t}  {e['fault']:<20} {e['detail']}  [{e['seconds']} s]")
    state = faulty["state"]
    print(f"business state checked: {len(state['usulan'])} usulan, {len(state['pokir'])} pokir, "
          f"{len(state['rows'])} renja rows, {len(state['inbox'])} inbox items, {len(state['rkpd'])} RKPD versions")
    print(f"demo: reference {reference.get('demo_seconds')} s, faulty {faulty['demo_seconds']} s "
          f"({(faulty['result'] or {}).get('retries')} retried requests)")
    print(f"rkpd content hash: fault-free {ref_hash}")
    print(f"rkpd content hash: faulty     {hash_}")
    print(f"lost={counts['lost']} duplicated={counts['duplicated']} unexpected={counts['unexpected']}")
    report.update({"counts": counts, "details": tally.details, "hash_reference": ref_hash, "hash_faulty": hash_,
                   "problems": problems, "timeline": faulty["timeline"]})
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=1, default=str))
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("chaos: OK" if not problems else "chaos: FAILED")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
