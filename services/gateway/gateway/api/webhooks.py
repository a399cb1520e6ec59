"""Partner webhooks: the admin API (`/v1/webhooks/...`).

Admins and Bappeda manage the subscriptions of their own pemda (another pemda's are 404). These
handlers only write rows through `call.deps["webhooks"]` (gateway.webhooks.store.WebhookStore);
nothing is ever sent from a request: the `webhooks` worker sends (gateway.webhooks.service).

    POST   /v1/webhooks/subscriptions                       201, the secret (shown this once)
    GET    /v1/webhooks/subscriptions                       page
    GET    /v1/webhooks/subscriptions/{id}
    PATCH  /v1/webhooks/subscriptions/{id}                  name, url, event_types, active
                                                            (true resumes a paused one)
    DELETE /v1/webhooks/subscriptions/{id}                  204, with its deliveries
    GET    /v1/webhooks/subscriptions/{id}/deliveries       page, newest first, with attempts
    POST   /v1/webhooks/subscriptions/{id}/test             202, queues a ping event
    POST   /v1/webhooks/deliveries/{delivery_id}/replay     202, queues it again
"""
from __future__ import annotations

import base64
import binascii
import json
import logging
from datetime import datetime, timezone
from typing import Any

from ..problems import Problem
from ..webhooks import matching, urls
from ..webhooks.policy import STATUSES
from ..webhooks.settings import allow_private
from ..webhooks.store import PING_TYPE, DeliveryInFlight
from .operation import ADMIN, BAPPEDA, Call, Operation, Raw
from .schemas import DATETIME, PEMDA, arr, boolean, enum, integer, nullable, obj, string

log = logging.getLogger(__name__)

ROLES = frozenset({ADMIN, BAPPEDA})
TAG = "webhooks"
BASE = "/v1/webhooks"
MAX_EVENT_TYPES = 50

# code -> (Bahasa Indonesia, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "url_scheme": ("Alamat harus diawali https://.", "The URL must start with https://."),
    "url_credentials": ("Alamat tidak boleh memuat nama pengguna atau kata sandi.",
                        "The URL must not contain a user name or password."),
    "url_host": ("Alamat harus memuat nama host yang sah.", "The URL needs a valid host name."),
    "url_port": ("Nomor port pada alamat tidak sah.", "The URL's port is invalid."),
    "url_fragment": ("Alamat tidak boleh memuat fragmen (#...).", "The URL must not contain a fragment (#...)."),
    "url_private": ("Alamat jaringan lokal atau privat tidak diizinkan; gunakan alamat publik.",
                    "Local or private network addresses are not allowed; use a public address."),
    "url_length": ("Alamat paling panjang 2048 karakter.", "The URL is at most 2048 characters long."),
    "event_type_pattern": ("Pola jenis event tidak sah; contoh: musrenbang.usulan.* atau "
                           "musrenbang.usulan.submitted.v1.",
                           "Not an event-type pattern; e.g. musrenbang.usulan.* or musrenbang.usulan.submitted.v1."),
    "event_type_unknown": ("Pola ini tidak cocok dengan satu pun jenis event yang diterbitkan "
                           "(lihat contracts/asyncapi.yaml).",
                           "This pattern matches no published event type (see contracts/asyncapi.yaml)."),
    "event_type_repeated": ("Pola ini sudah disebut.", "This pattern is listed twice."),
    "cursor": ("Cursor tidak sah; gunakan next_cursor dari halaman sebelumnya.",
               "Invalid cursor; use next_cursor of the previous page."),
}


def _message(code: str, language: str) -> str:
    pair = MESSAGES[code]
    return pair[1] if language == "en" else pair[0]


def _invalid(call: Call, errors: list[tuple[str, str]]) -> Problem:
    problem = Problem(422, "Data yang dikirim tidak valid.", code="input_invalid",
                      errors=[{"field": f, "message": _message(c, call.language), "code": c} for f, c in errors])
    return problem.english("The submitted data is invalid.") if call.language == "en" else problem


