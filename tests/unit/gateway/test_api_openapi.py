"""The OpenAPI 3.1 document at /v1/openapi.json: valid, complete (every route the app serves is
in it, nothing more), and its examples validate against their own schemas."""
from __future__ import annotations

import falcon.inspect
import pytest
from openapi_spec_validator import validate

from gateway.api import catalog
from gateway.api.openapi import openapi_path
from gateway.api.schemas import field_errors

EXAMPLES = [(op.operation_id, "request", op.example, op.body) for op in catalog.DOCUMENTED
            if op.example is not None and op.body is not None] + \
           [(op.operation_id, "response", op.response_example, op.response) for op in catalog.DOCUMENTED
            if op.response_example is not None and op.response is not None]


@pytest.fixture
def document(client):
    result = client.simulate_get("/v1/openapi.json")
    assert result.status_code == 200
    return result.json


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on an invalid document


def test_every_route_the_app_serves_is_documented_and_nothing_else(app, document):
    served = set()
    for route in falcon.inspect.inspect_routes(app):
        for method in route.methods:
            if method.internal:  # Falcon's default OPTIONS / 405 responders
                continue
            served.add((method.method, openapi_path(route.path)))
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


def test_operation_ids_are_unique_and_every_operation_is_described(document):
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    for item in document["paths"].values():
        for op in item.values():
            assert op["summary"].strip()
            assert op["responses"]


def test_the_table_has_examples_to_check():
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("operation_id, kind, example, schema", EXAMPLES,
                         ids=[f"{e[0]}-{e[1]}" for e in EXAMPLES])
def test_every_example_validates_against_its_schema(operation_id, kind, example, schema):
    assert field_errors(example, schema) == []


def test_protected_operations_declare_bearer_security_and_public_ones_none(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if path.startswith("/v1/public/") or path in ("/healthz", "/readyz", "/v1/openapi.json") \
                    or path in ("/v1/auth/login", "/v1/auth/refresh", "/v1/auth/logout") \
                    or path.startswith("/v1/auth/browser/"):
                assert op["security"] == [], (method, path)
            else:
                assert op["security"] == [{"bearer": []}], (method, path)


def test_the_webhooks_section_describes_each_delivery_its_headers_and_signature(document):
    import re

    from eplanning_common import contracts
    from gateway.webhooks import signing

    types = set(contracts.messages_by_type(contracts.load()))
    assert set(document["webhooks"]) == types | {"id.eplanning.gateway.webhook.ping.v1"}
    header = signing.sign("whsec_test", 1799990000, b'{"id": "x"}')
    for event_type, item in document["webhooks"].items():
        post = item["post"]
        headers = {p["name"]: p for p in post["parameters"] if p["in"] == "header"}
        assert set(headers) == {"Webhook-Id", "Webhook-Delivery", "Webhook-Attempt", "Webhook-Signature",
                                "User-Agent"}, event_type
        assert "HMAC-SHA256" in headers["Webhook-Signature"]["description"]
        assert re.match(headers["Webhook-Signature"]["schema"]["pattern"], header)
        assert set(post["requestBody"]["content"]) == {"application/cloudevents+json"}
        assert set(post["responses"]) == {"2XX", "default"}


def test_each_webhook_body_schema_is_the_event_envelope_and_its_example_validates_in_the_openapi_document(document):
    """The contract's schemas are copied under their own names: its references resolve in the OpenAPI
    document, and the recorded example of each event validates there; a broken one does not."""
    import jsonschema

    checked = 0
    for event_type, item in document["webhooks"].items():
        media = item["post"]["requestBody"]["content"]["application/cloudevents+json"]
        validator = jsonschema.Draft202012Validator({**media["schema"], "components": document["components"]},
                                                    format_checker=jsonschema.FormatChecker())
        for example in media.get("examples", {}).values():
            validator.validate(example["value"])
            assert not validator.is_valid({**example["value"], "type": event_type + "x"})
            assert not validator.is_valid({**example["value"], "data": []})
            checked += 1
    assert checked == len(document["webhooks"]) - 1  # every event but the ping has its recorded example


def test_free_text_is_never_required_in_a_webhook_body(document):
    from eplanning_common import contracts
    from gateway.api.openapi_webhooks import not_required_free_text

    # deliveries leave free text out unless the pemda opted in (gateway.webhooks.freetext)
    assert "permasalahan" in contracts.load()["components"]["schemas"]["UsulanData"]["required"]
    assert "permasalahan" not in document["components"]["schemas"]["UsulanData"]["required"]
    assert "usulan_id" in document["components"]["schemas"]["UsulanData"]["required"]
    # the example is a delivery as a pemda that did not opt in receives it
    media = document["webhooks"]["id.eplanning.musrenbang.usulan.submitted.v1"]["post"]["requestBody"]["content"]
    [example] = media["application/cloudevents+json"]["examples"].values()
    assert "usulan_id" in example["value"]["data"] and "permasalahan" not in example["value"]["data"]

    schema = {"type": "object", "required": ["a", "b"], "properties": {
        "a": {"type": "string", "x-free-text": True}, "b": {"type": "string"},
        "c": {"type": "object", "required": ["d"], "properties": {"d": {"x-free-text": True, "type": "string"}}}}}
    copy = not_required_free_text(schema)
    assert copy["required"] == ["b"] and copy["properties"]["c"]["required"] == []
    assert schema["required"] == ["a", "b"]  # the original is untouched


def test_the_document_built_from_the_table_is_the_served_one_webhooks_included(client):
    from gateway.api import openapi

    built = openapi.build(catalog.DOCUMENTED)
    assert "id.eplanning.musrenbang.usulan.submitted.v1" in built["webhooks"]
    assert client.simulate_get("/v1/openapi.json").json == built
    assert "webhooks" not in openapi.build(catalog.DOCUMENTED, webhooks=None)
