"""The first administrator and the start-up preparation of the gateway.

`bootstrap_admin()`: when the users table is empty, create one administrator (role `admin`) for
GATEWAY_ADMIN_PEMDA. Its password is GATEWAY_ADMIN_PASSWORD, or a generated one written to
<var>/admin-password.txt (mode 600) and nowhere else: what is printed (gunicorn's output, which
ends up in var/log/stack.log locally or the pod log in Kubernetes) names the file, never the
password (issue #18, finding 6). Idempotent: once any user exists it does nothing, and concurrent
starters are serialized by an advisory lock in the store.

`prepare()`: what gunicorn's master runs before forking the workers (deploy/gateway/gunicorn.conf.py on_starting):
migrate the gateway database, make sure the JWT key exists, bootstrap the administrator.
"""
from __future__ import annotations

import logging
import os
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, TextIO

from .. import settings
from .errors import UsernameTaken
from .passwords import Passwords, generate_password
from .service import utcnow
from .tokens import SECRET_FILE, load_or_create_secret
from .users import ADMIN, PASSWORD_MIN, PEMDA, USERNAME, User

log = logging.getLogger(__name__)

PASSWORD_FILE = "admin-password.txt"


@dataclass(frozen=True)
class BootstrapResult:
    created: bool
    username: str
    password_file: Path | None = None  # set when the password was generated


def bootstrap_admin(store, passwords: Passwords | None = None, *, username: str | None = None,
                    password: str | None = None, pemda: str | None = None, var_dir: Path | None = None,
                    clock: Callable[[], datetime] = utcnow, out: TextIO | None = None) -> BootstrapResult:
    username = (username or settings.admin_username()).strip().lower()
    password = password if password is not None else settings.admin_password()
    pemda = (pemda or settings.admin_pemda()).strip()
    var_dir = Path(var_dir) if var_dir is not None else settings.var_dir()
    if not USERNAME.fullmatch(username):
        raise ValueError(f"GATEWAY_ADMIN_USERNAME {username!r} is not a valid username")
    if not PEMDA.fullmatch(pemda):
        raise ValueError(f"GATEWAY_ADMIN_PEMDA {pemda!r} is not a kab/kota code like 12.21")
    if password is not None and (len(password) < PASSWORD_MIN or password.strip().lower() == username):
        raise ValueError(f"GATEWAY_ADMIN_PASSWORD must have at least {PASSWORD_MIN} characters "
                         "and differ from the username")

    if store.count_users() > 0:  # cheap check first: nothing to hash on every restart
        return BootstrapResult(False, username)
    generated = password is None
    if generated:
        password = generate_password()
    passwords = passwords or Passwords()
    now = clock()
    user = User(id=str(uuid.uuid4()), username=username, password_hash=passwords.hash(password), role=ADMIN,
                pemda=pemda, wilayah=None, opd=None, anggota_id=None, active=True, created_at=now, updated_at=now)
    if not store.insert_first_user(user):  # another process won the race
        return BootstrapResult(False, username)

    log.warning("created the bootstrap administrator %r for pemda %s", username, pemda)
    if not generated:
        return BootstrapResult(True, username)
    path = var_dir / PASSWORD_FILE
    write_private(path, password + "\n")
    print(f"E-Planning gateway: administrator '{username}' (pemda {pemda}) dibuat; kata sandinya ada di "
          f"{path} (mode 600, tidak dicetak di log). Segera ganti lewat POST /v1/auth/password.",
          file=out or sys.stdout, flush=True)
    return BootstrapResult(True, username, path)


def ensure_pemda_admin(store, *, pemda: str, username: str, password: str, passwords: Passwords | None = None,
                       clock: Callable[[], datetime] = utcnow) -> BootstrapResult:
    """The first administrator of one more pemda in this deployment (`eplanning-onboard`): an
    `admin` user of `pemda` named `username`, created with `password` when it does not exist.
    Idempotent: an existing administrator of that pemda under that name is left as it is (its
    password too). ValueError when the name, code or password is unfit, or the name belongs to a
    user of another role in that pemda. The password is never logged or printed."""
    username, pemda = username.strip().lower(), pemda.strip()
    if not USERNAME.fullmatch(username):
        raise ValueError(f"nama pengguna administrator {username!r} tidak sah (huruf kecil, angka, . _ -; 3-64)")
    if not PEMDA.fullmatch(pemda):
        raise ValueError(f"kode pemda {pemda!r} bukan kode kabupaten/kota seperti 12.21")
    if len(password) < PASSWORD_MIN or password.strip().lower() == username:
        raise ValueError(f"kata sandi administrator harus paling sedikit {PASSWORD_MIN} karakter "
                         "dan berbeda dari nama pengguna")
    for _ in range(2):  # a concurrent onboarding may create it between the read and the insert
        existing = store.user_by_username(pemda, username)  # usernames are unique per pemda
        if existing is not None:
            if existing.role != ADMIN:
                raise ValueError(f"nama pengguna {username!r} sudah dipakai di pemda {pemda} (peran "
                                 f"{existing.role}); pilih nama lain untuk administratornya")
            return BootstrapResult(False, username)
        now = clock()
        user = User(id=str(uuid.uuid4()), username=username, password_hash=(passwords or Passwords()).hash(password),
                    role=ADMIN, pemda=pemda, wilayah=None, opd=None, anggota_id=None, active=True, created_at=now,
                    updated_at=now)
        try:
            store.insert_user(user, None)
        except UsernameTaken:
            continue
        log.warning("created the administrator %r of pemda %s (onboarding)", username, pemda)
        return BootstrapResult(True, username)
    raise ValueError(f"nama pengguna {username!r} sedang dibuat oleh proses lain; ulangi")


def write_private(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an older file may have had wider permissions
        os.write(fd, content.encode("utf-8"))
    finally:
        os.close(fd)


def ensure_jwt_secret() -> None:
    """Creates <var>/gateway-jwt-secret before the workers fork, unless GATEWAY_JWT_SECRET is set."""
    if settings.jwt_secret_from_env() is None:
        load_or_create_secret(settings.var_dir() / SECRET_FILE)


def prepare() -> bool:
    """Migrate, make the JWT key, bootstrap the administrator. Returns False (after logging why)
    if the database is not reachable: the gateway still starts (health, readiness and the RPC
    routes work) and logins answer 503 until the database is back and `gateway-migrate` has run."""
    from eplanning_common.migrations import migrate

    from .store import SqlAuthStore

    ensure_jwt_secret()
    url = settings.database_url()
    try:
        migrate("gateway", url)
        store = SqlAuthStore.from_url(url)
        try:
            bootstrap_admin(store)
        finally:
            store.dispose()
    except Exception:
        log.exception("could not prepare the gateway database; logins will fail until it is migrated "
                      "(run gateway-migrate and gateway-bootstrap-admin)")
        return False
    return True
