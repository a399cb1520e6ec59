"""Access tokens of an external OpenID Connect issuer, verified against its JWKS.

Off unless GATEWAY_OIDC_ISSUER and GATEWAY_OIDC_AUDIENCE are set (see gateway.settings). Then a
bearer token whose (unverified) `iss` is that issuer is handed here instead of to the gateway's
own HS256 verifier (gateway.auth.tokens), and must pass every check below (RFC 8725, RFC 9068):

* the algorithm is one of a fixed list, RS256 or ES256, whatever the header says: `none`, HS256
  (including the classic "HMAC keyed with the public key" confusion) and everything else is refused;
* the key is the JWKS key named by the header's `kid`, and its type must be the algorithm's (an
  RSA key for RS256, a P-256 key for ES256); `jku`, `x5u`, `jwk` and `x5c` headers are never used;
* a `typ` header, when present, must be `at+jwt` (RFC 9068) or plain `JWT` (what most issuers
  put on access tokens): logout tokens, security events and other explicitly typed JWTs are refused.
  The audience must be this API's own identifier at the issuer, not a client id, or the
  issuer's ID tokens for that client (which carry the client id as `aud`) would pass too;
* `exp`, `iat`, `iss`, `aud` and `sub` are required; `iss` must be the issuer and `aud` name the
  audience; `exp`, `iat` (and `nbf`) are checked against the injected clock with a 30 s leeway;
* the JWKS is fetched over HTTPS (plain HTTP only on a loopback address, for tests and local
  issuers) from GATEWAY_OIDC_JWKS_URL or the issuer's discovery document, kept for a TTL, fetched
  again once when a token names an unknown `kid` (key rotation), and never more often than every
  `min_refresh_seconds` whatever the tokens say (an attacker sending random `kid`s must not make
  the gateway hammer the issuer). When the issuer cannot be reached the keys already held are
  used for up to an hour past their TTL; with none at all the answer is 503, not 401.

The verifier only says *who* the caller is at the issuer (`subject`: the `sub` claim, or the claim
named by GATEWAY_OIDC_SUBJECT_CLAIM). Role and territory scope still come from the gateway's own
users table: `AuthService.authenticate` maps the subject to the user whose `external_subject` it
is (unknown or inactive: 401).
"""
from __future__ import annotations

import base64
import ipaddress
import json
import logging
import threading
import time
import urllib.request
from datetime import datetime
from typing import Any, Callable
from urllib.parse import urlsplit

import falcon
import jwt

from .. import settings
from .errors import Unauthenticated
from .tokens import check_times

log = logging.getLogger(__name__)
security_log = logging.getLogger("gateway.security")

ALGORITHMS = ("RS256", "ES256")  # the only ones accepted, whatever the token's header says
KEY_TYPE = {"RS256": "RSA", "ES256": "EC"}  # the JWK `kty` each algorithm needs
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
ACCEPTED_TYPES = ("jwt", "at+jwt", "application/at+jwt")  # `typ` header, compared case-insensitively
LEEWAY_SECONDS = 30
MAX_TOKEN_LENGTH = 16_384  # external tokens carry more claims than ours
MIN_RSA_BITS = 2048
MAX_DOCUMENT_BYTES = 512 * 1024
HTTP_TIMEOUT_SECONDS = 5.0
STALE_GRACE_SECONDS = 3600  # how long keys past their TTL are still used while the issuer is unreachable
DISCOVERY_PATH = "/.well-known/openid-configuration"
LOOPBACK_HOSTS = {"localhost"}

Fetch = Callable[[str], Any]  # url -> the parsed JSON document; raises on any failure


class IssuerUnavailable(falcon.HTTPServiceUnavailable):
    """503: the issuer's keys cannot be had (the token may be fine: the client should retry, not sign in)."""

    def __init__(self):
        super().__init__(description="Penerbit token eksternal (OIDC) sedang tidak dapat dihubungi; coba lagi nanti.",
                         retry_after=5)