def _not_found(call: Call, what: str) -> Problem:
    texts = {"subscription": ("Langganan webhook tidak ditemukan.", "Webhook subscription not found."),
             "delivery": ("Pengiriman webhook tidak ditemukan.", "Webhook delivery not found.")}[what]
    problem = Problem(404, texts[0], code=f"webhook_{what}_not_found")
    return problem.english(texts[1]) if call.language == "en" else problem


# -- input checks -------------------------------------------------------------------------------

_known_types: list[str] | None = None


def published_types() -> list[str] | None:
    """Every event type in contracts/asyncapi.yaml (None when the contract cannot be found: then
    patterns are checked for their form only)."""
    global _known_types
    if _known_types is None:
        try:
            from eplanning_common import contracts

            _known_types = sorted(contracts.messages_by_type(contracts.load()))
        except (OSError, ValueError, KeyError):
            log.warning("contracts/asyncapi.yaml not found: webhook event types are checked for form only")
            return None
    return _known_types


def _check_event_types(raw: list[str], errors: list[tuple[str, str]]) -> list[str]:
    known = published_types()
    out: list[str] = []
    for index, pattern in enumerate(raw):
        field = f"event_types[{index}]"
        try:
            short = matching.normalize(pattern)
        except ValueError:
            errors.append((field, "event_type_pattern"))
            continue
        if short in out:
            errors.append((field, "event_type_repeated"))
        elif known is not None and matching.unmatched([short], known):
            errors.append((field, "event_type_unknown"))
        else:
            out.append(short)
    return out


def _checked(call: Call, body: dict) -> dict:
    """The body's url and event_types checked beyond their schema; 422 naming each wrong field."""
    errors: list[tuple[str, str]] = []
    values = dict(body)
    if "url" in body:
        reason = urls.check_url(body["url"], allow_private())
        if reason:
            errors.append(("url", reason))
        else:
            values["url"] = urls.normalize_url(body["url"])
    if "event_types" in body:
        values["event_types"] = _check_event_types(body["event_types"], errors)
    if "name" in body:
        values["name"] = body["name"].strip()
    if errors:
        raise _invalid(call, errors)
    return values


