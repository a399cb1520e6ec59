"""The admin API: GET/POST /v1/admin/users, GET/PATCH /v1/admin/users/{id}."""
import uuid

import pytest

from gateway_fakes import PASSWORD
from gateway.problems import PROBLEM_CONTENT_TYPE

NEW_PASSWORD = "kata-sandi-awal-9876"


@pytest.fixture
def admin(make_user):
    return make_user("admin", role="admin")


@pytest.fixture
def as_admin(admin, bearer):
    return bearer("admin")


def create(client, headers, **fields):
    body = {"username": "desa.pagaranbira", "password": NEW_PASSWORD, "role": "operator_desa",
            "wilayah": "12.21.01.2001"}
    body.update(fields)
    return client.simulate_post("/v1/admin/users", json={k: v for k, v in body.items() if v is not ...},
                                headers=headers)


# -- authorization ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role, scopes", [("bappeda", {}), ("operator_desa", {"wilayah": "12.21.01.2001"}),
                                          ("setwan", {})])
def test_non_admins_get_403_on_every_admin_route(make_user, client, bearer, role, scopes):
    target = make_user("someone")
    make_user("caller", role=role, **scopes)
    headers = bearer("caller")

    results = [client.simulate_get("/v1/admin/users", headers=headers),
               create(client, headers),
               client.simulate_get(f"/v1/admin/users/{target.id}", headers=headers),
               client.simulate_patch(f"/v1/admin/users/{target.id}", json={"active": False}, headers=headers)]

    assert [r.status_code for r in results] == [403] * 4
    assert all(r.headers["content-type"] == PROBLEM_CONTENT_TYPE for r in results)
    assert results[0].json["code"] == "admin_only"


def test_the_admin_api_needs_a_token(client, admin):
    assert client.simulate_get("/v1/admin/users").status_code == 401
    assert client.simulate_post("/v1/admin/users", json={}).status_code == 401
    assert client.simulate_patch(f"/v1/admin/users/{admin.id}", json={}).status_code == 401


def test_demoting_an_admin_revokes_its_refresh_tokens(make_user, client, bearer, store):
    # its access token keeps its claims until it expires (15 min, documented); no new one can be had
    demoted = make_user("admin", role="admin")
    login = client.simulate_post("/v1/auth/login", json={"username": "admin", "password": PASSWORD}).json
    make_user("admin2", role="admin")

    patched = client.simulate_patch(f"/v1/admin/users/{demoted.id}", json={"role": "bappeda"},
                                    headers=bearer("admin2"))

    assert patched.status_code == 200
    refreshed = client.simulate_post("/v1/auth/refresh", json={"refresh_token": login["refresh_token"]})
    assert refreshed.status_code == 401


# -- list -------------------------------------------------------------------------------------------

def test_the_list_shows_the_users_of_the_admins_pemda_only_without_password_hashes(make_user, client, as_admin):
    make_user("bappeda1")
    make_user("bappeda.lain", pemda="12.22")

    result = client.simulate_get("/v1/admin/users", headers=as_admin)

    assert result.status_code == 200
    assert [u["username"] for u in result.json["items"]] == ["admin", "bappeda1"]
    assert result.json["total"] == 2 and result.json["limit"] == 50 and result.json["offset"] == 0
    assert set(result.json["items"][0]) == {"id", "username", "role", "pemda", "wilayah", "opd", "anggota_id",
                                            "active", "created_at", "updated_at"}
    assert "argon2" not in result.text
    assert result.headers["cache-control"] == "no-store"


def test_the_list_pages_and_filters(make_user, client, as_admin):
    for i in range(5):
        make_user(f"opd{i}", role="opd", opd=f"OPD-{i}", active=i % 2 == 0)

    page = client.simulate_get("/v1/admin/users", params={"role": "opd", "limit": "2", "offset": "1"},
                               headers=as_admin).json
    active = client.simulate_get("/v1/admin/users", params={"role": "opd", "active": "false"},
                                 headers=as_admin).json

    assert [u["username"] for u in page["items"]] == ["opd1", "opd2"] and page["total"] == 5
    assert [u["username"] for u in active["items"]] == ["opd1", "opd3"]


