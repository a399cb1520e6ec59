"""The webhook knobs, read from the environment (each read once, where it is used).

    GATEWAY_WEBHOOKS_MAX_ATTEMPTS       attempts per delivery round before it is `dead` (default 10)
    GATEWAY_WEBHOOKS_PAUSE_AFTER        consecutive failed attempts (any delivery) that pause the
                                        subscription (default 15)
    GATEWAY_WEBHOOKS_RETRY_BASE_MS      first retry delay; each later one 4x longer (default 10000)
    GATEWAY_WEBHOOKS_RETRY_MAX_MS       cap of a retry delay (default 6 h)
    GATEWAY_WEBHOOKS_CONNECT_TIMEOUT_SECONDS  TCP/TLS connect timeout (default 3)
    GATEWAY_WEBHOOKS_TIMEOUT_SECONDS    hard deadline of one attempt, connect to last byte (default 10)
    GATEWAY_WEBHOOKS_POLL_SECONDS       how often an idle worker looks for due deliveries; a NOTIFY
                                        wakes it at once (default 1)
    GATEWAY_WEBHOOKS_CONCURRENCY        attempts in flight per worker process (default 8)
    GATEWAY_WEBHOOKS_RETENTION_DAYS     delivered/dead deliveries (and their attempts) are deleted
                                        after this; held ones expire to `dead` (default 30)
    GATEWAY_WEBHOOKS_ALLOW_PRIVATE      1: allow plain http and loopback/private/link-local targets
                                        (tests, local dev only); default 0: https to public
                                        addresses only (see urls.py: SSRF)
    GATEWAY_WEBHOOKS_FREE_TEXT_PEMDA    pemda codes ("12.21,13.01") whose partners receive the free
                                        text of events (x-free-text in the contract); default none:
                                        it is left out (see freetext.py)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from eplanning_common.wilayah import check_pemda_code


def _number(name: str, default: float, kind=int, minimum: float = 0):
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ValueError(f"environment variable {name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"environment variable {name} must be at least {minimum}, got {value}")
    return value


def allow_private() -> bool:
    return (os.environ.get("GATEWAY_WEBHOOKS_ALLOW_PRIVATE") or "").strip().lower() in ("1", "true", "yes", "on")


def free_text_pemda() -> frozenset[str]:
    raw = os.environ.get("GATEWAY_WEBHOOKS_FREE_TEXT_PEMDA") or ""
    try:
        return frozenset(check_pemda_code(code) for code in raw.split(",") if code.strip())
    except ValueError as exc:
        raise ValueError(f"environment variable GATEWAY_WEBHOOKS_FREE_TEXT_PEMDA: {exc}") from None


@dataclass(frozen=True)
class WebhookSettings:
    max_attempts: int = 10
    pause_after: int = 15
    retry_base_ms: int = 10_000
    retry_max_ms: int = 6 * 3600 * 1000
    connect_timeout: float = 3.0
    timeout: float = 10.0
    poll_seconds: float = 1.0
    concurrency: int = 8
    retention_days: int = 30
    allow_private: bool = False
    free_text_pemda: frozenset[str] = field(default_factory=frozenset)

    @property
    def lease_seconds(self) -> float:
        """How long a claimed delivery is kept from other workers: well above the attempt deadline,
        so that a lease can only run out when its worker died."""
        return self.timeout + 30.0

    @classmethod
    def from_env(cls) -> "WebhookSettings":
        return cls(
            max_attempts=_number("GATEWAY_WEBHOOKS_MAX_ATTEMPTS", cls.max_attempts, minimum=1),
            pause_after=_number("GATEWAY_WEBHOOKS_PAUSE_AFTER", cls.pause_after, minimum=1),
            retry_base_ms=_number("GATEWAY_WEBHOOKS_RETRY_BASE_MS", cls.retry_base_ms, minimum=1),
            retry_max_ms=_number("GATEWAY_WEBHOOKS_RETRY_MAX_MS", cls.retry_max_ms, minimum=1),
            connect_timeout=_number("GATEWAY_WEBHOOKS_CONNECT_TIMEOUT_SECONDS", cls.connect_timeout, float, 0.01),
            timeout=_number("GATEWAY_WEBHOOKS_TIMEOUT_SECONDS", cls.timeout, float, 0.01),
            poll_seconds=_number("GATEWAY_WEBHOOKS_POLL_SECONDS", cls.poll_seconds, float, 0.01),
            concurrency=_number("GATEWAY_WEBHOOKS_CONCURRENCY", cls.concurrency, minimum=1),
            retention_days=_number("GATEWAY_WEBHOOKS_RETENTION_DAYS", cls.retention_days, minimum=1),
            allow_private=allow_private(),
            free_text_pemda=free_text_pemda(),
        )
