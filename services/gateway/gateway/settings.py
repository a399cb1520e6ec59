"""Gateway-only knobs, read from the environment (the shared ones live in eplanning_common.config).

gunicorn (deploy/gateway/gunicorn.conf.py):

    GATEWAY_BIND            address gunicorn binds (default 127.0.0.1:8080)
    GATEWAY_WORKERS         gunicorn sync workers (default 2 x usable CPUs + 1, between 2 and 12; the
                            CPUs are this process's affinity, capped by a cgroup CPU quota)
    GATEWAY_GRACEFUL_TIMEOUT  seconds a stopping gunicorn (SIGTERM) lets in-flight requests finish
                            before killing their workers (default 30; Kubernetes'
                            terminationGracePeriodSeconds must exceed it plus the preStop sleep)
    GATEWAY_PIDFILE         pidfile path (default: none)
    GATEWAY_MAX_BODY_BYTES  largest accepted request body (default 1 MiB)
    GATEWAY_METRICS_BIND    HOST:PORT of the Prometheus /metrics listener, served by the gunicorn
                            master for all workers (gateway.metrics); a port of its own, never the
                            API's, so that the public entry point does not expose it. Default: none
                            (off); the deploy files set it (127.0.0.1:9100 locally, :9100 in a pod)
    PROMETHEUS_MULTIPROC_DIR  where the workers' metric files are kept (default: a fresh temporary
                            folder per gunicorn master; if set, it is emptied at start)

The web application (gateway.web):

    GATEWAY_WEB_DIR         the built web app served at / (default <repo>/web/dist: the `web/dist`
                            folder found upward from the working directory; /app/web/dist in the image)

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
    GATEWAY_LOGIN_MAX_FAILURES_CLIENT   failures per account from one client address in the window
                                        (default 5); they never block another account
    GATEWAY_LOGIN_MAX_FAILURES_ACCOUNT  failures per account from all addresses in the window
                                        (default 20; guessing from many addresses). There is no
                                        limit per address across accounts (GATEWAY_LOGIN_MAX_FAILURES_ADDRESS
                                        is gone): behind a proxy it let anyone lock every login
    GATEWAY_TRUSTED_PROXY_HOPS          reverse proxies in front of gunicorn that each append the
                                        address they saw to X-Forwarded-For (default 0: the peer
                                        address is the client). Behind an Ingress set it to the
                                        number of such proxies (deploy/k8s/gateway.yaml: 1), else
                                        every client counts as the Ingress's address
    GATEWAY_ADMIN_USERNAME / GATEWAY_ADMIN_PASSWORD / GATEWAY_ADMIN_PEMDA
                            the bootstrap administrator (default admin / generated / 12.21)
    GATEWAY_DEFAULT_PEMDA   the pemda of a sign-in that names none (default GATEWAY_ADMIN_PEMDA):
                            usernames are unique per pemda, users of other pemdas send `pemda`
    GATEWAY_PREPARE_ON_START  gunicorn's master migrates the gateway database and creates the
                            bootstrap administrator before forking (default 1)

External OpenID Connect issuer (gateway.auth.oidc; off unless ISSUER and AUDIENCE are both set):

    GATEWAY_OIDC_ISSUER     the issuer's identifier, exactly as in its tokens' `iss` (https; plain
                            http only on a loopback address). Bearer tokens naming it are verified
                            against its JWKS (RS256 or ES256 only; exp, iat, iss, aud, sub required)
    GATEWAY_OIDC_AUDIENCE   the `aud` its tokens must carry for this API: the API's identifier at the
                            issuer, not a client id (ID tokens carry the client id as their `aud`)
    GATEWAY_OIDC_JWKS_URL   the JWKS (default: `jwks_uri` of <issuer>/.well-known/openid-configuration)
    GATEWAY_OIDC_SUBJECT_CLAIM  the claim matched against users.external_subject (default `sub`, the
                            stable one; `preferred_username` or `email` are possible but may be
                            reassigned at the issuer; with `email`, email_verified=false is refused)
    GATEWAY_OIDC_JWKS_TTL_SECONDS          how long fetched keys are used (default 600)
    GATEWAY_OIDC_JWKS_MIN_REFRESH_SECONDS  the JWKS is fetched at most this often, even when tokens
                            name unknown key ids (default 30)
    The external identity only says who the caller is: role and territory scope come from the
    gateway user whose `external_subject` (set through the admin API) is that claim; an unknown
    subject or an inactive user gets 401.
"""
import math
import os
from pathlib import Path

DEFAULT_BIND = "127.0.0.1:8080"
MIN_WORKERS, MAX_WORKERS = 2, 12
DEFAULT_GRACEFUL_TIMEOUT = 30
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_PG_URI = "postgresql://postgres@127.0.0.1:5432"