@pytest.mark.parametrize("params, field, code", [
    ({"limit": "201"}, "limit", "max_value"), ({"limit": "0"}, "limit", "min_value"),
    ({"limit": "many"}, "limit", "type_integer"), ({"offset": "-1"}, "offset", "min_value"),
    ({"role": "raja"}, "role", "choice"), ({"active": "maybe"}, "active", "type_boolean"),
    ({"sort": "password_hash"}, "sort", "unknown_field"),
])
def test_bad_query_parameters_are_field_level_422(client, as_admin, params, field, code):
    result = client.simulate_get("/v1/admin/users", params=params, headers=as_admin)

    assert result.status_code == 422
    assert [(e["field"], e["code"]) for e in result.json["errors"]] == [(field, code)]


# -- create -----------------------------------------------------------------------------------------

def test_an_admin_creates_a_user_who_can_then_log_in_with_the_right_identity(client, as_admin, login, tokens):
    result = create(client, as_admin)

    assert result.status_code == 201, result.text
    body = result.json
    assert result.headers["location"] == f"/v1/admin/users/{body['id']}"
    assert body["pemda"] == "12.21" and body["role"] == "operator_desa" and body["active"] is True
    assert "password" not in body and "password_hash" not in body
    token = login("desa.pagaranbira", NEW_PASSWORD).json["access_token"]
    assert tokens.verify(token)["wilayah"] == "12.21.01.2001"


def test_create_refuses_unknown_fields_like_an_id_or_a_hash(client, as_admin):
    result = create(client, as_admin, id=str(uuid.uuid4()), password_hash="$argon2id$x", created_at="2020")

    assert result.status_code == 422
    assert sorted(e["field"] for e in result.json["errors"]) == ["created_at", "id", "password_hash"]
    assert all(e["code"] == "unknown_field" for e in result.json["errors"])


def test_create_reports_every_bad_field_at_once(client, as_admin):
    result = create(client, as_admin, username="A B", password="short", role="raja", wilayah=5)

    assert result.status_code == 422
    codes = {e["field"]: e["code"] for e in result.json["errors"]}
    assert codes == {"username": "format_username", "password": "too_short", "role": "choice",
                     "wilayah": "type_string"}


@pytest.mark.parametrize("fields, field, code", [
    ({"role": "operator_desa", "wilayah": ...}, "wilayah", "scope_required"),
    ({"role": "operator_desa", "wilayah": "12.21.01"}, "wilayah", "format_desa"),
    ({"role": "operator_kecamatan", "wilayah": "12.21.01.2001"}, "wilayah", "format_kecamatan"),
    ({"role": "operator_desa", "wilayah": "12.22.01.2001"}, "wilayah", "wilayah_outside_pemda"),
    ({"role": "opd", "wilayah": ...}, "opd", "scope_required"),
    ({"role": "anggota_dprd", "wilayah": ...}, "anggota_id", "scope_required"),
    ({"role": "staf_ahli", "wilayah": ..., "anggota_id": "A 1"}, "anggota_id", "format_code"),
    ({"role": "bappeda", "wilayah": ..., "opd": "1.02"}, "opd", "scope_not_allowed"),
    ({"role": "admin", "wilayah": "12.21.01.2001"}, "wilayah", "scope_not_allowed"),
    ({"password": "desa.pagaranbira"}, "password", "password_equals_username"),
    ({"pemda": "1221"}, "pemda", "format_pemda"),
])
def test_the_role_must_come_with_exactly_its_scope(client, as_admin, fields, field, code):
    result = create(client, as_admin, **fields)

    assert result.status_code == 422, result.text
    assert (field, code) in [(e["field"], e["code"]) for e in result.json["errors"]]


def test_scope_messages_are_in_indonesian_and_in_english_on_request(client, as_admin):
    indonesian = create(client, as_admin, role="opd", wilayah=...)
    english = client.simulate_post("/v1/admin/users", headers={**as_admin, "Accept-Language": "en"},
                                   json={"username": "opd.x", "password": NEW_PASSWORD, "role": "opd"})

    assert indonesian.json["errors"][0]["message"] == "Wajib diisi untuk peran opd."
    assert english.json["errors"][0]["message"] == "Required for the role opd."
    assert english.json["detail"] == "The submitted data is invalid."


