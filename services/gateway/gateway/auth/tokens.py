"""Access tokens (JWT, HS256) and refresh tokens (opaque, stored hashed).

Access tokens follow RFC 8725 (JWT BCP) and RFC 9068 (JWT access tokens):
* one algorithm, fixed here (HS256): the token's `alg` header is never trusted, so `none`, a
  public-key/HMAC confusion or any other algorithm is refused;
* explicit typing: header `typ` is `at+jwt`, so no other JWT of ours can pass as an access token;
* `exp`, `iat`, `iss`, `aud`, `sub` and `jti` are required; `iss` and `aud` must be ours; `exp`,
  `iat` (and `nbf` when present) are checked against the injected clock with a 30 s leeway;
* the key is at least 32 random bytes (RFC 7518 3.2).

Refresh tokens are 256 random bits (URL-safe base64); only their SHA-256 is stored.
"""
from __future__ import annotations

import hashlib
import logging
import os
import secrets
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import jwt

from ..identity import IDENTITY_KEYS
from .errors import Unauthenticated
from .users import ROLES, User

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
ALGORITHMS = [ALGORITHM]  # the only one accepted, whatever the token's header says
TOKEN_TYPE = "at+jwt"
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "jti"]
MAX_TOKEN_LENGTH = 4096
SECRET_FILE = "gateway-jwt-secret"


class AccessTokens:
    """`issue(user)` -> (token, expires_in); `verify(token)` -> identity dict, or Unauthenticated."""

    def __init__(self, secret: bytes | Callable[[], bytes], *, issuer: str, audience: str,
                 ttl_seconds: int, clock: Callable[[], datetime], leeway_seconds: int = LEEWAY_SECONDS):
        if ttl_seconds <= 0:
            raise ValueError("the access token lifetime must be positive")
        self._secret = secret
        self._secret_value: bytes | None = None
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = int(ttl_seconds)
        self.leeway_seconds = int(leeway_seconds)
        self.clock = clock

    @property
    def key(self) -> bytes:
        if self._secret_value is None:
            value = self._secret() if callable(self._secret) else self._secret
            if not isinstance(value, bytes) or len(value) < 32:
                raise ValueError("the JWT secret must be at least 32 bytes")
            self._secret_value = value
        return self._secret_value

    def issue(self, user: User) -> tuple[str, int]:
        now = int(self.clock().timestamp())
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": user.id,
            "iat": now,
            "nbf": now,
            "exp": now + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
            "preferred_username": user.username,
            **{key: value for key, value in user.identity().items() if key != "sub"},
        }
        token = jwt.encode(claims, self.key, algorithm=ALGORITHM, headers={"typ": TOKEN_TYPE})
        return token, self.ttl_seconds

    def verify(self, token: str) -> dict[str, Any]:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthenticated("invalid_token")
        try:
            decoded = jwt.api_jwt.decode_complete(
                token, self.key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True,
                         # the times are checked below against the injected clock
                         "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError as exc:
            log.info("access token refused: %s", type(exc).__name__)
            raise Unauthenticated("invalid_token") from None
        header, claims = decoded["header"], decoded["payload"]
        if header.get("typ") != TOKEN_TYPE or header.get("alg") != ALGORITHM:
            raise Unauthenticated("invalid_token")
        self._check_times(claims)
        if not isinstance(claims.get("sub"), str) or claims.get("role") not in ROLES \
                or not isinstance(claims.get("pemda"), str):
            raise Unauthenticated("invalid_token")
        return {key: claims.get(key) for key in IDENTITY_KEYS}

    def _check_times(self, claims: dict[str, Any]) -> None:
        exp, iat = check_times(claims, self.clock().timestamp(), self.leeway_seconds)
        if exp - iat > self.ttl_seconds + self.leeway_seconds:  # longer-lived than anything we issue
            raise Unauthenticated("invalid_token")


def check_times(claims: dict[str, Any], now: float, leeway: float) -> tuple[float, float]:
    """`exp` and `iat` are required numbers, the token is not expired and not from the future
    (`iat`, `nbf`), each within `leeway` seconds; returns (exp, iat). Else Unauthenticated."""

    def number(name: str) -> float | None:
        value = claims.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Unauthenticated("invalid_token")
        return float(value)

    exp, iat, nbf = number("exp"), number("iat"), number("nbf")
    if exp is None or iat is None:
        raise Unauthenticated("invalid_token")
    if now >= exp + leeway:  # expired
        raise Unauthenticated("invalid_token")
    if iat > now + leeway or (nbf is not None and nbf > now + leeway):  # not yet valid
        raise Unauthenticated("invalid_token")
    return exp, iat


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def load_or_create_secret(path: Path) -> bytes:
    """The key stored at `path`, or a new random one written there (mode 600) first.

    Safe when several processes start together: the file is written aside and hard-linked into
    place, which fails if another process got there first; everyone then reads the same key.
    """
    path = Path(path)
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)
            log.warning("generated a JWT signing key in %s; set GATEWAY_JWT_SECRET when the gateway "
                        "runs on more than one host", path)
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    secret = path.read_text(encoding="utf-8").strip().encode("utf-8")
    if len(secret) < 32:
        raise ValueError(f"the JWT key in {path} is shorter than 32 bytes")
    return secret
