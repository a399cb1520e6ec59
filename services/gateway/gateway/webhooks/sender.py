"""One delivery attempt over HTTP: a signed POST with a hard deadline, to a checked address.

* Headers: `Content-Type: application/cloudevents+json; charset=utf-8` (CloudEvents HTTP binding,
  structured mode), `Webhook-Id` (the event id: the partner's dedup key, the same on every retry
  and replay), `Webhook-Delivery`, `Webhook-Attempt`, `Webhook-Signature` (gateway.webhooks.signing),
  `User-Agent: eplanning-webhooks/1`.
* Success is any 2xx. A 3xx is a failure: redirects are never followed (see urls.py).
* Timeouts: connect `connect_timeout`, and one hard deadline for the whole attempt
  (`eventlet.Timeout`: requests' read timeout alone restarts on every byte, a receiver trickling
  bytes could hold a worker for ever). Only the first 500 characters of the answer are read.
* Addresses: the connection classes below resolve the host themselves, refuse it when any of its
  addresses is denied (urls.py, unless allowed), and connect to exactly the checked addresses.
  The outcome (shown to the subscriber's admins) then says only "address not allowed"; the host,
  its addresses and the rule that refused them are logged for the operator (`webhook address
  refused`). A name that does not resolve gets the same outcome, so that the delivery log cannot
  tell an internal name from a missing one.
* Scheme: https only; http too with allow_private (tests, local development).
"""
from __future__ import annotations

import logging
import socket
import time
from http.cookiejar import DefaultCookiePolicy
from typing import Callable
from urllib.parse import urlsplit

import eventlet
import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from . import signing
from .policy import Outcome
from .urls import NOT_ALLOWED, allowed_schemes, denial

USER_AGENT = "eplanning-webhooks/1"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
EXCERPT_BYTES = 2048

Resolver = Callable[[str, int], list[str]]

log = logging.getLogger(__name__)


class AddressNotAllowed(OSError):
    pass


def system_resolver(host: str, port: int) -> list[str]:
    return list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)))


def _connect_checked(conn, resolve: Resolver, allow_private: bool):
    host = conn._dns_host
    try:
        addresses = resolve(host, conn.port)
    except (socket.gaierror, UnicodeError) as exc:
        log.warning("webhook address refused",
                    extra={"host": host, "port": conn.port, "reason": f"cannot resolve: {exc}"})
        raise NewConnectionError(conn, NOT_ALLOWED) from exc
    refused = {} if allow_private else {a: why for a in addresses if (why := denial(a))}
    if refused or not addresses:
        log.warning("webhook address refused", extra={
            "host": host, "port": conn.port, "addresses": addresses,
            "reason": "; ".join(f"{a}: {why}" for a, why in refused.items()) or "no address"})
        raise NewConnectionError(conn, NOT_ALLOWED)
    last: Exception | None = None
    for address in addresses:  # pinned: only what was checked
        try:
            sock = socket.create_connection((address, conn.port), conn.timeout, source_address=conn.source_address)
            for option in conn.socket_options or ():
                sock.setsockopt(*option)
            return sock
        except OSError as exc:
            last = exc
    raise NewConnectionError(conn, f"cannot connect to {host}: {last}")


def _guarded(base, resolve: Resolver, allow_private: bool):
    class Guarded(base):
        def _new_conn(self):
            return _connect_checked(self, resolve, allow_private)

    Guarded.__name__ = "Guarded" + base.__name__
    return Guarded


class GuardedAdapter(HTTPAdapter):
    """requests transport whose connections go through `_connect_checked` (TLS still verifies the
    certificate against the URL's host name)."""

    def __init__(self, resolve: Resolver, allow_private: bool, **kwargs):
        self._resolve, self._allow_private = resolve, allow_private
        super().__init__(max_retries=0, **kwargs)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        http_conn = _guarded(HTTPConnection, self._resolve, self._allow_private)
        https_conn = _guarded(HTTPSConnection, self._resolve, self._allow_private)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }


class Sender:
    """Sends one attempt; never raises for what the receiver does (that is an Outcome)."""

    def __init__(self, connect_timeout: float, timeout: float, allow_private: bool,
                 resolve: Resolver = system_resolver, clock: Callable[[], float] = time.time):
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.clock = clock
        self.session = requests.Session()
        self.session.trust_env = False  # no proxy or .netrc from the environment
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # partners share no state
        self.schemes = allowed_schemes(allow_private)
        adapter = GuardedAdapter(resolve, allow_private)
        for scheme in self.schemes:
            self.session.mount(f"{scheme}://", adapter)

    def close(self) -> None:
        self.session.close()

    def headers(self, *, secret: str, body: bytes, event_id: str, delivery_id: str, attempt_no: int) -> dict:
        return {
            "Content-Type": CONTENT_TYPE,
            "User-Agent": USER_AGENT,
            "Webhook-Id": event_id,
            "Webhook-Delivery": delivery_id,
            "Webhook-Attempt": str(attempt_no),
            signing.HEADER: signing.sign(secret, int(self.clock()), body),
        }

    def send(self, *, url: str, secret: str, body: bytes, event_id: str, delivery_id: str,
             attempt_no: int) -> Outcome:
        if urlsplit(url).scheme.lower() not in self.schemes:  # stored before https was required
            return Outcome(False, None, "https required: change the subscription's URL to https://")
        headers = self.headers(secret=secret, body=body, event_id=event_id, delivery_id=delivery_id,
                               attempt_no=attempt_no)
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        deadline = eventlet.Timeout(self.timeout)  # a BaseException: no library code swallows it
        try:
            response = self.session.post(url, data=body, headers=headers, allow_redirects=False, stream=True,
                                         timeout=(self.connect_timeout, self.timeout))
            try:
                raw = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
            finally:
                response.close()
        except eventlet.Timeout as exc:
            if exc is not deadline:
                raise
            return Outcome(False, None, f"timeout: no complete answer within {self.timeout:g} s", elapsed())
        except requests.exceptions.ConnectTimeout:
            return Outcome(False, None, f"timeout: no connection within {self.connect_timeout:g} s", elapsed())
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            return Outcome(False, None, _reason(exc), elapsed())
        finally:
            deadline.cancel()
        excerpt = raw.decode("utf-8", errors="replace")[:500] or None
        status = response.status_code
        ok = 200 <= status < 300
        error = None if ok else (f"redirect not followed (HTTP {status})" if 300 <= status < 400 else f"HTTP {status}")
        return Outcome(ok, status, error, elapsed(), excerpt)


def _reason(exc: Exception) -> str:
    """A short description of a transport failure: the innermost cause, without the URL (its
    query string may carry a partner's token)."""
    inner: BaseException = exc
    first = exc.args[0] if exc.args else None
    if isinstance(first, urllib3.exceptions.MaxRetryError) and first.reason is not None:
        inner = first.reason
    text = str(inner)
    if isinstance(inner, urllib3.exceptions.NewConnectionError):
        text = text.split("): ", 1)[-1]  # drop the "HTTPConnection(host=..., port=...)" prefix
    elif isinstance(inner, urllib3.exceptions.HTTPError) or "url:" in text:
        text = text.split(" (Caused by ", 1)[-1].split("url:", 1)[0]
    return f"{type(inner).__name__}: {text.strip()[:200]}"
