"""Gateway-only knobs, read from the environment (the shared ones live in eplanning_common.config).

    GATEWAY_BIND            address gunicorn binds (default 127.0.0.1:8080)
    GATEWAY_WORKERS         gunicorn sync workers (default 2)
    GATEWAY_PIDFILE         pidfile path (default: none)
    GATEWAY_MAX_BODY_BYTES  largest accepted request body (default 1 MiB)

Authentication (see services/gateway/README.md):

    GATEWAY_DATABASE_URL    the gateway's own database (default <PG_URI>/eplanning_gateway; the
                            generic DATABASE_URL is deliberately NOT used: it names a service's DB)
    GATEWAY_VAR_DIR         where generated secrets are kept (default ./var)
    GATEWAY_JWT_SECRET      HS256 key, at least 32 bytes (default: generated once into
                            <var>/gateway-jwt-secret, mode 600; set it when there is more than one host)
    GATEWAY_JWT_ISSUER      `iss` of the access tokens (default urn:eplanning:gateway)
    GATEWAY_JWT_AUDIENCE    `aud` of the access tokens (default urn:eplanning:api)
    GATEWAY_ACCESS_TOKEN_TTL_SECONDS    access token lifetime (default 900)
    GATEWAY_REFRESH_TOKEN_TTL_SECONDS   refresh token lifetime, renewed by each rotation (default 7 days)
    GATEWAY_LOGIN_WINDOW_SECONDS        login rate-limit window (default 900)
    GATEWAY_LOGIN_MAX_FAILURES_ACCOUNT  failures per account in the window (default 5)
    GATEWAY_LOGIN_MAX_FAILURES_ADDRESS  failures per client address in the window (default 20)
    GATEWAY_TRUSTED_PROXY_HOPS          reverse proxies in front of gunicorn whose X-Forwarded-For
                                        is trusted (default 0: the peer address is the client)
    GATEWAY_ADMIN_USERNAME / GATEWAY_ADMIN_PASSWORD / GATEWAY_ADMIN_PEMDA
                            the bootstrap administrator (default admin / generated / 12.21)
    GATEWAY_PREPARE_ON_START  gunicorn's master migrates the gateway database and creates the
                            bootstrap administrator before forking (default 1)
"""
import os
from pathlib import Path

DEFAULT_BIND = "127.0.0.1:8080"
DEFAULT_WORKERS = 2
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_PG_URI = "postgresql://postgres@127.0.0.1:5432"

DEFAULT_JWT_ISSUER = "urn:eplanning:gateway"
DEFAULT_JWT_AUDIENCE = "urn:eplanning:api"
DEFAULT_ACCESS_TTL = 900
DEFAULT_REFRESH_TTL = 7 * 24 * 3600
DEFAULT_LOGIN_WINDOW = 900
DEFAULT_MAX_FAILURES_ACCOUNT = 5
DEFAULT_MAX_FAILURES_ADDRESS = 20
DEFAULT_ADMIN_USERNAME = "admin"
DEFAULT_ADMIN_PEMDA = "12.21"
MIN_JWT_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"environment variable {name} must be positive, got {value}")
    return value


def _non_negative_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"environment variable {name} must not be negative, got {value}")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def bind() -> str:
    return os.environ.get("GATEWAY_BIND") or DEFAULT_BIND


def workers() -> int:
    return _positive_int("GATEWAY_WORKERS", DEFAULT_WORKERS)


def pidfile() -> str | None:
    return os.environ.get("GATEWAY_PIDFILE") or None


def max_body_bytes() -> int:
    return _positive_int("GATEWAY_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)


# -- authentication --------------------------------------------------------------------------------

def database_url() -> str:
    explicit = os.environ.get("GATEWAY_DATABASE_URL")
    if explicit:
        return explicit
    pg_uri = os.environ.get("PG_URI", DEFAULT_PG_URI)
    return f"{pg_uri}/{os.environ.get('DB_PREFIX', 'eplanning_')}gateway"


def var_dir() -> Path:
    return Path(os.environ.get("GATEWAY_VAR_DIR") or "var")


def jwt_secret_from_env() -> bytes | None:
    raw = os.environ.get("GATEWAY_JWT_SECRET")
    if not raw:
        return None
    secret = raw.encode("utf-8")
    if len(secret) < MIN_JWT_SECRET_BYTES:
        raise ValueError(f"GATEWAY_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long")
    return secret


def jwt_issuer() -> str:
    return os.environ.get("GATEWAY_JWT_ISSUER") or DEFAULT_JWT_ISSUER


def jwt_audience() -> str:
    return os.environ.get("GATEWAY_JWT_AUDIENCE") or DEFAULT_JWT_AUDIENCE


def access_token_ttl() -> int:
    return _positive_int("GATEWAY_ACCESS_TOKEN_TTL_SECONDS", DEFAULT_ACCESS_TTL)


def refresh_token_ttl() -> int:
    return _positive_int("GATEWAY_REFRESH_TOKEN_TTL_SECONDS", DEFAULT_REFRESH_TTL)


def login_window() -> int:
    return _positive_int("GATEWAY_LOGIN_WINDOW_SECONDS", DEFAULT_LOGIN_WINDOW)


def login_max_failures_account() -> int:
    return _positive_int("GATEWAY_LOGIN_MAX_FAILURES_ACCOUNT", DEFAULT_MAX_FAILURES_ACCOUNT)


def login_max_failures_address() -> int:
    return _positive_int("GATEWAY_LOGIN_MAX_FAILURES_ADDRESS", DEFAULT_MAX_FAILURES_ADDRESS)


def trusted_proxy_hops() -> int:
    return _non_negative_int("GATEWAY_TRUSTED_PROXY_HOPS", 0)


def admin_username() -> str:
    return (os.environ.get("GATEWAY_ADMIN_USERNAME") or DEFAULT_ADMIN_USERNAME).strip().lower()


def admin_password() -> str | None:
    return os.environ.get("GATEWAY_ADMIN_PASSWORD") or None


def admin_pemda() -> str:
    return (os.environ.get("GATEWAY_ADMIN_PEMDA") or DEFAULT_ADMIN_PEMDA).strip()


def prepare_on_start() -> bool:
    return _bool("GATEWAY_PREPARE_ON_START", True)
