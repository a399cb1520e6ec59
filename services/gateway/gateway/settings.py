"""Gateway-only knobs, read from the environment (the shared ones live in eplanning_common.config).

    GATEWAY_BIND            address gunicorn binds (default 127.0.0.1:8080)
    GATEWAY_WORKERS         gunicorn sync workers (default 2)
    GATEWAY_PIDFILE         pidfile path (default: none)
    GATEWAY_MAX_BODY_BYTES  largest accepted request body (default 1 MiB)
"""
import os

DEFAULT_BIND = "127.0.0.1:8080"
DEFAULT_WORKERS = 2
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"environment variable {name} must be positive, got {value}")
    return value


def bind() -> str:
    return os.environ.get("GATEWAY_BIND") or DEFAULT_BIND


def workers() -> int:
    return _positive_int("GATEWAY_WORKERS", DEFAULT_WORKERS)


def pidfile() -> str | None:
    return os.environ.get("GATEWAY_PIDFILE") or None


def max_body_bytes() -> int:
    return _positive_int("GATEWAY_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
