"""Benchmark: the event pipeline — usulan routed when Bappeda closes the Musrenbang stage, then
visible in the OPD's Renja inbox — next to raw kombu publish → consume of messages of the same
size on the same broker, in the same run.

    .venv/bin/python bench/bench_pipeline.py [--usulan 1600] [--singles 30] [--out var/bench/pipeline.json]
    .venv/bin/python bench/bench_pipeline.py --quick        # a few seconds: 40 usulan, 3 singles

Needs RabbitMQ (with its management API, for the throwaway vhost) and PostgreSQL, as `make infra`
starts them; not the stack (it does not touch the stack's databases or vhost).

What runs: fresh databases `<--database-prefix>_musrenbang_<run>` and `_renja_<run>` (migrated,
region tree and nomenclature loaded; dropped at the end), a throwaway vhost, and the Musrenbang and Renja
services as `nameko run` processes (deploy/nameko.yaml, as in production: max_workers 10), so
that each one's CPU is its own process's. The cycles are seeded straight into Musrenbang's
database with the service's own domain code and repository (kamus, schedule, usulan accepted at
desa, kecamatan and kabupaten, every kecamatan forum closed): set-up is not what is measured.

Pipeline, measured per usulan from the commit of the routing to the inbox row being visible:
  batch   `--usulan` usulan routed at once: the stage close (schedule_actions.close_stage, run here
          in one unit of work so that the commit instant is known to the millisecond) writes one
          `usulan.routed.v1` per usulan into the outbox and commits; Musrenbang's relay (woken by
          the commit's NOTIFY) publishes them with confirms; Renja's `on_usulan_routed` handler
          stores each in the OPD's inbox (idempotently, one transaction each). A poller counts
          Renja's `inbox_item` rows every `--poll-ms`: item k's latency is the first poll that saw
          k rows, minus the commit. Throughput: usulan / (last visible − commit). Afterwards
          every item is checked through Renja's `inbox` RPC.
  single  `--singles` cycles of one usulan each, closed one after the other: the latency of one
          event through an idle pipeline (polled every millisecond).

Reference, raw kombu on the same broker (a durable queue in the same vhost): one publisher
(persistent messages, publisher confirms, one at a time as kombu's confirm_publish does) and one
consumer in its own process (acks each message, prefetch = the services' max_workers), the body
being a real `usulan.routed.v1` envelope of this run (same bytes, parsed as JSON by the consumer):
  batch   `--usulan` messages published back to back: latency from the first publish to each
          consumer ack, throughput messages / (last ack − first publish), as in the pipeline;
  single  `--reference-singles` messages, each published after the previous one was consumed:
          publish → ack.

CPU per process group (musrenbang, renja, postgres, rabbitmq, the harness, the kombu publisher
and consumer, other) over each batch phase, from /proc. Writes the JSON to --out and a Markdown
table next to it (--md). Not a test: nothing here asserts a speed.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg2
import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, CpuMeter, fmt, latency_ms, machine, md_table, now_iso, write_report  # noqa: E402

sys.path.insert(0, str(ROOT))
from tests.integration import support  # noqa: E402

from eplanning_common.config import data_dir  # noqa: E402
from eplanning_common.identity_tokens import generate_keys  # noqa: E402
from eplanning_common.db import UnitOfWork, make_engine  # noqa: E402
from eplanning_common.migrations import migrate  # noqa: E402
from eplanning_common.publisher import json_message  # noqa: E402
from eplanning_common.topology import Subscription  # noqa: E402
from eplanning_common.wilayah import load_wilayah  # noqa: E402

PEMDA, TAHUN, VERSI = "12.21", 2027, "sipd-2027"
SINGLE_TAHUN = 2028  # the one-usulan cycles: 2028, 2029, ... (plan years stop at 2100)
ROUTED_QUEUE = Subscription("renja", "musrenbang", "usulan.routed.v1").queue
REFERENCE_EXCHANGE, REFERENCE_QUEUE = "bench.reference", "bench.reference.routed"
MAX_WORKERS = 10  # deploy/nameko.yaml: nameko's prefetch is max_workers


class BenchError(Exception):
    pass


# -- set-up ----------------------------------------------------------------------------------------

def fresh_databases(prefix: str) -> dict[str, str]:
    from renja.nomenklatur import load_nomenklatur

    urls = {}
    for service in ("musrenbang", "renja"):
        url = support.fresh_database(f"{prefix}_{service}")
        migrate(service, url)
        engine = sa.create_engine(url)
        load_wilayah(engine, PEMDA)
        if service == "renja":
            load_nomenklatur(engine, VERSI)
        engine.dispose()
        urls[service] = url
    return urls


def setup_renja(engine, years: list[int]) -> None:
    from renja import setup_actions
    from renja.domain import Actor, Role
    from renja.repository import Repository

    actor = Actor("bench-bappeda", Role.BAPPEDA, PEMDA, None)
    with UnitOfWork(engine, "renja") as uow:
        setup_actions.import_opd(Repository(uow), actor, VERSI, (data_dir() / "demo" / f"opd_{PEMDA}.csv").read_text())
    with UnitOfWork(engine, "renja") as uow:
        for tahun in years:
            setup_actions.pin_cycle(Repository(uow), actor, tahun, VERSI)


def seed_cycle(engine, tahun: int, count: int, rnd: random.Random) -> int:
    """A Musrenbang cycle `tahun` of `count` usulan, every one accepted at desa, kecamatan and
    kabupaten, every kecamatan forum closed: ready for the stage close. Returns the usulan made."""
    from musrenbang import forum_actions, kamus_actions, schedule_actions
    from musrenbang.access import Caller
    from musrenbang.domain import (DecideUsulan, DecisionStatus, Level, OperatorScope, UsulanInput, decide,
                                   generate_tracking_code, new_usulan, submit)
    from musrenbang.repository import Repository

    bappeda = Caller("bench-bappeda", "bappeda", PEMDA)
    now = datetime.now(timezone.utc)
    with UnitOfWork(engine, "musrenbang") as uow:
        repo = Repository(uow)
        kamus_actions.import_kamus(repo, bappeda, tahun,
                                   (data_dir() / "demo" / f"kamus_usulan_{PEMDA}_{TAHUN}.csv").read_text())
        schedule_actions.set_schedule(repo, bappeda, tahun, [
            {"level": lv, "opens_at": (now - timedelta(days=1)).isoformat(),
             "closes_at": (now + timedelta(days=7)).isoformat()} for lv in ("desa", "kecamatan", "kabupaten")])
    at = datetime.now(timezone.utc)
    with UnitOfWork(engine, "musrenbang") as uow:
        repo = Repository(uow)
        schedule, _, _ = repo.schedule(PEMDA, tahun)
        kamus = {item.id: item for item in repo.kamus_for_cycle(PEMDA, tahun)}
        items = sorted(kamus.values(), key=lambda item: item.kode)
        desa = [r[0] for r in uow.execute(sa.text(
            "select kode from wilayah where pemda = :p and tingkat = 'desa_kelurahan' order by kode"), {"p": PEMDA})]
        regions = repo.regions_for(set(desa))
        codes = set()
        kecamatan = set()
        for i in range(count):
            d = desa[rnd.randrange(len(desa))]
            item = items[i % len(items)]
            code = generate_tracking_code(rnd.randrange)
            while code in codes:
                code = generate_tracking_code(rnd.randrange)
            codes.add(code)
            operator = f"op-{d}"
            u = new_usulan(UsulanInput(desa=d, kamus_item_id=item.id, volume="1",
                                       permasalahan="Masalah yang disepakati musyawarah desa",
                                       gagasan=f"{item.nama} di desa {d} (benchmark {i})"),
                           usulan_id=str(uuid.UUID(int=rnd.getrandbits(128), version=4)), tracking_code=code,
                           tahun=tahun, scope=OperatorScope(PEMDA, d.rsplit(".", 1)[0], d), regions=regions,
                           kamus=kamus, by=operator, at=at)
            u = submit(u, schedule, by=operator, at=at)
            for level, by in ((Level.DESA, operator), (Level.KECAMATAN, f"op-{u.kecamatan}"),
                              (Level.KABUPATEN, "bench-bappeda")):
                u = decide(u, DecideUsulan(level=level, status=DecisionStatus.DITERIMA, by=by, at=at), schedule).usulan
            repo.insert_usulan(u, [])
            kecamatan.add(u.kecamatan)
    for kec in sorted(kecamatan):
        with UnitOfWork(engine, "musrenbang") as uow:
            forum_actions.close_kecamatan(Repository(uow), Caller(f"camat-{kec}", "operator_kecamatan", PEMDA, kec),
                                          tahun, kec, {"tanggal": f"{tahun - 1}-02-10", "tempat": "Kantor Camat",
                                                       "jumlah_peserta": 60}, at)
    return count


def close_stage(engine, tahun: int) -> tuple[float, float, int]:
    """The measured act: Bappeda closes the stage (every accepted usulan routed, in one
    transaction). Returns (time.time() before, time.time() right after the commit, routed)."""
    from musrenbang import schedule_actions
    from musrenbang.access import Caller
    from musrenbang.repository import Repository

    began = time.time()
    with UnitOfWork(engine, "musrenbang") as uow:
        result = schedule_actions.close_stage(Repository(uow), Caller("bench-bappeda", "bappeda", PEMDA), tahun)
    return began, time.time(), result["routed_count"]


def pg_connect(url: str, autocommit: bool = True, patience: float = 120.0):
    """A psycopg2 connection, retried while the server has no free slot (a shared machine)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            conn = psycopg2.connect(url)
            conn.autocommit = autocommit
            return conn
        except psycopg2.OperationalError as exc:
            if "too many clients" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(1.0)


