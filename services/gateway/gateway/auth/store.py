"""Persistence of users, refresh tokens and login attempts: `SqlAuthStore` on the gateway's own
PostgreSQL database. (The unit tests use an in-memory twin with the same contract.)

Every method is one transaction and takes the current time from the caller (the injected clock),
never from the database, so that tests can move time.

Contract, shared by every store:
    count_users() -> int
    user_by_id(id) / user_by_username(pemda, username) / user_by_external_subject(subject) -> User | None
    login_candidates(username, pemda, include_global) -> [User]: the user named `username` in `pemda`,
        and, with include_global, the global_username user of that name (at most two)
    list_users(pemda, role=None, active=None, limit, offset) -> (users ordered by username, total)
    insert_user(user, actor=None)          raises UsernameTaken (the name is taken in user.pemda), or
                                           external_subject_taken() (InputInvalid)
    insert_first_user(user) -> bool        inserts only into an empty table (atomically)
    update_user(id, changes, now, actor=None, action=None) -> User | None    raises external_subject_taken()
    insert_refresh_token(RefreshToken)
    rotate_refresh_token(old_hash, new_id, new_hash, expires_at, now) -> Rotation
    revoke_family(token_hash, now, reason) -> bool
    revoke_user_tokens(user_id, now, reason) -> int
    begin_attempt(keys, now) -> handle;  finish_attempt(handle, success);  discard_attempt(handle)
    failure_times(key, since, exclude, after_last_success) -> [datetime] (ascending; strictly after since;
        unfinished attempts count as failures; after_last_success: only those after the last success)
    prune_attempts(before) -> int

User changes are written to the gateway's audit log (eplanning_common.audit) in the same
transaction: `user.created`, `user.updated`, `user.deactivated`, `user.reactivated`,
`user.password_changed` (or the action the caller names), after = the user's public record (never
the password hash), actor = the caller's identity (`actor`), else the system. Sessions (refresh
tokens) and login attempts are not audited: login_attempts and the security log keep those.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

import sqlalchemy as sa

from eplanning_common import audit
from eplanning_common.logs import get_correlation_id

from ..exceptions import DatabaseUnavailable
from .errors import FieldError, InputInvalid, UsernameTaken
from .schema import login_attempts, refresh_tokens, users
from .users import User

log = logging.getLogger(__name__)

# pg_advisory_xact_lock key serializing the creation of the first user
FIRST_USER_LOCK = 7_202_602
UNIQUE_VIOLATION = "23505"
EXTERNAL_SUBJECT_UNIQUE = "users_external_subject_key"  # migration 0004


def external_subject_taken() -> InputInvalid:
    """Another user already has this external (OIDC) subject: a 422 on the field."""
    return InputInvalid([FieldError("external_subject", "external_subject_taken")])


def _unique_constraint(exc: sa.exc.IntegrityError) -> str | None:
    """The name of the unique constraint `exc` violated, if that is what it is."""
    if getattr(exc.orig, "pgcode", None) != UNIQUE_VIOLATION:
        return None
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


# rotation outcomes
ROTATED, UNKNOWN, EXPIRED, REUSED = "rotated", "unknown", "expired", "reused"


@dataclass(frozen=True)
class RefreshToken:
    id: str
    user_id: str
    family_id: str
    token_hash: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Rotation:
    status: str  # ROTATED, UNKNOWN, EXPIRED or REUSED
    user_id: str | None = None
    family_id: str | None = None


def _user(row: Mapping[str, Any]) -> User:
    return User(**{column: row[column] for column in User.__dataclass_fields__})


def _audit_actor(identity: Mapping[str, Any] | None, **system: Any) -> dict:
    return audit.actor_for(identity, component="gateway", **system)


def user_action(changes: Mapping[str, Any]) -> str:
    """The audit action of an update with these changes."""
    if "active" in changes:
        return "user.reactivated" if changes["active"] else "user.deactivated"
    if set(changes) == {"password_hash"}:
        return "user.password_changed"
    return "user.updated"


def audit_user(conn, action: str, user: User, actor: dict) -> None:
    audit.append(conn, [audit.Entry(action=action, actor=actor, after=user.public(), entity="user",
                                    subject=user.id, pemda=user.pemda, correlation_id=get_correlation_id())])


class SqlAuthStore:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> "SqlAuthStore":
        # gunicorn sync workers handle one request at a time: a small pool is plenty
        return cls(sa.create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True, pool_recycle=1800))

    def dispose(self) -> None:
        self.engine.dispose()

    # -- plumbing -------------------------------------------------------------------------------

    def _tx(self):
        return _transaction(self.engine)

    # -- users ----------------------------------------------------------------------------------

    def count_users(self) -> int:
        with self._tx() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one()

    def user_by_id(self, user_id: str) -> User | None:
        with self._tx() as conn:
            row = conn.execute(sa.select(users).where(users.c.id == user_id)).mappings().first()
        return _user(row) if row else None

    def user_by_username(self, pemda: str, username: str) -> User | None:
        with self._tx() as conn:
            row = conn.execute(sa.select(users).where(users.c.pemda == pemda, users.c.username == username)
                               ).mappings().first()
        return _user(row) if row else None

    def login_candidates(self, username: str, pemda: str, include_global: bool) -> list[User]:
        where = users.c.pemda == pemda
        if include_global:
            where = sa.or_(where, users.c.global_username)
        with self._tx() as conn:
            rows = conn.execute(sa.select(users).where(users.c.username == username, where)).mappings().all()
        return [_user(row) for row in rows]

    def user_by_external_subject(self, subject: str) -> User | None:
        with self._tx() as conn:
            row = conn.execute(sa.select(users).where(users.c.external_subject == subject)).mappings().first()
        return _user(row) if row else None

    def list_users(self, pemda: str, *, role: str | None = None, active: bool | None = None,
                   limit: int = 50, offset: int = 0) -> tuple[list[User], int]:
        where = [users.c.pemda == pemda]
        if role is not None:
            where.append(users.c.role == role)
        if active is not None:
            where.append(users.c.active == active)
        with self._tx() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(users).where(*where)).scalar_one()
            rows = conn.execute(sa.select(users).where(*where).order_by(users.c.username)
                                .limit(limit).offset(offset)).mappings().all()
        return [_user(row) for row in rows], total

    def insert_user(self, user: User, actor: Mapping[str, Any] | None = None) -> None:
        try:
            with self._tx() as conn:
                conn.execute(users.insert().values(**_user_values(user)))
                audit_user(conn, "user.created", user, _audit_actor(actor))
        except sa.exc.IntegrityError as exc:
            constraint = _unique_constraint(exc)
            if constraint == EXTERNAL_SUBJECT_UNIQUE:
                raise external_subject_taken() from None
            if constraint is not None:  # the username (in its pemda) is the other candidate
                raise UsernameTaken(username=user.username) from None
            raise

    def insert_first_user(self, user: User) -> bool:
        with self._tx() as conn:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(FIRST_USER_LOCK)))
            if conn.execute(sa.select(sa.exists().select_from(users))).scalar_one():
                return False
            conn.execute(users.insert().values(**_user_values(user)))
            audit_user(conn, "user.created", user, audit.system_actor(component="gateway-bootstrap"))
            return True

    def update_user(self, user_id: str, changes: Mapping[str, Any], now: datetime,
                    actor: Mapping[str, Any] | None = None, action: str | None = None) -> User | None:
        allowed = {"role", "wilayah", "opd", "anggota_id", "active", "password_hash", "external_subject"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        try:
            with self._tx() as conn:
                row = conn.execute(users.update().where(users.c.id == user_id)
                                   .values(**changes, updated_at=now).returning(*users.c)).mappings().first()
                if row is not None:
                    audit_user(conn, action or user_action(changes), _user(row), _audit_actor(actor))
        except sa.exc.IntegrityError as exc:
            if _unique_constraint(exc) == EXTERNAL_SUBJECT_UNIQUE:
                raise external_subject_taken() from None
            raise
        return _user(row) if row else None

    # -- refresh tokens -------------------------------------------------------------------------

    def insert_refresh_token(self, token: RefreshToken) -> None:
        with self._tx() as conn:
            conn.execute(refresh_tokens.insert().values(
                id=token.id, user_id=token.user_id, family_id=token.family_id, token_hash=token.token_hash,
                issued_at=token.issued_at, expires_at=token.expires_at))

    def rotate_refresh_token(self, old_hash: str, new_id: str, new_hash: str, expires_at: datetime,
                             now: datetime) -> Rotation:
        """Revoke the live token `old_hash` and issue `new_hash` in its family, atomically.

        A token that was already revoked is being *reused*: whoever holds it (the user or a thief)
        must not get in, and the family's live token is revoked too (OAuth 2.0 Security BCP 4.14).
        """
        t = refresh_tokens.c
        with self._tx() as conn:
            row = conn.execute(
                refresh_tokens.update()
                .where(t.token_hash == old_hash, t.revoked_at.is_(None), t.expires_at > now)
                .values(revoked_at=now, revoked_reason="rotated")
                .returning(t.user_id, t.family_id)).first()
            if row is not None:
                conn.execute(refresh_tokens.insert().values(
                    id=new_id, user_id=row.user_id, family_id=row.family_id, token_hash=new_hash,
                    issued_at=now, expires_at=expires_at))
                return Rotation(ROTATED, row.user_id, row.family_id)
            old = conn.execute(sa.select(t.user_id, t.family_id, t.revoked_at)
                               .where(t.token_hash == old_hash)).first()
            if old is None:
                return Rotation(UNKNOWN)
            if old.revoked_at is None:
                return Rotation(EXPIRED, old.user_id, old.family_id)
            conn.execute(refresh_tokens.update()
                         .where(t.family_id == old.family_id, t.revoked_at.is_(None))
                         .values(revoked_at=now, revoked_reason="reuse"))
            return Rotation(REUSED, old.user_id, old.family_id)

    def revoke_family(self, token_hash: str, now: datetime, reason: str) -> bool:
        t = refresh_tokens.c
        with self._tx() as conn:
            family = conn.execute(sa.select(t.family_id).where(t.token_hash == token_hash)).scalar_one_or_none()
            if family is None:
                return False
            conn.execute(refresh_tokens.update().where(t.family_id == family, t.revoked_at.is_(None))
                         .values(revoked_at=now, revoked_reason=reason))
            return True

    def revoke_user_tokens(self, user_id: str, now: datetime, reason: str) -> int:
        t = refresh_tokens.c
        with self._tx() as conn:
            return conn.execute(refresh_tokens.update().where(t.user_id == user_id, t.revoked_at.is_(None))
                                .values(revoked_at=now, revoked_reason=reason)).rowcount

    # -- login attempts -------------------------------------------------------------------------

    def begin_attempt(self, keys: Iterable[str], now: datetime) -> list[int]:
        with self._tx() as conn:
            rows = conn.execute(login_attempts.insert().returning(login_attempts.c.id),
                                [{"key": key, "attempted_at": now, "success": None} for key in keys]).all()
        return [row.id for row in rows]

    def finish_attempt(self, handle: list[int], success: bool) -> None:
        with self._tx() as conn:
            conn.execute(login_attempts.update().where(login_attempts.c.id.in_(handle)).values(success=success))

    def discard_attempt(self, handle: list[int]) -> None:
        with self._tx() as conn:
            conn.execute(login_attempts.delete().where(login_attempts.c.id.in_(handle)))

    def failure_times(self, key: str, since: datetime, *, exclude: Iterable[int] = (),
                      after_last_success: bool = False) -> list[datetime]:
        a = login_attempts.c
        where = [a.key == key, a.attempted_at > since, a.success.isnot(True)]
        exclude = list(exclude)
        if exclude:
            where.append(a.id.notin_(exclude))
        if after_last_success:
            last_success = (sa.select(sa.func.coalesce(sa.func.max(a.id), 0))
                            .where(a.key == key, a.success.is_(True)).scalar_subquery())
            where.append(a.id > last_success)
        with self._tx() as conn:
            return list(conn.execute(sa.select(a.attempted_at).where(*where).order_by(a.attempted_at)).scalars())

    def prune_attempts(self, before: datetime) -> int:
        with self._tx() as conn:
            return conn.execute(login_attempts.delete().where(login_attempts.c.attempted_at < before)).rowcount


def _user_values(user: User) -> dict[str, Any]:
    return {column: getattr(user, column) for column in User.__dataclass_fields__}


@contextmanager
def _transaction(engine: sa.Engine):
    """One transaction; a lost or refused database connection becomes DatabaseUnavailable (503)."""
    try:
        with engine.begin() as conn:
            yield conn
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        log.error("gateway database unavailable: %s", getattr(exc, "orig", None) or exc)
        raise DatabaseUnavailable() from exc
