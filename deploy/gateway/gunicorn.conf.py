"""gunicorn settings for the gateway, from the repository (or image) root:

    gunicorn --config deploy/gateway/gunicorn.conf.py 'gateway.app:create_app()'

Environment (gateway.settings): GATEWAY_BIND, GATEWAY_WORKERS (default 2 x usable CPUs + 1, 2..12),
GATEWAY_GRACEFUL_TIMEOUT (default 30 s), GATEWAY_PIDFILE; LOG_LEVEL, AMQP_URI, RPC_TIMEOUT_SECONDS
(eplanning_common.config); authentication: see gateway.settings.
Before forking, the master migrates the gateway database, creates the JWT key (unless
GATEWAY_JWT_SECRET is set) and the first administrator (GATEWAY_PREPARE_ON_START=0 skips it).

Graceful shutdown: on SIGTERM the master stops listening and tells every worker to finish the
request it is serving; a sync worker finishes it, answers, and exits. Workers still busy after
`graceful_timeout` seconds are killed. So that a client that connects during those seconds is
refused at once (and retries elsewhere) instead of waiting in the listen backlog of a socket
nobody will accept from again, the master also shuts the listening socket down for every process
a moment after signalling the workers (`_refuse_new_connections`). Kubernetes
(deploy/k8s/gateway.yaml) first sleeps in preStop while the pod leaves the Service's endpoints,
and its terminationGracePeriodSeconds covers that sleep plus graceful_timeout.

Metrics (gateway.metrics): the workers count in prometheus_client's multiprocess mode, each into
its own files under PROMETHEUS_MULTIPROC_DIR, which must be set before prometheus_client is first
imported (here, before anything else) and must not hold a previous run's files (emptied in
`on_starting`; a folder made here is removed at exit). The master serves the sum of all workers on
GATEWAY_METRICS_BIND (`when_ready`); `child_exit` marks a dead worker's files.

Every public module-level name here is read as a gunicorn setting: helpers start with "_".
"""
import os as _os
import shutil as _shutil
import socket as _socket
import tempfile as _tempfile
import threading as _threading

_MADE_HERE = ".made-by-gunicorn-conf"  # marks a folder made below, removed at exit (never the operator's)
if not _os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # kept across a config reload (HUP): set once
    _os.environ["PROMETHEUS_MULTIPROC_DIR"] = _tempfile.mkdtemp(prefix="eplanning-gateway-metrics-")
    open(_os.path.join(_os.environ["PROMETHEUS_MULTIPROC_DIR"], _MADE_HERE), "w").close()

from eplanning_common import config as _config
from eplanning_common.logs import logging_config as _logging_config

from gateway import settings as _settings

bind = [_settings.bind()]
workers = _settings.workers()
worker_class = "sync"  # the nameko standalone proxy is not thread-safe: one request at a time
timeout = 30  # must stay above RPC_TIMEOUT_SECONDS, or gunicorn kills workers waiting on an RPC
graceful_timeout = _settings.graceful_timeout()
pidfile = _settings.pidfile()

# The app writes one JSON access line per request (gateway.middleware.AccessLog).
accesslog = None
errorlog = "-"
loglevel = _config.log_level().lower()
logconfig_dict = _logging_config("gateway", _config.log_level())
# gunicorn's own loggers do not propagate: hand them the JSON handler explicitly.
logconfig_dict["loggers"] = {
    **logconfig_dict.get("loggers", {}),
    "gunicorn.error": {"level": _config.log_level(), "handlers": ["stderr"], "propagate": False},
    "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
}

if _config.rpc_timeout_seconds() >= timeout:
    raise SystemExit(f"RPC_TIMEOUT_SECONDS={_config.rpc_timeout_seconds()} must be below the gunicorn "
                     f"worker timeout ({timeout} s)")


def on_starting(server):  # gunicorn server hook: runs once, in the master, before the workers fork
    from gateway import gunicorn_errors

    _empty_metrics_dir(_os.environ["PROMETHEUS_MULTIPROC_DIR"])

    gunicorn_errors.install()  # gunicorn's own 400 (an unparsable request) as problem+json, not HTML
    if _settings.prepare_on_start():
        from gateway.auth.bootstrap import prepare

        prepare()


def when_ready(server):  # gunicorn server hook: in the master, once the listeners are bound
    _refuse_new_connections(server)
    _serve_metrics(server)


def child_exit(server, worker):  # gunicorn server hook: in the master, after a worker exited
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # gunicorn server hook: in the master, just before it exits
    folder = _os.environ["PROMETHEUS_MULTIPROC_DIR"]
    if _os.path.exists(_os.path.join(folder, _MADE_HERE)):
        _shutil.rmtree(folder, ignore_errors=True)


def _empty_metrics_dir(path):
    """A previous run's files would be summed into this run's numbers (prometheus_client's rule)."""
    _os.makedirs(path, exist_ok=True)
    for name in _os.listdir(path):
        if name.endswith(".db"):
            _os.unlink(_os.path.join(path, name))


def _serve_metrics(server):
    where = _settings.metrics_bind()
    if where is None:
        return
    from gateway import metrics

    try:
        listener = metrics.serve(*where, _os.environ["PROMETHEUS_MULTIPROC_DIR"])
    except OSError as exc:  # the API keeps serving; the operator sees why there are no metrics
        server.log.error("metrics listener not started on %s:%s: %s", where[0], where[1], exc)
        return
    server.log.info("metrics on http://%s:%s/metrics", *listener.server_address[:2])


_REFUSE_AFTER_SECONDS = 0.2


def _refuse_new_connections(server):
    """Make a graceful stop (SIGTERM) refuse new connections at once.

    gunicorn's master closes *its* copy of the listening socket, but the socket stays open, and the
    kernel keeps completing handshakes into its backlog, for as long as a busy worker (which
    inherited it) is finishing its request: those clients wait, then get reset. Shutting the socket
    down ends the listening for every process sharing it, while accepted connections (the requests
    in flight) carry on. It is done `_REFUSE_AFTER_SECONDS` after the workers were signalled, so
    that idle workers have seen the signal and left their accept loop (an accept on a shut-down
    socket fails with EINVAL). Skipped when the socket is not this master's alone: during a USR2
    upgrade (the new master shares it), under systemd socket activation, with reuse_port; that is
    exactly when gunicorn itself would not unlink a unix socket.
    """
    stop = server.stop

    def stop_and_refuse(graceful=True):
        sole_owner = (server.reexec_pid == server.master_pid == 0 and not server.systemd
                      and not server.cfg.reuse_port)
        held = []
        if graceful and sole_owner:
            for listener in server.LISTENERS:
                try:
                    held.append(listener.sock.dup())  # the master's own copy is closed by stop()
                except (AttributeError, OSError):
                    pass
        timer = None
        if held:
            timer = _threading.Timer(_REFUSE_AFTER_SECONDS, _shutdown_listeners, [held, server.log])
            timer.daemon = True
            timer.start()
        try:
            stop(graceful)
        finally:
            if timer is not None:
                timer.cancel()
                timer.join()
            for sock in held:
                sock.close()

    server.stop = stop_and_refuse


def _shutdown_listeners(sockets, log):
    for sock in sockets:
        try:
            sock.shutdown(_socket.SHUT_RD)
        except OSError:  # already closed by the last worker: nothing left to refuse
            pass
    log.info("stopped listening: new connections are refused while in-flight requests finish")
