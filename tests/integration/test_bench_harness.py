"""The benchmark harness (bench/) still runs, at tiny size, so that it cannot rot. The figures come
from `make bench`; nothing here asserts a speed."""
import importlib.util
import json
import os
import socket
import subprocess
import sys

import pytest

from . import support
from .conftest import ROOT

pytestmark = pytest.mark.timeout(240)


def _bench_common():
    spec = importlib.util.spec_from_file_location("bench_common", ROOT / "bench" / "common.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_fit_and_percentiles_used_by_the_reports():
    common = _bench_common()
    fit = common.linear_fit([1600, 8000, 16000], [1000 + 2 * x for x in (1600, 8000, 16000)])
    assert fit["slope"] == pytest.approx(2.0) and fit["intercept"] == pytest.approx(1000) and fit["r2"] == pytest.approx(1)
    assert common.linear_fit([1, 2, 3], [1, 4, 9])["r2"] < 1
    assert common.percentile(list(range(1, 101)), 99) == 99 and common.percentile([], 50) is None
    assert common.latency_ms([0.001, 0.002, 0.010])["p50"] == 2.0


def test_quick_harness_run_writes_every_figure_beside_its_reference(tmp_path):
    """run.py --quick: the gateway section is skipped (nothing listens on the URL given), the
    pipeline and RKPD sections run small on their own databases; results.json and results.md."""
    out = tmp_path / "results.json"
    # the benchmarks drop their databases at the end; named with this run's suffix, the test run
    # drops them too should a benchmark die first
    for name in ("eplanning_test_benchharness_musrenbang", "eplanning_test_benchharness_renja",
                 "eplanning_test_benchharness_rkpd"):
        support.track_database(support.db_name(name))
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--gateway-url", f"http://127.0.0.1:{_unused_port()}",
         "--work-dir", str(tmp_path / "work"), "--out", str(out),
         "--pipeline-args=--database-prefix eplanning_test_benchharness --usulan 20 --singles 2",
         "--rkpd-args=--database eplanning_test_benchharness_rkpd"],
        cwd=ROOT, capture_output=True, text=True, timeout=220, env={**os.environ, "TEST_DB_SUFFIX": support.RUN_SUFFIX})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["git"]["commit"] and results["machine"]["cpus"] and results["measured_at"]
    assert results["sections"]["gateway"]["status"] == "skipped: gateway not running"
    assert results["sections"]["pipeline"]["status"] == "ok" and results["sections"]["rkpd"]["status"] == "ok"

    figures = {f["name"]: f for f in results["figures"]}
    throughput = next(f for name, f in figures.items() if name.startswith("20 usulan routed at once") and
                      f["unit"] == "items/s")
    assert throughput["value"] > 0 and throughput["reference"]["value"] > 0 and throughput["ratio"] > 0
    assert all(f["unit"] and f["reference"]["unit"] and f["reference"]["name"] for f in results["figures"])
    pipeline = results["reports"]["pipeline"]["pipeline"]
    assert pipeline["verified"]["all_routed_usulan_present"] and pipeline["single"]["cycles"] == 2

    rkpd = results["reports"]["rkpd"]
    assert [p["inputs"]["usulan"] for p in rkpd["scales"]] == [80, 320]
    assert all(p["service_peak_mib"] and p["renderer_peak_mib"] and not p["problems"] for p in rkpd["scales"])
    assert rkpd["growth"]["total"]["r2"] is not None and rkpd["verdict"]

    phases = {p["phase"]: p for p in results["cpu_per_service"]}
    assert {"musrenbang", "renja", "postgres"} <= set(phases["pipeline batch"]["groups"])
    assert "rkpd_renderer" in phases["RKPD SCALE=0.05"]["groups"]

    md = (tmp_path / "results.md").read_text()
    assert "skipped: gateway not running" in md and "### Event pipeline" in md and "### CPU per service" in md
    assert "reference (same run)" in md


def test_gateway_benchmark_hello_world_reference_runs_without_the_stack(tmp_path):
    out = tmp_path / "gateway.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_gateway.py"), "--phases", "hello", "--quick",
                           "--seconds", "1", "--clients", "2", "--processes", "1", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    hello = json.loads(out.read_text())["phases"][0]
    assert hello["phase"] == "hello" and hello["requests_per_second"] > 0 and hello["errors"] == 0
    assert hello["cpu"]["groups"]["hello"]["cpu_seconds"] >= 0 and "load_generator" in hello["cpu_in_use"]
