#!/usr/bin/env bash
# Start / stop the four services, the webhooks worker and the gateway in the background (honcho
# runs deploy/local/Procfile).
#   stack.sh start   start unless already running, wait until /readyz answers 200 and the webhooks
#                    worker answers its health RPC, print the URL
#   stack.sh stop    stop everything `start` started
set -euo pipefail
cd "$(dirname "$0")/../.."
# STACK_VAR_DIR: a second stack of the same clone (the web app's end-to-end tests) keeps its pid
# file and log apart from `make up`'s
VAR=${STACK_VAR_DIR:-var}
RUN=$VAR/run; LOG=$VAR/log; mkdir -p "$RUN" "$LOG"
PIDFILE=$RUN/stack.pid
PORT=${GATEWAY_PORT:-8080}
export GATEWAY_BIND=${GATEWAY_BIND:-127.0.0.1:$PORT}
URL="http://127.0.0.1:${GATEWAY_BIND##*:}"
# local development: partner webhooks may point at this machine (production refuses private addresses)
export GATEWAY_WEBHOOKS_ALLOW_PRIVATE=${GATEWAY_WEBHOOKS_ALLOW_PRIVATE:-1}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
ready() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = "200" ] &&
    .venv/bin/python -m gateway.webhooks.ready --timeout 2 >/dev/null 2>&1
}

case "${1:-}" in
  start)
    if running; then
      echo "stack: already running (pid $(cat "$PIDFILE"))"
      started_now=0
    else
      started_now=1
      # the keys that sign RPC identities (gateway, rkpd): created once in var/keys, never overwritten
      .venv/bin/eplanning-keys generate
      # -e: not the root .env, which holds Docker Compose's credentials (make compose-env)
      setsid nohup .venv/bin/honcho start -f deploy/local/Procfile -d . -e deploy/local/stack.env >"$LOG/stack.log" 2>&1 < /dev/null &
      echo $! >"$PIDFILE"
      echo "stack: started (pid $!, logs in $LOG/stack.log)"
    fi
    for _ in $(seq 1 ${READY_WAIT_SECONDS:-120}); do
      if ready; then
        echo "E-Planning gateway ready: $URL  (try $URL/readyz)"
        # the gateway created its first administrator during this start: say where its password is
        # (never the password itself: this output, like var/log/stack.log, may end up in logs)
        ADMIN_FILE=${GATEWAY_VAR_DIR:-var}/admin-password.txt
        if [ "$started_now" = 1 ] && [ -f "$ADMIN_FILE" ] && [ "$ADMIN_FILE" -nt "$PIDFILE" ]; then
          echo "Administrator '${GATEWAY_ADMIN_USERNAME:-admin}': password in $ADMIN_FILE (mode 600): cat $ADMIN_FILE"
        fi
        exit 0
      fi
      running || break
      sleep 1
    done
    echo "stack: $URL/readyz did not answer 200 or the webhooks worker did not answer; last log lines:" >&2
    tail -n 30 "$LOG/stack.log" >&2 || true
    curl -s "$URL/readyz" >&2 || true
    exit 1
    ;;
  stop)
    if running; then
      pid=$(cat "$PIDFILE")
      # gunicorn finishes in-flight requests on SIGTERM (deploy/gateway/gunicorn.conf.py), but
      # honcho SIGKILLs what is still running 5 s later: locally the grace is 5 s, not 30
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      echo "stack: stopped"
    else
      echo "stack: not running"
    fi
    rm -f "$PIDFILE"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
