"""What of an event partners receive: no free text unless their pemda opted in (issue #18).

The stage services publish everything their own consumers need, free text included (Renja names
an inbox item after the usulan's `gagasan`, the pokir service compares texts to find overlaps).
Text people type — an usulan's `permasalahan` and `gagasan`, a pokir's `judul`, `permasalahan` and
`usulan`, a withdrawal's reason, a Renja note — may name people, and the platform's own open data
leaves it out. So the webhooks worker, the component that forwards events outside, removes it
before a delivery is recorded (the stored body, what is signed and sent and what a replay sends,
never holds it):

* which properties are free text is data, not a list here: the contract marks them
  `x-free-text: true` (contracts/asyncapi.yaml; eplanning_common.contracts.free_text_paths), so a
  new free-text property is covered as soon as it is marked — and tests/unit/gateway/
  test_webhooks_freetext.py fails for an unmarked, unclassified text property;
* the property is left out (not emptied): a partner sees that it was not passed on;
* a pemda that decided to share it (its own decision, e.g. with a partner bound by an agreement)
  is listed in GATEWAY_WEBHOOKS_FREE_TEXT_PEMDA ("12.21,13.01"): its events go out whole.

Pure: no nameko, no database.
"""
from __future__ import annotations

import copy
from typing import Iterable, Mapping

from eplanning_common import contracts

Path = tuple[str, ...]


def strip(value, path: Path):
    """Remove the property at `path` from `value` (in place); a missing step is no error."""
    if not path:
        return
    head, rest = path[0], path[1:]
    if head == contracts.ITEMS:
        for item in value if isinstance(value, list) else ():
            strip(item, rest)
    elif isinstance(value, dict) and head in value:
        if rest:
            strip(value[head], rest)
        else:
            del value[head]


class FreeText:
    """`for_partners(event)`: the event as partners may receive it (a copy when anything is removed)."""

    def __init__(self, paths_by_type: Mapping[str, Iterable[Path]], opted_in: Iterable[str] = ()):
        self.paths_by_type = {event_type: tuple(paths) for event_type, paths in paths_by_type.items()}
        self.opted_in = frozenset(opted_in)

    @classmethod
    def from_contract(cls, opted_in: Iterable[str] = (), doc: dict | None = None) -> "FreeText":
        """Reads contracts/asyncapi.yaml; raises when it cannot be found (the worker must not start
        without knowing what to remove)."""
        return cls(contracts.free_text_paths(doc), opted_in)

    def for_partners(self, event: dict) -> dict:
        paths = self.paths_by_type.get(event.get("type"), ())
        if not paths or event.get("pemda") in self.opted_in or not isinstance(event.get("data"), dict):
            return event
        event = copy.deepcopy(event)
        for path in paths:
            strip(event["data"], path)
        return event
