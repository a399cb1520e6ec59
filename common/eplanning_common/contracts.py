"""The published event contract (contracts/asyncapi.yaml): look up and validate events.

Each message of the document has as its payload the whole CloudEvents envelope — the shared
`components/schemas/CloudEvent` with the message's `type` and the schema of its `data`
(`envelope_payload`) — and its `name` is its routing key. Events are validated whole against it.

Tests set EPLANNING_CONTRACT_CHECK=strict so that every event a service emits is validated at the
moment it is written to the outbox: an event missing from the document, or whose envelope or data
does not match its message's payload schema, fails the test that caused it.

Consumers check what they receive with `ReceivedEvents` (always, not only in tests): the type must
be in the document and the envelope must match its payload schema, read tolerantly — members the
document does not name are accepted (a later revision may add an optional field or a CloudEvents
extension attribute without parking every event at a consumer that still runs the older document),
but a missing member, a wrong type or a broken pattern is refused.
"""
import functools
import json
import os
from pathlib import Path

import jsonschema
import yaml
from jsonschema.exceptions import best_match

from .envelope import EventType


class ContractError(ValueError):
    pass


def contract_path() -> Path:
    explicit = os.environ.get("EPLANNING_CONTRACT")
    if explicit:
        return Path(explicit)
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            candidate = folder / "contracts" / "asyncapi.yaml"
            if candidate.is_file():
                return candidate
    raise FileNotFoundError("contracts/asyncapi.yaml not found: set EPLANNING_CONTRACT")


def load(path: str | None = None) -> dict:
    """The document at `path`, else at EPLANNING_CONTRACT or the one found (read once per file)."""
    return _load_file(str(path or contract_path()))


