"""Fakes for the gateway's collaborators: no broker, no network, no database."""
from __future__ import annotations

import itertools
import threading
from dataclasses import replace as _replace
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher

from gateway.auth.errors import UsernameTaken
from gateway.auth.store import EXPIRED, REUSED, ROTATED, UNKNOWN, Rotation, user_action
from gateway.exceptions import DatabaseUnavailable, ServiceTimeout


class FakeRpc:
    """Stands in for NamekoRpc. `answers[(service, method)]` is a value, an exception instance
    (raised), or a callable(*args, **kwargs). Unknown calls time out."""

    def __init__(self, answers=None):
        self.answers = dict(answers or {})
        self.calls = []  # (service, method, args, kwargs)
        self.batches = []  # timeout of each call_many

    def _answer(self, service, method, args, kwargs):
        self.calls.append((service, method, tuple(args), dict(kwargs)))
        answer = self.answers.get((service, method), ServiceTimeout(service, method, 1.0))
        if isinstance(answer, BaseException):
            raise answer
        if callable(answer):
            return answer(*args, **kwargs)
        return answer

    def call(self, service, method, /, *args, **kwargs):
        return self._answer(service, method, args, kwargs)

    def call_many(self, calls, timeout=None):
        self.batches.append(timeout)
        outcomes = []
        for service, method, args, kwargs in calls:
            try:
                outcomes.append(self._answer(service, method, args, kwargs))
            except Exception as exc:
                outcomes.append(exc)
        return outcomes


class FakeBroker:
    def __init__(self, up=True):
        self.up = up
        self.checks = []

    def __call__(self, timeout):
        self.checks.append(timeout)
        return self.up


SERVICES = ("musrenbang", "pokir", "renja", "rkpd")


def healthy(service):
    return {"service": service, "status": "ok", "database": {"ok": True, "host": "db.internal"},
            "broker": {"ok": True}}


# -- authentication ---------------------------------------------------------------------------------

SECRET = b"unit-test-secret-" * 4  # 68 bytes: long enough for every HMAC variant the tests sign with
ISSUER, AUDIENCE = "urn:eplanning:gateway", "urn:eplanning:api"
PASSWORD = "kata-sandi-rahasia-1"  # of the users made by conftest's make_user

# argon2id with tiny costs: the same code path as production, milliseconds instead of 150 ms
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class FakeClock:
    """An injectable clock: `clock()` is the current (aware, UTC) time; `advance(seconds)` moves it."""

    def __init__(self, start=None):
        self.now = start or datetime.now(timezone.utc).replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += timedelta(seconds=seconds)


