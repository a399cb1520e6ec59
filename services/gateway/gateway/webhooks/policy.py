"""What the outcome of one attempt does to its delivery and its subscription (pure).

Delivery states:
    pending    waiting for its first attempt of a round (new, replayed, or held by a pause)
    failed     the last attempt failed; the next one is scheduled (`next_attempt_at`)
    delivered  a 2xx answer was received
    dead       `max_attempts` attempts of the round failed (or it expired while held); only a
               replay sends it again

A subscription counts consecutive failed attempts over all its deliveries; any success resets
the count. When the count reaches `pause_after` the subscription is paused: the worker stops
sending its deliveries but keeps recording new ones (held, not lost); resuming sends what was held,
each with a fresh round of attempts.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import backoff

PENDING, FAILED, DELIVERED, DEAD = "pending", "failed", "delivered", "dead"
STATUSES = (PENDING, FAILED, DELIVERED, DEAD)
SENDABLE = (PENDING, FAILED)


@dataclass(frozen=True)
class Outcome:
    """One attempt as the sender saw it: `ok` is a 2xx answer."""

    ok: bool
    http_status: int | None = None
    error: str | None = None
    duration_ms: int = 0
    response_excerpt: str | None = None


@dataclass(frozen=True)
class Next:
    status: str
    retry_in_ms: int | None  # None: nothing more is scheduled


def after_attempt(ok: bool, round_attempts: int, max_attempts: int, base_ms: int, max_ms: int,
                  rand: Callable[[], float] | None = None) -> Next:
    """The delivery's state after attempt number `round_attempts` (1-based) of its round."""
    if ok:
        return Next(DELIVERED, None)
    if round_attempts >= max_attempts:
        return Next(DEAD, None)
    kwargs = {"rand": rand} if rand is not None else {}
    return Next(FAILED, backoff.delay_ms(round_attempts, base_ms, max_ms, **kwargs))


def should_pause(consecutive_failures: int, pause_after: int) -> bool:
    return consecutive_failures >= pause_after
