#!/usr/bin/env bash
# Make sure RabbitMQ (with its management plugin) and PostgreSQL run on this machine: install them
# with apt when they are missing, start them when they are stopped. Safe to run any number of times.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "infra: not root and no sudo; start RabbitMQ and PostgreSQL yourself" >&2; fi
fi

say() { echo "infra: $*"; }

apt_install() {
  say "installing $* with apt"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- PostgreSQL -------------------------------------------------------------------------------
pg_ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt_install postgresql
  fresh_pg=1
fi
if ! pg_ready; then
  version=$(ls /etc/postgresql | sort -n | tail -1)
  if [ "${fresh_pg:-0}" = "1" ]; then
    # a cluster we just installed: trust local TCP connections (a development machine only)
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    $SUDO sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+$/\1trust/' "$hba"
  fi
  say "starting PostgreSQL $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 60); do pg_ready && break; sleep 0.5; done
fi
pg_ready || { echo "infra: PostgreSQL did not come up on 127.0.0.1:5432" >&2; exit 1; }

# --- RabbitMQ ---------------------------------------------------------------------------------
rabbit_ready() { timeout 10 rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; }
if ! command -v rabbitmq-server >/dev/null 2>&1; then
  apt_install rabbitmq-server
fi
if ! rabbit_ready; then
  say "starting RabbitMQ"
  $SUDO rabbitmq-server -detached >/dev/null 2>&1 || true
  $SUDO timeout 120 rabbitmqctl await_startup >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do rabbit_ready && break; sleep 1; done
fi
rabbit_ready || { echo "infra: RabbitMQ did not come up on 127.0.0.1:5672" >&2; exit 1; }

# nameko-style per-test vhosts and the dead-letter tooling use the management API (port 15672)
if ! curl -sf -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1; then
  say "enabling the RabbitMQ management plugin"
  $SUDO rabbitmq-plugins enable rabbitmq_management >/dev/null
  for _ in $(seq 1 60); do curl -sf -u guest:guest http://127.0.0.1:15672/api/overview >/dev/null 2>&1 && break; sleep 1; done
fi
# queue depths for the metrics (deploy/README.md, "Metrics and alerts"): rabbitmq_prometheus only
# adds a listener on 127.0.0.1-reachable port 15692, enabled online without a restart
if ! curl -sf http://127.0.0.1:15692/metrics >/dev/null 2>&1; then
  say "enabling the RabbitMQ Prometheus plugin"
  $SUDO rabbitmq-plugins enable rabbitmq_prometheus >/dev/null
  for _ in $(seq 1 30); do curl -sf http://127.0.0.1:15692/metrics >/dev/null 2>&1 && break; sleep 1; done
fi
say "PostgreSQL and RabbitMQ are running"