def _cursor(call: Call) -> int | None:
    raw = call.query.get("cursor")
    if raw is None:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4)))
        seq = decoded["after"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError
        return seq
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise _invalid(call, [("cursor", "cursor")]) from None


def _next_cursor(seq: int | None) -> str | None:
    if seq is None:
        return None
    return base64.urlsafe_b64encode(json.dumps({"after": seq}).encode()).decode().rstrip("=")


# -- presentation -------------------------------------------------------------------------------

def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def present_subscription(row: dict) -> dict:
    return {
        "id": str(row["id"]), "pemda": row["pemda"], "name": row["name"], "url": row["url"],
        "event_types": list(row["event_types"]), "status": "active" if row["active"] else "paused",
        "active": row["active"], "paused_at": _iso(row["paused_at"]), "pause_reason": row["pause_reason"],
        "consecutive_failures": row["consecutive_failures"], "created_by": row["created_by"],
        "created_at": _iso(row["created_at"]), "updated_at": _iso(row["updated_at"]),
    }


def _attempt(row: dict) -> dict:
    outcome = "unknown" if row["ok"] is None else ("delivered" if row["ok"] else "failed")
    return {"attempt_no": row["attempt_no"], "started_at": _iso(row["started_at"]),
            "finished_at": _iso(row["finished_at"]), "duration_ms": row["duration_ms"], "outcome": outcome,
            "http_status": row["http_status"], "error": row["error"], "response_excerpt": row["response_excerpt"]}


def present_delivery(row: dict) -> dict:
    locked = row.get("locked_until")
    return {
        "id": str(row["id"]), "subscription_id": str(row["subscription_id"]), "event_id": str(row["event_id"]),
        "event_type": row["event_type"], "status": row["status"], "attempt_count": row["attempts"],
        "next_attempt_at": _iso(row["next_attempt_at"]), "last_status": row["last_status"],
        "last_error": row["last_error"], "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]), "delivered_at": _iso(row["delivered_at"]),
        "in_flight": bool(locked and locked > datetime.now(timezone.utc)),
        "attempts": [_attempt(a) for a in row.get("attempt_log", [])],
    }


# -- handlers -----------------------------------------------------------------------------------

def _store(call: Call):
    return call.deps["webhooks"]


def _pemda(call: Call) -> str:
    return call.identity["pemda"]


def _location(subscription_id: str) -> str:
    return f"{BASE}/subscriptions/{subscription_id}"


def create_subscription(call: Call) -> Raw:
    values = _checked(call, call.body)
    row, secret = _store(call).create_subscription(
        _pemda(call), values["name"], values["url"], values["event_types"], call.identity["sub"],
        actor=call.identity)
    body = {**present_subscription(row), "secret": secret}
    # the secret is in this answer only: never cached, never replayed from the idempotency store
    return Raw(json.dumps(body, ensure_ascii=False).encode(), "application/json",
               headers={"Location": _location(body["id"]), "Cache-Control": "no-store"})


def list_subscriptions(call: Call) -> dict:
    items, next_seq = _store(call).list_subscriptions(_pemda(call), _cursor(call), call.query["limit"])
    return {"items": [present_subscription(i) for i in items], "next_cursor": _next_cursor(next_seq)}


def _subscription_id(call: Call) -> str:
    return str(call.params["subscription_id"])


def get_subscription(call: Call) -> dict:
    row = _store(call).get_subscription(_pemda(call), _subscription_id(call))
    if row is None:
        raise _not_found(call, "subscription")
    return present_subscription(row)


def update_subscription(call: Call) -> dict:
    values = _checked(call, call.body)
    row = _store(call).update_subscription(_pemda(call), _subscription_id(call), values, actor=call.identity)
    if row is None:
        raise _not_found(call, "subscription")
    return present_subscription(row)


def delete_subscription(call: Call) -> None:
    if not _store(call).delete_subscription(_pemda(call), _subscription_id(call), actor=call.identity):
        raise _not_found(call, "subscription")


def list_deliveries(call: Call) -> dict:
    found = _store(call).list_deliveries(_pemda(call), _subscription_id(call), call.query.get("status"),
                                         _cursor(call), call.query["limit"])
    if found is None:
        raise _not_found(call, "subscription")
    items, next_seq = found
    return {"items": [present_delivery(i) for i in items], "next_cursor": _next_cursor(next_seq)}


def ping_subscription(call: Call) -> dict:
    row = _store(call).enqueue_test(_pemda(call), _subscription_id(call), actor=call.identity)
    if row is None:
        raise _not_found(call, "subscription")
    return present_delivery(row)


def replay_delivery(call: Call) -> dict:
    try:
        row = _store(call).replay_delivery(_pemda(call), str(call.params["delivery_id"]), actor=call.identity)
    except DeliveryInFlight:
        problem = Problem(409, "Pengiriman ini sedang berlangsung; ulangi setelah selesai.",
                          code="webhook_delivery_in_flight")
        raise (problem.english("This delivery is being sent right now; replay it once it is done.")
               if call.language == "en" else problem) from None
    if row is None:
        raise _not_found(call, "delivery")
    return present_delivery(row)


# -- schemas and the table ----------------------------------------------------------------------

NAME = string(minLength=1, maxLength=200, description="The partner (shown to administrators)")
URL = string(minLength=8, maxLength=urls.MAX_URL_LENGTH,
             description="https URL the worker POSTs to; no credentials; public addresses only (http and "
                         "private addresses only with GATEWAY_WEBHOOKS_ALLOW_PRIVATE=1, tests and local development)")
EVENT_TYPES = arr(string(minLength=1, maxLength=matching.MAX_PATTERN_LENGTH), minItems=1, maxItems=MAX_EVENT_TYPES,
                  description="Event-type patterns: an exact type (musrenbang.usulan.submitted.v1, with or without "
                              "the id.eplanning. prefix), `*` for one segment, a trailing `*` for the rest "
                              "(musrenbang.usulan.*), or `*` for everything")
UUID = string(format="uuid")

SUBSCRIPTION = obj({
    "id": UUID, "pemda": PEMDA, "name": string(), "url": string(), "event_types": arr(string()),
    "status": enum("active", "paused"), "active": boolean(), "paused_at": nullable(DATETIME),
    "pause_reason": {"type": ["string", "null"], "enum": ["failures", "manual", None]}, "consecutive_failures": integer(minimum=0),
    "created_by": string(), "created_at": DATETIME, "updated_at": DATETIME,
}, ["id", "pemda", "name", "url", "event_types", "status", "active", "paused_at", "pause_reason",
    "consecutive_failures", "created_by", "created_at", "updated_at"])
CREATED = {**SUBSCRIPTION, "properties": {**SUBSCRIPTION["properties"], "secret": string(
    description="HMAC-SHA256 key of the Webhook-Signature header: shown in this answer only")},
    "required": [*SUBSCRIPTION["required"], "secret"]}

ATTEMPT = obj({
    "attempt_no": integer(minimum=1), "started_at": DATETIME, "finished_at": nullable(DATETIME),
    "duration_ms": nullable(integer(minimum=0)), "outcome": enum("delivered", "failed", "unknown"),
    "http_status": nullable(integer()), "error": nullable(string()), "response_excerpt": nullable(string()),
}, ["attempt_no", "started_at", "finished_at", "duration_ms", "outcome", "http_status", "error"])
DELIVERY = obj({
    "id": UUID, "subscription_id": UUID, "event_id": UUID, "event_type": string(), "status": enum(*STATUSES),
    "attempt_count": integer(minimum=0), "next_attempt_at": nullable(DATETIME), "last_status": nullable(integer()),
    "last_error": nullable(string()), "created_at": DATETIME, "updated_at": DATETIME,
    "delivered_at": nullable(DATETIME), "in_flight": boolean(), "attempts": arr(ATTEMPT),
}, ["id", "subscription_id", "event_id", "event_type", "status", "attempt_count", "next_attempt_at",
    "created_at", "in_flight", "attempts"])


def _page(item: dict) -> dict:
    return obj({"items": arr(item), "next_cursor": nullable(string())}, ["items", "next_cursor"])


CREATE_BODY = obj({"name": NAME, "url": URL, "event_types": EVENT_TYPES}, ["name", "url", "event_types"])
UPDATE_BODY = obj({"name": NAME, "url": URL, "event_types": EVENT_TYPES,
                   "active": boolean(description="false pauses; true resumes a paused subscription and sends "
                                                 "what was held")}, minProperties=1)

EXAMPLE_SUBSCRIPTION = {
    "id": "5b0f8f6e-3c1d-4f7a-9a51-2f1f3c8f9e10", "pemda": "12.21", "name": "Portal Transparansi Toba",
    "url": "https://partner.example.org/eplanning/webhook",
    "event_types": ["musrenbang.usulan.*", "*.stage.closed.v1"], "status": "active", "active": True,
    "paused_at": None, "pause_reason": None, "consecutive_failures": 0,
    "created_by": "0d4c4b5e-8a55-4b43-a7a2-1c9a1a0c1f00",
    "created_at": "2027-01-10T02:00:00+00:00", "updated_at": "2027-01-10T02:00:00+00:00",
}
EXAMPLE_DELIVERY = {
    "id": "9a3e1f0c-0d1b-4b7e-8f44-0c5d6e7f8a90", "subscription_id": EXAMPLE_SUBSCRIPTION["id"],
    "event_id": "1f0e2d3c-4b5a-4697-8877-665544332211", "event_type": "id.eplanning.musrenbang.usulan.submitted.v1",
    "status": "failed", "attempt_count": 2, "next_attempt_at": "2027-01-10T02:01:00+00:00", "last_status": 503,
    "last_error": "HTTP 503", "created_at": "2027-01-10T02:00:10+00:00", "updated_at": "2027-01-10T02:00:20+00:00",
    "delivered_at": None, "in_flight": False,
    "attempts": [
        {"attempt_no": 1, "started_at": "2027-01-10T02:00:10+00:00", "finished_at": "2027-01-10T02:00:10+00:00",
         "duration_ms": 84, "outcome": "failed", "http_status": 503, "error": "HTTP 503",
         "response_excerpt": "Service Unavailable"},
        {"attempt_no": 2, "started_at": "2027-01-10T02:00:20+00:00", "finished_at": "2027-01-10T02:00:23+00:00",
         "duration_ms": 3001, "outcome": "failed", "http_status": None,
         "error": "timeout: no connection within 3 s", "response_excerpt": None},
    ],
}

_ID = "{subscription_id:uuid}"
OPERATIONS = [
    Operation("POST", f"{BASE}/subscriptions", "webhooks.createSubscription",
              "Register a partner webhook (the signing secret is shown in this answer only)", TAG, ROLES,
              create_subscription, body=CREATE_BODY, response=CREATED, status=201,
              etag_read=lambda call, answer: {k: v for k, v in answer.items() if k != "secret"},
              description="The subscription receives every event of the caller's pemda whose type matches one of "
                          "`event_types`. Each delivery is a POST of the CloudEvents JSON, signed: "
                          "`Webhook-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>`. "
                          "Keep `secret`: it is never shown again.",
              example={"name": "Portal Transparansi Toba", "url": "https://partner.example.org/eplanning/webhook",
                       "event_types": ["musrenbang.usulan.*", "*.stage.closed.v1"]},
              response_example={**EXAMPLE_SUBSCRIPTION, "secret": "whsec_3q2-7wUe0Pzq4lC1yQk4cW2mB0n9r8VtXa5dL6fHj1s"}),
    Operation("GET", f"{BASE}/subscriptions", "webhooks.listSubscriptions",
              "The webhook subscriptions of the caller's pemda", TAG, ROLES, list_subscriptions,
              response=_page(SUBSCRIPTION), paged=True,
              response_example={"items": [EXAMPLE_SUBSCRIPTION], "next_cursor": None}),
    Operation("GET", f"{BASE}/subscriptions/{_ID}", "webhooks.getSubscription", "One webhook subscription",
              TAG, ROLES, get_subscription, response=SUBSCRIPTION, response_example=EXAMPLE_SUBSCRIPTION),
    Operation("PATCH", f"{BASE}/subscriptions/{_ID}", "webhooks.updateSubscription",
              "Change a subscription's name, URL or event types; pause or resume it", TAG, ROLES,
              update_subscription, body=UPDATE_BODY, response=SUBSCRIPTION,
              etag_read=lambda call, answer: answer,  # the subscription as getSubscription shows it
              description="`active: true` resumes a paused subscription: the failure count is reset and the "
                          "deliveries held while it was paused are sent, each with a fresh round of attempts. "
                          "`active: false` pauses it: new events are still recorded, nothing is sent.",
              example={"active": True},
              response_example=EXAMPLE_SUBSCRIPTION),
    Operation("DELETE", f"{BASE}/subscriptions/{_ID}", "webhooks.deleteSubscription",
              "Delete a subscription with its deliveries and their attempt logs", TAG, ROLES, delete_subscription,
              status=204),
    Operation("GET", f"{BASE}/subscriptions/{_ID}/deliveries", "webhooks.listDeliveries",
              "A subscription's deliveries, newest first, each with its attempt log", TAG, ROLES, list_deliveries,
              query={"status": enum(*STATUSES, description="Only deliveries in this state")},
              response=_page(DELIVERY), paged=True,
              response_example={"items": [EXAMPLE_DELIVERY], "next_cursor": None}),
    Operation("POST", f"{BASE}/subscriptions/{_ID}/test", "webhooks.testSubscription",
              "Queue a ping event for this subscription (sent by the worker like any delivery)", TAG, ROLES,
              ping_subscription, response=DELIVERY, status=202,
              description=f"The event type is `{PING_TYPE}`, whatever the subscription's event types; a paused "
                          "subscription holds it until resumed.",
              response_example={**EXAMPLE_DELIVERY, "event_type": PING_TYPE, "status": "pending",
                                "attempt_count": 0, "last_status": None, "last_error": None, "attempts": []}),
    Operation("POST", f"{BASE}/deliveries/{{delivery_id:uuid}}/replay", "webhooks.replayDelivery",
              "Send a delivery again (same body, same event id), with a fresh round of attempts", TAG, ROLES,
              replay_delivery, response=DELIVERY, status=202,
              description="Any delivery can be replayed, a delivered one too (the partner deduplicates on "
                          "`Webhook-Id`, the event id). 409 while it is being sent. A paused subscription holds "
                          "the replay until it is resumed.",
              response_example={**EXAMPLE_DELIVERY, "status": "pending", "next_attempt_at": "2027-01-10T03:00:00+00:00"}),
]
