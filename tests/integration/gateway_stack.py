"""The whole stack for gateway integration tests: the four services as in-process nameko
containers on fresh databases and the per-session vhost, and the real gateway under gunicorn
(the deploy configuration) on a free 127.0.0.1 port, talking to them over the broker."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nameko.containers import ServiceContainer

from eplanning_common.identity_tokens import generate_keys

from . import support
from .support import service_database

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "admin-integrasi-rahasia"
USER_PASSWORD = "kata-sandi-integrasi"


def gunicorn_config() -> Path:
    for candidate in (ROOT / "deploy" / "gateway" / "gunicorn.conf.py", ROOT / "services" / "gateway" / "gunicorn.conf.py"):
        if candidate.exists():
            return candidate
    raise FileNotFoundError("no gunicorn configuration for the gateway")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def purge_queues(amqp_uri: str) -> None:
    """Fresh databases, so nothing an earlier module's services left in the shared queues."""
    from eplanning_common.publisher import open_connection
    from eplanning_common.topology import PROJECT_TOPOLOGY, declare

    conn = open_connection(amqp_uri)
    try:
        channel = conn.channel()
        declare(channel, PROJECT_TOPOLOGY)
        for sub in PROJECT_TOPOLOGY.subscriptions:
            for queue in (sub.queue, sub.retry_queue, sub.dead_queue):
                channel.queue_purge(queue)
    finally:
        conn.close()


def start_services(amqp_uri: str, suffix: str, names=("musrenbang", "pokir", "renja", "rkpd")) -> list:
    from musrenbang.service import MusrenbangService
    from pokir.service import PokirService
    from renja.service import RenjaService
    from rkpd.service import RkpdService

    classes = {"musrenbang": MusrenbangService, "pokir": PokirService, "renja": RenjaService, "rkpd": RkpdService}
    generate_keys()  # the RPC identity keys (RPC_IDENTITY_KEYS_DIR): the test run's, else var/keys, once
    containers = []
    for name in names:
        container = ServiceContainer(classes[name], {"AMQP_URI": amqp_uri, "DATABASE_URL": service_database(name, suffix),
                                                     "max_workers": 10})
        container.start()
        containers.append(container)
    return containers


def stop_services(containers: list) -> None:
    """Stop the containers in parallel, as nameko's ServiceRunner does (about 2 s, not 2 s each)."""
    from nameko.utils.concurrency import SpawningProxy

    SpawningProxy(containers).stop()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Gateway:
    """A gunicorn-served gateway; `request()` speaks HTTP to it."""

    url: str
    process: subprocess.Popen
    log_path: Path
    tokens: dict[str, str] = field(default_factory=dict)
    metrics_url: str = ""  # the master's Prometheus listener (GATEWAY_METRICS_BIND)
    database_url: str = ""

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = None,
                headers: dict[str, str] | None = None, raw: bytes | None = None,
                content_type: str = "application/json", timeout: float = 30) -> Response:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", content_type)
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
        except urllib.error.HTTPError as error:
            return Response(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())

    def login(self, username: str, password: str = USER_PASSWORD, pemda: str | None = None) -> str:
        """`pemda`: for a user of another pemda than the gateway's default (usernames are per pemda)."""
        body = {"username": username, "password": password, **({"pemda": pemda} if pemda else {})}
        answer = self.request("POST", "/v1/auth/login", body)
        assert answer.status == 200, (answer.status, answer.body)
        self.tokens[username] = answer.json["access_token"]
        return self.tokens[username]

    def create_user(self, admin_token: str, username: str, role: str, **scope) -> dict:
        answer = self.request("POST", "/v1/admin/users", {"username": username, "password": USER_PASSWORD,
                                                          "role": role, **scope}, token=admin_token)
        assert answer.status == 201, (answer.status, answer.body)
        return answer.json

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


# roles whose scope the gateway checks against a service's register (gateway.auth.territory)
REGISTER_ROLES = ("opd", "anggota_dprd", "staf_ahli")


