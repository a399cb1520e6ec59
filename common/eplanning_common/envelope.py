"""CloudEvents 1.0 JSON envelope (structured mode) for every event the services publish.

type:    id.eplanning.<service>.<aggregate>.<verb>.v<N>   e.g. id.eplanning.musrenbang.usulan.submitted.v1
routing: <aggregate>.<verb>.v<N> on the topic exchange <service>.events
Every event carries the pemda code and plan year as CloudEvents extension attributes
(`pemda`, `tahun`) and inside `source`; `correlationid` carries the request's correlation id.
"""
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

SPEC_VERSION = "1.0"
TYPE_PREFIX = "id.eplanning"
_ROUTING_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+\.v[0-9]+$")
_PEMDA = re.compile(r"^[0-9]{2}(\.[0-9]{2})?$")


class EnvelopeError(ValueError):
    pass


@dataclass(frozen=True)
class EventType:
    service: str
    routing_key: str  # e.g. "usulan.submitted.v1"

    @property
    def type(self) -> str:
        return f"{TYPE_PREFIX}.{self.service}.{self.routing_key}"

    @classmethod
    def parse(cls, ce_type: str) -> "EventType":
        prefix = TYPE_PREFIX + "."
        if not ce_type.startswith(prefix):
            raise EnvelopeError(f"event type {ce_type!r} must start with {prefix!r}")
        service, _, key = ce_type[len(prefix):].partition(".")
        if not service or not _ROUTING_KEY.match(key):
            raise EnvelopeError(f"event type {ce_type!r} is not <prefix>.<service>.<aggregate>.<verb>.v<N>")
        return cls(service, key)


def exchange_name(service: str) -> str:
    """The nameko event exchange of a service."""
    return f"{service}.events"


def make_event(
    service: str,
    routing_key: str,
    subject: str,
    data: dict,
    pemda: str,
    tahun: int,
    correlation_id: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> dict:
    if not _ROUTING_KEY.match(routing_key):
        raise EnvelopeError(f"routing key {routing_key!r} must look like 'usulan.submitted.v1'")
    if not isinstance(pemda, str) or not _PEMDA.match(pemda):
        raise EnvelopeError(f"pemda {pemda!r} must be a region code like '12.21' or '12'")
    if not isinstance(tahun, int) or not 2000 <= tahun <= 2100:
        raise EnvelopeError(f"tahun {tahun!r} must be a plan year")
    if not subject:
        raise EnvelopeError("subject (the aggregate id) is required")
    envelope = {
        "specversion": SPEC_VERSION,
        "id": event_id or str(uuid.uuid4()),
        "source": f"/pemda/{pemda}/{service}",
        "type": EventType(service, routing_key).type,
        "subject": str(subject),
        "time": (time or datetime.now(timezone.utc)).isoformat(),
        "datacontenttype": "application/json",
        "pemda": pemda,
        "tahun": tahun,
        "data": data,
    }
    if correlation_id:
        envelope["correlationid"] = correlation_id
    return envelope


REQUIRED = ("specversion", "id", "source", "type", "subject", "time", "datacontenttype", "pemda", "tahun", "data")


def check_envelope(event: object) -> dict:
    """Validate a received envelope's shape; returns it, raises EnvelopeError naming the problem."""
    if not isinstance(event, dict):
        raise EnvelopeError("event body must be a JSON object")
    missing = [k for k in REQUIRED if k not in event]
    if missing:
        raise EnvelopeError(f"event is missing {', '.join(missing)}")
    if event["specversion"] != SPEC_VERSION:
        raise EnvelopeError(f"unsupported specversion {event['specversion']!r}")
    try:
        uuid.UUID(str(event["id"]))
    except ValueError:
        raise EnvelopeError(f"event id {event['id']!r} is not a UUID") from None
    EventType.parse(event["type"])
    return event
