"""JSON structured logs carrying one correlation id from the gateway through RPC and events.

The correlation id lives in a ContextVar: greenlets (eventlet workers) and gunicorn requests each
get their own context, so concurrent workers never see each other's id.
"""
import contextvars
import json
import logging
import logging.config
import uuid
from datetime import datetime, timezone

CORRELATION_HEADER = "X-Correlation-ID"
CONTEXT_KEY = "correlation_id"

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def get_correlation_id() -> str | None:
    return _correlation_id.get()


def set_correlation_id(value: str | None) -> contextvars.Token:
    return _correlation_id.set(value)


def reset_correlation_id(token: contextvars.Token) -> None:
    _correlation_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, correlation_id, extras, exception."""

    def __init__(self, service: str | None = None, **kwargs):
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.service:
            entry["service"] = self.service
        cid = getattr(record, CONTEXT_KEY, None) or get_correlation_id()
        if cid:
            entry[CONTEXT_KEY] = cid
        for key, value in vars(record).items():
            if key not in _RESERVED and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class ExpectedRefusals(logging.Filter):
    """nameko logs every exception an RPC raised, with its traceback; for the expected ones (the
    refusals of eplanning_common.errors: 403/404/409/422 at the gateway, see eplanning_common.rpc)
    that is noise at WARNING in an operator's log. Such a record becomes one INFO line without the
    traceback; the refusal itself (class and payload) is kept in `refusal`."""

    PREFIX = "(expected) error handling worker"

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "nameko.containers" and str(record.msg).startswith(self.PREFIX):
            exc = record.exc_info[1] if record.exc_info else None
            if exc is not None:
                record.refusal = f"{type(exc).__name__}: {exc}"
            record.msg, record.args = "refused %s", (record.args[0] if record.args else "?",)
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info, record.exc_text = None, None
        return True


def logging_config(service: str | None = None, level: str = "INFO") -> dict:
    """A dictConfig for JSON logs on stderr (used by nameko's LOGGING key and by the gateway)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter, "service": service}},
        "filters": {"expected": {"()": ExpectedRefusals}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["expected"]}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {"amqp": {"level": "WARNING"}, "kombu": {"level": "WARNING"}},
    }


def configure_logging(service: str | None = None, level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(service, level))
