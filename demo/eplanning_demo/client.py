"""An HTTP client of the gateway's /v1 API for many users at once (one thread pool, many logins).

* **Tokens per user.** `Api.register(username, password)`; the first call as that user logs in
  (`POST /v1/auth/login`), a 401 logs in again once and repeats the call.
* **Retries.** A connection error, 429, 503 or 504 is retried with exponential backoff (honouring
  `Retry-After`), up to `max_attempts`; a 500 at most `server_error_retries` times, waiting at least
  a second (the gateway answers 500, not 503, when a service's database refuses connections:
  "too many clients already"; counted in `stats.server_errors`). A POST
  is sent again with the *same* `Idempotency-Key`, so a create whose first answer was lost is not
  made twice (the gateway replays the first answer).
  A 409 `idempotency_in_progress` (the first attempt is still running) is waited out the same way,
  for up to `in_progress_seconds` of waiting beyond `max_attempts` (the first attempt may be held by
  a service that died mid-call until the RPC times out; the key's record is released then).
* **Checked updates.** `Api.update()` reads the object (its ETag for `If-Match`), writes, and when
  the outcome is uncertain or refused (a retry happened, or 409 / 412 / 422 came back) reads it again
  and asks the caller's `applied(state)` whether the change is already there: a 412 after a retry
  is not a failure when the state is already what the caller wanted. A 412 without a retry (someone
  else changed the object) is retried on the fresh ETag a few times, re-checking `applied` first.
* **Errors** are `ApiError` with the problem+json members (`code`, `detail`, `correlation_id`, ...).

Standard library plus `requests`; thread-safe (a `requests.Session` per thread).
"""
from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import requests

TRANSIENT_STATUS = frozenset({429, 503, 504})
CHECK_AFTER = frozenset({409, 412, 422})


class ApiError(Exception):
    """A refused or failed call: the HTTP status and the problem+json body."""

    def __init__(self, method: str, path: str, status: int | None, problem: dict | None = None,
                 message: str | None = None, user: str | None = None):
        self.method, self.path, self.status, self.user = method, path, status, user
        self.problem = problem or {}
        self.code = self.problem.get("code")
        super().__init__(message or self._describe())

    def _describe(self) -> str:
        p = self.problem
        parts = [f"{self.method} {self.path}" + (f" (as {self.user})" if self.user else ""),
                 f"-> {self.status}" if self.status is not None else "-> no answer"]
        if p.get("code"):
            parts.append(f"[{p['code']}]")
        parts.append(p.get("detail") or p.get("title") or "")
        for name in ("errors", "blockers", "usulan", "pokir", "kecamatan"):
            if p.get(name):
                parts.append(f"{name}: {json.dumps(p[name], ensure_ascii=False)[:600]}")
        if p.get("correlation_id"):
            parts.append(f"(correlation_id {p['correlation_id']})")
        return " ".join(x for x in parts if x)


