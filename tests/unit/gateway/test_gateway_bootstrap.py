"""The bootstrap administrator, start-up preparation and the gateway's settings."""
import io
import os
import socket
import stat

import pytest

from gateway import settings
from gateway.auth import bootstrap
from gateway.auth.bootstrap import bootstrap_admin
from gateway.auth.passwords import Passwords
from gateway_fakes import FAST_HASHER


def test_the_first_admin_gets_a_generated_password_saved_privately_and_never_printed_or_logged(
        store, passwords, tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("GATEWAY_ADMIN_PASSWORD", raising=False)
    caplog.set_level("DEBUG")
    out = io.StringIO()

    result = bootstrap_admin(store, passwords, var_dir=tmp_path, out=out)

    assert result.created and result.username == "admin"
    (user,) = store.users.values()
    assert user.role == "admin" and user.pemda == "12.21" and user.active
    path = tmp_path / "admin-password.txt"
    assert result.password_file == path
    password = path.read_text().strip()
    assert len(password) >= 20
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert str(path) in out.getvalue()  # where it is, never what it is (issue #18 finding 6)
    assert password not in out.getvalue() and password not in caplog.text
    assert passwords.verify(user.password_hash, password)


def test_bootstrap_is_idempotent(store, passwords, tmp_path):
    first_out, second_out = io.StringIO(), io.StringIO()
    bootstrap_admin(store, passwords, var_dir=tmp_path, out=first_out)
    saved = (tmp_path / "admin-password.txt").read_text()

    again = bootstrap_admin(store, passwords, var_dir=tmp_path, out=second_out)

    assert again.created is False
    assert len(store.users) == 1
    assert second_out.getvalue() == ""
    assert (tmp_path / "admin-password.txt").read_text() == saved


def test_bootstrap_does_nothing_when_any_user_exists(store, passwords, make_user, tmp_path):
    make_user("bappeda1")

    result = bootstrap_admin(store, passwords, var_dir=tmp_path)

    assert result.created is False
    assert [u.username for u in store.users.values()] == ["bappeda1"]
    assert not (tmp_path / "admin-password.txt").exists()


def test_bootstrap_takes_password_pemda_and_username_from_the_environment(store, passwords, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("GATEWAY_ADMIN_PASSWORD", "rahasia-dari-env-123")
    monkeypatch.setenv("GATEWAY_ADMIN_PEMDA", "12.22")
    monkeypatch.setenv("GATEWAY_ADMIN_USERNAME", "Admin.Tapsel")
    out = io.StringIO()

    result = bootstrap_admin(store, passwords, var_dir=tmp_path, out=out)

    (user,) = store.users.values()
    assert result.created and result.password_file is None
    assert user.username == "admin.tapsel" and user.pemda == "12.22"
    assert passwords.verify(user.password_hash, "rahasia-dari-env-123")
    assert "rahasia" not in out.getvalue()
    assert not (tmp_path / "admin-password.txt").exists()


@pytest.mark.parametrize("env, value", [("GATEWAY_ADMIN_PASSWORD", "pendek"), ("GATEWAY_ADMIN_PEMDA", "12"),
                                        ("GATEWAY_ADMIN_USERNAME", "a b")])
def test_bootstrap_refuses_bad_settings_before_touching_the_store(store, passwords, tmp_path, monkeypatch, env,
                                                                  value):
    monkeypatch.setenv(env, value)

    with pytest.raises(ValueError):
        bootstrap_admin(store, passwords, var_dir=tmp_path)
    assert store.users == {}


def test_the_bootstrap_admin_can_log_in_and_use_the_admin_api(store, passwords, tmp_path, client):
    bootstrap_admin(store, passwords, var_dir=tmp_path, out=io.StringIO())
    password = (tmp_path / "admin-password.txt").read_text().strip()

    token = client.simulate_post("/v1/auth/login", json={"username": "admin", "password": password}).json
    result = client.simulate_get("/v1/admin/users", headers={"Authorization": f"Bearer {token['access_token']}"})

    assert result.status_code == 200 and result.json["total"] == 1


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_prepare_survives_an_unreachable_database_and_still_makes_the_jwt_key(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{closed_port()}/eplanning_gateway")
    monkeypatch.setenv("GATEWAY_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("GATEWAY_JWT_SECRET", raising=False)

    assert bootstrap.prepare() is False
    assert (tmp_path / "gateway-jwt-secret").exists()
    assert "could not prepare the gateway database" in caplog.text


def test_prepare_does_not_write_a_key_when_one_is_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"postgresql://postgres@127.0.0.1:{closed_port()}/x")
    monkeypatch.setenv("GATEWAY_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("GATEWAY_JWT_SECRET", "s" * 40)

    bootstrap.prepare()

    assert not (tmp_path / "gateway-jwt-secret").exists()


# -- settings -----------------------------------------------------------------------------------------

def test_the_gateway_database_is_its_own_and_ignores_the_generic_database_url(monkeypatch):
    monkeypatch.delenv("GATEWAY_DATABASE_URL", raising=False)
    monkeypatch.delenv("PG_URI", raising=False)
    monkeypatch.delenv("DB_PREFIX", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/eplanning_renja")

    assert settings.database_url() == "postgresql://postgres@127.0.0.1:5432/eplanning_gateway"
    monkeypatch.setenv("GATEWAY_DATABASE_URL", "postgresql://db:5432/gw")
    assert settings.database_url() == "postgresql://db:5432/gw"


def test_a_short_jwt_secret_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("GATEWAY_JWT_SECRET", "too-short")
    with pytest.raises(ValueError):
        settings.jwt_secret_from_env()


def test_auth_settings_have_the_documented_defaults(monkeypatch):
    for name in ("GATEWAY_ACCESS_TOKEN_TTL_SECONDS", "GATEWAY_LOGIN_WINDOW_SECONDS",
                 "GATEWAY_LOGIN_MAX_FAILURES_ACCOUNT", "GATEWAY_LOGIN_MAX_FAILURES_CLIENT",
                 "GATEWAY_TRUSTED_PROXY_HOPS", "GATEWAY_ADMIN_PEMDA"):
        monkeypatch.delenv(name, raising=False)

    assert settings.access_token_ttl() == 900
    assert (settings.login_window(), settings.login_max_failures_client(),
            settings.login_max_failures_account()) == (900, 5, 20)
    assert settings.trusted_proxy_hops() == 0
    assert settings.admin_pemda() == "12.21"
    monkeypatch.setenv("GATEWAY_TRUSTED_PROXY_HOPS", "-1")
    with pytest.raises(ValueError):
        settings.trusted_proxy_hops()


def test_passwords_are_argon2id():
    passwords = Passwords(FAST_HASHER)
    hashed = passwords.hash("kata-sandi-rahasia-1")

    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "kata-sandi-rahasia-1")
    assert not passwords.verify(hashed, "kata-sandi-rahasia-2")
    assert not passwords.verify("not a hash", "x")
    assert Passwords().needs_rehash(hashed)  # weaker than the production parameters


# -- the first administrator of one more pemda (eplanning-onboard) ----------------------------------

def test_a_pemda_gets_its_own_first_administrator_once(store, passwords, caplog):
    caplog.set_level("DEBUG")
    bootstrap_admin(store, passwords, password="kata-sandi-bootstrap")  # 12.21's, as the gateway makes it
    created = bootstrap.ensure_pemda_admin(store, pemda="32.73", username="admin.32.73",
                                           password="kata-sandi-kota-bandung", passwords=passwords)
    assert created.created and created.password_file is None
    (user,) = [u for u in store.users.values() if u.pemda == "32.73"]
    assert (user.username, user.role, user.active) == ("admin.32.73", "admin", True)
    assert passwords.verify(user.password_hash, "kata-sandi-kota-bandung")
    assert "kata-sandi-kota-bandung" not in caplog.text
    # again, even with another password: nothing changes (an existing administrator keeps its own)
    again = bootstrap.ensure_pemda_admin(store, pemda="32.73", username="admin.32.73",
                                         password="kata-sandi-lain-sekali", passwords=passwords)
    assert not again.created and store.users[user.id] == user


def test_a_pemda_administrator_name_held_by_another_role_or_unfit_input_is_refused(store, passwords):
    bootstrap.ensure_pemda_admin(store, pemda="32.73", username="admin.32.73", password="kata-sandi-kota-bandung",
                                 passwords=passwords)
    (admin,) = store.users.values()
    store.users[admin.id] = admin.replace(role="bappeda")
    with pytest.raises(ValueError, match="peran bappeda"):
        bootstrap.ensure_pemda_admin(store, pemda="32.73", username="admin.32.73",
                                     password="kata-sandi-kota-bandung", passwords=passwords)
    # the same name in another pemda is another user (usernames are per pemda)
    assert bootstrap.ensure_pemda_admin(store, pemda="12.71", username="admin.32.73",
                                        password="kata-sandi-kota-medan", passwords=passwords).created
    for pemda, username, password, message in (("3273", "admin", "kata-sandi-panjang", "kode pemda"),
                                               ("32.73", "A!", "kata-sandi-panjang", "nama pengguna"),
                                               ("32.73", "admin.baru", "pendek", "paling sedikit")):
        with pytest.raises(ValueError, match=message):
            bootstrap.ensure_pemda_admin(store, pemda=pemda, username=username, password=password, passwords=passwords)
