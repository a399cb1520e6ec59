import pytest

from eplanning_common import contracts
from eplanning_common.envelope import make_event

DOC = {
    "channels": {"musrenbang": {"address": "musrenbang.events", "messages": {
        "UsulanSubmitted": {"$ref": "#/components/messages/UsulanSubmitted"}}}},
    "components": {
        "schemas": {
            "CloudEvent": contracts.load()["components"]["schemas"]["CloudEvent"],
            "UsulanSubmittedData": {"type": "object", "required": ["usulan_id"], "additionalProperties": False,
                                    "properties": {"usulan_id": {"type": "string"}}},
        },
        "messages": {"UsulanSubmitted": {
            "name": "usulan.submitted.v1",
            "bindings": {"amqp": {"routingKey": "usulan.submitted.v1"}},
            "payload": {"$ref": "#/components/schemas/UsulanSubmittedData"}}},
    },
}


def test_a_documented_event_validates():
    contracts.validate_event(make_event("musrenbang", "usulan.submitted.v1", "U1", {"usulan_id": "U1"}, "12.21", 2027), DOC)


def test_an_undocumented_event_type_is_refused():
    with pytest.raises(contracts.ContractError, match="not in contracts"):
        contracts.validate_event(make_event("musrenbang", "usulan.vanished.v1", "U1", {}, "12.21", 2027), DOC)


def test_data_that_breaks_its_schema_is_refused_with_the_path():
    with pytest.raises(contracts.ContractError, match="usulan.submitted.v1"):
        contracts.validate_event(make_event("musrenbang", "usulan.submitted.v1", "U1", {"usulan_id": 5}, "12.21", 2027), DOC)


def test_an_envelope_with_an_unknown_attribute_is_refused():
    event = make_event("musrenbang", "usulan.submitted.v1", "U1", {"usulan_id": "U1"}, "12.21", 2027)
    with pytest.raises(contracts.ContractError, match="envelope"):
        contracts.validate_event({**event, "extra": 1}, DOC)


def test_the_project_document_is_asyncapi_3_with_a_channel_per_service():
    doc = contracts.load()
    assert doc["asyncapi"].startswith("3.")
    assert {c["address"] for c in doc["channels"].values()} == {
        "musrenbang.events", "pokir.events", "renja.events", "rkpd.events"}
    for event_type, message in contracts.messages_by_type(doc).items():
        assert message["data"].get("type") == "object" or "allOf" in message["data"], event_type


def test_every_musrenbang_event_is_documented_and_nothing_else_is_claimed():
    from musrenbang import events

    documented = {t for t in contracts.messages_by_type(contracts.load()) if ".musrenbang." in t}
    assert documented == {f"id.eplanning.musrenbang.{key}" for key in events.ALL}


def test_channels_hold_only_their_own_fields_and_messages_resolve():
    doc = contracts.load()
    for name, channel in doc["channels"].items():
        assert set(channel) <= {"address", "description", "bindings", "messages"}, name
        for message in (channel.get("messages") or {}).values():
            assert message["$ref"].split("/")[-1] in doc["components"]["messages"], name
    assert "id.eplanning.renja.inbox.decided.v1" in contracts.messages_by_type(doc)


def test_every_pokir_event_is_documented_and_nothing_else_is_claimed():
    from pokir import events

    documented = {t for t in contracts.messages_by_type(contracts.load()) if ".pokir." in t}
    assert documented == {f"id.eplanning.pokir.{key}" for key in events.ALL}


def test_every_event_handler_of_the_services_is_in_the_topology_and_nothing_else():
    import inspect

    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    from eplanning_common.consumer import EventHandler
    from eplanning_common.topology import PROJECT_TOPOLOGY, Subscription
    from musrenbang.service import MusrenbangService
    from pokir.service import PokirService
    from renja.service import RenjaService
    from rkpd.service import RkpdService
    from gateway.webhooks.service import WebhookService

    handled = set()
    for cls in (MusrenbangService, PokirService, RenjaService, RkpdService, WebhookService):
        for _, method in inspect.getmembers(cls, inspect.isfunction):
            for entrypoint in getattr(method, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(entrypoint, EventHandler):
                    handled.add(Subscription(cls.name, entrypoint.source_service, entrypoint.routing_key))
    assert handled == set(PROJECT_TOPOLOGY.subscriptions)


def test_every_renja_event_is_documented_and_nothing_else_is_claimed():
    from renja import events

    documented = {t for t in contracts.messages_by_type(contracts.load()) if ".renja." in t}
    assert documented == {f"id.eplanning.renja.{key}" for key in events.ALL}


def test_every_rkpd_event_is_documented_and_nothing_else_is_claimed():
    from rkpd import assembly

    documented = {t for t in contracts.messages_by_type(contracts.load()) if ".rkpd." in t}
    assert documented == {f"id.eplanning.rkpd.{key}" for key in assembly.ALL_EVENTS}
