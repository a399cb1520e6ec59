"""The stack the web app's end-to-end journeys run against (Playwright's global setup calls it).

    python web/e2e/harness/e2e_stack.py up      # fresh databases, `make up`, seed; writes the seed file
    python web/e2e/harness/e2e_stack.py down    # stop what `up` started
    python web/e2e/harness/e2e_stack.py restart # same data, current code (web app rebuilt)

`up` starts the real stack the way `make up` does (migrate, reference data, the four services, the
webhooks worker and the gateway serving the built app at `/`), isolated from a developer's own
`make up`: its own RabbitMQ vhost, its own databases (a prefix), its own ports, its own pid file,
log and administrator password (`var/e2e`). The databases are dropped and created again on every
`up`, so each run starts from nothing. Then it seeds what the journeys need through the public API
only (`seed.py`). Settings (environment):

    E2E_GATEWAY_PORT       the gateway's port (default 8480)
    E2E_METRICS_PORT_BASE  the gateway's /metrics on this port, the five nameko processes on the
                           next five (default 9480)
    E2E_DB_PREFIX          database prefix (default eplanning_e2e_)
    E2E_VHOST              RabbitMQ vhost (default eplanning-e2e)
    E2E_SEED_FILE          where the seed's result (users, tracking codes, years) is written
                           (default web/e2e/artifacts/seed.json)
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
VAR = "var/e2e"
RABBIT_MGMT = os.environ.get("RABBITMQ_MGMT_URL", "http://127.0.0.1:15672")


def settings() -> dict[str, str]:
    port = int(os.environ.get("E2E_GATEWAY_PORT", "8480"))
    base = int(os.environ.get("E2E_METRICS_PORT_BASE", "9480"))
    vhost = os.environ.get("E2E_VHOST", "eplanning-e2e")
    prefix = os.environ.get("E2E_DB_PREFIX", "eplanning_e2e_")
    return {"port": str(port), "metrics_base": str(base), "vhost": vhost, "prefix": prefix,
            "url": f"http://127.0.0.1:{port}",
            "seed_file": os.environ.get("E2E_SEED_FILE", str(ROOT / "web/e2e/artifacts/seed.json"))}


def stack_env(s: dict[str, str]) -> dict[str, str]:
    """The environment of `make up` for the isolated stack."""
    env = {k: v for k, v in os.environ.items()
           if not k.endswith("_DATABASE_URL") and k not in ("DATABASE_URL", "GATEWAY_ADMIN_PASSWORD")}
    base = int(s["metrics_base"])
    env.update({
        "AMQP_URI": f"amqp://guest:guest@127.0.0.1:5672/{urllib.parse.quote(s['vhost'], safe='')}",
        "DB_PREFIX": s["prefix"], "DB_POOL_SIZE": "3",
        "GATEWAY_PORT": s["port"], "GATEWAY_BIND": f"127.0.0.1:{s['port']}",
        "GATEWAY_METRICS_BIND": f"127.0.0.1:{base}",
        "METRICS_PORT_MUSRENBANG": str(base + 1), "METRICS_PORT_POKIR": str(base + 2),
        "METRICS_PORT_RENJA": str(base + 3), "METRICS_PORT_RKPD": str(base + 4),
        "METRICS_PORT_WEBHOOKS": str(base + 5),
        "GATEWAY_VAR_DIR": VAR, "STACK_VAR_DIR": VAR,
        "READY_WAIT_SECONDS": env.get("READY_WAIT_SECONDS", "240"),
    })
    return env


def say(text: str) -> None:
    print(f"e2e-stack: {text}", flush=True)


def ensure_vhost(vhost: str) -> None:
    quoted = urllib.parse.quote(vhost, safe="")
    try:
        requests.put(f"{RABBIT_MGMT}/api/vhosts/{quoted}", auth=("guest", "guest"), timeout=10).raise_for_status()
        requests.put(f"{RABBIT_MGMT}/api/permissions/{quoted}/guest", auth=("guest", "guest"), timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    except requests.RequestException:
        subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=False, capture_output=True)
        subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True,
                       capture_output=True)


def run(cmd: list[str], env: dict[str, str], timeout: float) -> None:
    say("$ " + " ".join(cmd))
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, timeout=timeout)


def up() -> int:
    s = settings()
    env = stack_env(s)
    (ROOT / VAR).mkdir(parents=True, exist_ok=True)
    # a stack left over from an interrupted run: stop it first (its pid file is ours alone)
    run(["deploy/local/stack.sh", "stop"], env, 60)
    ensure_vhost(s["vhost"])
    (ROOT / VAR / "admin-password.txt").unlink(missing_ok=True)
    run([str(ROOT / ".venv/bin/python"), "-m", "eplanning_demo.reset"], env, 300)
    run(["make", "--no-print-directory", "up"], env, 1800)
    started = time.monotonic()
    seed_file = Path(s["seed_file"])
    seed_file.parent.mkdir(parents=True, exist_ok=True)
    run([str(ROOT / ".venv/bin/python"), str(HERE / "seed.py"), "--gateway", s["url"],
         "--admin-password-file", str(ROOT / VAR / "admin-password.txt"), "--out", str(seed_file)], env, 1200)
    say(f"seeded in {time.monotonic() - started:.0f} s: {seed_file}")
    return 0


def down() -> int:
    s = settings()
    run(["deploy/local/stack.sh", "stop"], stack_env(s), 120)
    return 0


def restart() -> int:
    """The same stack on the same data with the current code (the web app rebuilt): a developer
    changing code between runs with E2E_STACK=reuse."""
    s = settings()
    env = stack_env(s)
    run(["deploy/local/stack.sh", "stop"], env, 120)
    run(["make", "--no-print-directory", "web"], env, 900)
    run(["deploy/local/stack.sh", "start"], env, 600)
    return 0


def main(argv: list[str]) -> int:
    if argv[1:] == ["up"]:
        return up()
    if argv[1:] == ["down"]:
        return down()
    if argv[1:] == ["restart"]:
        return restart()
    if argv[1:] == ["env"]:
        print(json.dumps(settings()))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
