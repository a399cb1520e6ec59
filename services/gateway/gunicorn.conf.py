"""gunicorn settings for the gateway:

    gunicorn --config services/gateway/gunicorn.conf.py 'gateway.app:create_app()'

Environment: GATEWAY_BIND, GATEWAY_WORKERS, GATEWAY_PIDFILE (gateway.settings), LOG_LEVEL,
AMQP_URI, RPC_TIMEOUT_SECONDS (eplanning_common.config); authentication: see gateway.settings.
Before forking, the master migrates the gateway database, creates the JWT key (unless
GATEWAY_JWT_SECRET is set) and the first administrator (GATEWAY_PREPARE_ON_START=0 skips it).
Every public module-level name here is read as a gunicorn setting: helpers start with "_".
"""
from eplanning_common import config as _config
from eplanning_common.logs import logging_config as _logging_config

from gateway import settings as _settings

bind = [_settings.bind()]
workers = _settings.workers()
worker_class = "sync"  # the nameko standalone proxy is not thread-safe: one request at a time
timeout = 30  # must stay above RPC_TIMEOUT_SECONDS, or gunicorn kills workers waiting on an RPC
graceful_timeout = 30
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
    if _settings.prepare_on_start():
        from gateway.auth.bootstrap import prepare

        prepare()
