"""Cross-cutting concerns: correlation id, access log, request-body size limit.

Order in the app: CorrelationId (outermost), RequestMetrics (gateway.metrics), AccessLog,
BodyLimit. Falcon runs process_response in reverse order, so the access line is written while the
correlation id is still set, and the id is echoed even on errors raised by a later middleware.
"""
from __future__ import annotations

import logging
import re
import time

import falcon

from eplanning_common.logs import (
    CONTEXT_KEY, CORRELATION_HEADER, new_correlation_id, reset_correlation_id, set_correlation_id,
)

from .problems import Problem

access_log = logging.getLogger("gateway.access")

_SANE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def sane_correlation_id(value: str | None) -> str | None:
    """The client's id if it is 1-64 chars of [A-Za-z0-9_-] (safe in logs and headers), else None."""
    if value and _SANE_ID.fullmatch(value):
        return value
    return None


class CorrelationId:
    """Takes `X-Correlation-ID` from the request (or makes one), sets the ContextVar, echoes it."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        cid = sane_correlation_id(req.get_header(CORRELATION_HEADER)) or new_correlation_id()
        req.context.correlation_id = cid
        req.context.correlation_token = set_correlation_id(cid)

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        cid = req.context.get("correlation_id")
        if cid:
            resp.set_header(CORRELATION_HEADER, cid)
        token = req.context.get("correlation_token")
        if token is not None:
            req.context.correlation_token = None
            try:
                reset_correlation_id(token)
            except ValueError:  # set in another context (cannot happen with sync workers)
                set_correlation_id(None)


class AccessLog:
    """One JSON log line per request: method, path (no query string), status, duration_ms."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.perf_counter()

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        started = req.context.get("started")
        duration_ms = round((time.perf_counter() - started) * 1000, 3) if started else None
        status = resp.status_code
        access_log.log(
            logging.ERROR if status >= 500 else logging.INFO,
            "%s %s %s", req.method, req.path, status,
            extra={"method": req.method, "path": req.path, "status": status, "duration_ms": duration_ms,
                   CONTEXT_KEY: req.context.get("correlation_id")},
        )


class BodyLimit:
    """Refuses bodies over `max_bytes` (413) before anything reads them.

    A route may accept more (a file upload: its resource's `max_body_bytes`, at most
    `ceiling_bytes`): a body over the ceiling is refused as the request arrives, one over its
    route's own limit once the route is known (`process_resource`, still before any read).

    A body without Content-Length (chunked) is refused with 411: Falcon reads such a body as
    empty, which would surface as a confusing validation error instead.
    """

    def __init__(self, max_bytes: int, ceiling_bytes: int | None = None):
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.max_bytes = max_bytes
        self.ceiling_bytes = max(max_bytes, ceiling_bytes or 0)

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        length = req.content_length  # an invalid header raises falcon's 400
        if length is None:
            if req.get_header("Transfer-Encoding"):
                raise Problem(411)
            return
        self._check(length, self.ceiling_bytes)

    def process_resource(self, req: falcon.Request, resp: falcon.Response, resource, params) -> None:
        length = req.content_length
        if length is not None:
            self._check(length, getattr(resource, "max_body_bytes", None) or self.max_bytes)

    @staticmethod
    def _check(length: int, limit: int) -> None:
        if length > limit:
            raise Problem(413, f"Ukuran isi permintaan {length} byte melebihi batas {limit} byte.",
                          max_bytes=limit)
