"""Authentication and user administration, free of HTTP: the resources are thin wrappers.

`AuthService`: login (rate limited), refresh-token rotation with reuse detection, logout, password
change, access-token verification (the gateway's own tokens, and, when configured, an external OIDC
issuer's mapped to a gateway user). `UserAdmin`: the admin API's use cases, each checking that the
actor is an administrator of the same pemda as the user it touches.
"""
from __future__ import annotations

import ipaddress
import logging
import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from .. import settings
from .errors import AccessDenied, FieldError, InputInvalid, InvalidCredentials, InvalidRefreshToken, \
    RateLimited, Unauthenticated, UserNotFound
from .oidc import OidcVerifier
from .passwords import Passwords
from .store import REUSED, ROTATED, RefreshToken, SqlAuthStore, external_subject_taken
from .tokens import SECRET_FILE, AccessTokens, hash_refresh_token, load_or_create_secret, new_refresh_token
from .users import ADMIN, SCOPE_FIELDS, SCOPE_OF_ROLE, User, password_errors, scope_errors

log = logging.getLogger(__name__)
security_log = logging.getLogger("gateway.security")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class LoginPolicy:
    """Failed logins tolerated within a sliding window, counted for an account

    * from one client address (`max_failures_client`): the guesser is stopped, and nobody else,
      however many clients share that address (an office's NAT, or every client of an Ingress whose
      hops are not trusted): failures there never block another account (issue #18, finding 10);
    * from all addresses together (`max_failures_account`, higher): guessing one password from many
      addresses is limited too. The price: someone failing from several addresses can lock that one
      account for a window; one address alone cannot (it stops at `max_failures_client`).

    Both counters restart after a successful login of the account (from that address, resp. from
    anywhere). There is no limit per address across accounts: behind a proxy it would let anyone
    lock every login; guessing many accounts is bounded by each account's own counters and argon2.
    Refused (429) attempts are not counted, so a block lifts `window_seconds` after the failures
    that caused it.
    """

    window_seconds: int = settings.DEFAULT_LOGIN_WINDOW
    max_failures_client: int = settings.DEFAULT_MAX_FAILURES_CLIENT
    max_failures_account: int = settings.DEFAULT_MAX_FAILURES_ACCOUNT
    retention_seconds: int = 24 * 3600  # login_attempts rows are kept this long (forensics)


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int

    def as_dict(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "token_type": "Bearer", "expires_in": self.expires_in,
                "refresh_token": self.refresh_token, "refresh_expires_in": self.refresh_expires_in}


def account_key(account: str) -> str:
    """The rate-limit key of an account (from every address)."""
    return "account:" + account


def client_key(account: str, address: str | None) -> str:
    """The rate-limit key of an account from one client address."""
    return f"client:{address_group(address) or '-'}|{account}"


