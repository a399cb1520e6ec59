"""Issue #14: a user for a desa, kecamatan, OPD or DPRD member that does not exist is refused with a
field-level 422 (regions from the region data, OPD from Renja's register, DPRD member from Pokir's),
on create and on an update that changes the scope; nothing is stored."""
from __future__ import annotations

import pytest

from gateway.exceptions import ServiceTimeout

NEW_PASSWORD = "kata-sandi-awal-9876"
OPD = "1.03.0.00.0.00.01.0000"


@pytest.fixture
def as_admin(make_user, bearer):
    make_user("admin", role="admin")
    return bearer("admin")


@pytest.fixture
def registers(rpc):
    rpc.answers[("renja", "public_opd_codes")] = lambda pemda: [OPD] if pemda == "12.21" else []
    rpc.answers[("pokir", "public_anggota_ids")] = lambda pemda: ["A01", "A02"] if pemda == "12.21" else []
    return rpc


def create(client, headers, **fields):
    body = {"username": "pengguna.baru", "password": NEW_PASSWORD, **fields}
    return client.simulate_post("/v1/admin/users", json=body, headers=headers)


def _usernames(client, headers):
    return {u["username"] for u in client.simulate_get("/v1/admin/users", headers=headers).json["items"]}


@pytest.mark.parametrize("fields, field, code", [
    ({"role": "operator_desa", "wilayah": "12.21.99.9999"}, "wilayah", "wilayah_unknown"),
    ({"role": "operator_desa", "wilayah": "12.21.01.2999"}, "wilayah", "wilayah_unknown"),
    ({"role": "operator_kecamatan", "wilayah": "12.21.99"}, "wilayah", "wilayah_unknown"),
    ({"role": "opd", "opd": "9.99.0.00.0.00.01.0000"}, "opd", "opd_unknown"),
    ({"role": "anggota_dprd", "anggota_id": "A99"}, "anggota_id", "anggota_unknown"),
    ({"role": "staf_ahli", "anggota_id": "A99"}, "anggota_id", "anggota_unknown"),
])
def test_a_scope_that_does_not_exist_is_a_field_error_and_nothing_is_created(client, as_admin, registers, fields,
                                                                            field, code):
    result = create(client, as_admin, **fields)
    assert result.status_code == 422, result.text
    assert [(e["field"], e["code"]) for e in result.json["errors"]] == [(field, code)]
    assert "pengguna.baru" not in _usernames(client, as_admin)
    english = create(client, {**as_admin, "Accept-Language": "en"}, **fields)
    assert english.json["errors"][0]["message"] != result.json["errors"][0]["message"]


def test_the_message_says_what_to_do_next(client, as_admin, registers):
    result = create(client, as_admin, role="operator_desa", wilayah="12.21.99.9999")
    assert "GET /v1/public/wilayah/12.21" in result.json["errors"][0]["message"]
    result = create(client, as_admin, role="opd", opd="X-1")
    assert "PUT /v1/renja/opd" in result.json["errors"][0]["message"]


@pytest.mark.parametrize("fields", [
    {"role": "operator_desa", "wilayah": "12.21.01.2001"},
    {"role": "operator_kecamatan", "wilayah": "12.21.01"},
    {"role": "opd", "opd": OPD},
    {"role": "anggota_dprd", "anggota_id": "A01"},
    {"role": "staf_ahli", "anggota_id": "A02"},
    {"role": "bappeda"},
])
def test_a_scope_that_exists_is_accepted(client, as_admin, registers, fields):
    result = create(client, as_admin, **fields)
    assert result.status_code == 201, result.text


def test_the_registers_are_asked_for_the_admins_pemda(client, as_admin, registers):
    create(client, as_admin, role="opd", opd=OPD)
    create(client, as_admin, role="anggota_dprd", anggota_id="A01")
    asked = [(s, m, a) for s, m, a, _ in registers.calls if m in ("public_opd_codes", "public_anggota_ids")]
    assert asked == [("renja", "public_opd_codes", ("12.21",)), ("pokir", "public_anggota_ids", ("12.21",))]


def test_a_register_that_does_not_answer_creates_nothing(client, as_admin, rpc):
    rpc.answers[("renja", "public_opd_codes")] = ServiceTimeout("renja", "public_opd_codes", 1.0)
    result = create(client, as_admin, role="opd", opd=OPD)
    assert result.status_code == 504
    assert "pengguna.baru" not in _usernames(client, as_admin)


def test_an_update_checks_the_scope_it_changes_only(client, as_admin, registers):
    created = create(client, as_admin, role="opd", opd=OPD).json
    url = f"/v1/admin/users/{created['id']}"
    wrong = client.simulate_patch(url, json={"opd": "X-9"}, headers=as_admin)
    assert wrong.status_code == 422 and wrong.json["errors"][0]["code"] == "opd_unknown"
    assert client.simulate_get(url, headers=as_admin).json["opd"] == OPD
    moved = client.simulate_patch(url, json={"role": "operator_desa", "wilayah": "12.21.99.9999"}, headers=as_admin)
    assert moved.status_code == 422 and moved.json["errors"][0]["code"] == "wilayah_unknown"
    # the OPD left the register: the user can still be deactivated (its scope is not changed)
    registers.answers[("renja", "public_opd_codes")] = []
    off = client.simulate_patch(url, json={"active": False}, headers=as_admin)
    assert off.status_code == 200, off.text
    ok = client.simulate_patch(url, json={"role": "operator_kecamatan", "wilayah": "12.21.01"}, headers=as_admin)
    assert ok.status_code == 200 and ok.json["wilayah"] == "12.21.01"


def test_a_created_or_updated_user_carries_the_etag_of_its_get(client, as_admin, registers):
    created = create(client, as_admin, role="operator_desa", wilayah="12.21.01.2001")
    url = f"/v1/admin/users/{created.json['id']}"
    assert created.headers["etag"] == client.simulate_get(url, headers=as_admin).headers["etag"]
    updated = client.simulate_patch(url, json={"active": False}, headers=as_admin)
    assert updated.headers["etag"] == client.simulate_get(url, headers=as_admin).headers["etag"]
    assert updated.headers["etag"] != created.headers["etag"]