# -- the services ---------------------------------------------------------------------------------

def start_service(name: str, amqp_uri: str, db_url: str, log_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "AMQP_URI": amqp_uri, "DATABASE_URL": db_url, "SERVICE_NAME": name,
           "LOG_LEVEL": "WARNING", "EPLANNING_CONTRACT_CHECK": ""}
    log = open(log_dir / f"bench-pipeline-{name}.log", "wb")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "nameko"), "run", "--config",
                             str(ROOT / "deploy" / "nameko.yaml"), f"{name}.service"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc


def stop_services(procs: list[subprocess.Popen]) -> None:
    """SIGTERM to all (nameko stops gracefully), then wait; SIGKILL after 30 s."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 30
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def queue_consumers(vhost: str, queue: str) -> int:
    url = f"{support.RABBIT_MGMT}/api/queues/{urllib.parse.quote(vhost, safe='')}/{urllib.parse.quote(queue, safe='')}"
    try:
        response = requests.get(url, auth=("guest", "guest"), timeout=5)
    except requests.RequestException:
        return 0
    return response.json().get("consumers", 0) if response.status_code == 200 else 0


def pending_outbox(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("select count(*) from outbox where status = 'pending'")
        return cur.fetchone()[0]


def wait_until(predicate, timeout: float, what: str, procs: list[subprocess.Popen] = ()):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        for proc in procs:
            if proc.poll() is not None:
                raise BenchError(f"a service exited (status {proc.returncode}) while waiting for {what}; "
                                 "see var/log/bench-pipeline-*.log")
        if time.monotonic() > deadline:
            raise BenchError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


# -- measuring the pipeline -------------------------------------------------------------------------

def inbox_count(conn, tahun: int) -> int:
    with conn.cursor() as cur:
        cur.execute("select count(*) from inbox_item where tahun = %s and source = 'musrenbang'", (tahun,))
        return cur.fetchone()[0]


def watch_inbox(conn, tahun: int, expected: int, poll_s: float, timeout: float) -> list[float]:
    """Poll until `expected` items of `tahun` are visible; returns, for k = 1..expected, the
    time.time() of the first poll (after its answer) that saw at least k rows."""
    seen: list[float] = []
    deadline = time.monotonic() + timeout
    while len(seen) < expected:
        count = inbox_count(conn, tahun)
        now = time.time()
        if count > len(seen):
            seen.extend([now] * (min(count, expected) - len(seen)))
            continue
        if time.monotonic() > deadline:
            raise BenchError(f"only {len(seen)} of {expected} routed usulan reached the inbox within {timeout:g} s")
        time.sleep(poll_s)
    return seen


def verify_through_rpc(amqp_uri: str, tahun: int, expected_ids: set[str]) -> dict:
    """Every routed usulan is in some OPD's inbox as Renja's `inbox` RPC answers it (as Bappeda)."""
    identity = {"sub": "bench-bappeda", "role": "bappeda", "pemda": PEMDA}
    found, cursor, calls = set(), None, 0
    with support.signed_proxy(amqp_uri, identity, timeout=30) as rpc:
        while True:
            page = rpc.renja.inbox(tahun, None, None, cursor, 100)
            calls += 1
            found.update(i["source_id"] for i in page["items"] if i["source"] == "musrenbang")
            cursor = page["next_cursor"]
            if not cursor:
                break
    return {"rpc_calls": calls, "items": len(found), "all_routed_usulan_present": expected_ids <= found,
            "missing": len(expected_ids - found)}


def routed_envelopes(conn, tahun: int) -> list[bytes]:
    """The `usulan.routed.v1` bodies as the relay publishes them."""
    with conn.cursor() as cur:
        cur.execute("select envelope from outbox where routing_key = 'usulan.routed.v1' and (envelope->>'tahun')::int = %s "
                    "order by seq", (tahun,))
        return [json_message("musrenbang.events", "usulan.routed.v1", row[0]).body for row in cur.fetchall()]


def pipeline_batch(urls, amqp_uri, vhost, services, poll_ms: float, tahun: int, usulan: int) -> dict:
    m_engine = make_engine(urls["musrenbang"], pool_size=2)
    renja_conn = pg_connect(urls["renja"])
    try:
        meter = CpuMeter(roles={os.getpid(): "harness", **{p.pid: name for name, p in services.items()}},
                         ours=set()).start()
        began, committed, routed = close_stage(m_engine, tahun)
        seen = watch_inbox(renja_conn, tahun, routed, poll_ms / 1000, timeout=120 + routed * 0.2)
        cpu = meter.stop()
        m_conn = pg_connect(urls["musrenbang"])
        try:
            bodies = routed_envelopes(m_conn, tahun)
            with m_conn.cursor() as cur:
                cur.execute("select usulan_id from (select envelope->'data'->>'usulan_id' as usulan_id, "
                            "(envelope->>'tahun')::int as tahun from outbox where routing_key = 'usulan.routed.v1') e "
                            "where tahun = %s", (tahun,))
                ids = {r[0] for r in cur.fetchall()}
        finally:
            m_conn.close()
    finally:
        renja_conn.close()
        m_engine.dispose()
    latencies = [t - committed for t in seen]
    elapsed = seen[-1] - committed
    sizes = sorted(len(b) for b in bodies)
    return {
        "usulan_routed": routed, "close_transaction_ms": round((committed - began) * 1000, 1),
        "seconds_commit_to_last_visible": round(elapsed, 3), "items_per_second": round(routed / elapsed, 1),
        "first_visible_ms": round(latencies[0] * 1000, 1), "latency_ms": latency_ms(latencies),
        "poll_ms": poll_ms, "cpu": cpu, "_ids": ids, "_body": bodies[len(bodies) // 2],
        "message_bytes": {"min": sizes[0], "median": sizes[len(sizes) // 2], "max": sizes[-1]},
    }


def pipeline_singles(urls, years: list[int]) -> dict:
    m_engine = make_engine(urls["musrenbang"], pool_size=2)
    renja_conn = pg_connect(urls["renja"])
    latencies = []
    try:
        for tahun in years:
            _, committed, routed = close_stage(m_engine, tahun)
            seen = watch_inbox(renja_conn, tahun, routed, 0.001, timeout=30)
            latencies.append(seen[-1] - committed)
            time.sleep(0.05)  # let the pipeline go idle (inbox.received.v1 relayed) before the next one
    finally:
        renja_conn.close()
        m_engine.dispose()
    return {"cycles": len(years), "poll_ms": 1.0, "latency_ms": latency_ms(latencies)}


# -- the kombu reference ------------------------------------------------------------------------------

def _reference_consumer(amqp_uri: str, prefetch: int, pipe) -> None:
    """One consumer: acks every message; on ("collect", n) reports (seq, sent, acked_at) of the
    next n messages; ("stop",) ends."""
    from kombu import Connection, Consumer, Exchange, Queue

    received: list[tuple[int, float, float]] = []

    def on_message(body, message):
        message.ack()
        received.append((message.headers["seq"], message.headers["sent"], time.time()))

    queue = Queue(REFERENCE_QUEUE, Exchange(REFERENCE_EXCHANGE, type="direct", durable=True), routing_key="routed",
                  durable=True)
    with Connection(amqp_uri) as conn:
        with Consumer(conn.channel(), queues=[queue], callbacks=[on_message], prefetch_count=prefetch,
                      accept=["json"]):
            pipe.send(("ready",))
            while True:
                command = pipe.recv()
                if command[0] == "stop":
                    break
                wanted, deadline = command[1], time.monotonic() + command[2]
                while len(received) < wanted and time.monotonic() < deadline:
                    try:
                        conn.drain_events(timeout=0.5)
                    except socket.timeout:
                        pass
                done, received[:] = received[:wanted], received[wanted:]
                pipe.send(("done", done))


def reference(amqp_uri: str, body: bytes, batch: int, singles: int) -> dict:
    from kombu import Connection, Exchange, Queue

    exchange = Exchange(REFERENCE_EXCHANGE, type="direct", durable=True)
    queue = Queue(REFERENCE_QUEUE, exchange, routing_key="routed", durable=True)
    ctx = multiprocessing.get_context("fork")
    here, there = ctx.Pipe()
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        channel = conn.channel()
        queue(channel).declare()
        queue(channel).purge()
        consumer = ctx.Process(target=_reference_consumer, args=(amqp_uri, MAX_WORKERS, there), daemon=True)
        consumer.start()
        try:
            if not here.poll(30) or here.recv()[0] != "ready":
                raise BenchError("the kombu reference consumer did not start")
            producer = conn.Producer(channel)

            def publish(seq: int) -> None:
                producer.publish(body, exchange=exchange, routing_key="routed", delivery_mode=2, mandatory=True,
                                 content_type="application/json", content_encoding="utf-8",
                                 headers={"seq": seq, "sent": time.time()}, retry=False)

            def collect(n: int, timeout: float) -> list:
                here.send(("collect", n, timeout))
                if not here.poll(timeout + 10):
                    raise BenchError("the kombu reference consumer did not answer")
                done = here.recv()[1]
                if len(done) < n:
                    raise BenchError(f"the kombu reference consumer got {len(done)} of {n} messages")
                return done

            # warm-up: connections, queue, consumer
            here.send(("collect", 20, 30))
            for i in range(20):
                publish(-1)
            here.recv()

            meter = CpuMeter(roles={os.getpid(): "kombu_publisher", consumer.pid: "kombu_consumer"}, ours=set()).start()
            here.send(("collect", batch, 120 + batch * 0.05))
            t0 = time.time()
            for i in range(batch):
                publish(i)
            published = time.time()
            if not here.poll(130 + batch * 0.05):
                raise BenchError("the kombu reference consumer did not answer")
            done = here.recv()[1]
            cpu = meter.stop()
            if len(done) < batch:
                raise BenchError(f"the kombu reference consumer got {len(done)} of {batch} messages")
            acked = sorted(a for _, _, a in done)
            batch_result = {
                "messages": batch, "seconds_first_publish_to_last_ack": round(acked[-1] - t0, 3),
                "items_per_second": round(batch / (acked[-1] - t0), 1),
                "publish_seconds": round(published - t0, 3),
                "publish_per_second": round(batch / (published - t0), 1),
                "first_visible_ms": round((acked[0] - t0) * 1000, 1),
                "latency_ms": latency_ms([a - t0 for a in acked]),
                "transit_latency_ms": latency_ms([a - s for _, s, a in done]),
                "cpu": cpu,
            }
            one = []
            for i in range(singles):
                here.send(("collect", 1, 10))
                publish(i)
                if not here.poll(20):
                    raise BenchError("the kombu reference consumer did not answer")
                (_, sent, acked_at), = here.recv()[1]
                one.append(acked_at - sent)
            here.send(("stop",))
        finally:
            consumer.join(timeout=10)
            if consumer.is_alive():
                consumer.kill()
            queue(channel).delete()
            exchange(channel).delete()
    return {"batch": batch_result, "single": {"messages": singles, "latency_ms": latency_ms(one)},
            "message_bytes": len(body), "prefetch": MAX_WORKERS, "publisher_confirms": "one at a time (kombu confirm_publish)",
            "delivery_mode": "persistent", "queue": "durable"}


# -- report ----------------------------------------------------------------------------------------------

def markdown(result: dict) -> str:
    p, r = result["pipeline"], result["reference"]
    pb, ps, rb, rs = p["batch"], p["single"], r["batch"], r["single"]
    lines = [
        "# Event pipeline benchmark",
        "",
        f"Measured {result['measured_at']} on {result['machine']['cpus']} CPUs. Usulan routed by the Musrenbang "
        f"stage close → `usulan.routed.v1` (outbox, relay with confirms) → Renja's inbox handler → row visible in "
        f"`inbox_item`; reference: raw kombu publish (persistent, confirms) → one consumer (acks, prefetch "
        f"{r['prefetch']}) of the same {r['message_bytes']}-byte message on the same broker.",
        "",
    ]
    lines += md_table(
        ["measurement", "items", "items/s", "first ms", "p50 ms", "p90 ms", "p99 ms", "max ms"],
        [[f"pipeline: {pb['usulan_routed']} usulan routed at once", pb["usulan_routed"], fmt(pb["items_per_second"]),
          pb["first_visible_ms"], pb["latency_ms"]["p50"], pb["latency_ms"]["p90"], pb["latency_ms"]["p99"],
          pb["latency_ms"]["max"]],
         [f"reference: {rb['messages']} messages published back to back", rb["messages"],
          fmt(rb["items_per_second"]), rb["first_visible_ms"], rb["latency_ms"]["p50"], rb["latency_ms"]["p90"],
          rb["latency_ms"]["p99"], rb["latency_ms"]["max"]],
         ["pipeline: one usulan at a time (idle)", ps["cycles"], None, None, ps["latency_ms"]["p50"],
          ps["latency_ms"]["p90"], ps["latency_ms"]["p99"], ps["latency_ms"]["max"]],
         ["reference: one message at a time", rs["messages"], None, None, rs["latency_ms"]["p50"],
          rs["latency_ms"]["p90"], rs["latency_ms"]["p99"], rs["latency_ms"]["max"]]],
        right={1, 2, 3, 4, 5, 6, 7})
    lines += ["", f"Batch latencies count from the commit of the routing (pipeline; the close transaction itself "
              f"took {pb['close_transaction_ms']} ms) or the first publish (reference) to each item's visibility "
              f"(pipeline: polled every {pb['poll_ms']:g} ms) or ack (reference), so they include the wait behind "
              f"the items before it. The pipeline reached {pb['items_per_second'] / rb['items_per_second']:.1%} of "
              f"the reference's throughput. Checked afterwards through Renja's `inbox` RPC: "
              f"{p['verified']['items']} items, all routed usulan present: {p['verified']['all_routed_usulan_present']}.",
              "", "CPU over each batch (CPU-seconds, % of the machine):", ""]
    groups = sorted({g for u in (pb["cpu"], rb["cpu"]) for g in u["groups"]})
    lines += md_table(["phase", "seconds", *groups, "machine busy"],
                      [[name, u["seconds"], *(f"{u['groups'][g]['cpu_seconds']} ({u['groups'][g]['percent_of_machine']}%)"
                                             if g in u["groups"] else None for g in groups),
                        f"{u['machine_busy_percent']}%"]
                       for name, u in (("pipeline batch", pb["cpu"]), ("reference batch", rb["cpu"]))],
                      right=set(range(1, len(groups) + 3)))
    lines += ["", "*harness*: the stage-close transaction and the poller (pipeline); *other*: everything else on "
              "the machine, competing for the same CPUs.", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--usulan", type=int, default=None, help="usulan routed at once in the batch (default 1600)")
    parser.add_argument("--singles", type=int, default=None, help="one-usulan cycles for the idle latency (default 30)")
    parser.add_argument("--reference-singles", type=int, default=None, help="default 200")
    parser.add_argument("--poll-ms", type=float, default=5.0, help="inbox poll interval in the batch (default 5)")
    parser.add_argument("--quick", action="store_true", help="a smoke run of seconds: 40 usulan, 3 singles unless given")
    parser.add_argument("--database-prefix", default="eplanning_bench_pipeline",
                        help="the databases' names begin with it (a run suffix follows); dropped at the end")
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "pipeline.json"))
    parser.add_argument("--md", default=None, help="Markdown report (default: --out with .md)")
    args = parser.parse_args()
    generate_keys()  # the RPC identity keys of RPC_IDENTITY_KEYS_DIR (var/keys), once
    for name, full, quick in (("usulan", 1600, 40), ("singles", 30, 3), ("reference_singles", 200, 20)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.usulan < 1 or args.singles < 1 or args.reference_singles < 1:
        parser.error("--usulan, --singles and --reference-singles must be positive")
    if SINGLE_TAHUN + args.singles - 1 > 2100:
        parser.error(f"--singles: at most {2100 - SINGLE_TAHUN + 1} (one plan year each)")

    log_dir = ROOT / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(20270330)
    started = time.monotonic()
    print(f"pipeline: fresh databases {args.database_prefix}_musrenbang/_renja, seeding {args.usulan} usulan "
          f"+ {args.singles} one-usulan cycles", flush=True)
    try:
        return run(args, rnd, started, log_dir)
    finally:
        support.drop_created_databases()  # the benchmark's databases (named with a run suffix)


def run(args, rnd: random.Random, started: float, log_dir: Path) -> int:
    urls = fresh_databases(args.database_prefix)
    single_years = [SINGLE_TAHUN + i for i in range(args.singles)]
    m_engine = make_engine(urls["musrenbang"], pool_size=2)
    r_engine = make_engine(urls["renja"], pool_size=2)
    try:
        setup_renja(r_engine, [TAHUN, *single_years])
        seed_cycle(m_engine, TAHUN, args.usulan, rnd)
        for tahun in single_years:
            seed_cycle(m_engine, tahun, 1, rnd)
    finally:
        m_engine.dispose()
        r_engine.dispose()
    print(f"  seeded in {time.monotonic() - started:.1f} s", flush=True)

    vhost = support.create_vhost()
    amqp_uri = support.amqp_uri_for(vhost)
    services = {}
    result: dict = {}
    try:
        for name in ("renja", "musrenbang"):
            services[name] = start_service(name, amqp_uri, urls[name], log_dir)
        procs = list(services.values())
        wait_until(lambda: queue_consumers(vhost, ROUTED_QUEUE) > 0, 90, "Renja's consumer", procs)
        m_conn = pg_connect(urls["musrenbang"])
        try:
            wait_until(lambda: pending_outbox(m_conn) == 0, 90, "Musrenbang's relay to drain the set-up events", procs)
        finally:
            m_conn.close()
        time.sleep(0.2 if args.quick else 2.0)  # let the start-up settle
        print(f"pipeline: batch of {args.usulan} usulan routed at once", flush=True)
        batch = pipeline_batch(urls, amqp_uri, vhost, services, args.poll_ms, TAHUN, args.usulan)
        print(f"  {batch['items_per_second']} usulan/s, first {batch['first_visible_ms']} ms, "
              f"p50 {batch['latency_ms']['p50']} ms, p99 {batch['latency_ms']['p99']} ms", flush=True)
        ids, body = batch.pop("_ids"), batch.pop("_body")
        verified = verify_through_rpc(amqp_uri, TAHUN, ids)
        if not verified["all_routed_usulan_present"]:
            raise BenchError(f"Renja's inbox RPC lacks {verified['missing']} routed usulan")
        r_conn = pg_connect(urls["renja"])
        m_conn = pg_connect(urls["musrenbang"])
        try:
            wait_until(lambda: pending_outbox(m_conn) == 0 and pending_outbox(r_conn) == 0, 60, "the outboxes to drain")
        finally:
            r_conn.close()
            m_conn.close()
        print(f"pipeline: {args.singles} one-usulan cycles", flush=True)
        single = pipeline_singles(urls, single_years)
        print(f"  p50 {single['latency_ms']['p50']} ms, p99 {single['latency_ms']['p99']} ms", flush=True)
        stop_services([services.pop("musrenbang"), services.pop("renja")])
        print(f"reference: raw kombu, {len(body)}-byte messages, batch of {args.usulan} + {args.reference_singles} "
              "one at a time", flush=True)
        ref = reference(amqp_uri, body, args.usulan, args.reference_singles)
        print(f"  {ref['batch']['items_per_second']} msg/s, p50 {ref['batch']['latency_ms']['p50']} ms, "
              f"p99 {ref['batch']['latency_ms']['p99']} ms; one at a time p50 {ref['single']['latency_ms']['p50']} ms",
              flush=True)
        result = {
            "pipeline": {"batch": batch, "single": single, "verified": verified,
                         "services": {"musrenbang": "nameko run (relay)", "renja": "nameko run (inbox handler)",
                                      "max_workers": MAX_WORKERS}},
            "reference": ref,
        }
    except BenchError as exc:
        print(f"bench_pipeline: {exc}", file=sys.stderr)
        return 1
    finally:
        stop_services(list(services.values()))
        support.delete_vhost(vhost)

    result.update({"quick": args.quick, "databases": [url.rsplit("/", 1)[1] for url in urls.values()], "machine": machine(),
                   "measured_at": now_iso(), "wall_seconds": round(time.monotonic() - started, 1)})
    out, md = write_report(result, args.out, args.md, markdown)
    print(f"written to {out} and {md}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