@functools.lru_cache(maxsize=4)
def _load_file(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _resolve(doc: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        parts = node["$ref"].removeprefix("#/").split("/")
        node = doc
        for part in parts:
            node = node[part]
    return node


def envelope_payload(event_type: str, data_schema: dict) -> dict:
    """The payload schema of the message of `event_type`: the CloudEvents envelope every event has
    (components/schemas/CloudEvent) with this `type` and a `data` that follows `data_schema`. Every
    message of the document is written this way (tests/unit/common/test_contracts.py checks it)."""
    return {"allOf": [{"$ref": "#/components/schemas/CloudEvent"},
                      {"properties": {"type": {"const": event_type}, "data": data_schema}}]}


def _data_schema(payload: dict, message_name: str) -> dict:
    try:
        return payload["allOf"][1]["properties"]["data"]
    except (KeyError, IndexError, TypeError):
        raise ContractError(f"message {message_name}: its payload must be the CloudEvents envelope "
                            "(allOf: [CloudEvent, {properties: {type, data}}])") from None


def messages_by_type(doc: dict) -> dict[str, dict]:
    """CloudEvents type → {channel, routing_key, payload (the envelope's schema), data (the schema of
    its `data`), message (the message object)} for every message in the document. A message's `name`
    is its routing key."""
    found = {}
    for channel_name, channel in doc.get("channels", {}).items():
        service = channel["address"].removesuffix(".events")
        for message in (channel.get("messages") or {}).values():
            message = _resolve(doc, message)
            routing_key = message["name"]
            event_type = EventType(service, routing_key).type
            payload = _resolve(doc, message["payload"])
            found[event_type] = {
                "channel": channel_name,
                "routing_key": routing_key,
                "payload": payload,
                "data": _data_schema(payload, routing_key),
                "message": message,
            }
    return found


FREE_TEXT = "x-free-text"
ITEMS = "[]"  # a path step into every item of an array


def free_text_paths(doc: dict | None = None) -> dict[str, tuple[tuple[str, ...], ...]]:
    """CloudEvents type → the paths in its `data` of every property the document marks
    `x-free-text: true` (text people type: it may name people, so it is not passed on to partners
    unless their pemda opted in; gateway.webhooks.freetext). A path is a tuple of property names,
    `ITEMS` stepping into each item of an array; allOf/oneOf/anyOf branches are followed."""
    doc = doc or load()
    return {event_type: tuple(sorted(_free_text_in(doc, message["data"], ())))
            for event_type, message in messages_by_type(doc).items()}


def _free_text_in(doc: dict, node, path: tuple[str, ...], depth: int = 0) -> set[tuple[str, ...]]:
    node = _resolve(doc, node)
    found: set[tuple[str, ...]] = set()
    if not isinstance(node, dict) or depth > 20:
        return found
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in node.get(key) or ():
            found |= _free_text_in(doc, branch, path, depth + 1)
    for name, prop in (node.get("properties") or {}).items():
        if _resolve(doc, prop).get(FREE_TEXT) is True or (isinstance(prop, dict) and prop.get(FREE_TEXT) is True):
            found.add(path + (name,))
        else:
            found |= _free_text_in(doc, prop, path + (name,), depth + 1)
    if "items" in node:
        found |= _free_text_in(doc, node["items"], path + (ITEMS,), depth + 1)
    return found


class _Checker:
    """Validates whole envelopes against the document: the CloudEvents envelope first (so that a
    broken envelope is reported as such), then the payload schema of the event's type — the same
    envelope with that `type` and its `data` schema. Validators are compiled once per type; the
    document's `#/components/...` references resolve against its components."""

    def __init__(self, doc: dict, unknown_type: str, tolerant_read: bool = False):
        self._components = tolerant(doc["components"]) if tolerant_read else doc["components"]
        self._envelope = self._validator(self._components["schemas"]["CloudEvent"])
        self._known = messages_by_type(doc)
        self._tolerant = tolerant_read
        self._unknown_type = unknown_type
        self._payloads: dict[str, jsonschema.Draft202012Validator] = {}

    def _validator(self, schema: dict) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator({**schema, "components": self._components},
                                               format_checker=jsonschema.FormatChecker())

    def _payload(self, event_type: str) -> jsonschema.Draft202012Validator:
        validator = self._payloads.get(event_type)
        if validator is None:
            payload = self._known[event_type]["payload"]
            validator = self._payloads[event_type] = self._validator(tolerant(payload) if self._tolerant else payload)
        return validator

    def check(self, envelope) -> None:
        event_type = envelope.get("type") if isinstance(envelope, dict) else None
        error = best_match(self._envelope.iter_errors(envelope))
        if error is not None:
            raise ContractError(f"envelope of {event_type}: {error.message}"[:500])
        if event_type not in self._known:
            raise ContractError(f"event type {event_type} {self._unknown_type}")
        error = best_match(self._payload(event_type).iter_errors(envelope))
        if error is not None:
            where = list(error.absolute_path)
            if where[:1] == ["data"]:
                path = "/".join(str(p) for p in where[1:])
                raise ContractError(f"data of {event_type} at '{path}': {error.message}"[:500])
            raise ContractError(f"envelope of {event_type}: {error.message}"[:500])


def validate_event(envelope: dict, doc: dict | None = None) -> None:
    """Strict: the envelope of an event a service emits, against the payload schema of its message
    (unknown members are refused)."""
    checker = _strict_checker(str(contract_path())) if doc is None else _Checker(doc, _NOT_DOCUMENTED)
    checker.check(envelope)


_NOT_DOCUMENTED = "is not in contracts/asyncapi.yaml"


@functools.lru_cache(maxsize=4)
def _strict_checker(path: str) -> _Checker:
    return _Checker(load(path), _NOT_DOCUMENTED)


def tolerant(schema):
    """A copy of a JSON Schema (or a part of one) without `additionalProperties: false` anywhere."""
    if isinstance(schema, dict):
        return {key: tolerant(value) for key, value in schema.items()
                if not (key == "additionalProperties" and value is False)}
    if isinstance(schema, list):
        return [tolerant(item) for item in schema]
    return schema


class ReceivedEvents:
    """The consumer's side of the contract: `check(envelope)` raises ContractError when the event's
    type is not in the document (an unknown version) or the envelope (its `data` included) breaks
    the message's payload schema, read tolerantly."""

    def __init__(self, doc: dict | None = None):
        self._checker = _Checker(doc or load(), "is not in the contract this consumer knows (an unknown version?)",
                                 tolerant_read=True)

    def check(self, envelope: dict) -> None:
        self._checker.check(envelope)


def record_emitted(envelope: dict) -> None:
    """With EPLANNING_CONTRACT_RECORD=FILE, append each event a service emits to FILE (JSON lines):
    where the document's examples come from. A new message's example is one of these, copied in
    (tests/unit/common/test_contracts.py checks that every message has one and that it validates):

        EPLANNING_CONTRACT_RECORD=var/events.jsonl .venv/bin/python -m pytest tests/integration/test_e2e_cycle.py
    """
    path = os.environ.get("EPLANNING_CONTRACT_RECORD")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(envelope, ensure_ascii=False, sort_keys=False) + "\n")


def strict() -> bool:
    return os.environ.get("EPLANNING_CONTRACT_CHECK", "").lower() == "strict"
