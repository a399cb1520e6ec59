"""User administration hands the acting identity to the store, which writes it to the gateway's
audit log (gateway.auth.store; the chain itself is tested on PostgreSQL in tests/integration/test_audit.py)."""
from gateway.auth.store import user_action
from gateway_fakes import PASSWORD

NEW_PASSWORD = "kata-sandi-awal-9876"


def test_create_update_deactivate_and_password_change_are_audited_with_their_actor(make_user, client, bearer, store):
    admin = make_user("admin", role="admin")
    headers = bearer("admin")
    store.audited.clear()  # make_user's own inserts

    created = client.simulate_post("/v1/admin/users", headers=headers, json={
        "username": "desa.pagaranbira", "password": NEW_PASSWORD, "role": "operator_desa",
        "wilayah": "12.21.01.2001"}).json
    client.simulate_patch(f"/v1/admin/users/{created['id']}", json={"wilayah": "12.21.01.2002"}, headers=headers)
    client.simulate_patch(f"/v1/admin/users/{created['id']}", json={"active": False}, headers=headers)
    changed = client.simulate_post("/v1/auth/password", headers=headers,
                                   json={"current_password": PASSWORD, "new_password": "kata-sandi-baru-123"})

    assert changed.status_code == 200
    assert [(action, subject) for action, subject, _ in store.audited] == [
        ("user.created", created["id"]), ("user.updated", created["id"]), ("user.deactivated", created["id"]),
        ("user.password_changed", admin.id)]
    assert all(actor["sub"] == admin.id and actor["role"] == "admin" for _, _, actor in store.audited)


def test_the_action_names_what_an_update_changed():
    assert user_action({"active": False, "role": "bappeda"}) == "user.deactivated"
    assert user_action({"active": True}) == "user.reactivated"
    assert user_action({"password_hash": "x"}) == "user.password_changed"
    assert user_action({"password_hash": "x", "role": "admin"}) == "user.updated"
