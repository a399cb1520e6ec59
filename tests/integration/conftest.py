import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer

from . import support

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@pytest.fixture(scope="session", autouse=True)
def test_databases():
    """This run's databases (support.fresh_database) are dropped when the run ends."""
    yield
    support.drop_created_databases()


@pytest.fixture(scope="session")
def vhost():
    name = support.create_vhost()
    yield name
    support.delete_vhost(name)


@pytest.fixture(scope="session")
def amqp_uri(vhost):
    return support.amqp_uri_for(vhost)


@pytest.fixture
def fast_retries(monkeypatch):
    """Short backoff and few attempts so retry tests take a second, not minutes."""
    monkeypatch.setenv("EVENT_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("EVENT_RETRY_BASE_MS", "50")
    monkeypatch.setenv("OUTBOX_SWEEP_SECONDS", "0.5")


@pytest.fixture
def start_container(amqp_uri):
    """start_container(ServiceClass, database_url) -> a running in-process nameko container."""
    started = []

    def start(cls, database_url, **extra):
        config = {"AMQP_URI": amqp_uri, "DATABASE_URL": database_url, "max_workers": 10, **extra}
        container = ServiceContainer(cls, config)
        container.start()
        started.append(container)
        return container

    yield start
    for container in started:
        container.stop()


@contextmanager
def nameko_process(module: str, env: dict, cwd: Path):
    """A real `nameko run` subprocess (for tests that kill a process)."""
    full_env = {**os.environ, **env}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "nameko"), "run", "--config", str(ROOT / "deploy" / "nameko.yaml"), module],
        cwd=cwd, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture
def engine_for():
    engines = []

    def make(url):
        engine = sa.create_engine(url)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()