class Unavailable(ApiError):
    """Still failing after every retry (the gateway or a service is down or overloaded)."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    retried: bool = False  # an earlier attempt of this call had an unknown outcome

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    relogins: int = 0
    server_errors: int = 0  # 500 answers that were retried
    checked: int = 0  # updates whose outcome was settled by reading the object again
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


class Api:
    def __init__(self, base_url: str, *, timeout: float = 60.0, max_attempts: int = 8, backoff: float = 0.25,
                 max_backoff: float = 8.0, pool_size: int = 16, server_error_retries: int = 5,
                 in_progress_seconds: float = 90.0, sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.pool_size = pool_size
        self.server_error_retries = server_error_retries
        self.in_progress_seconds = in_progress_seconds
        self.sleep = sleep
        self.stats = Stats()
        self._passwords: dict[str, str] = {}
        self._pemda: dict[str, str] = {}  # the pemda a user signs in to, when not the gateway's default
        self._tokens: dict[str, str] = {}
        self._login_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    # -- sessions and tokens ---------------------------------------------------------------
    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=2, pool_maxsize=self.pool_size)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._local.session = session
        return session

    def register(self, username: str, password: str, pemda: str | None = None) -> None:
        """`pemda`: sent with the sign-in (usernames are unique per pemda; without it the gateway
        looks the name up in its default pemda)."""
        with self._lock:
            self._passwords[username] = password
            if pemda is not None:
                self._pemda[username] = pemda
            self._tokens.pop(username, None)
            self._login_locks.setdefault(username, threading.Lock())

    def _token(self, user: str, stale: str | None = None) -> str:
        """The user's access token; logs in when there is none (or it is `stale`)."""
        with self._lock:
            if user not in self._passwords:
                raise KeyError(f"no password registered for user {user!r}")
            lock = self._login_locks[user]
        with lock:
            token = self._tokens.get(user)
            if token is not None and token != stale:
                return token
            reply = self._send("POST", "/v1/auth/login", None,
                               body=json.dumps({"username": user, "password": self._passwords[user],
                                                **({"pemda": self._pemda[user]} if user in self._pemda else {})
                                                }).encode(),
                               content_type="application/json")
            if reply.status != 200:
                raise ApiError("POST", "/v1/auth/login", reply.status, _problem(reply), user=user)
            token = reply.json["access_token"]
            self._tokens[user] = token
            return token

    # -- one call, with retries ----------------------------------------------------------------
    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), self.max_backoff * 4)
            except ValueError:
                pass
        base = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return base * random.uniform(0.75, 1.25)

    def _send(self, method: str, path: str, user: str | None, *, body: bytes | None = None,
              content_type: str | None = None, headers: dict[str, str] | None = None,
              attempts: int | None = None) -> Reply:
        url = self.base_url + path
        max_attempts = attempts or self.max_attempts
        uncertain = False
        relogged = False
        attempt = 0
        server_errors = 0
        in_progress_waited = 0.0  # waiting out a first attempt still running, past max_attempts
        token = None
        while True:
            attempt += 1
            all_headers = dict(headers or {})
            if content_type and body is not None:
                all_headers["Content-Type"] = content_type
            if user is not None:
                token = self._token(user)
                all_headers["Authorization"] = f"Bearer {token}"
            self.stats.add(requests=1)
            retry_after = None
            try:
                response = self._session().request(method, url, data=body, headers=all_headers, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                failure = f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                reply = Reply(status, {k.lower(): v for k, v in response.headers.items()}, response.content, uncertain)
                if status == 401 and user is not None and not relogged:
                    relogged = True
                    self.stats.add(relogins=1)
                    self._token(user, stale=token)
                    attempt -= 1
                    continue
                in_progress = status == 409 and (_problem(reply) or {}).get("code") == "idempotency_in_progress"
                server_error = status == 500 and server_errors < self.server_error_retries
                server_errors += status == 500
                if status not in TRANSIENT_STATUS and not in_progress and not server_error:
                    return reply
                failure = f"HTTP {status}"
                retry_after = reply.headers.get("retry-after")
                if server_error:
                    self.stats.add(server_errors=1)
                    retry_after = str(min(self.max_backoff, 2.0 ** (server_errors - 1)))
                if in_progress and attempt >= max_attempts and in_progress_waited < self.in_progress_seconds:
                    delay = self._delay(attempt, retry_after)
                    in_progress_waited += delay
                    self.stats.add(retries=1)
                    self.sleep(delay)
                    continue
                if attempt >= max_attempts:
                    raise Unavailable(method, path, status, _problem(reply), user=user)
            uncertain = True  # the request may have been applied before the answer was lost
            if attempt >= max_attempts:
                raise Unavailable(method, path, None, None, user=user,
                                  message=f"{method} {path}: no answer after {attempt} attempts ({failure})")
            self.stats.add(retries=1)
            self.sleep(self._delay(attempt, retry_after))

    # -- the verbs ---------------------------------------------------------------------------
    def call(self, user: str | None, method: str, path: str, payload: Any = None, *, raw: bytes | None = None,
             content_type: str = "application/json", headers: dict[str, str] | None = None,
             expect: tuple[int, ...] = (200, 201, 204), attempts: int | None = None) -> Reply:
        """One request; a status outside `expect` raises ApiError."""
        body = raw if raw is not None else (None if payload is None else json.dumps(payload).encode())
        reply = self._send(method, path, user, body=body, content_type=content_type if body is not None else None,
                           headers=headers, attempts=attempts)
        if reply.status not in expect:
            raise ApiError(method, path, reply.status, _problem(reply), user=user)
        return reply

    def get(self, user: str | None, path: str, **kwargs) -> Any:
        return self.call(user, "GET", path, **kwargs).json

    def create(self, user: str, path: str, payload: Any = None, *, key: str, raw: bytes | None = None,
               content_type: str = "application/json", expect: tuple[int, ...] = (200, 201)) -> Any:
        """A POST with an Idempotency-Key: retried with the same key, so it happens once."""
        return self.call(user, "POST", path, payload, raw=raw, content_type=content_type,
                         headers={"Idempotency-Key": key}, expect=expect).json

    def update(self, user: str, method: str, path: str, payload: Any = None, *,
               read: str | Callable[[], Any] | None = None, applied: Callable[[Any], bool] | None = None,
               if_match: bool = True, key: str | None = None, reader: str | None = None, attempts: int = 4) -> Any:
        """A write checked against the object's state (see the module doc). `read`: the path of the
        object (default `path`; with `if_match=False` also a function returning the state);
        `reader`: who reads it (default `user`); `applied(state)`: True when the change this call
        wants is already in `state` (then the write is not, or not again, sent)."""
        read = read or path
        reader = reader or user
        if if_match and callable(read):
            raise ValueError("If-Match needs the object's path, to read its ETag")

        def state() -> Any:
            return read() if callable(read) else self.call(reader, "GET", read).json
        headers = {"Idempotency-Key": key} if key else {}
        body = None if payload is None else json.dumps(payload).encode()
        for _ in range(attempts):
            if if_match:
                current = self.call(reader, "GET", read)
                if applied is not None and applied(current.json):
                    self.stats.add(checked=1)
                    return current.json
                headers["If-Match"] = current.etag
            reply = self._send(method, path, user, body=body, content_type="application/json" if body else None,
                               headers=headers)
            if reply.ok:
                return reply.json
            if reply.status not in CHECK_AFTER or applied is None:
                raise ApiError(method, path, reply.status, _problem(reply), user=user)
            fresh = state()
            if applied(fresh):
                self.stats.add(checked=1)
                return fresh
            if reply.status != 412 or not if_match:  # refused for a reason of its own
                raise ApiError(method, path, reply.status, _problem(reply), user=user)
            # 412: someone else changed the object meanwhile; try again on its fresh ETag
        raise ApiError(method, path, 412, {"code": "stale_etag", "detail": f"still changing after {attempts} tries"},
                       user=user)

    def pages(self, user: str, path: str, limit: int = 200) -> Iterator[dict]:
        """Every item of a cursor-paged list."""
        separator = "&" if "?" in path else "?"
        cursor = None
        while True:
            query = f"{separator}limit={limit}" + (f"&cursor={requests.utils.quote(cursor, safe='')}" if cursor else "")
            page = self.get(user, path + query)
            yield from page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return


def _problem(reply: Reply) -> dict | None:
    if not reply.body:
        return None
    try:
        data = json.loads(reply.body)
    except ValueError:
        return {"detail": reply.body[:300].decode("utf-8", "replace")}
    return data if isinstance(data, dict) else None
