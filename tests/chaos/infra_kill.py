"""Crash the machine's RabbitMQ and PostgreSQL with SIGKILL, then start them again.

No shutdown hooks run: RabbitMQ loses whatever it had not written (messages it had not yet
confirmed to a publisher), PostgreSQL recovers from its WAL on the next start (transactions that
had not committed are gone). That is what a power cut or the OOM killer does; a graceful restart
(`rabbitmqctl stop_app`, `pg_ctlcluster restart`) would hide exactly the bugs this is meant to find.

Both are the machine's own services (RabbitMQ on 127.0.0.1:5672, the Debian PostgreSQL cluster
`<version>/main`): anything else using them is disturbed too. Root (or the services' own user) is
needed to signal them.
"""
from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from tests.integration.support import wait_for

START_TIMEOUT = 120.0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie still answers signal 0: look at its state
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _wait_gone(pids: list[int]) -> None:
    wait_for(lambda: not any(_alive(pid) for pid in pids), timeout=30, interval=0.1,
             what=f"processes {pids} to die of SIGKILL")


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


# -- RabbitMQ -------------------------------------------------------------------------------------

def rabbitmq_pid() -> int:
    """The OS pid of the running RabbitMQ node (its Erlang VM)."""
    answer = subprocess.run(["rabbitmqctl", "eval", "os:getpid()."], capture_output=True, text=True, timeout=60,
                            check=True)
    return int(answer.stdout.strip().strip('"'))


def _rabbitmq_ready() -> bool:
    probe = subprocess.run(["rabbitmq-diagnostics", "-q", "check_port_connectivity"], capture_output=True,
                           timeout=30)
    return probe.returncode == 0


def kill_rabbitmq() -> str:
    """SIGKILL the RabbitMQ node, start it again (`rabbitmq-server -detached`), wait until it takes
    AMQP connections. Returns what was done."""
    pid = rabbitmq_pid()
    os.kill(pid, signal.SIGKILL)
    _wait_gone([pid])
    subprocess.run(["rabbitmq-server", "-detached"], capture_output=True, timeout=60)
    subprocess.run(["rabbitmqctl", "await_startup"], capture_output=True, timeout=START_TIMEOUT)
    wait_for(_rabbitmq_ready, timeout=START_TIMEOUT, interval=0.5, what="RabbitMQ to come back")
    return f"SIGKILL RabbitMQ node (pid {pid}); rabbitmq-server -detached; await_startup"


# -- PostgreSQL -----------------------------------------------------------------------------------

def postgres_pid(version: str, cluster: str = "main") -> int:
    """The postmaster's pid, from the cluster's postmaster.pid."""
    data = subprocess.run(["pg_conftool", "-s", version, cluster, "show", "data_directory"], capture_output=True,
                          text=True, timeout=30)
    directory = Path(data.stdout.strip() or f"/var/lib/postgresql/{version}/{cluster}")
    return int((directory / "postmaster.pid").read_text().split()[0])


def _postgres_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], timeout=30).returncode == 0


def kill_postgresql(version: str, cluster: str = "main") -> str:
    """SIGKILL the postmaster and every backend (a crash, not a shutdown), start the cluster again:
    PostgreSQL replays its WAL before it takes connections."""
    pid = postgres_pid(version, cluster)
    victims = [pid, *_children(pid)]
    for victim in victims:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _wait_gone(victims)
    # A killed postmaster stays a zombie until its parent (init) reaps it, and PostgreSQL refuses to
    # start while the pid in its socket lock file answers signal 0: try again until it starts.
    def start() -> bool:
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "start"]
        return subprocess.run(command, capture_output=True, timeout=START_TIMEOUT).returncode == 0 or _postgres_ready()

    wait_for(start, timeout=START_TIMEOUT, interval=1, what=f"PostgreSQL {version}/{cluster} to start again")
    wait_for(_postgres_ready, timeout=START_TIMEOUT, interval=0.5, what="PostgreSQL to come back")
    return f"SIGKILL postmaster (pid {pid}) and its {len(victims) - 1} processes; pg_ctlcluster start (WAL recovery)"