def check_url(url: str, what: str) -> str:
    """`url` if it is https, or http on a loopback address; ValueError otherwise."""
    parts = urlsplit(url or "")
    if not parts.hostname:
        raise ValueError(f"{what} must be an absolute URL, got {url!r}")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and _is_loopback(parts.hostname):
        return url
    raise ValueError(f"{what} must use https (plain http only on a loopback address), got {url!r}")


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def http_get_json(url: str, timeout: float = HTTP_TIMEOUT_SECONDS) -> Any:
    """GET `url` and parse its JSON body (at most MAX_DOCUMENT_BYTES). Raises on any failure."""
    request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                   "User-Agent": "eplanning-gateway"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
        if response.status != 200:
            raise ValueError(f"{url} answered {response.status}")
        body = response.read(MAX_DOCUMENT_BYTES + 1)
    if len(body) > MAX_DOCUMENT_BYTES:
        raise ValueError(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
    return json.loads(body)


def unverified_issuer(token: str) -> str | None:
    """The `iss` claim of a compact JWS, read without verifying anything (routing only)."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        return None
    payload = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (ValueError, TypeError):
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else None


def parse_jwks(document: Any) -> dict[str, jwt.PyJWK]:
    """kid -> key, for the usable signing keys of a JWKS; the others are skipped (and logged)."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWK Set (no 'keys' array)")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid:
            log.info("JWKS key without kid skipped")
            continue
        if entry.get("use") not in (None, "sig"):
            continue
        if "d" in entry:  # a private key published by mistake: never use it (nor trust the set's care)
            log.warning("JWKS key %r skipped: it contains private key material", kid)
            continue
        try:
            key = jwt.PyJWK(entry)
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
            log.info("JWKS key %r skipped: %s", kid, exc)
            continue
        algorithm = key.algorithm_name
        if algorithm not in ALGORITHMS or entry.get("kty") != KEY_TYPE[algorithm]:
            log.info("JWKS key %r skipped: algorithm %s is not accepted", kid, algorithm)
            continue
        if algorithm == "RS256" and key.key.key_size < MIN_RSA_BITS:
            log.warning("JWKS key %r skipped: RSA key shorter than %d bits", kid, MIN_RSA_BITS)
            continue
        if kid in keys:
            log.warning("JWKS key id %r appears twice: both skipped", kid)
            keys[kid] = None  # type: ignore[assignment]
            continue
        keys[kid] = key
    return {kid: key for kid, key in keys.items() if key is not None}


