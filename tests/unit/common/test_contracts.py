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
            "payload": contracts.envelope_payload("id.eplanning.musrenbang.usulan.submitted.v1",
                                                  {"$ref": "#/components/schemas/UsulanSubmittedData"})}},
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


def test_data_errors_name_the_path_inside_data_and_envelope_errors_say_envelope():
    event = make_event("musrenbang", "usulan.submitted.v1", "U1", {"usulan_id": "U1", "extra": 1}, "12.21", 2027)
    with pytest.raises(contracts.ContractError, match=r"data of id.eplanning.musrenbang.usulan.submitted.v1 at ''"):
        contracts.validate_event(event, DOC)
    with pytest.raises(contracts.ContractError, match="envelope of .*'time' is a required property"):
        contracts.validate_event({k: v for k, v in event.items() if k != "time"}, DOC)
    with pytest.raises(contracts.ContractError, match="envelope of None"):
        contracts.validate_event("not an object", DOC)


def test_a_message_whose_payload_is_not_the_envelope_is_named():
    doc = {**DOC, "components": {**DOC["components"], "messages": {"UsulanSubmitted": {
        "name": "usulan.submitted.v1", "payload": {"$ref": "#/components/schemas/UsulanSubmittedData"}}}}}
    with pytest.raises(contracts.ContractError,
                       match="message usulan.submitted.v1: its payload must be the CloudEvents envelope"):
        contracts.messages_by_type(doc)


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
        data = contracts._resolve(doc, message["data"])
        assert data.get("type") == "object" or "allOf" in data, event_type


def test_every_message_is_the_cloudevents_envelope_of_its_own_type_with_its_data_inside():
    doc = contracts.load()
    found = contracts.messages_by_type(doc)
    assert len(found) == len(doc["components"]["messages"]) == 40
    for event_type, message in found.items():
        assert message["payload"] == contracts.envelope_payload(event_type, message["data"]), event_type
        assert set(message["data"]) == {"$ref"}, event_type  # a named schema of components/schemas
        assert "bindings" not in doc["components"]["messages"][_message_key(doc, event_type)], event_type


def _message_key(doc, event_type):
    for channel in doc["channels"].values():
        service = channel["address"].removesuffix(".events")
        for ref in channel["messages"].values():
            key = ref["$ref"].split("/")[-1]
            if f"id.eplanning.{service}.{doc['components']['messages'][key]['name']}" == event_type:
                return key
    raise KeyError(event_type)


def test_routing_key_and_delivery_mode_are_amqp_operation_bindings_of_each_message():
    """AMQP binding 0.3.0: a message binding holds only contentEncoding/messageType; what is published
    how (routing key = `cc`, persistent delivery, mandatory) belongs to the operation."""
    doc = contracts.load()
    sends = {}
    for name, operation in doc["operations"].items():
        amqp = operation["bindings"]["amqp"]
        assert amqp["bindingVersion"] == "0.3.0", name
        [message_ref] = operation["messages"]
        message = doc["components"]["messages"][message_ref["$ref"].split("/")[-1]]
        assert message_ref["$ref"].startswith(operation["channel"]["$ref"] + "/messages/"), name
        assert amqp["cc"] == [message["name"]], name
        if operation["action"] == "send":
            assert (amqp["deliveryMode"], amqp["mandatory"]) == (2, True), name
            sends[message["name"], operation["channel"]["$ref"]] = name
    assert len(sends) == len(doc["components"]["messages"])  # each message has its one send operation


def test_every_message_has_a_recorded_example_that_validates_against_it():
    doc = contracts.load()
    received = contracts.ReceivedEvents(doc)
    for event_type in contracts.messages_by_type(doc):
        message = doc["components"]["messages"][_message_key(doc, event_type)]
        assert message.get("examples"), event_type
        for example in message["examples"]:
            assert example["payload"]["type"] == event_type
            contracts.validate_event(example["payload"], doc)
            received.check(example["payload"])


def test_an_example_that_breaks_its_schema_would_be_caught():
    doc = contracts.load()
    example = doc["components"]["messages"]["UsulanSubmitted"]["examples"][0]["payload"]
    with pytest.raises(contracts.ContractError, match="data of .* at 'cost'"):
        contracts.validate_event({**example, "data": {**example["data"], "cost": 5}}, doc)


def test_servers_are_the_local_broker_and_the_kubernetes_vhost_with_a_broker_account():
    doc = contracts.load()
    assert doc["servers"]["local"]["host"] == "127.0.0.1:5672"
    k8s = doc["servers"]["kubernetes"]
    assert (k8s["host"], k8s["pathname"], k8s["protocol"]) == ("rabbitmq.eplanning.svc:5672", "/eplanning", "amqp")
    for server in doc["servers"].values():
        assert server["security"] == [{"$ref": "#/components/securitySchemes/brokerAccount"}]
    assert doc["components"]["securitySchemes"]["brokerAccount"]["type"] == "userPassword"
    for channel in doc["channels"].values():  # the vhost is the server's, not the channel's
        assert "vhost" not in channel["bindings"]["amqp"]["exchange"]


def test_no_description_became_a_key():
    """`description: a, b: c` without quotes turns `b` into a key with a null value."""
    def nulls(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "examples":
                    continue
                if value is None:
                    yield f"{path}/{key}"
                yield from nulls(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from nulls(value, f"{path}/{i}")
    assert list(nulls(contracts.load(), "")) == []


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


def test_emitted_events_are_recorded_only_when_asked(tmp_path, monkeypatch):
    import json

    event = make_event("musrenbang", "usulan.submitted.v1", "U1", {"usulan_id": "U1"}, "12.21", 2027)
    monkeypatch.delenv("EPLANNING_CONTRACT_RECORD", raising=False)
    contracts.record_emitted(event)  # nothing to write to
    path = tmp_path / "events.jsonl"
    monkeypatch.setenv("EPLANNING_CONTRACT_RECORD", str(path))
    contracts.record_emitted(event)
    contracts.record_emitted(event)
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == [event, event]
