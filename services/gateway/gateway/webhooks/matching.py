"""Which events a subscription wants: event-type patterns (pure).

A pattern is written against the CloudEvents type without its `id.eplanning.` prefix (the full
type is accepted too): `<service>.<aggregate>.<verb>.v<N>`, dot-separated segments.

    musrenbang.usulan.submitted.v1   exactly that type (so is id.eplanning.musrenbang.usulan.submitted.v1)
    *.stage.closed.v1                `*` in a segment matches any one segment
    musrenbang.usulan.*              a trailing `*` matches one or more further segments:
                                     every usulan event of Musrenbang, any version
    musrenbang.*                     everything Musrenbang publishes
    *                                everything

A pattern without a trailing `*` must match every segment, so `musrenbang.usulan.submitted` (no
version) matches nothing; the API refuses a pattern that matches no published event type.
"""
from __future__ import annotations

import re
from typing import Iterable

from eplanning_common.envelope import TYPE_PREFIX

PREFIX = TYPE_PREFIX + "."
SEGMENT = r"(?:\*|[a-z][a-z0-9_]*)"
PATTERN = re.compile(rf"^{SEGMENT}(?:\.{SEGMENT})*$")
MAX_PATTERN_LENGTH = 200


def normalize(pattern: str) -> str:
    """The pattern without the `id.eplanning.` prefix; ValueError if it is not a pattern."""
    if not isinstance(pattern, str):
        raise ValueError("a pattern is a string")
    short = pattern[len(PREFIX):] if pattern.startswith(PREFIX) else pattern
    if not short or len(short) > MAX_PATTERN_LENGTH or not PATTERN.match(short):
        raise ValueError(f"{pattern!r} is not an event-type pattern")
    return short


def matches(pattern: str, event_type: str) -> bool:
    """Does the (normalized) pattern match this CloudEvents type?"""
    if not event_type.startswith(PREFIX):
        return False
    wanted = pattern.split(".")
    actual = event_type[len(PREFIX):].split(".")
    if wanted[-1] == "*":
        head = wanted[:-1]
        if len(actual) <= len(head):
            return False
        actual = actual[:len(head)]
        wanted = head
    elif len(actual) != len(wanted):
        return False
    return all(w == "*" or w == a for w, a in zip(wanted, actual))


def matches_any(patterns: Iterable[str], event_type: str) -> bool:
    return any(matches(p, event_type) for p in patterns)


def unmatched(patterns: Iterable[str], known_types: Iterable[str]) -> list[str]:
    """The patterns that match none of `known_types` (typos, missing versions)."""
    known = list(known_types)
    return [p for p in patterns if not any(matches(p, t) for t in known)]
