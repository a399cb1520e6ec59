"""schemathesis against the live /v1 (issue #9): the four services on fresh databases, the real
gateway under gunicorn, users of several roles and a little data made through the API, then
`schemathesis run` against /v1/openapi.json with each role's bearer token. Checks:

  not_a_server_error            no 5xx
  status_code_conformance       every status is one the operation documents
  content_type_conformance      ... with a documented content type (errors: application/problem+json)
  response_schema_conformance   ... and a body that matches the documented schema
  problem_json (fuzz_hooks.py)  every 4xx/5xx, documented or not, is a valid Problem with its status

`make test` runs a bounded, reproducible version: a fixed seed, 6 examples per operation, the
examples and fuzzing phases, Bappeda and a desa operator (about 40 s each here, plus the stack's
start); `make fuzz` a longer one: a random seed (printed: FUZZ_SEED=<it> replays it), more examples,
the coverage and stateful phases too, every role. Both start their own stack on fresh databases,
never `make up`'s data.

Knobs (environment): FUZZ_MAX_EXAMPLES, FUZZ_SEED (a number, or `random`), FUZZ_PHASES,
FUZZ_ROLES (comma-separated usernames of USERS, or `all`), FUZZ_BUDGET_SECONDS (the most one
role's run may take: the run is stopped and the test fails past it), FUZZ_WORKERS.
"""
from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from eplanning_common.config import data_dir

from . import gateway_stack as stack

TAHUN = 2027
DEMO = data_dir() / "demo"
DESA, KEC = "12.21.07.1001", "12.21.07"
PUPR = "1.03.0.00.0.00.01.0000"

# username -> (role, scope): one user per role; the fuzzed roles are chosen by FUZZ_ROLES
USERS = {
    "bappeda": ("bappeda", {}),
    "desa": ("operator_desa", {"wilayah": DESA}),
    "kec": ("operator_kecamatan", {"wilayah": KEC}),
    "opd": ("opd", {"opd": PUPR}),
    "a01": ("anggota_dprd", {"anggota_id": "A01"}),
    "setwan": ("setwan", {}),
}
BOUNDED_ROLES = ("bappeda", "desa")

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "6"))
SEED = os.environ.get("FUZZ_SEED", "20270109")  # fixed: `make test` is reproducible
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing")
BUDGET = float(os.environ.get("FUZZ_BUDGET_SECONDS", "240"))
WORKERS = os.environ.get("FUZZ_WORKERS", "2")
ROLES = (*USERS, "admin") if os.environ.get("FUZZ_ROLES") == "all" else tuple(
    r for r in os.environ.get("FUZZ_ROLES", ",".join(BOUNDED_ROLES)).split(",") if r)
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "problem_json")

pytestmark = pytest.mark.timeout(int(BUDGET * len(ROLES)) + 300)


def ok(answer, status=200):
    assert answer.status == status, (answer.status, answer.body[:2000])
    return answer.json


