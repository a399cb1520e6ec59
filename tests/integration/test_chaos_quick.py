"""The short version of `make chaos` (tests/chaos/chaos.py --quick), part of `make test`: the demo
cycle on a small territory (2 kecamatan, 10 desa, 4 OPD, 4 DPRD members, seed 7) played twice on
fresh databases and fresh vhosts, once fault-free and once while each of the four service
processes is SIGKILLed (and restarted by the harness, as a supervisor would), a gunicorn worker is
SIGKILLed, RabbitMQ and PostgreSQL are SIGKILLed and started again; the client
retries with its Idempotency-Keys. After draining, the business state read through the API must
have nothing lost, duplicated or unexpected, and the RKPD content hash must be the fault-free
run's.

It kills and restarts the machine's RabbitMQ and PostgreSQL, so it runs alone in its module (about 2-3 min).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(600)


def test_quick_chaos_run_loses_nothing_and_gives_the_fault_free_hash(tmp_path):
    report_file = tmp_path / "chaos.json"
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "chaos" / "chaos.py"), "--quick", "--tahun", "2035",
                          "--json-out", str(report_file)], cwd=ROOT, capture_output=True, text=True, timeout=580,
                         env={**os.environ, "PYTHONUNBUFFERED": "1"}, check=False)
    output = run.stdout[-8000:] + "\n" + run.stderr[-4000:]
    assert report_file.exists(), output
    report = json.loads(report_file.read_text())
    fired = {e["fault"] for e in report["timeline"] if e["t"] is not None and not e["detail"].startswith("FAILED")}
    assert fired == {"kill-musrenbang", "kill-pokir", "kill-renja", "kill-rkpd", "kill-gateway-worker",
                     "kill-rabbitmq", "kill-postgresql"}, output
    assert report["faulty"]["demo_exit"] == 0, output
    assert report["counts"] == {"lost": 0, "duplicated": 0, "unexpected": 0}, output
    assert report["hash_faulty"] == report["hash_reference"] is not None, output
    assert report["problems"] == [], output
    assert run.returncode == 0, output
    assert "lost=0 duplicated=0 unexpected=0" in run.stdout

    # the check is not blind: the same state with an usulan missing, an inbox item twice and one
    # RKPD version too many is counted as such
    from eplanning_demo.plan import build_plan, load_reference
    from tests.chaos import chaos

    meta = report["meta"]
    plan = build_plan(load_reference(), seed=meta["seed"], scale=meta["scale"], territory=chaos.QUICK_TERRITORY,
                      tahun=meta["tahun"])
    reference, state = report["reference"], report["faulty"]["state"]
    state = {**state, "usulan": state["usulan"][1:], "inbox": state["inbox"] + state["inbox"][:1],
             "rkpd": state["rkpd"] + [{**state["rkpd"][0], "nomor": 99}]}
    tally = chaos.check_state(plan, reference["result"], state, reference["state"]["rkpd"])
    assert tally.counts["lost"] >= 1 and tally.counts["duplicated"] == 2, tally.details
