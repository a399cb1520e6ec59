"""Points in time as the services accept them from callers: ISO 8601 with a UTC offset.

An offset beyond ±14:00 is no time zone on Earth, and PostgreSQL refuses one beyond ±15:59
("time zone displacement out of range"): such a value is refused here, as a field error, instead of
failing the transaction that tries to store it (issue #9: a fuzzed `+19:36` was a 500).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

MAX_OFFSET = timedelta(hours=14)


def parse_aware(value) -> datetime | None:
    """The datetime `value` names, or None unless it is an ISO 8601 string with an offset of at
    most ±14:00 that is still a datetime in UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    offset = moment.utcoffset()
    if offset is None or abs(offset) > MAX_OFFSET:
        return None
    try:
        moment.astimezone(timezone.utc)  # 0001-01-01T00:00+14:00 is before year 1 in UTC
    except OverflowError:
        return None
    return moment
