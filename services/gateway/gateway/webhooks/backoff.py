"""The retry schedule of a failing delivery (pure).

After the n-th failed attempt of a round the next one waits base * 4^(n-1), capped, with up to
`jitter` (10 %) taken off at random so that deliveries failing together do not retry together.
Defaults (10 s base, 6 h cap, 10 attempts): 10 s, 40 s, 2 min 40 s, 10 min 40 s, 42 min 40 s,
2 h 50 min, then 6 h, 6 h, 6 h — the tenth attempt is about 22 hours after the first.
"""
from __future__ import annotations

import random
from typing import Callable

FACTOR = 4


def delay_ms(failed_attempts: int, base_ms: int, max_ms: int, *, jitter: float = 0.1,
             rand: Callable[[], float] = random.random) -> int:
    """Milliseconds to wait after `failed_attempts` (>= 1) failed attempts of the current round."""
    if failed_attempts < 1:
        raise ValueError("the first attempt is not delayed")
    if not 0 <= jitter < 1:
        raise ValueError("jitter is a fraction in [0, 1)")
    exponent = min(failed_attempts - 1, 64)  # 4^64 ms is far beyond any cap
    nominal = min(max_ms, base_ms * FACTOR ** exponent)
    return max(1, int(nominal * (1 - jitter * rand())))


def schedule_ms(attempts: int, base_ms: int, max_ms: int) -> list[int]:
    """The nominal (jitter-free) waits between `attempts` attempts, for documentation and tests."""
    return [delay_ms(n, base_ms, max_ms, jitter=0) for n in range(1, attempts)]
