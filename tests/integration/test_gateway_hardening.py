"""Issue #18, on the real gateway under gunicorn (the deploy configuration).

Finding 6: the generated bootstrap administrator password is only in var/admin-password.txt
(mode 600), never in a log. Locally var/log/stack.log is honcho's capture of every process's
output, gunicorn's master among them, and deploy/local/stack.sh prints to the terminal of
`make up`: both paths are run here, for real, and their output searched for the password.

Finding 7: a deeply nested JSON body is a 400 problem, logged as one access line, no traceback.
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import uuid

import pytest

from .gateway_stack import ROOT, start_gateway, stop_gateway


@pytest.fixture(scope="module")
def gateway(amqp_uri, tmp_path_factory):
    """A gateway started on an empty database without GATEWAY_ADMIN_PASSWORD: it generates one."""
    tmp = tmp_path_factory.mktemp("gateway")
    gateway = start_gateway(amqp_uri, f"hardening_{uuid.uuid4().hex[:8]}", tmp, workers=1,
                            extra_env={"GATEWAY_ADMIN_PASSWORD": "", "LOG_LEVEL": "INFO"})
    gateway.var_dir = tmp
    yield gateway
    stop_gateway(gateway)


def test_the_real_gunicorn_start_path_writes_the_generated_password_only_to_its_file(gateway):
    password_file = gateway.var_dir / "admin-password.txt"
    password = password_file.read_text().strip()
    assert len(password) >= 20
    assert stat.S_IMODE(os.stat(password_file).st_mode) == 0o600
    login = gateway.request("POST", "/v1/auth/login", {"username": "admin", "password": password})
    assert login.status == 200, login.body

    output = gateway.log()  # gunicorn's stdout and stderr: what honcho writes to var/log/stack.log
    assert "admin-password.txt" in output  # it says where the password is ...
    assert password not in output  # ... and never what it is


def test_nested_json_to_the_anonymous_login_is_a_400_and_one_log_line(gateway):
    before = len(gateway.log().splitlines())

    answer = gateway.request("POST", "/v1/auth/login", raw=b"[" * 50_000)

    assert answer.status == 400, answer.body
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json["code"] == "json_too_deep"
    lines = gateway.log().splitlines()[before:]
    assert "Traceback" not in "\n".join(lines)
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert [(r["level"], r.get("status")) for r in records if "/v1/auth/login" in r.get("message", "")] \
        == [("INFO", 400)]
    assert not [r for r in records if r["level"] in ("ERROR", "CRITICAL")]


FAKE_HONCHO = """#!/bin/sh
# stands in for honcho + the gateway: after a moment (the pidfile is written by then) the gateway
# creates its administrator and writes the generated password; then /readyz answers 200
sleep 1
(umask 077; echo "{password}" > var/admin-password.txt)
echo "gateway: administrator created"
mkdir -p var/www && : > var/www/readyz
exec "{python}" -m http.server "${{GATEWAY_BIND##*:}}" --bind 127.0.0.1 --directory var/www
"""


def test_stack_sh_names_the_password_file_but_never_prints_the_password(tmp_path):
    """deploy/local/stack.sh in a scratch tree whose honcho is a stand-in (see FAKE_HONCHO)."""
    from .gateway_stack import free_port

    (tmp_path / "deploy" / "local").mkdir(parents=True)
    script = tmp_path / "deploy" / "local" / "stack.sh"
    shutil.copy(ROOT / "deploy" / "local" / "stack.sh", script)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    password = f"rahasia-{uuid.uuid4().hex}"
    honcho = bin_dir / "honcho"
    honcho.write_text(FAKE_HONCHO.format(password=password, python=sys.executable))
    python = bin_dir / "python"  # `python -m gateway.webhooks.ready`: the worker answers
    python.write_text("#!/bin/sh\nexit 0\n")
    keys = bin_dir / "eplanning-keys"  # `eplanning-keys generate`: the test's keys are made by tests/conftest.py
    keys.write_text("#!/bin/sh\nexit 0\n")
    for path in (honcho, python, keys):
        path.chmod(0o755)
    env = {**os.environ, "GATEWAY_BIND": f"127.0.0.1:{free_port()}", "READY_WAIT_SECONDS": "30"}
    env.pop("GATEWAY_ADMIN_USERNAME", None)

    try:
        started = subprocess.run(["bash", str(script), "start"], env=env, capture_output=True, text=True,
                                 timeout=60)
    finally:
        subprocess.run(["bash", str(script), "stop"], env=env, capture_output=True, timeout=60)

    assert started.returncode == 0, started.stdout + started.stderr
    shown = started.stdout + started.stderr
    stack_log = (tmp_path / "var" / "log" / "stack.log").read_text()
    assert "var/admin-password.txt" in shown
    assert password not in shown
    assert password not in stack_log
    assert (tmp_path / "var" / "admin-password.txt").read_text().strip() == password
