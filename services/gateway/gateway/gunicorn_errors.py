"""gunicorn answers a request it cannot parse (an invalid header name or value, request line or HTTP
version, headers too large) itself, before the application sees it, with an HTML page. `install()`
makes those answers RFC 9457 `application/problem+json` like every other error of the gateway.

deploy/gateway/gunicorn.conf.py calls it in the master (`on_starting`), so every worker forked
from it inherits it.
"""
from __future__ import annotations

import json
import re

from gunicorn import util

from .problems import PROBLEM_CONTENT_TYPE, STATUS_TEXT, TYPE_PREFIX


def problem_page(status: int, reason: str, message: str) -> bytes:
    """The whole HTTP/1.1 answer: status line, headers, a problem body (the connection closes)."""
    slug, title, default_detail = STATUS_TEXT.get(
        status, (re.sub(r"[^a-z0-9]+", "-", reason.lower()).strip("-") or "error", reason, ""))
    problem = {"type": TYPE_PREFIX + slug, "title": title, "status": status, "detail": message or default_detail}
    body = json.dumps(problem, ensure_ascii=False).encode("utf-8")
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM_CONTENT_TYPE}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for gunicorn.util.write_error(sock, status_int, reason, mesg)."""
    util.write_nonblock(sock, problem_page(status_int, reason, mesg))


def install() -> None:
    util.write_error = write_problem
