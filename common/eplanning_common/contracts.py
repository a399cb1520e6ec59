"""The published event contract (contracts/asyncapi.yaml): look up and validate events.

Tests set EPLANNING_CONTRACT_CHECK=strict so that every event a service emits is validated at the
moment it is written to the outbox: an event missing from the document, or whose envelope or data
does not match its schema, fails the test that caused it.

Consumers check what they receive with `ReceivedEvents` (always, not only in tests): the type must
be in the document and the data must match its schema, read tolerantly — members the document
does not name are accepted (a later revision may add an optional field or a CloudEvents extension
attribute without parking every event at a consumer that still runs the older document), but a
missing member, a wrong type or a broken pattern is refused.
"""
import functools
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


def messages_by_type(doc: dict) -> dict[str, dict]:
    """CloudEvents type → {channel, routing_key, schema of data} for every message in the document."""
    found = {}
    for channel_name, channel in doc.get("channels", {}).items():
        service = channel["address"].removesuffix(".events")
        for message in (channel.get("messages") or {}).values():
            message = _resolve(doc, message)
            routing_key = message["bindings"]["amqp"]["routingKey"] if "bindings" in message else message["name"]
            event_type = EventType(service, routing_key).type
            found[event_type] = {
                "channel": channel_name,
                "routing_key": routing_key,
                "data": _resolve(doc, message["payload"]),
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


def validate_event(envelope: dict, doc: dict | None = None) -> None:
    doc = doc or load()
    envelope_schema = doc["components"]["schemas"]["CloudEvent"]
    try:
        jsonschema.validate(envelope, envelope_schema, format_checker=jsonschema.FormatChecker())
    except jsonschema.ValidationError as exc:
        raise ContractError(f"envelope of {envelope.get('type')}: {exc.message}") from None
    known = messages_by_type(doc)
    if envelope["type"] not in known:
        raise ContractError(f"event type {envelope['type']} is not in contracts/asyncapi.yaml")
    # the data schema's $refs ("#/components/schemas/...") resolve against the whole document
    schema = {**known[envelope["type"]]["data"], "components": doc["components"]}
    try:
        jsonschema.validate(envelope["data"], schema, format_checker=jsonschema.FormatChecker())
    except jsonschema.ValidationError as exc:
        path = "/".join(str(p) for p in exc.absolute_path)
        raise ContractError(f"data of {envelope['type']} at '{path}': {exc.message}") from None


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
    type is not in the document (an unknown version) or its envelope or data breaks the schema.
    Validators are compiled once per type."""

    def __init__(self, doc: dict | None = None):
        doc = doc or load()
        self._components = tolerant(doc["components"])
        self._envelope = jsonschema.Draft202012Validator(
            self._components["schemas"]["CloudEvent"], format_checker=jsonschema.FormatChecker())
        self._known = messages_by_type(doc)
        self._data: dict[str, jsonschema.Draft202012Validator] = {}

    def _data_validator(self, event_type: str):
        validator = self._data.get(event_type)
        if validator is None:
            schema = {**tolerant(self._known[event_type]["data"]), "components": self._components}
            validator = self._data[event_type] = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.FormatChecker())
        return validator

    def check(self, envelope: dict) -> None:
        error = best_match(self._envelope.iter_errors(envelope))
        if error is not None:
            raise ContractError(f"envelope of {envelope.get('type')}: {error.message}"[:500])
        if envelope["type"] not in self._known:
            raise ContractError(f"event type {envelope['type']} is not in the contract this consumer knows "
                                "(an unknown version?)")
        error = best_match(self._data_validator(envelope["type"]).iter_errors(envelope["data"]))
        if error is not None:
            path = "/".join(str(p) for p in error.absolute_path)
            raise ContractError(f"data of {envelope['type']} at '{path}': {error.message}"[:500])


def strict() -> bool:
    return os.environ.get("EPLANNING_CONTRACT_CHECK", "").lower() == "strict"
