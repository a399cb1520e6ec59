import uuid

import pytest

from eplanning_common.envelope import EnvelopeError, EventType, check_envelope, exchange_name, make_event


def test_make_event_builds_a_cloudevent_with_pemda_and_year():
    event = make_event("musrenbang", "usulan.submitted.v1", "U-1", {"a": 1}, "12.21", 2027, correlation_id="c1")
    assert event["specversion"] == "1.0"
    assert event["type"] == "id.eplanning.musrenbang.usulan.submitted.v1"
    assert event["source"] == "/pemda/12.21/musrenbang"
    assert (event["pemda"], event["tahun"], event["subject"]) == ("12.21", 2027, "U-1")
    assert event["correlationid"] == "c1"
    uuid.UUID(event["id"])
    assert check_envelope(event) is event


def test_every_event_gets_its_own_id():
    a = make_event("pokir", "pokir.submitted.v1", "P-1", {}, "12.21", 2027)
    b = make_event("pokir", "pokir.submitted.v1", "P-1", {}, "12.21", 2027)
    assert a["id"] != b["id"]


@pytest.mark.parametrize("kwargs, fragment", [
    ({"routing_key": "UsulanSubmitted"}, "routing key"),
    ({"routing_key": "usulan.submitted"}, "routing key"),
    ({"pemda": "Padang Lawas"}, "pemda"),
    ({"tahun": 1999}, "tahun"),
    ({"tahun": "2027"}, "tahun"),
    ({"subject": ""}, "subject"),
])
def test_make_event_refuses_bad_fields(kwargs, fragment):
    args = {"service": "musrenbang", "routing_key": "usulan.submitted.v1", "subject": "U-1", "data": {},
            "pemda": "12.21", "tahun": 2027, **kwargs}
    with pytest.raises(EnvelopeError, match=fragment):
        make_event(**args)


@pytest.mark.parametrize("body, fragment", [
    ("not a dict", "JSON object"),
    ({"id": "x"}, "missing"),
])
def test_check_envelope_names_the_problem(body, fragment):
    with pytest.raises(EnvelopeError, match=fragment):
        check_envelope(body)


def test_check_envelope_refuses_a_non_uuid_id_and_a_foreign_type():
    event = make_event("renja", "renja.row.created.v1", "R-1", {}, "12.21", 2027)
    with pytest.raises(EnvelopeError, match="UUID"):
        check_envelope({**event, "id": "123"})
    with pytest.raises(EnvelopeError, match="must start with"):
        check_envelope({**event, "type": "com.example.thing"})


def test_event_type_round_trip_and_exchange():
    parsed = EventType.parse("id.eplanning.musrenbang.stage.closed.v2")
    assert parsed == EventType("musrenbang", "stage.closed.v2")
    assert exchange_name("musrenbang") == "musrenbang.events"