class MemoryAuthStore:
    """The in-memory twin of gateway.auth.store.SqlAuthStore (same contract, see its docstring)."""

    def __init__(self):
        self.users = {}  # id -> User
        self.tokens = []  # dicts: id, user_id, family_id, token_hash, issued_at, expires_at, revoked_at, reason
        self.attempts = []  # dicts: id, key, attempted_at, success
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.down = False  # True: every call raises DatabaseUnavailable
        self.audited = []  # (action, user id, actor identity): what SqlAuthStore writes to the audit log

    def _check(self):
        if self.down:
            raise DatabaseUnavailable()

    # users
    def count_users(self):
        self._check()
        return len(self.users)

    def user_by_id(self, user_id):
        self._check()
        return self.users.get(user_id)

    def user_by_username(self, pemda, username):
        self._check()
        return next((u for u in self.users.values() if u.pemda == pemda and u.username == username), None)

    def login_candidates(self, username, pemda, include_global):
        self._check()
        return [u for u in self.users.values()
                if u.username == username and (u.pemda == pemda or (include_global and u.global_username))]

    def list_users(self, pemda, *, role=None, active=None, limit=50, offset=0):
        self._check()
        found = sorted((u for u in self.users.values() if u.pemda == pemda
                        and (role is None or u.role == role) and (active is None or u.active == active)),
                       key=lambda u: u.username)
        return found[offset:offset + limit], len(found)

    def insert_user(self, user, actor=None):
        self._check()
        with self._lock:
            if any(u.pemda == user.pemda and u.username == user.username for u in self.users.values()):
                raise UsernameTaken(username=user.username)
            self.users[user.id] = user
            self.audited.append(("user.created", user.id, actor))

    def insert_first_user(self, user):
        self._check()
        with self._lock:
            if self.users:
                return False
            self.users[user.id] = user
            return True

    def update_user(self, user_id, changes, now, actor=None, action=None):
        self._check()
        allowed = {"role", "wilayah", "opd", "anggota_id", "active", "password_hash"}
        if set(changes) - allowed:
            raise ValueError(f"not updatable: {sorted(set(changes) - allowed)}")
        user = self.users.get(user_id)
        if user is None:
            return None
        self.users[user_id] = _replace(user, **changes, updated_at=now)
        self.audited.append((action or user_action(changes), user_id, actor))
        return self.users[user_id]

    # refresh tokens
    def insert_refresh_token(self, token):
        self._check()
        self.tokens.append({"id": token.id, "user_id": token.user_id, "family_id": token.family_id,
                            "token_hash": token.token_hash, "issued_at": token.issued_at,
                            "expires_at": token.expires_at, "revoked_at": None, "reason": None})

    def _by_hash(self, token_hash):
        return next((t for t in self.tokens if t["token_hash"] == token_hash), None)

    def rotate_refresh_token(self, old_hash, new_id, new_hash, expires_at, now):
        self._check()
        with self._lock:
            old = self._by_hash(old_hash)
            if old is None:
                return Rotation(UNKNOWN)
            if old["revoked_at"] is None and old["expires_at"] > now:
                old["revoked_at"], old["reason"] = now, "rotated"
                self.tokens.append({"id": new_id, "user_id": old["user_id"], "family_id": old["family_id"],
                                    "token_hash": new_hash, "issued_at": now, "expires_at": expires_at,
                                    "revoked_at": None, "reason": None})
                return Rotation(ROTATED, old["user_id"], old["family_id"])
            if old["revoked_at"] is None:
                return Rotation(EXPIRED, old["user_id"], old["family_id"])
            self._revoke(lambda t: t["family_id"] == old["family_id"], now, "reuse")
            return Rotation(REUSED, old["user_id"], old["family_id"])

    def _revoke(self, match, now, reason):
        count = 0
        for t in self.tokens:
            if match(t) and t["revoked_at"] is None:
                t["revoked_at"], t["reason"] = now, reason
                count += 1
        return count

    def revoke_family(self, token_hash, now, reason):
        self._check()
        token = self._by_hash(token_hash)
        if token is None:
            return False
        self._revoke(lambda t: t["family_id"] == token["family_id"], now, reason)
        return True

    def revoke_user_tokens(self, user_id, now, reason):
        self._check()
        return self._revoke(lambda t: t["user_id"] == user_id, now, reason)

    def live_tokens(self, user_id):
        return [t for t in self.tokens if t["user_id"] == user_id and t["revoked_at"] is None]

    # login attempts
    def begin_attempt(self, keys, now):
        self._check()
        ids = []
        for key in keys:
            attempt_id = next(self._ids)
            self.attempts.append({"id": attempt_id, "key": key, "attempted_at": now, "success": None})
            ids.append(attempt_id)
        return ids

    def finish_attempt(self, handle, success):
        self._check()
        for a in self.attempts:
            if a["id"] in handle:
                a["success"] = success

    def discard_attempt(self, handle):
        self._check()
        self.attempts = [a for a in self.attempts if a["id"] not in handle]

    def failure_times(self, key, since, *, exclude=(), after_last_success=False):
        self._check()
        exclude = set(exclude)
        last_success = 0
        if after_last_success:
            last_success = max((a["id"] for a in self.attempts if a["key"] == key and a["success"] is True),
                               default=0)
        return sorted(a["attempted_at"] for a in self.attempts
                      if a["key"] == key and a["attempted_at"] > since and a["success"] is not True
                      and a["id"] not in exclude and a["id"] > last_success)

    def prune_attempts(self, before):
        self._check()
        kept = [a for a in self.attempts if a["attempted_at"] >= before]
        pruned = len(self.attempts) - len(kept)
        self.attempts = kept
        return pruned
