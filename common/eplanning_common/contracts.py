"""The published event contract (contracts/asyncapi.yaml): look up and validate events.

Tests set EPLANNING_CONTRACT_CHECK=strict so that every event a service emits is validated at the
moment it is written to the outbox: an event missing from the document, or whose envelope or data
does not match its schema, fails the test that caused it.
"""
import functools
import os
from pathlib import Path

import jsonschema
import yaml

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


@functools.lru_cache(maxsize=4)
def load(path: str | None = None) -> dict:
    with open(path or contract_path(), encoding="utf-8") as fh:
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


def strict() -> bool:
    return os.environ.get("EPLANNING_CONTRACT_CHECK", "").lower() == "strict"
