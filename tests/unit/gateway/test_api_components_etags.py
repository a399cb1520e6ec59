"""Issue #14: named component schemas in /v1/openapi.json (one type per resource, referenced by
every operation returning it), the response headers documented, and an ETag on the answer of
every create and update that returns a resource: the one a following GET gives, accepted by the
next If-Match without that GET."""
from __future__ import annotations

import copy

import pytest

from gateway.api import catalog, musrenbang, renja
from gateway.api.binding import canonical_json, etag_of, same_state
from gateway.api.components import COMPONENTS, References, check_distinct
from gateway.api.operation import ALL_ROLES, BAPPEDA, DESA, OPD
from gateway.app import create_app
from gateway_fakes import SERVICES

SCOPES = {"bappeda": {}, "operator_desa": {"wilayah": "12.21.01.2001"}, "operator_kecamatan": {"wilayah": "12.21.01"},
          "opd": {"opd": renja.EX_OPD}, "anggota_dprd": {"anggota_id": "A-07"},
          "staf_ahli": {"anggota_id": "A-07"}, "setwan": {}, "admin": {}}
UID = musrenbang.EXAMPLE_USULAN["id"]


@pytest.fixture
def app(rpc, broker, auth, idempotency_store):
    return create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0,
                      max_body_bytes=4096, auth=auth, idempotency_store=idempotency_store, deps={})


@pytest.fixture
def as_role(make_user, bearer):
    made = {}

    def headers(role):
        if role not in made:
            make_user(role, role=role, **SCOPES[role])
            made[role] = bearer(role)
        return made[role]

    return headers


@pytest.fixture
def document(client):
    return client.simulate_get("/v1/openapi.json").json


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


# -- named component schemas -----------------------------------------------------------------------------

def test_the_resources_are_named_components(document):
    schemas = document["components"]["schemas"]
    for name in ("Usulan", "UsulanDetail", "Pokir", "RenjaRow", "Problem", "User", "TokenGrant", "RkpdVersion",
                 "TrackedUsulan", "WebhookSubscription"):
        assert schemas[name]["type"] == "object", name


