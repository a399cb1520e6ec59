"""Graceful shutdown of the gateway's gunicorn (deploy/gateway/gunicorn.conf.py), for real.

gunicorn runs with the deploy configuration (sync workers, GATEWAY_WORKERS, GATEWAY_GRACEFUL_TIMEOUT)
on 127.0.0.1 and a free port, serving a tiny WSGI app with a slow endpoint (no broker, no database:
GATEWAY_PREPARE_ON_START=0). A request is in flight when the master gets SIGTERM, held there by the
test until it has seen new connections refused (so a slow machine cannot make the request finish
first): its response must arrive whole, and the master must exit, with status 0, well within
graceful_timeout. And graceful_timeout is a limit: a request longer than it
is cut off, and the master still exits on time.
"""
from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "gateway" / "gunicorn.conf.py"
GUNICORN = Path(sys.executable).parent / "gunicorn"
BODY_BYTES = 256 * 1024  # larger than a socket buffer: the answer is written while shutting down

APP = textwrap.dedent(f'''
    """A slow endpoint for the graceful-shutdown test: /slow?s=SECONDS notes when it starts, then
    takes SECONDS, or (/slow?s=SECONDS&release=PATH) until the test creates PATH, SECONDS at most."""
    import os
    import time
    from urllib.parse import parse_qs

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            with open(os.environ["SLOW_MARKER"], "a") as fh:
                fh.write(f"{{os.getpid()}}\\n")
            query = parse_qs(environ["QUERY_STRING"])
            until = time.monotonic() + float(query["s"][0])
            release = query.get("release", [None])[0]
            while time.monotonic() < until and not (release and os.path.exists(release)):
                time.sleep(0.01)
            body = b"x" * {BODY_BYTES - 4} + b"done"
        else:
            body = b"ok"
        start_response("200 OK", [("Content-Type", "application/octet-stream"),
                                  ("Content-Length", str(len(body)))])
        return [body]
''')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    def __init__(self, proc, port, marker, log_path):
        self.proc, self.port, self.marker, self.log_path = proc, port, marker, log_path

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def slow_request_in_flight(self, seconds: float, release: Path | None = None) -> tuple[threading.Thread, dict]:
        """Starts GET /slow in a thread; returns once the app is serving it. With `release`, the
        request lasts until that file exists (`seconds` at most)."""
        outcome = {}
        path = f"/slow?s={seconds}" + (f"&release={quote(str(release))}" if release else "")

        def run():
            try:
                outcome["status"], outcome["body"] = get(self.port, path, timeout=seconds + 10)
            except Exception as exc:  # noqa: BLE001 - reported by the assertions
                outcome["error"] = exc
            outcome["at"] = time.monotonic()

        thread = threading.Thread(target=run)
        thread.start()
        deadline = time.monotonic() + 5
        while not (self.marker.exists() and self.marker.read_text().strip()):
            assert time.monotonic() < deadline, "the slow request never reached the app"
            time.sleep(0.02)
        return thread, outcome


@pytest.fixture
def start_gunicorn(tmp_path):
    started = []

    def start(graceful_timeout: int, workers: int = 2) -> Server:
        (tmp_path / "slowapp.py").write_text(APP)
        port = free_port()
        marker = tmp_path / "slow-started"
        env = {**os.environ, "PYTHONPATH": str(tmp_path), "GATEWAY_BIND": f"127.0.0.1:{port}",
               "GATEWAY_WORKERS": str(workers), "GATEWAY_GRACEFUL_TIMEOUT": str(graceful_timeout),
               "GATEWAY_PREPARE_ON_START": "0", "SLOW_MARKER": str(marker), "LOG_LEVEL": "INFO"}
        env.pop("GATEWAY_PIDFILE", None)
        log_path = tmp_path / "gunicorn.log"
        with log_path.open("wb") as log:
            proc = subprocess.Popen([str(GUNICORN), "--config", str(CONFIG), "slowapp:app"], cwd=tmp_path,
                                    env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(proc)
        server = Server(proc, port, marker, log_path)
        deadline = time.monotonic() + 10
        while server.log.count("Booting worker") < workers or _status(port) != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gunicorn did not start:\n" + server.log[-3000:])
            time.sleep(0.05)
        return server

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def _status(port: int) -> int | None:
    try:
        return get(port, "/", timeout=1)[0]
    except OSError:
        return None


def test_sigterm_lets_the_in_flight_request_finish_and_refuses_new_connections(start_gunicorn):
    graceful_timeout = 10
    server = start_gunicorn(graceful_timeout, workers=3)
    assert server.log.count("Booting worker") == 3  # GATEWAY_WORKERS
    release = server.marker.with_name("release-slow")
    client, outcome = server.slow_request_in_flight(graceful_timeout - 2, release=release)

    time.sleep(0.2)
    sigterm_at = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)

    # a new connection is refused while the old request is still being served (the master shuts
    # the listener down 0.2 s after it handled the signal: polled, since a loaded machine may take
    # a moment; the request stays in flight until released below)
    refused = False
    while not refused and time.monotonic() - sigterm_at < 5:
        time.sleep(0.05)
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
        except ConnectionRefusedError:
            refused = True
    assert refused, f"still accepting connections {time.monotonic() - sigterm_at:.2f} s after SIGTERM"
    assert "at" not in outcome, "the slow request finished before the refusal could be checked"
    release.touch()

    client.join(timeout=graceful_timeout + 5)
    assert "error" not in outcome, f"{outcome.get('error')!r}\n{server.log[-3000:]}"
    assert outcome["status"] == 200
    assert len(outcome["body"]) == BODY_BYTES and outcome["body"].endswith(b"done")
    assert outcome["at"] > sigterm_at  # it really was in flight when the signal came

    exit_code = server.proc.wait(timeout=graceful_timeout + 5)
    exited_after = time.monotonic() - sigterm_at
    log = server.log
    assert exit_code == 0, log[-3000:]
    assert exited_after < graceful_timeout, f"exited {exited_after:.1f} s after SIGTERM\n{log[-3000:]}"
    assert "Shutting down: Master" in log and "stopped listening" in log
    assert "Traceback" not in log and "Exception in worker" not in log, log[-3000:]


def test_a_request_longer_than_graceful_timeout_is_cut_off_on_time(start_gunicorn):
    graceful_timeout = 1  # GATEWAY_GRACEFUL_TIMEOUT
    server = start_gunicorn(graceful_timeout)
    client, outcome = server.slow_request_in_flight(4)

    sigterm_at = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    server.proc.wait(timeout=10)
    exited_after = time.monotonic() - sigterm_at
    client.join(timeout=10)

    assert graceful_timeout <= exited_after < graceful_timeout + 1.5, f"exited after {exited_after:.1f} s"
    assert "status" not in outcome and isinstance(outcome.get("error"), (OSError, http.client.HTTPException))
