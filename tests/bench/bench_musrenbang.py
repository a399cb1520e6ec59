"""Benchmark: Musrenbang intake and ranking through the service's RPC, on the real broker and DB.

    python tests/bench/bench_musrenbang.py [--usulan 20000] [--clients 8] [--out var/bench/musrenbang.json]

Starts a fresh database and a `nameko run` process of the Musrenbang service (a separate process,
as in production), then:
  1. creates N usulan spread over the 304 desa of Padang Lawas (12.21), each call made as that
     desa's operator, from `--clients` concurrent RPC clients: usulan per second;
  2. has the desa accept the usulan of the largest kecamatan and times `ranking` of that
     kecamatan (median of 5 calls): seconds, and the number ranked.
Not a test: nothing here asserts a speed. Results are printed and written as JSON.
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from datetime import datetime, timedelta, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from eplanning_common.config import data_dir  # noqa: E402
from eplanning_common.identity_tokens import generate_keys  # noqa: E402
from eplanning_common.migrations import migrate  # noqa: E402
from eplanning_common.wilayah import load_wilayah  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.integration import support  # noqa: E402

PEMDA, TAHUN = "12.21", 2027
KAMUS = ["DRN-01", "SPAM-02", "RKS-01", "IRG-01"]
VOLUME = {"DRN-01": "150", "SPAM-02": "1", "RKS-01": "2", "IRG-01": "0.5"}
GAGASAN = ["Drainase jalan dusun", "Sumur bor air bersih", "Ruang guru sekolah dasar", "Irigasi sawah warga",
           "Saluran air depan masjid", "Perbaikan saluran pasar"]


def start_service(amqp_uri: str, db_url: str) -> subprocess.Popen:
    env = {**os.environ, "AMQP_URI": amqp_uri, "DATABASE_URL": db_url, "SERVICE_NAME": "musrenbang",
           "LOG_LEVEL": "WARNING", "EPLANNING_CONTRACT_CHECK": ""}
    return subprocess.Popen([str(Path(sys.executable).parent / "nameko"), "run", "--config",
                             str(ROOT / "deploy" / "nameko.yaml"), "musrenbang.service"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--usulan", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "musrenbang.json"))
    parser.add_argument("--database", default="eplanning_bench_musrenbang", help="dropped and recreated")
    args = parser.parse_args()
    generate_keys()  # the RPC identity keys of RPC_IDENTITY_KEYS_DIR (var/keys), once

    vhost = support.create_vhost()
    amqp_uri = support.amqp_uri_for(vhost)
    db_url = support.fresh_database(args.database)
    migrate("musrenbang", db_url)
    engine = sa.create_engine(db_url)
    load_wilayah(engine, PEMDA)
    with engine.connect() as conn:
        desa = [r[0] for r in conn.execute(sa.text(
            "select kode from wilayah where pemda = :p and tingkat = 'desa_kelurahan' order by kode"), {"p": PEMDA})]
    engine.dispose()
    service = start_service(amqp_uri, db_url)
    result = {}
    try:
        bappeda = {"sub": "bench-bappeda", "role": "bappeda", "pemda": PEMDA}
        with support.signed_proxy(amqp_uri, bappeda, timeout=60) as rpc:
            support.wait_for(lambda: _answers(rpc), timeout=60, what="the service")
            rpc.musrenbang.import_kamus(TAHUN, (data_dir() / "demo" / "kamus_usulan_12.21_2027.csv").read_text())
            now = datetime.now(timezone.utc)
            rpc.musrenbang.set_schedule(TAHUN, [{"level": lv, "opens_at": (now - timedelta(days=1)).isoformat(),
                                                 "closes_at": (now + timedelta(days=3)).isoformat()}
                                                for lv in ("desa", "kecamatan", "kabupaten")])

            rnd = random.Random(20270105)
            jobs = [(desa[i % len(desa)], KAMUS[rnd.randrange(len(KAMUS))], GAGASAN[rnd.randrange(len(GAGASAN))])
                    for i in range(args.usulan)]
            created = defaultdict(list)  # kecamatan -> [(usulan id, desa)]
            errors = []

            def client(part):
                with support.signed_proxy(amqp_uri, bappeda, timeout=60) as proxy:
                    for desa_code, kode, gagasan in part:
                        proxy.identity = {"sub": f"op-{desa_code}", "role": "operator_desa", "pemda": PEMDA,
                                          "wilayah": desa_code}
                        try:
                            u = proxy.musrenbang.create_usulan(TAHUN, {
                                "desa": desa_code, "kamus_item_id": f"{PEMDA}/{TAHUN}/{kode}", "volume": VOLUME[kode],
                                "permasalahan": "Masalah yang disepakati musyawarah desa", "gagasan": gagasan})
                            created[u["kecamatan"]].append((u["id"], desa_code))
                        except Exception as exc:  # counted and reported, never hidden
                            errors.append(repr(exc)[:200])

            pool = eventlet.GreenPool(args.clients)
            started = time.perf_counter()
            for i in range(args.clients):
                pool.spawn(client, jobs[i::args.clients])
            pool.waitall()
            elapsed = time.perf_counter() - started
            made = sum(len(v) for v in created.values())
            result["create_usulan"] = {"requested": args.usulan, "created": made, "errors": len(errors),
                                       "seconds": round(elapsed, 2), "usulan_per_second": round(made / elapsed, 1),
                                       "clients": args.clients, "sample_errors": errors[:3]}
            print(json.dumps(result["create_usulan"]), flush=True)

            kecamatan, members = max(created.items(), key=lambda kv: len(kv[1]))
            if len(members) < 2000 and args.usulan >= 2000:  # top the forum up to 2,000 usulan
                kec_desa = sorted({d for _, d in members})
                extra = [(kec_desa[i % len(kec_desa)], KAMUS[i % len(KAMUS)], GAGASAN[i % len(GAGASAN)])
                         for i in range(2000 - len(members))]
                for i in range(args.clients):
                    pool.spawn(client, extra[i::args.clients])
                pool.waitall()
                members = created[kecamatan]
            members = members[:2000]

            def accept(part):
                with support.signed_proxy(amqp_uri, bappeda, timeout=60) as proxy:
                    for usulan_id, desa_code in part:
                        proxy.identity = {"sub": f"op-{desa_code}", "role": "operator_desa", "pemda": PEMDA,
                                          "wilayah": desa_code}
                        proxy.musrenbang.decide_usulan(usulan_id, {"level": "desa", "status": "diterima"})

            started = time.perf_counter()
            for i in range(args.clients):
                pool.spawn(accept, members[i::args.clients])
            pool.waitall()
            decide_seconds = time.perf_counter() - started
            timings, ranked = [], 0
            for _ in range(5):
                t0 = time.perf_counter()
                ranked = len(rpc.musrenbang.ranking(TAHUN, kecamatan)["ranking"])
                timings.append(time.perf_counter() - t0)
            result["decide_usulan"] = {"decisions": len(members), "seconds": round(decide_seconds, 2),
                                       "decisions_per_second": round(len(members) / decide_seconds, 1)}
            result["ranking_rpc"] = {"kecamatan": kecamatan, "usulan_ranked": ranked,
                                     "seconds_median": round(statistics.median(timings), 3),
                                     "seconds_max": round(max(timings), 3)}
            print(json.dumps(result["ranking_rpc"]), flush=True)
    finally:
        service.terminate()
        service.wait(timeout=30)
        support.delete_vhost(vhost)
    result["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    result["measured_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out}")


def _answers(rpc) -> bool:
    try:
        return rpc.musrenbang.health()["status"] == "ok"
    except Exception:
        return False


if __name__ == "__main__":
    main()