def import_registers(gw: Gateway, bappeda_token: str, setwan_token: str) -> None:
    """The demo pemda's DPRD register (Setwan) and OPD register (Bappeda), through the API."""
    from eplanning_common.config import data_dir

    demo = data_dir() / "demo"
    answer = gw.request("PUT", "/v1/pokir/register", {
        "periode": "2024-2029", **{f"{n}_csv": (demo / f"dprd_{n}_12.21.csv").read_text()
                                   for n in ("dapil", "anggota", "staf_ahli")}}, token=setwan_token)
    assert answer.status == 200, (answer.status, answer.body)
    answer = gw.request("PUT", "/v1/renja/opd?versi=sipd-2027", raw=(demo / "opd_12.21.csv").read_bytes(),
                        content_type="text/csv", token=bappeda_token)
    assert answer.status == 200, (answer.status, answer.body)


def create_users(gw: Gateway, admin_token: str, users: dict[str, tuple[str, dict]], name=lambda key: key) -> dict:
    """Every user of `users` ({key: (role, scope)}, with a `bappeda` and a `setwan`), signed in:
    {key: access token}. An OPD or DPRD user is made once the registers hold it (the gateway refuses
    a scope that does not exist), so the registers are imported in between."""
    tokens = {}
    for later in (False, True):
        if later:
            import_registers(gw, tokens["bappeda"], tokens["setwan"])
        for key, (role, scope) in users.items():
            if (role in REGISTER_ROLES) == later:
                gw.create_user(admin_token, name(key), role, **scope)
                tokens[key] = gw.login(name(key))
    return tokens


def start_gateway(amqp_uri: str, suffix: str, tmp: Path, workers: int = 2, extra_env: dict | None = None) -> Gateway:
    port, metrics_port = free_port(), free_port()
    while metrics_port == port:
        metrics_port = free_port()
    generate_keys()  # the gateway signs with RPC_IDENTITY_KEYS_DIR/gateway.key
    db_url = support.fresh_database(f"eplanning_test_gateway_{suffix}")
    env = {
        **os.environ,
        "AMQP_URI": amqp_uri, "GATEWAY_DATABASE_URL": db_url, "GATEWAY_BIND": f"127.0.0.1:{port}",
        "GATEWAY_WORKERS": str(workers), "GATEWAY_VAR_DIR": str(tmp), "GATEWAY_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "GATEWAY_ADMIN_PEMDA": "12.21", "GATEWAY_JWT_SECRET": "integration-test-secret-of-32-bytes-at-least",
        "RPC_TIMEOUT_SECONDS": "20", "LOG_LEVEL": "WARNING", "GATEWAY_WEBHOOKS_ALLOW_PRIVATE": "1",
        "EPLANNING_CONTRACT_CHECK": os.environ.get("EPLANNING_CONTRACT_CHECK", "strict"),
        "GATEWAY_METRICS_BIND": f"127.0.0.1:{metrics_port}",
        # no web app unless a test gives one: a local `make web` build must not change what
        # unknown paths answer (tests/integration/test_gateway_web.py serves a fake build)
        "GATEWAY_WEB_DIR": str(tmp / "no-web-app"),
        **(extra_env or {}),
    }
    log_path = tmp / "gunicorn.log"
    log_file = open(log_path, "wb")
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen([str(gunicorn), "--config", str(gunicorn_config()), "gateway.app:create_app()"],
                               cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    log_file.close()
    gateway = Gateway(f"http://127.0.0.1:{port}", process, log_path,
                      metrics_url=f"http://127.0.0.1:{metrics_port}/metrics", database_url=db_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{gateway.log()}")
        try:
            if gateway.request("GET", "/healthz", timeout=2).status == 200:
                return gateway
        except OSError:
            pass
        time.sleep(0.2)
    stop_gateway(gateway)
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{gateway.log()}")


def stop_gateway(gateway: Gateway) -> None:
    if gateway.process.poll() is None:
        gateway.process.send_signal(signal.SIGTERM)
        try:
            gateway.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            gateway.process.kill()
            gateway.process.wait(timeout=10)