def address_group(address: str | None) -> str | None:
    """A client address as the rate limits count it: IPv6 clients are grouped by their /64."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return address.strip()[:64]
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class AuthService:
    def __init__(self, store: Any, tokens: AccessTokens, passwords: Passwords, *,
                 refresh_ttl_seconds: int = settings.DEFAULT_REFRESH_TTL, policy: LoginPolicy | None = None,
                 clock: Callable[[], datetime] = utcnow, oidc: OidcVerifier | None = None,
                 default_pemda: str = settings.DEFAULT_ADMIN_PEMDA):
        if refresh_ttl_seconds <= 0:
            raise ValueError("the refresh token lifetime must be positive")
        self.store = store
        self.tokens = tokens
        self.oidc = oidc
        self.passwords = passwords
        self.refresh_ttl_seconds = int(refresh_ttl_seconds)
        self.policy = policy or LoginPolicy()
        self.clock = clock
        self.default_pemda = default_pemda  # the pemda of a sign-in that names none
        self.users = UserAdmin(store, passwords, clock)

    @classmethod
    def from_env(cls) -> "AuthService":
        """The real thing: PostgreSQL store, key from GATEWAY_JWT_SECRET or var/. Nothing connects
        or reads the key file before the first request that needs it."""
        clock = utcnow
        secret = settings.jwt_secret_from_env()
        if secret is None:
            path = settings.var_dir() / SECRET_FILE
            secret = lambda: load_or_create_secret(path)  # noqa: E731
        tokens = AccessTokens(secret, issuer=settings.jwt_issuer(), audience=settings.jwt_audience(),
                              ttl_seconds=settings.access_token_ttl(), clock=clock)
        policy = LoginPolicy(window_seconds=settings.login_window(),
                             max_failures_client=settings.login_max_failures_client(),
                             max_failures_account=settings.login_max_failures_account())
        return cls(SqlAuthStore.from_url(settings.database_url()), tokens, Passwords(),
                   refresh_ttl_seconds=settings.refresh_token_ttl(), policy=policy, clock=clock,
                   oidc=OidcVerifier.from_env(), default_pemda=settings.default_pemda())

    # -- access tokens --------------------------------------------------------------------------

    def authenticate(self, access_token: str) -> dict[str, Any]:
        """The caller's identity. A token of the configured external issuer is verified against its
        JWKS and mapped to the gateway user whose `external_subject` it names: role and scope are
        the gateway's, never the token's. Every other token must be one of ours."""
        if self.oidc is not None and self.oidc.handles(access_token):
            subject = self.oidc.verify(access_token)
            user = self.store.user_by_external_subject(subject)
            if user is None or not user.active:
                reason = "unknown subject" if user is None else "inactive user"
                security_log.info("external token refused: %s", reason,
                                  extra={"issuer": self.oidc.issuer, "user_id": user.id if user else None})
                raise Unauthenticated("invalid_token")
            return user.identity()
        return self.tokens.verify(access_token)

    # -- login, refresh, logout -----------------------------------------------------------------

    def login(self, username: str, password: str, address: str | None, pemda: str | None = None) -> TokenGrant:
        """Signs in `username` of `pemda`; without a pemda, the default pemda's user of that name,
        else the one from before per-pemda usernames (`global_username`, a fixed set). No user
        created since in another pemda changes where a name resolves, so a sign-in tells an
        administrator nothing about the names other pemdas use."""
        now = self.clock()
        # the rate limits count the name as asked (found or not, whoever it resolves to): a counter
        # shared with another spelling would tell where a name without a pemda resolves
        account = f"{pemda or self.default_pemda}/{username}"
        found: list[User] = []

        def check() -> bool:
            user = self._user_signing_in(username, pemda)
            # always one argon2 verification: unknown users are checked against a dummy hash
            ok = self.passwords.verify(user.password_hash if user else None, password)
            if ok and user is not None and user.active:
                found.append(user)
                return True
            return False

        if not self._rate_limited_check(account, address, now, check):
            security_log.info("login failed", extra={"account": account, "address": address})
            raise InvalidCredentials()
        user = found[0]
        if self.passwords.needs_rehash(user.password_hash):
            user = self.store.update_user(user.id, {"password_hash": self.passwords.hash(password)}, now,
                                          actor=user.identity(), action="user.password_rehashed") or user
        self.store.prune_attempts(now - timedelta(seconds=max(self.policy.retention_seconds,
                                                               self.policy.window_seconds)))
        return self._grant(user, now, family_id=str(uuid.uuid4()))

    def _user_signing_in(self, username: str, pemda: str | None) -> User | None:
        if pemda is not None:
            return self.store.user_by_username(pemda, username)
        candidates = self.store.login_candidates(username, self.default_pemda, include_global=True)
        # the default pemda's own user first: a legacy name elsewhere must not shadow it
        candidates.sort(key=lambda user: user.pemda != self.default_pemda)
        return candidates[0] if candidates else None

    def refresh(self, refresh_token: str) -> TokenGrant:
        now = self.clock()
        new_token = new_refresh_token()
        rotation = self.store.rotate_refresh_token(
            hash_refresh_token(refresh_token), str(uuid.uuid4()), hash_refresh_token(new_token),
            now + timedelta(seconds=self.refresh_ttl_seconds), now)
        if rotation.status == REUSED:
            security_log.warning("refresh token reused: its family was revoked",
                                 extra={"user_id": rotation.user_id, "family_id": rotation.family_id})
        if rotation.status != ROTATED:
            raise InvalidRefreshToken()
        user = self.store.user_by_id(rotation.user_id)
        if user is None or not user.active:
            self.store.revoke_family(hash_refresh_token(new_token), now, "inactive")
            raise InvalidRefreshToken()
        access_token, expires_in = self.tokens.issue(user)
        return TokenGrant(access_token, expires_in, new_token, self.refresh_ttl_seconds)

    def logout(self, refresh_token: str) -> None:
        """Revokes the session (the token's family). Unknown tokens are ignored: logout is idempotent."""
        self.store.revoke_family(hash_refresh_token(refresh_token), self.clock(), "logout")

    def change_password(self, identity: dict[str, Any], current: str, new: str,
                        address: str | None) -> TokenGrant:
        """The caller's own password. Every other session ends; this one gets fresh tokens."""
        now = self.clock()
        user = self.store.user_by_id(identity["sub"])
        if user is None or not user.active:
            raise Unauthenticated("invalid_token")

        def check() -> bool:
            return self.passwords.verify(user.password_hash, current)

        if not self._rate_limited_check(f"{user.pemda}/{user.username}", address, now, check):
            raise InputInvalid([FieldError("current_password", "wrong_password")])
        errors = password_errors(new, user.username, "new_password")
        if errors:
            raise InputInvalid(errors)
        user = self.store.update_user(user.id, {"password_hash": self.passwords.hash(new)}, now, actor=identity) or user
        self.store.revoke_user_tokens(user.id, now, "password_changed")
        return self._grant(user, now, family_id=str(uuid.uuid4()))

    # -- helpers --------------------------------------------------------------------------------

    def _grant(self, user: User, now: datetime, family_id: str) -> TokenGrant:
        refresh_token = new_refresh_token()
        self.store.insert_refresh_token(RefreshToken(
            id=str(uuid.uuid4()), user_id=user.id, family_id=family_id,
            token_hash=hash_refresh_token(refresh_token), issued_at=now,
            expires_at=now + timedelta(seconds=self.refresh_ttl_seconds)))
        access_token, expires_in = self.tokens.issue(user)
        return TokenGrant(access_token, expires_in, refresh_token, self.refresh_ttl_seconds)

    def _rate_limited_check(self, account: str, address: str | None, now: datetime,
                            check: Callable[[], bool]) -> bool:
        """Runs `check` (a password verification) unless `account` is over its limit from this
        client address or from all addresses (RateLimited). The attempt is recorded *before*
        counting, so that concurrent attempts in other workers see each other and at most the
        limit get through."""
        keys = [(client_key(account, address), self.policy.max_failures_client, "client"),
                (account_key(account), self.policy.max_failures_account, "account")]
        handle = self.store.begin_attempt([key for key, _, _ in keys], now)
        try:
            self._enforce_limits(keys, handle, now)
        except RateLimited as exc:
            self.store.discard_attempt(handle)
            security_log.warning("login rate limited", extra={"scope": exc.scope, "account": account,
                                                              "address": address})
            raise
        success = False
        try:
            success = bool(check())
        finally:
            self.store.finish_attempt(handle, success)
        return success

    def _enforce_limits(self, keys: list[tuple[str, int, str]], handle: Any, now: datetime) -> None:
        window = timedelta(seconds=self.policy.window_seconds)
        since = now - window
        blocked: list[tuple[int, str]] = []
        for key, limit, scope in keys:
            failures = self.store.failure_times(key, since, exclude=handle, after_last_success=True)
            if len(failures) >= limit:
                # free again once enough of the oldest failures have left the window
                free_at = failures[len(failures) - limit] + window
                blocked.append((max(1, math.ceil((free_at - now).total_seconds())), scope))
        if blocked:
            retry_after, scope = max(blocked)
            raise RateLimited(retry_after, scope)


class UserAdmin:
    """The admin API's use cases. The actor is the caller's identity; an administrator manages
    the users of its own pemda only (others are invisible to it: 404)."""

    def __init__(self, store: Any, passwords: Passwords, clock: Callable[[], datetime] = utcnow,
                 territory: Any = None):
        self.store = store
        self.passwords = passwords
        self.clock = clock
        # `errors(pemda, scopes)`: whether a scope exists (gateway.auth.territory); create_app sets it
        self.territory = territory

    def list(self, actor: dict[str, Any], *, role: str | None = None, active: bool | None = None,
             limit: int = 50, offset: int = 0) -> tuple[list[User], int]:
        _require_admin(actor)
        return self.store.list_users(actor["pemda"], role=role, active=active, limit=limit, offset=offset)

    def get(self, actor: dict[str, Any], user_id: str) -> User:
        _require_admin(actor)
        user = self.store.user_by_id(user_id)
        if user is None or user.pemda != actor["pemda"]:
            raise UserNotFound()
        return user

    def create(self, actor: dict[str, Any], data: dict[str, Any]) -> User:
        _require_admin(actor)
        pemda = data.get("pemda") or actor["pemda"]
        if pemda != actor["pemda"]:
            raise AccessDenied("other_pemda", pemda=actor["pemda"])
        scopes = {name: data.get(name) for name in SCOPE_FIELDS}
        errors = scope_errors(data["role"], pemda, scopes) + password_errors(data["password"], data["username"])
        if errors:
            raise InputInvalid(errors)
        self._check_territory(pemda, scopes)
        now = self.clock()
        external_subject = data.get("external_subject")
        self._check_external_subject(external_subject, None)
        user = User(id=str(uuid.uuid4()), username=data["username"], password_hash=self.passwords.hash(data["password"]),
                    role=data["role"], pemda=pemda, active=data.get("active", True), created_at=now,
                    updated_at=now, external_subject=external_subject, **scopes)
        self.store.insert_user(user, actor=actor)
        security_log.info("user created", extra={"actor": actor["sub"], "user_id": user.id, "role": user.role})
        return user

    def update(self, actor: dict[str, Any], user_id: str, data: dict[str, Any]) -> User:
        target = self.get(actor, user_id)
        if not data:
            raise InputInvalid([FieldError("", "no_changes")])
        role = data.get("role", target.role)
        if target.id == actor["sub"] and (role != target.role or data.get("active") is False):
            raise AccessDenied("self_change")
        scopes: dict[str, str | None] = {}
        for name in SCOPE_FIELDS:
            if name in data:
                scopes[name] = data[name]
            elif SCOPE_OF_ROLE[role] == name:
                scopes[name] = getattr(target, name)  # kept unless the client changes it
            else:
                scopes[name] = None  # a scope the (new) role does not have is cleared
        errors = scope_errors(role, target.pemda, scopes)
        if "password" in data:
            errors += password_errors(data["password"], target.username)
        if errors:
            raise InputInvalid(errors)
        self._check_territory(target.pemda, {name: value for name, value in scopes.items()
                                             if value != getattr(target, name)})
        changes: dict[str, Any] = {name: value for name, value in scopes.items() if value != getattr(target, name)}
        if role != target.role:
            changes["role"] = role
        if "active" in data and data["active"] != target.active:
            changes["active"] = data["active"]
        if "password" in data:
            changes["password_hash"] = self.passwords.hash(data["password"])
        if "external_subject" in data and data["external_subject"] != target.external_subject:
            self._check_external_subject(data["external_subject"], target.id)
            changes["external_subject"] = data["external_subject"]
        if not changes:
            return target
        now = self.clock()
        updated = self.store.update_user(target.id, changes, now, actor=actor)
        if updated is None:
            raise UserNotFound()
        # new role, scope, password or status: every session must sign in again to get them
        self.store.revoke_user_tokens(target.id, now, "admin_update")
        security_log.info("user updated", extra={"actor": actor["sub"], "user_id": target.id,
                                                 "fields": sorted(k for k in changes if k != "password_hash")
                                                 + (["password"] if "password_hash" in changes else [])})
        return updated

    def _check_territory(self, pemda: str, scopes: dict[str, str | None]) -> None:
        """A field error for a desa, kecamatan, OPD or DPRD member that does not exist."""
        if self.territory is not None:
            errors = self.territory.errors(pemda, scopes)
            if errors:
                raise InputInvalid(errors)

    def _check_external_subject(self, subject: str | None, user_id: str | None) -> None:
        """A clear 422 when another user has this subject (the unique index catches races)."""
        if subject is None:
            return
        owner = self.store.user_by_external_subject(subject)
        if owner is not None and owner.id != user_id:
            raise external_subject_taken()


def _require_admin(actor: dict[str, Any] | None) -> None:
    if not actor:
        raise Unauthenticated("missing_token")
    if actor.get("role") != ADMIN or not actor.get("pemda"):
        raise AccessDenied("admin_only")