def prepare_data(gw) -> dict[str, str]:
    """Users of every role and a small 2027 cycle, through the API; returns username -> token."""
    admin = gw.login("admin", stack.ADMIN_PASSWORD)
    tokens = {"admin": admin}
    tokens.update(stack.create_users(gw, admin, USERS, name=lambda key: f"fuzz.{key}"))

    def call(who, method, path, body=None, **kwargs):
        return gw.request(method, path, body, token=tokens[who], **kwargs)

    now = datetime.now(timezone.utc)
    kamus = (DEMO / "kamus_usulan_12.21_2027.csv").read_bytes()
    ok(call("bappeda", "PUT", f"/v1/musrenbang/{TAHUN}/kamus", raw=kamus, content_type="text/csv"))
    ok(call("bappeda", "PUT", f"/v1/musrenbang/{TAHUN}/schedule", {"windows": [
        {"level": level, "opens_at": (now - timedelta(days=1)).isoformat(),
         "closes_at": (now + timedelta(days=5)).isoformat()} for level in ("desa", "kecamatan", "kabupaten")]}), 201)
    ok(call("setwan", "PUT", "/v1/pokir/register", {
        "periode": "2024-2029", **{f"{n}_csv": (DEMO / f"dprd_{n}_12.21.csv").read_text()
                                   for n in ("dapil", "anggota", "staf_ahli")}}))
    ok(call("bappeda", "PUT", f"/v1/pokir/{TAHUN}/kamus", raw=kamus, content_type="text/csv"))
    ok(call("bappeda", "PUT", f"/v1/pokir/{TAHUN}/window", {
        "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=3)).isoformat()}))
    ok(call("bappeda", "PUT", "/v1/renja/opd?versi=sipd-2027", raw=(DEMO / "opd_12.21.csv").read_bytes(),
            content_type="text/csv"))
    ok(call("bappeda", "PUT", f"/v1/renja/{TAHUN}/nomenklatur", {"versi": "sipd-2027"}))
    ok(call("bappeda", "PUT", f"/v1/renja/{TAHUN}/opd/{PUPR}/pagu", {"pagu_n": "2000000000", "pagu_n1": "2000000000"}))
    for i in range(3):
        ok(call("desa", "POST", f"/v1/musrenbang/{TAHUN}/usulan?submit={'true' if i else 'false'}", {
            "desa": DESA, "kamus_item_id": f"12.21/{TAHUN}/DRN-01", "volume": str(10 * (i + 1)),
            "permasalahan": "Jalan tergenang saat hujan", "gagasan": f"Drainase jalan pasar {i}",
            "pengusul": {"nama": "Siti Aminah", "telepon": "0812000111"}}), 201)
    reses = ok(call("a01", "POST", f"/v1/pokir/{TAHUN}/reses", {
        "tanggal": (now - timedelta(days=9)).date().isoformat(), "tempat": "Aula Sibuhuan", "jumlah_peserta": 90}), 201)
    ok(call("a01", "POST", f"/v1/pokir/{TAHUN}/pokir", {
        "judul": "Sumur bor Pasar Sibuhuan", "permasalahan": "Air bersih kurang", "usulan": "Sumur bor pasar",
        "kamus_item_id": f"12.21/{TAHUN}/SPAM-02", "volume": "2", "desa": DESA, "reses_id": reses["id"]}), 201)
    ok(call("opd", "POST", f"/v1/renja/{TAHUN}/opd/{PUPR}/rows", {
        "sub_kegiatan": "1.03.06.2.01.0012", "target": "500", "pagu_n": "400000000", "pagu_n1": "450000000",
        "lokasi": [KEC], "sumber_dana": "DAU", "kelompok_sasaran": "Warga Kecamatan Barumun"}), 201)
    return tokens


@pytest.fixture(scope="module")
def gateway(amqp_uri, tmp_path_factory):
    suffix = "fuzz" + uuid.uuid4().hex[:6]
    containers = stack.start_services(amqp_uri, suffix)
    # long enough tokens for a long `make fuzz`; logins are rate limited per address, not needed here
    gw = stack.start_gateway(amqp_uri, suffix, tmp_path_factory.mktemp("gateway"),
                             extra_env={"GATEWAY_ACCESS_TOKEN_TTL_SECONDS": str(int(BUDGET * len(ROLES)) + 900)})
    try:
        gw.tokens.update(prepare_data(gw))
        yield gw
    finally:
        stack.stop_gateway(gw)
        for container in containers:
            container.stop()


def schemathesis_run(gw, token: str, report: Path, seed: int) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"{gw.url}/v1/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", CHECKS, "--phases", PHASES, "--max-examples", str(MAX_EXAMPLES), "--seed", str(seed),
        "--workers", WORKERS, "--request-timeout", "30", "--suppress-health-check", "all",
        "--generation-database", "none", "--report", "junit", "--report-junit-path", str(report),
        "--no-color", "--output-truncate", "false", "--warnings", "off",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.integration.fuzz_hooks"}
    try:
        return subprocess.run(command, cwd=stack.ROOT, env=env, capture_output=True, text=True, timeout=BUDGET)
    except subprocess.TimeoutExpired as late:
        pytest.fail(f"schemathesis (seed {seed}) ran past its budget of {BUDGET:.0f}s:\n"
                    f"{(late.stdout or b'')[-3000:]!r}")


def failures(report: Path) -> tuple[int, list[str]]:
    """(operations run, one line per failing operation) from the JUnit report."""
    root = ET.parse(report).getroot()
    cases = root.iter("testcase")
    run, failed = 0, []
    for case in cases:
        run += 1
        for problem in list(case.findall("failure")) + list(case.findall("error")):
            failed.append(f"{case.get('name')}: {(problem.get('message') or problem.text or '').strip()[:3000]}")
    return run, failed


@pytest.mark.parametrize("username", ROLES)
def test_the_api_survives_schemathesis(gateway, username, tmp_path):
    seed = random.randrange(2**31) if SEED == "random" else int(SEED)
    report = tmp_path / "junit.xml"
    started = time.monotonic()
    result = schemathesis_run(gateway, gateway.tokens[username], report, seed)
    elapsed = time.monotonic() - started
    assert report.exists(), f"schemathesis wrote no report (exit {result.returncode}):\n{result.stdout[-5000:]}" \
                            f"\n{result.stderr[-3000:]}"
    run, failed = failures(report)
    cases = next((line.strip() for line in result.stdout.splitlines() if " generated" in line), "")
    print(f"\nschemathesis as {username}: {run} operations, {cases}, phases {PHASES}, {MAX_EXAMPLES} examples, "
          f"seed {seed}, {elapsed:.1f}s, {len(failed)} failing")
    assert run > 50, result.stdout[-3000:]
    assert not failed, f"FUZZ_SEED={seed} replays this; gateway log:\n{gateway.log()[-3000:]}\n\n" + \
        "\n\n".join(failed) + "\n\n" + result.stdout[-20000:]
    assert result.returncode == 0, result.stdout[-5000:]


def test_a_request_gunicorn_cannot_parse_is_answered_as_problem_json(gateway):
    """schemathesis sent a header whose value holds a NUL (`DT-$: Þ\\x1f\\x00...`): gunicorn refused it
    with an HTML page of its own, before the app. Through deploy/gateway/gunicorn.conf.py it is a
    problem now."""
    import json
    import socket

    host, port = gateway.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(b"GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\nDT-$: a\x1f\x00b\r\n\r\n")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"Content-Type: application/problem+json" in head
    problem = json.loads(body)
    assert problem["status"] == 400 and problem["type"] == "urn:eplanning:problem:bad-request"