class JwksCache:
    """The issuer's signing keys by `kid`: fetched lazily, kept `ttl_seconds`, fetched again once on
    an unknown kid, and never fetched more often than every `min_refresh_seconds`.

    `jwks_url`: the JWKS URL, or a callable returning it (discovery). `fetch(url)` -> parsed JSON.
    `clock`: a monotonic clock in seconds. Thread-safe (one fetch at a time).
    """

    def __init__(self, jwks_url: str | Callable[[], str], fetch: Fetch, *, ttl_seconds: float = 600,
                 min_refresh_seconds: float = 30, clock: Callable[[], float] = time.monotonic):
        if ttl_seconds <= 0 or min_refresh_seconds < 0:
            raise ValueError("the JWKS TTL must be positive and the refresh interval not negative")
        self._url = jwks_url
        self._fetch = fetch
        self.ttl_seconds = float(ttl_seconds)
        self.min_refresh_seconds = float(min_refresh_seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._fetched_at: float | None = None  # last successful fetch
        self._attempted_at: float | None = None  # last fetch attempt, successful or not
        self.fetches = 0  # attempts, for tests and logs

    def key(self, kid: str) -> jwt.PyJWK:
        """The key named `kid`. Unauthenticated when the issuer does not have it; IssuerUnavailable
        when no keys could be fetched at all."""
        with self._lock:
            now = self._clock()
            if self._keys is None or now >= self._fetched_at + self.ttl_seconds:
                self._refresh(now, "expired" if self._keys is not None else "first use")
            if self._keys is None or (now >= self._fetched_at + self.ttl_seconds + STALE_GRACE_SECONDS):
                raise IssuerUnavailable()
            key = self._keys.get(kid)
            if key is None and self._refresh(now, "unknown kid"):
                key = self._keys.get(kid)
            if key is None:
                security_log.info("external token refused: unknown key id", extra={"kid": kid[:64]})
                raise Unauthenticated("invalid_token")
            return key

    def _refresh(self, now: float, reason: str) -> bool:
        """Fetch the JWKS unless one was attempted less than `min_refresh_seconds` ago. True when
        new keys were loaded; a failure keeps the keys already held."""
        if self._attempted_at is not None and now - self._attempted_at < self.min_refresh_seconds:
            return False
        self._attempted_at = now
        self.fetches += 1
        try:
            url = self._url() if callable(self._url) else self._url
            keys = parse_jwks(self._fetch(url))
        except Exception as exc:  # noqa: BLE001 - any failure of the issuer is the same to us
            log.warning("JWKS fetch failed (%s): %s: %s", reason, type(exc).__name__, exc)
            reset = getattr(self._url, "reset", None)
            if reset is not None:  # a discovered URL is looked up again next time
                reset()
            return False
        if not keys:
            log.warning("JWKS fetch (%s) gave no usable signing key; keeping the previous keys", reason)
            return False
        self._keys, self._fetched_at = keys, now
        log.info("JWKS fetched (%s): %d key(s)", reason, len(keys))
        return True


class Discovery:
    """The `jwks_uri` of the issuer's OpenID Provider metadata (OIDC Discovery 1.0 section 4),
    fetched once and kept; forgotten by `reset()` so that a failing JWKS URL is looked up again."""

    def __init__(self, issuer: str, fetch: Fetch):
        self.issuer = issuer
        self._fetch = fetch
        self._jwks_url: str | None = None

    def __call__(self) -> str:
        if self._jwks_url is None:
            document = self._fetch(self.issuer.rstrip("/") + DISCOVERY_PATH)
            if not isinstance(document, dict) or document.get("issuer") != self.issuer:
                # section 4.3: the metadata must name exactly the issuer it was fetched for
                raise ValueError("the discovery document names another issuer")
            jwks_uri = document.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise ValueError("the discovery document has no jwks_uri")
            self._jwks_url = check_url(jwks_uri, "jwks_uri")
        return self._jwks_url

    def reset(self) -> None:
        self._jwks_url = None


class OidcVerifier:
    """`handles(token)`: does the token claim to come from this issuer? `verify(token)` -> the
    external subject (a string), or Unauthenticated."""

    def __init__(self, issuer: str, audience: str, *, jwks_url: str | None = None, fetch: Fetch | None = None,
                 subject_claim: str = "sub", jwks_ttl_seconds: float = 600, min_refresh_seconds: float = 30,
                 clock: Callable[[], datetime] | None = None, monotonic: Callable[[], float] = time.monotonic,
                 leeway_seconds: int = LEEWAY_SECONDS):
        if not issuer or not audience:
            raise ValueError("an OIDC issuer and audience are both needed")
        if not subject_claim:
            raise ValueError("the OIDC subject claim must be named")
        self.issuer = issuer
        self.audience = audience
        self.subject_claim = subject_claim
        self.leeway_seconds = int(leeway_seconds)
        self.clock = clock or (lambda: datetime.now().astimezone())
        fetch = fetch or http_get_json
        if jwks_url:
            url: str | Callable[[], str] = check_url(jwks_url, "GATEWAY_OIDC_JWKS_URL")
        else:
            check_url(issuer, "GATEWAY_OIDC_ISSUER")  # discovery is fetched from it
            url = Discovery(issuer, fetch)
        self.jwks = JwksCache(url, fetch, ttl_seconds=jwks_ttl_seconds, min_refresh_seconds=min_refresh_seconds,
                              clock=monotonic)

    @classmethod
    def from_env(cls) -> "OidcVerifier | None":
        """The verifier configured by GATEWAY_OIDC_* (gateway.settings), or None when it is off."""
        config = settings.oidc_config()
        if config is None:
            return None
        if config["issuer"] == settings.jwt_issuer():
            raise ValueError("GATEWAY_OIDC_ISSUER must differ from GATEWAY_JWT_ISSUER (the gateway's own tokens)")
        return cls(**config)

    def handles(self, token: str) -> bool:
        return unverified_issuer(token) == self.issuer

    def verify(self, token: str) -> str:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthenticated("invalid_token")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("invalid_token") from None
        algorithm, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
        if typ is not None and (not isinstance(typ, str) or typ.lower() not in ACCEPTED_TYPES):
            raise Unauthenticated("invalid_token")
        if algorithm not in ALGORITHMS:
            security_log.info("external token refused: algorithm not accepted", extra={"alg": str(algorithm)[:16]})
            raise Unauthenticated("invalid_token")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("invalid_token")
        key = self.jwks.key(kid)
        if key.algorithm_name != algorithm:  # an RS256 key never verifies an ES256 token, and back
            raise Unauthenticated("invalid_token")
        try:
            claims = jwt.decode(
                token, key.key, algorithms=[algorithm], audience=self.audience, issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True,
                         # the times are checked below against the injected clock
                         "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError as exc:
            log.info("external token refused: %s", type(exc).__name__)
            raise Unauthenticated("invalid_token") from None
        self._check_times(claims)
        subject = claims.get(self.subject_claim)
        if not isinstance(subject, str) or not subject.strip():
            raise Unauthenticated("invalid_token")
        if self.subject_claim == "email" and claims.get("email_verified") is False:
            raise Unauthenticated("invalid_token")
        return subject

    def _check_times(self, claims: dict[str, Any]) -> None:
        check_times(claims, self.clock().timestamp(), self.leeway_seconds)