@pytest.mark.parametrize("path, method, status, name", [
    ("/v1/musrenbang/{tahun}/usulan", "post", "201", "Usulan"),
    ("/v1/musrenbang/usulan/{usulan_id}", "get", "200", "UsulanDetail"),
    ("/v1/musrenbang/usulan/{usulan_id}", "patch", "200", "Usulan"),
    ("/v1/pokir/pokir/{pokir_id}", "get", "200", "Pokir"),
    ("/v1/pokir/{tahun}/pokir", "post", "201", "Pokir"),
    ("/v1/renja/rows/{row_id}", "get", "200", "RenjaRow"),
    ("/v1/renja/rows/{row_id}", "patch", "200", "RenjaRow"),
    ("/v1/admin/users", "post", "201", "User"),
    ("/v1/auth/login", "post", "200", "TokenGrant"),
])
def test_operations_refer_to_the_component_instead_of_an_inline_copy(document, path, method, status, name):
    schema = document["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    assert schema == _ref(name)


def test_a_page_refers_to_its_items_component(document):
    page = document["paths"]["/v1/musrenbang/{tahun}/usulan"]["get"]["responses"]["200"]["content"]
    assert page["application/json"]["schema"]["properties"]["items"]["items"] == _ref("Usulan")


def test_components_refer_to_each_other_and_every_reference_resolves(document):
    schemas = document["components"]["schemas"]
    assert schemas["Usulan"]["properties"]["kamus_item"] == _ref("KamusItem")
    refs = set()

    def walk(value):
        if isinstance(value, dict):
            if "$ref" in value:
                refs.add(value["$ref"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
    for ref in refs:
        kind, name = ref.split("/")[-2:]
        assert name in document["components"][kind], ref


def test_no_response_keeps_an_inline_copy_of_a_named_schema(document):
    named = {canonical_json(schema) for schema in COMPONENTS.values()}

    def walk(value, where):
        if isinstance(value, dict):
            assert canonical_json(value) not in named, where
            for key, item in value.items():
                walk(item, f"{where}/{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{where}[{i}]")

    for path, item in document["paths"].items():
        for method, op in item.items():
            for status, answer in op["responses"].items():
                for media in answer.get("content", {}).values():
                    walk(media["schema"], f"{method} {path} {status}")


def test_two_names_for_one_schema_are_refused():
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    with pytest.raises(ValueError, match="same schema"):
        check_distinct({"A": schema, "B": copy.deepcopy(schema)})
    assert References({"A": schema})({"type": "array", "items": copy.deepcopy(schema)}) == {
        "type": "array", "items": _ref("A")}


def test_operation_ids_are_those_clients_already_use(document):
    ids = {op["operationId"] for item in document["paths"].values() for op in item.values()}
    assert {"musrenbang.createUsulan", "musrenbang.getUsulan", "pokir.createPokir", "renja.updateRow",
            "auth.login", "public.trackUsulan"} <= ids
    assert ids == {op.operation_id for op in catalog.DOCUMENTED}


# -- response headers in the document ----------------------------------------------------------------------

def test_response_headers_are_documented(document):
    paths = document["paths"]
    headers = document["components"]["headers"]
    assert {"ETag", "Location", "Link", "Idempotent-Replayed"} <= set(headers)
    create = paths["/v1/musrenbang/{tahun}/usulan"]["post"]["responses"]["201"]["headers"]
    assert {"ETag", "Location", "Idempotent-Replayed"} <= set(create)
    listing = paths["/v1/musrenbang/{tahun}/usulan"]["get"]["responses"]["200"]["headers"]
    assert {"ETag", "Link"} <= set(listing)
    update = paths["/v1/renja/rows/{row_id}"]["patch"]["responses"]["200"]["headers"]
    assert "ETag" in update
    assert paths["/v1/auth/login"]["post"]["responses"]["429"]["headers"]["Retry-After"]


# -- ETag on the answers of create and update --------------------------------------------------------------

def test_a_created_usulan_carries_the_etag_a_get_gives_and_if_match_with_it_succeeds(client, rpc, as_role):
    created = copy.deepcopy(musrenbang.EXAMPLE_CREATED)
    rpc.answers[("musrenbang", "create_usulan")] = created
    rpc.answers[("musrenbang", "get_usulan")] = {**created, "tindak_lanjut": []}
    rpc.answers[("musrenbang", "update_usulan")] = {**created, "volume": "140", "version": 2}
    headers = as_role(DESA)
    answer = client.simulate_post("/v1/musrenbang/2027/usulan", json=musrenbang.EXAMPLE_CREATE, headers=headers)
    assert answer.status_code == 201, answer.text
    got = client.simulate_get(f"/v1/musrenbang/usulan/{UID}", headers=headers)
    assert answer.headers["etag"] == got.headers["etag"]
    before = len(rpc.calls)
    changed = client.simulate_patch(f"/v1/musrenbang/usulan/{UID}", json={"volume": "140"},
                                    headers={**headers, "If-Match": answer.headers["etag"]})
    assert changed.status_code == 200, changed.text
    assert [c[1] for c in rpc.calls[before:]] == ["get_usulan", "update_usulan"]  # no extra read for the ETag
    # the update's answer has the ETag of the GET after it, too
    rpc.answers[("musrenbang", "get_usulan")] = {**created, "volume": "140", "version": 2, "tindak_lanjut": []}
    assert changed.headers["etag"] == client.simulate_get(f"/v1/musrenbang/usulan/{UID}",
                                                          headers=headers).headers["etag"]


def test_a_replayed_create_carries_the_same_etag(client, rpc, as_role):
    rpc.answers[("musrenbang", "create_usulan")] = copy.deepcopy(musrenbang.EXAMPLE_CREATED)
    headers = {**as_role(DESA), "Idempotency-Key": "usulan-etag-0001"}
    first = client.simulate_post("/v1/musrenbang/2027/usulan", json=musrenbang.EXAMPLE_CREATE, headers=headers)
    again = client.simulate_post("/v1/musrenbang/2027/usulan", json=musrenbang.EXAMPLE_CREATE, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert first.headers["etag"] == again.headers["etag"]


def test_a_created_renja_row_carries_the_etag_a_get_gives(client, rpc, as_role):
    rpc.answers[("renja", "create_row")] = copy.deepcopy(renja.EX_ROW)
    rpc.answers[("renja", "get_row")] = copy.deepcopy(renja.EX_ROW)
    headers = as_role(OPD)
    answer = client.simulate_post(f"/v1/renja/2027/opd/{renja.EX_OPD}/rows", json=renja.EX_ROW_IN, headers=headers)
    assert answer.status_code == 201, answer.text
    got = client.simulate_get(f"/v1/renja/rows/{renja.EX_ROW_ID}", headers=headers)
    assert answer.headers["etag"] == got.headers["etag"] == etag_of(canonical_json(renja.EX_ROW))


def test_a_set_schedule_carries_the_etag_of_the_schedule(client, rpc, as_role):
    windows = musrenbang.EXAMPLE_SCHEDULE["windows"]
    answer_body = {"pemda": "12.21", "tahun": 2027, "windows": windows, "history": [], "version": 1}
    rpc.answers[("musrenbang", "set_schedule")] = answer_body
    rpc.answers[("musrenbang", "get_schedule")] = {**answer_body, "closed": False, "manifest": None}
    headers = as_role(BAPPEDA)
    answer = client.simulate_put("/v1/musrenbang/2027/schedule", json={"windows": windows}, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.headers["etag"] == client.simulate_get("/v1/musrenbang/2027/schedule",
                                                         headers=headers).headers["etag"]


def test_no_etag_on_writes_that_answer_with_no_resource(client, rpc, as_role):
    rpc.answers[("musrenbang", "import_kamus")] = {"pemda": "12.21", "tahun": 2027, "imported": 1}
    answer = client.simulate_put("/v1/musrenbang/2027/kamus", body=musrenbang.EXAMPLE_KAMUS_CSV,
                                 headers={**as_role(BAPPEDA), "Content-Type": "text/csv"})
    assert answer.status_code == 200 and "etag" not in answer.headers


def test_same_state_compares_only_the_members_both_hold():
    assert same_state({"id": "1", "secret": "s"}, {"id": "1", "created_at": "t"})
    assert not same_state({"id": "1", "version": 2}, {"id": "1", "version": 3})
    assert not same_state({"a": 1}, {"b": 1})


# created objects no GET shows one by one (a reses, a snapshot, an assembled RKPD version), or whose GET
# serves something else (an attachment's GET serves its bytes, with their own ETag): no ETag to match
NO_GET_OF_ONE = {"pokir.recordReses", "renja.takeSnapshot", "rkpd.promote", "musrenbang.addLampiran",
                 # RKPD versions published by Bappeda's acts, and the opening of a perubahan (issue #16)
                 "rkpd.publishRancanganAwal", "rkpd.penetapan", "rkpd.openPerubahan", "rkpd.assemblePerubahan"}


def test_every_write_that_answers_with_a_resource_of_a_get_declares_how_its_etag_is_read():
    gets = {op.path for op in catalog.OPERATIONS if op.method == "GET"}
    resources = {"/v1/musrenbang/usulan/{usulan_id}", "/v1/pokir/pokir/{pokir_id:uuid}", "/v1/renja/rows/{row_id:uuid}"}
    assert resources <= gets
    for op in catalog.OPERATIONS:
        if op.method != "GET" and op.response is not None and (op.if_match or op.status == 201) \
                and op.operation_id not in NO_GET_OF_ONE:
            assert op.etag_read is not None, op.operation_id
    assert ALL_ROLES  # (the role table is imported for the fixtures' scopes)
