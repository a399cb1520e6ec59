"""Configuration from environment variables, with defaults that work on a developer machine.

Every knob is read here, once, so that `grep environ` finds them all and README can list them.
"""
import os

SERVICES = ("musrenbang", "pokir", "renja", "rkpd")

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_PG_URI = "postgresql://postgres@127.0.0.1:5432"


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)


def database_url(service: str) -> str:
    """`<SERVICE>_DATABASE_URL`, else `DATABASE_URL`, else the local database `eplanning_<service>`."""
    specific = os.environ.get(f"{service.upper()}_DATABASE_URL")
    if specific:
        return specific
    generic = os.environ.get("DATABASE_URL")
    if generic:
        return generic
    return f"{os.environ.get('PG_URI', DEFAULT_PG_URI)}/{os.environ.get('DB_PREFIX', 'eplanning_')}{service}"


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from None


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be a number, got {raw!r}") from None


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def relay_enabled() -> bool:
    """Whether this process runs the outbox relay (off only for tests and maintenance)."""
    return _bool("OUTBOX_RELAY_ENABLED", True)


def relay_sweep_seconds() -> float:
    """How often the relay sweeps for rows a NOTIFY did not announce (crash leftovers)."""
    return _float("OUTBOX_SWEEP_SECONDS", 5.0)


def relay_batch_size() -> int:
    return _int("OUTBOX_BATCH_SIZE", 200)


def confirm_timeout_seconds() -> float:
    return _float("PUBLISH_CONFIRM_TIMEOUT_SECONDS", 10.0)


def event_max_attempts() -> int:
    """Attempts of a failing event handler before its message is parked in the dead-letter queue."""
    return _int("EVENT_MAX_ATTEMPTS", 5)


def event_retry_base_ms() -> int:
    """First retry delay; each later attempt waits four times longer, capped at EVENT_RETRY_MAX_MS."""
    return _int("EVENT_RETRY_BASE_MS", 1000)


def event_retry_max_ms() -> int:
    return _int("EVENT_RETRY_MAX_MS", 60_000)


TOPOLOGY_MODES = ("declare", "definitions")


def topology_mode() -> str:
    """AMQP_TOPOLOGY: `declare` (default: every process declares the exchanges and queues it
    needs, idempotently — development, tests, docker-compose) or `definitions` (production: the
    broker loaded deploy/rabbitmq/definitions.json, so processes only check that the topology
    exists and consume; their broker users need no configure rights on it)."""
    mode = os.environ.get("AMQP_TOPOLOGY", "declare").strip().lower() or "declare"
    if mode not in TOPOLOGY_MODES:
        raise ValueError(f"environment variable AMQP_TOPOLOGY must be one of {', '.join(TOPOLOGY_MODES)}, got {mode!r}")
    return mode


def db_pool_size() -> int:
    return _int("DB_POOL_SIZE", 10)


def rpc_timeout_seconds() -> float:
    return _float("RPC_TIMEOUT_SECONDS", 10.0)


def rpc_identity_keys_dir():
    """RPC_IDENTITY_KEYS_DIR: the folder of the RPC identity keys (eplanning_common.identity_tokens):
    `<issuer>.key` (an Ed25519 private key: only in the component that signs as that issuer, i.e.
    `gateway.key` in the gateway, `rkpd.key` in RKPD) and `<issuer>.pub` (the public keys every
    service trusts for that issuer; several PEM blocks during a key rotation). Default: the clone's
    `var/keys`, where `make up` (`eplanning-keys generate`) creates them once."""
    from pathlib import Path

    explicit = os.environ.get("RPC_IDENTITY_KEYS_DIR")
    if explicit:
        return Path(explicit)
    return data_dir().parent / "var" / "keys"


def readiness_timeout_seconds() -> float:
    return _float("READINESS_TIMEOUT_SECONDS", 3.0)


def metrics_port(value=None) -> int | None:
    """METRICS_PORT (or `value`, from a container config): the port of a nameko process's /metrics
    endpoint (eplanning_common.metrics.exporter). Unset or empty: no endpoint; 0: a free port."""
    raw = os.environ.get("METRICS_PORT") if value is None else value
    if raw is None or str(raw).strip() == "":
        return None
    try:
        port = int(raw)
    except ValueError:
        raise ValueError(f"METRICS_PORT must be a port number (0-65535) or empty, got {raw!r}") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"METRICS_PORT must be a port number (0-65535) or empty, got {raw!r}")
    return port


def metrics_addr() -> str:
    """METRICS_ADDR: the address the /metrics endpoint listens on; 127.0.0.1 (this machine only) by
    default, 0.0.0.0 in a pod, where Prometheus scrapes the pod's port and no Service exposes it."""
    return os.environ.get("METRICS_ADDR", "").strip() or "127.0.0.1"


def log_level() -> str:
    return os.environ.get("LOG_LEVEL", "INFO").upper()


def data_dir():
    """The project's reference data folder (`data/`): EPLANNING_DATA_DIR, else found upward from
    the working directory or from this package (an editable install inside a clone)."""
    from pathlib import Path

    explicit = os.environ.get("EPLANNING_DATA_DIR")
    if explicit:
        return Path(explicit)
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            if (folder / "data" / "wilayah_indonesia.csv").is_file():
                return folder / "data"
    raise FileNotFoundError("reference data folder not found: set EPLANNING_DATA_DIR to the project's data/ folder")


DOCUMENT_STORES = ("postgres", "s3")


def document_store() -> str:
    """DOCUMENT_STORE: where rendered documents and attachments live (eplanning_common.storage):
    `postgres` (default: the owning service's own database) or `s3` (an S3-compatible object store,
    configured by the DOCUMENT_S3_* variables)."""
    kind = os.environ.get("DOCUMENT_STORE", "postgres").strip().lower() or "postgres"
    if kind not in DOCUMENT_STORES:
        raise ValueError(f"environment variable DOCUMENT_STORE must be one of {', '.join(DOCUMENT_STORES)}, got {kind!r}")
    return kind


def document_s3_settings() -> dict:
    """The S3 store: DOCUMENT_S3_BUCKET (required), DOCUMENT_S3_ENDPOINT_URL (unset: AWS S3),
    DOCUMENT_S3_PREFIX (keys below it, e.g. `rkpd/` when services share a bucket),
    DOCUMENT_S3_REGION (us-east-1), DOCUMENT_S3_ADDRESSING_STYLE (`path` when an endpoint is set,
    as MinIO needs; else `auto`). Credentials: boto3's chain (AWS_ACCESS_KEY_ID and
    AWS_SECRET_ACCESS_KEY, or a web identity / instance role)."""
    endpoint = os.environ.get("DOCUMENT_S3_ENDPOINT_URL") or None
    style = os.environ.get("DOCUMENT_S3_ADDRESSING_STYLE") or ("path" if endpoint else "auto")
    if style not in ("auto", "path", "virtual"):
        raise ValueError(f"environment variable DOCUMENT_S3_ADDRESSING_STYLE must be auto, path or virtual, got {style!r}")
    return {"bucket": os.environ.get("DOCUMENT_S3_BUCKET", ""), "prefix": os.environ.get("DOCUMENT_S3_PREFIX", ""),
            "endpoint_url": endpoint, "region": os.environ.get("DOCUMENT_S3_REGION") or "us-east-1",
            "addressing_style": style}
