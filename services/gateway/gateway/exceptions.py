"""Local exception types for what can go wrong behind the gateway.

`gateway.rpc` raises these; `gateway.problems` holds the one table that turns them into HTTP.
Remote errors keep the service's payload (`detail`, field `errors`) so that 4xx answers can show
the service's own user-facing message; everything else about a remote error stays in the logs.
"""
from __future__ import annotations

from typing import Any


class GatewayError(Exception):
    """Base of every error raised by the gateway's RPC layer."""

    def __init__(self, service: str, method: str, message: str = ""):
        self.service = service
        self.method = method
        super().__init__(message or f"{service}.{method}")


class ServiceTimeout(GatewayError):
    """The service did not answer within the RPC timeout."""

    def __init__(self, service: str, method: str, timeout: float):
        self.timeout = timeout
        super().__init__(service, method, f"{service}.{method} did not answer within {timeout:.3g} s")


class ServiceUnavailable(GatewayError):
    """The broker could not be reached, or no instance of the service is listening."""

    def __init__(self, service: str, method: str, reason: str = ""):
        self.reason = reason
        super().__init__(service, method, f"{service}.{method} unavailable: {reason}" if reason else "")


class RemoteServiceError(GatewayError):
    """The service raised. `exc_type` is the remote class name; `payload` what it sent along.

    Unmapped remote errors (this class itself) become a 500 whose body says nothing about them.
    """

    def __init__(self, service: str, method: str, exc_type: str, payload: dict[str, Any] | None = None):
        self.exc_type = exc_type
        self.payload = dict(payload or {})
        super().__init__(service, method, f"{service}.{method} raised {exc_type}")

    @property
    def detail(self) -> str | None:
        detail = self.payload.get("detail")
        if detail is None:
            detail = self.payload.get("message")
        return str(detail) if detail not in (None, "") else None


def row_number(value: Any) -> int | None:
    """The CSV line of a service's row error, or None. nameko serializes a remote exception's
    arguments with `safe_for_serialization`, which turns every value that is not a string, dict or
    list into a string: the service's `"row": 4` arrives here as `"4"`."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


class ValidationError(RemoteServiceError):
    """The input was refused, field by field."""

    @property
    def errors(self) -> list[dict[str, str]]:
        """`[{field, message, code}]`, each value a string; malformed entries are dropped."""
        raw = self.payload.get("errors")
        if not isinstance(raw, (list, tuple)):
            return []
        errors = []
        for item in raw:
            if not isinstance(item, dict):
                continue
            error = {
                "field": str(item.get("field", "")),
                "message": str(item.get("message", "")),
                "code": str(item.get("code", "")),
            }
            if row_number(item.get("row")) is not None:
                error["row"] = row_number(item.get("row"))  # the line of an imported CSV
            errors.append(error)
        return errors


class NotFound(RemoteServiceError):
    """The object does not exist (or the caller may not know that it exists)."""


class Forbidden(RemoteServiceError):
    """The caller may not do this to this object."""


class Conflict(RemoteServiceError):
    """The object's state (or version) does not allow the change."""


class PayloadTooLarge(RemoteServiceError):
    """The service refused a file for its size (413)."""


class UnsupportedMediaType(RemoteServiceError):
    """The service refused a file for what its content is (415)."""


class RemoteUnavailable(RemoteServiceError):
    """The service could not reach its own database (connection refused or lost, too many clients,
    pool exhausted, a deadlock): transient, a retry is the right answer (503)."""


# Remote exception class names of a database that is (for now) out of reach: SQLAlchemy's
# OperationalError (psycopg2's connection errors, "too many clients", deadlocks, cancelled statements),
# InterfaceError and DisconnectionError, and the pool's TimeoutError.
TRANSIENT_REMOTE_ERRORS = ("OperationalError", "InterfaceError", "DisconnectionError", "TimeoutError")

# Remote exception class name -> local type. Services signal these outcomes by raising an
# exception with exactly this class name (nameko sends only the name, its args and str()).
REMOTE_ERRORS: dict[str, type[RemoteServiceError]] = {
    "ValidationError": ValidationError,
    "NotFound": NotFound,
    "Forbidden": Forbidden,
    "Conflict": Conflict,
    "PayloadTooLarge": PayloadTooLarge,
    "UnsupportedMediaType": UnsupportedMediaType,
    **{name: RemoteUnavailable for name in TRANSIENT_REMOTE_ERRORS},
}


class DatabaseUnavailable(Exception):
    """The gateway's own database (users, tokens, login attempts) cannot be reached: a 503."""