DEFAULT_JWT_ISSUER = "urn:eplanning:gateway"
DEFAULT_JWT_AUDIENCE = "urn:eplanning:api"
DEFAULT_ACCESS_TTL = 900
DEFAULT_REFRESH_TTL = 7 * 24 * 3600
DEFAULT_LOGIN_WINDOW = 900
DEFAULT_MAX_FAILURES_CLIENT = 5
DEFAULT_MAX_FAILURES_ACCOUNT = 20
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


def metrics_bind() -> tuple[str, int] | None:
    """GATEWAY_METRICS_BIND as (host, port), or None when unset (no metrics listener)."""
    raw = os.environ.get("GATEWAY_METRICS_BIND", "").strip()
    if not raw:
        return None
    host, sep, port = raw.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"GATEWAY_METRICS_BIND must be HOST:PORT (e.g. 127.0.0.1:9100), got {raw!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def workers() -> int:
    return _positive_int("GATEWAY_WORKERS", default_workers())


def default_workers(cpus: int | None = None) -> int:
    """gunicorn's rule of thumb for sync workers, 2 x CPUs + 1: a worker spends much of a request
    waiting on an RPC reply or the database. Bounded: every worker holds its own broker connection
    and database pool."""
    cpus = usable_cpus() if cpus is None else cpus
    return max(MIN_WORKERS, min(MAX_WORKERS, 2 * cpus + 1))


def usable_cpus() -> int:
    """The CPUs this process may run on: its affinity mask, capped by a cgroup CPU quota (a
    container limited to 2 CPUs on a 64-core node counts 2, not 64)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    quota = _cgroup_cpu_quota()
    if quota is not None:
        cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


def _cgroup_cpu_quota() -> float | None:
    """CPUs allowed by the cgroup (v2 cpu.max, else v1 cfs quota), or None when unlimited/unknown."""
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
        period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def graceful_timeout() -> int:
    return _positive_int("GATEWAY_GRACEFUL_TIMEOUT", DEFAULT_GRACEFUL_TIMEOUT)


def pidfile() -> str | None:
    return os.environ.get("GATEWAY_PIDFILE") or None


def web_dir() -> Path:
    """GATEWAY_WEB_DIR, else `web/dist` of the first folder upward from the working directory (or
    from this package, in an editable install) that has a `web/` folder; else ./web/dist."""
    explicit = (os.environ.get("GATEWAY_WEB_DIR") or "").strip()
    if explicit:
        return Path(explicit)
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "web" / "package.json").is_file() or (folder / "web" / "dist").is_dir():
                return folder / "web" / "dist"
    return Path.cwd() / "web" / "dist"


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


def login_max_failures_client() -> int:
    return _positive_int("GATEWAY_LOGIN_MAX_FAILURES_CLIENT", DEFAULT_MAX_FAILURES_CLIENT)


def trusted_proxy_hops() -> int:
    return _non_negative_int("GATEWAY_TRUSTED_PROXY_HOPS", 0)


def admin_username() -> str:
    return (os.environ.get("GATEWAY_ADMIN_USERNAME") or DEFAULT_ADMIN_USERNAME).strip().lower()


def admin_password() -> str | None:
    return os.environ.get("GATEWAY_ADMIN_PASSWORD") or None


def admin_pemda() -> str:
    return (os.environ.get("GATEWAY_ADMIN_PEMDA") or DEFAULT_ADMIN_PEMDA).strip()


def default_pemda() -> str:
    return (os.environ.get("GATEWAY_DEFAULT_PEMDA") or "").strip() or admin_pemda()


def prepare_on_start() -> bool:
    return _bool("GATEWAY_PREPARE_ON_START", True)


# -- external OpenID Connect issuer ----------------------------------------------------------------

DEFAULT_OIDC_JWKS_TTL = 600
DEFAULT_OIDC_JWKS_MIN_REFRESH = 30


def oidc_config() -> dict | None:
    """The OidcVerifier keyword arguments, or None when no external issuer is configured.

    Half a configuration (an issuer without an audience, or the reverse) is an error: tokens
    would otherwise be accepted for any audience, or silently not at all.
    """
    issuer = (os.environ.get("GATEWAY_OIDC_ISSUER") or "").strip()
    audience = (os.environ.get("GATEWAY_OIDC_AUDIENCE") or "").strip()
    if not issuer and not audience:
        return None
    if not issuer or not audience:
        raise ValueError("GATEWAY_OIDC_ISSUER and GATEWAY_OIDC_AUDIENCE must be set together")
    return {
        "issuer": issuer,
        "audience": audience,
        "jwks_url": (os.environ.get("GATEWAY_OIDC_JWKS_URL") or "").strip() or None,
        "subject_claim": (os.environ.get("GATEWAY_OIDC_SUBJECT_CLAIM") or "").strip() or "sub",
        "jwks_ttl_seconds": _positive_int("GATEWAY_OIDC_JWKS_TTL_SECONDS", DEFAULT_OIDC_JWKS_TTL),
        "min_refresh_seconds": _non_negative_int("GATEWAY_OIDC_JWKS_MIN_REFRESH_SECONDS",
                                                 DEFAULT_OIDC_JWKS_MIN_REFRESH),
    }
