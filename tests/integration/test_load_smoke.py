"""The deadline-day load test, short (20 desa operators for 5 s), against a fresh stack: the four
services on fresh databases and the real gateway under gunicorn (gateway_stack). No answer may be a
5xx, a timeout or a connection error; the refusals provoked on purpose must all be 422.
The full run (304 operators, 60 s) is `make load` against `make up`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest

from . import gateway_stack as stack
from .conftest import ROOT

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def gateway(amqp_uri, tmp_path_factory):
    suffix = "load" + uuid.uuid4().hex[:6]
    containers = stack.start_services(amqp_uri, suffix, names=("musrenbang", "pokir", "renja", "rkpd"))
    gw = stack.start_gateway(amqp_uri, suffix, tmp_path_factory.mktemp("gateway"), workers=3)
    try:
        yield gw
    finally:
        stack.stop_gateway(gw)
        for container in containers:
            container.stop()


def test_deadline_day_short_run_has_no_server_error(gateway, tmp_path):
    out = tmp_path / "deadline_day.json"
    env = {**os.environ, "GATEWAY_ADMIN_PASSWORD": stack.ADMIN_PASSWORD}
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load_deadline_day.py"), "--url", gateway.url, "--clients", "20",
         "--seconds", "5", "--invalid-every", "4", "--processes", "2", "--timeout", "20", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr + "\n--- gateway log ---\n" + gateway.log()[-3000:]
    result = json.loads(out.read_text())
    c, phase = result["classification"], result["phase"]
    assert c["errors"] == 0 and c["server_errors_5xx"] == 0, c
    assert phase["connection_errors"] == {}
    assert not any(int(s) >= 500 for s in phase["status_counts"]), phase["status_counts"]
    # the setup went through the API on empty databases: kamus imported, schedule published
    assert result["setup"].get("kamus", "").startswith("imported") and "schedule" in result["setup"]
    assert c["ok"] > 0 and phase["by_variant"]["valid"] == {"201": c["ok"]}
    # the provoked refusals happened, both kinds, and every one of them was the intended 422
    for variant in ("schema", "domain"):
        assert phase["by_variant"][variant] and set(phase["by_variant"][variant]) == {"422"}, phase["by_variant"]
    assert c["intended_4xx"] == sum(phase["by_variant"]["schema"].values()) + sum(phase["by_variant"]["domain"].values())
    assert phase["latency_ms"]["p99"] is not None and (out.with_suffix(".md")).exists()


def test_refuses_clearly_when_no_gateway_answers(tmp_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load_deadline_day.py"), "--url", f"http://127.0.0.1:{stack.free_port()}",
         "--out", str(tmp_path / "x.json")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "make up" in run.stderr
    assert not (tmp_path / "x.json").exists()
