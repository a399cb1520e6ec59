"""The `webhooks` section of the OpenAPI document: what the webhooks worker POSTs to a partner's URL.

One entry per event type of contracts/asyncapi.yaml, plus the subscription test ping. Each says
what a delivery is: the request body (the CloudEvents envelope with the type's `data` schema, and
the contract's recorded example), the headers the sender sets (gateway.webhooks.sender), the
signature (gateway.webhooks.signing) and what an answer means (any 2xx acknowledges; anything
else is retried). The contract's schemas are copied into `components/schemas` under their own
names, so its `#/components/schemas/...` references hold in the OpenAPI document too.

Free text (`x-free-text: true` in the contract) is left out of deliveries unless the pemda opted
in (gateway.webhooks.freetext), so here such a property is never `required`, and the examples show
a delivery as a pemda that did not opt in receives it (the same FreeText rule removes it).
"""
from __future__ import annotations

import logging
from typing import Any

from ..webhooks import signing
from ..webhooks.freetext import FreeText
from ..webhooks.sender import CONTENT_TYPE, USER_AGENT
from ..webhooks.store import PING_ROUTING_KEY, PING_SERVICE

log = logging.getLogger(__name__)

FREE_TEXT = "x-free-text"
MEDIA_TYPE = CONTENT_TYPE.split(";")[0]  # application/cloudevents+json
PING_TYPE = f"id.eplanning.{PING_SERVICE}.{PING_ROUTING_KEY}"

SIGNATURE = (
    f"`{signing.HEADER}: t=<unix seconds>,{signing.SCHEME}=<hex HMAC-SHA256>`. The HMAC is keyed with the "
    "subscription's secret exactly as shown at creation (`whsec_...`, UTF-8 bytes) over the timestamp, a dot "
    "and the raw request body bytes (`<t>.<body>`, before any JSON parsing: re-serialising changes the bytes). "
    f"Refuse a timestamp more than {signing.DEFAULT_TOLERANCE_SECONDS // 60} minutes from your clock, compare "
    f"in constant time, and accept the request when any one of several `{signing.SCHEME}=` values matches "
    "(there are several while a secret is rotated). Each attempt is signed anew with its own `t`. "
    "A runnable receiver that verifies it: contracts/examples/verify_webhook.py.")

HEADERS = [
    {"name": "Webhook-Id", "in": "header", "required": True, "schema": {"type": "string", "format": "uuid"},
     "description": "The event id (the body's `id`): your deduplication key, the same on every retry and replay."},
    {"name": "Webhook-Delivery", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "This delivery (one event for one subscription); replays keep it."},
    {"name": "Webhook-Attempt", "in": "header", "required": True,
     "schema": {"type": "string", "pattern": "^[1-9][0-9]*$"},
     "description": "1, 2, 3 ... over the delivery's life (retries and replays count on)."},
    {"name": signing.HEADER, "in": "header", "required": True,
     "schema": {"type": "string", "pattern": rf"^t=[0-9]+(,\s*{signing.SCHEME}=[0-9a-f]{{64}})+$"},
     "description": SIGNATURE},
    {"name": "User-Agent", "in": "header", "required": True, "schema": {"const": USER_AGENT},
     "description": "The webhooks worker."},
]

RESPONSES = {
    "2XX": {"description": "Received: any 2xx acknowledges the delivery. Answer within 10 seconds (store the "
                           "event, do the work later)."},
    "default": {"description": "Anything else is a failed attempt: another status, a redirect (never followed), "
                               "a timeout or a refused connection. It is retried with backoff (10 attempts over "
                               "about 22 hours); 15 consecutive failures pause the subscription, which then holds "
                               "its deliveries until it is resumed (services/gateway/README.md)."},
}

PING_SCHEMA = {
    "type": "object", "required": ["subscription_id", "message"], "additionalProperties": False,
    "properties": {"subscription_id": {"type": "string"}, "message": {"type": "string"}},
}


def not_required_free_text(schema: Any) -> Any:
    """A copy of a JSON Schema in which no property marked `x-free-text: true` is required."""
    if isinstance(schema, list):
        return [not_required_free_text(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {key: not_required_free_text(value) for key, value in schema.items()}
    properties = copy.get("properties")
    if isinstance(properties, dict) and isinstance(copy.get("required"), list):
        free = {name for name, prop in properties.items() if isinstance(prop, dict) and prop.get(FREE_TEXT) is True}
        copy["required"] = [name for name in copy["required"] if name not in free]
    return copy


def _webhook(event_type: str, summary: str, payload_schema: dict, examples: list[dict]) -> dict:
    operation_id = "webhook_" + event_type.removeprefix("id.eplanning.").replace(".", "_")
    media: dict[str, Any] = {"schema": payload_schema}
    if examples:
        media["examples"] = {example.get("name") or f"example-{i}": {"summary": example.get("summary", ""),
                                                                     "value": example["payload"]}
                             for i, example in enumerate(examples, 1)}
    return {"post": {
        "operationId": operation_id,
        "summary": f"{event_type}: {summary}",
        "description": "A POST to the subscription's URL for each event of its pemda whose type matches one of "
                       "its `event_types`. The body is the event exactly as published (CloudEvents 1.0, "
                       "structured mode): at least once and unordered, so deduplicate on `Webhook-Id` and order "
                       "by `subject` and the data's version fields. " + SIGNATURE,
        "tags": ["webhook deliveries"],
        "parameters": HEADERS,
        "requestBody": {"required": True, "content": {MEDIA_TYPE: media}},
        "responses": RESPONSES,
    }}


def build(contract: dict) -> tuple[dict, dict]:
    """(webhooks, schemas) for the OpenAPI document from the AsyncAPI contract."""
    from eplanning_common import contracts

    schemas = not_required_free_text(contract["components"]["schemas"])
    webhooks = {}
    for_partners = FreeText.from_contract(doc=contract).for_partners
    for event_type, found in sorted(contracts.messages_by_type(contract).items()):
        message = found["message"]
        examples = [{**example, "payload": for_partners(example["payload"])}
                    for example in message.get("examples") or []]
        webhooks[event_type] = _webhook(event_type, message.get("summary", ""),
                                        not_required_free_text(found["payload"]), examples)
    webhooks[PING_TYPE] = _webhook(
        PING_TYPE, "the test a subscription's administrator asks for (POST /v1/webhooks/subscriptions/{id}/test)",
        contracts.envelope_payload(PING_TYPE, {"$ref": "#/components/schemas/WebhookPingData"}), [])
    schemas["WebhookPingData"] = PING_SCHEMA
    return webhooks, schemas


def from_contract() -> tuple[dict, dict] | None:
    """`build` of contracts/asyncapi.yaml; None (and a warning) when it cannot be found."""
    from eplanning_common import contracts

    try:
        return build(contracts.load())
    except (OSError, ValueError, KeyError) as exc:
        log.warning("contracts/asyncapi.yaml not usable (%s): /v1/openapi.json has no webhooks section", exc)
        return None