def test_an_admin_cannot_create_users_of_another_pemda(client, as_admin):
    result = create(client, as_admin, pemda="12.22", wilayah="12.22.01.2001")

    assert result.status_code == 403
    assert result.json["code"] == "other_pemda"


def test_a_taken_username_is_a_409(client, as_admin, make_user):
    make_user("desa.pagaranbira")

    result = create(client, as_admin, username="DESA.Pagaranbira")

    assert result.status_code == 409
    assert result.json["code"] == "username_taken"


def comparable(answer):
    """What an answer tells beyond the values the caller chose and the ones made fresh (id, times)."""
    body = {k: v for k, v in answer.json.items() if k not in ("id", "username", "created_at", "updated_at")}
    return answer.status_code, body, sorted(h for h in answer.headers if h not in ("location", "x-correlation-id",
                                                                                   "content-length"))


def test_another_pemdas_admin_gets_the_same_answer_for_a_taken_and_a_free_username(make_user, client, bearer,
                                                                                   login, tokens):
    """Issue #18 finding 9: an admin of 12.22 must not learn that `bappeda` exists in 12.21."""
    ours = make_user("bappeda")  # pemda 12.21, the deployment's default pemda
    other_admin = make_user("admin.tapsel", role="admin", pemda="12.22")
    as_other_admin = {"Authorization": f"Bearer {tokens.issue(other_admin)[0]}"}

    taken = create(client, as_other_admin, username="bappeda", role="bappeda", wilayah=...)
    free = create(client, as_other_admin, username="bappeda.baru", role="bappeda", wilayah=...)

    assert taken.status_code == 201, taken.text
    assert comparable(taken) == comparable(free)
    # both sign in naming their pemda; without it the name is the default pemda's, as before
    assert login("bappeda", NEW_PASSWORD, pemda="12.22").status_code == 200
    assert login("bappeda.baru", NEW_PASSWORD, pemda="12.22").status_code == 200
    assert login("bappeda", PASSWORD).json["access_token"]
    assert client.simulate_get("/v1/auth/me", headers=bearer("bappeda")).json["identity"]["sub"] == ours.id
    # and signing in without the pemda tells them nothing either: both 401 alike
    assert login("bappeda", NEW_PASSWORD).status_code == login("bappeda.baru", NEW_PASSWORD).status_code == 401


def test_a_user_created_inactive_cannot_log_in(client, as_admin, login):
    assert create(client, as_admin, active=False).status_code == 201
    assert login("desa.pagaranbira", NEW_PASSWORD).status_code == 401


# -- get, patch -------------------------------------------------------------------------------------

def test_get_shows_one_user_and_hides_other_pemdas_users(make_user, client, as_admin):
    mine = make_user("bappeda1")
    theirs = make_user("bappeda.lain", pemda="12.22")

    assert client.simulate_get(f"/v1/admin/users/{mine.id}", headers=as_admin).json["username"] == "bappeda1"
    assert client.simulate_get(f"/v1/admin/users/{theirs.id}", headers=as_admin).status_code == 404
    assert client.simulate_get(f"/v1/admin/users/{uuid.uuid4()}", headers=as_admin).status_code == 404
    assert client.simulate_get("/v1/admin/users/not-a-uuid", headers=as_admin).status_code == 404


def test_patch_changes_role_and_scope_and_ends_the_users_sessions(make_user, client, as_admin, login, store,
                                                                   tokens):
    user = make_user("kec1", role="operator_kecamatan", wilayah="12.21.01")
    session = login("kec1").json["refresh_token"]

    result = client.simulate_patch(f"/v1/admin/users/{user.id}", headers=as_admin,
                                   json={"role": "operator_desa", "wilayah": "12.21.01.2002"})

    assert result.status_code == 200, result.text
    assert result.json["role"] == "operator_desa" and result.json["wilayah"] == "12.21.01.2002"
    assert store.live_tokens(user.id) == []
    assert client.simulate_post("/v1/auth/refresh", json={"refresh_token": session}).status_code == 401
    assert tokens.verify(login("kec1").json["access_token"])["wilayah"] == "12.21.01.2002"


