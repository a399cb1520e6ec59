"""The benchmark scripts still run (a tiny version; the real figures come from `make bench`)."""
import json
import os
import subprocess
import sys

import pytest

from . import support
from .conftest import ROOT

pytestmark = pytest.mark.timeout(180)


def test_musrenbang_benchmark_runs_and_reports(tmp_path):
    out = tmp_path / "bench.json"
    database = "eplanning_test_bench"  # the script adds this run's suffix (TEST_DB_SUFFIX below)
    support.track_database(support.db_name(database))
    subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "bench_musrenbang.py"), "--usulan", "40",
                    "--clients", "4", "--out", str(out), "--database", database], check=True, capture_output=True, timeout=170,
                   env={**os.environ, "TEST_DB_SUFFIX": support.RUN_SUFFIX})
    result = json.loads(out.read_text())
    assert result["create_usulan"]["created"] == 40 and result["create_usulan"]["errors"] == 0
    assert result["create_usulan"]["usulan_per_second"] > 0
    assert result["ranking_rpc"]["usulan_ranked"] > 0


def test_ranking_benchmark_runs_and_reports(tmp_path):
    out = tmp_path / "ranking.json"
    subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "bench_ranking.py"), "--out", str(out)],
                   check=True, capture_output=True, timeout=170)
    assert json.loads(out.read_text())["ranking_2000_seconds_median"] > 0