def test_patch_clears_a_scope_the_new_role_does_not_have(make_user, client, as_admin):
    user = make_user("opd1", role="opd", opd="OPD-1")

    result = client.simulate_patch(f"/v1/admin/users/{user.id}", headers=as_admin, json={"role": "bappeda"})

    assert result.status_code == 200
    assert result.json["role"] == "bappeda" and result.json["opd"] is None


def test_patch_refuses_an_incoherent_result(make_user, client, as_admin):
    user = make_user("opd1", role="opd", opd="OPD-1")

    to_desa = client.simulate_patch(f"/v1/admin/users/{user.id}", headers=as_admin, json={"role": "operator_desa"})
    clear = client.simulate_patch(f"/v1/admin/users/{user.id}", headers=as_admin, json={"opd": None})

    assert to_desa.status_code == 422 and to_desa.json["errors"][0]["field"] == "wilayah"
    assert clear.status_code == 422 and clear.json["errors"][0]["code"] == "scope_required"


def test_patch_resets_a_password(make_user, client, as_admin, login):
    user = make_user("bappeda1")

    result = client.simulate_patch(f"/v1/admin/users/{user.id}", headers=as_admin,
                                   json={"password": "kata-sandi-reset-55"})

    assert result.status_code == 200
    assert login("bappeda1").status_code == 401
    assert login("bappeda1", "kata-sandi-reset-55").status_code == 200


def test_patch_deactivates_and_the_user_can_no_longer_log_in(make_user, client, as_admin, login):
    user = make_user("bappeda1")

    result = client.simulate_patch(f"/v1/admin/users/{user.id}", headers=as_admin, json={"active": False})

    assert result.status_code == 200 and result.json["active"] is False
    assert login("bappeda1").status_code == 401


def test_patch_accepts_merge_patch_json(make_user, client, as_admin):
    user = make_user("bappeda1")

    result = client.simulate_patch(f"/v1/admin/users/{user.id}", body=b'{"active": false}',
                                   headers={**as_admin, "Content-Type": "application/merge-patch+json"})

    assert result.status_code == 200 and result.json["active"] is False


@pytest.mark.parametrize("body, field, code", [
    ({"username": "baru"}, "username", "unknown_field"), ({"pemda": "12.22"}, "pemda", "unknown_field"),
    ({"active": "yes"}, "active", "type_boolean"), ({"role": None}, "role", "not_null"),
    ({"password": "short"}, "password", "too_short"), ({}, "", "no_changes"),
])
def test_patch_refuses_bad_input_field_by_field(make_user, client, as_admin, body, field, code):
    user = make_user("bappeda1")

    result = client.simulate_patch(f"/v1/admin/users/{user.id}", headers=as_admin, json=body)

    assert result.status_code == 422
    assert [(e["field"], e["code"]) for e in result.json["errors"]] == [(field, code)]


def test_an_admin_cannot_demote_or_deactivate_itself(admin, client, as_admin):
    demote = client.simulate_patch(f"/v1/admin/users/{admin.id}", headers=as_admin, json={"role": "bappeda"})
    deactivate = client.simulate_patch(f"/v1/admin/users/{admin.id}", headers=as_admin, json={"active": False})
    new_password = client.simulate_patch(f"/v1/admin/users/{admin.id}", headers=as_admin,
                                         json={"password": "kata-sandi-admin-77"})

    assert demote.status_code == 403 and demote.json["code"] == "self_change"
    assert deactivate.status_code == 403
    assert new_password.status_code == 200


def test_an_admin_cannot_patch_another_pemdas_user(make_user, client, as_admin, store):
    theirs = make_user("bappeda.lain", pemda="12.22")

    result = client.simulate_patch(f"/v1/admin/users/{theirs.id}", headers=as_admin, json={"active": False})

    assert result.status_code == 404
    assert store.user_by_id(theirs.id).active is True


def test_a_patch_that_changes_nothing_keeps_the_sessions(make_user, client, as_admin, login, store):
    user = make_user("bappeda1")
    login("bappeda1")

    result = client.simulate_patch(f"/v1/admin/users/{user.id}", headers=as_admin, json={"active": True})

    assert result.status_code == 200
    assert len(store.live_tokens(user.id)) == 1
