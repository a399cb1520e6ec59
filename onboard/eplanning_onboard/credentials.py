"""The two passwords of an onboarding, and where they live.

* The pemda's first administrator: its password is the content of one file, never an argument,
  an environment variable or a log line. Locally the file is created (mode 600, a generated
  password) when it does not exist; on Kubernetes it is a key of a Secret mounted read-only
  (deploy/k8s/onboard/), created by the operator beforehand.
* The onboarding's own Bappeda account (`onboard.<pemda>`) that imports the registers through the
  API (an administrator manages users only; the imports are Bappeda's): its password is derived
  from the administrator's (HMAC-SHA256), so a second run signs in again without a second secret
  and without changing anything. Whoever holds the administrator's password can reset this account
  anyway, so the derivation gives nobody more than they already have.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import stat
from pathlib import Path

from gateway.auth.bootstrap import write_private
from gateway.auth.passwords import generate_password


class CredentialError(ValueError):
    """The administrator's password file cannot be read or made (the message says why)."""


def admin_password(path: Path) -> tuple[str, bool]:
    """(password, created): the file's content, or a generated password written to a new file (0600)."""
    path = Path(path)
    if path.is_file():
        try:
            password = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise CredentialError(f"berkas kata sandi {path} tidak dapat dibaca: {exc.strerror}") from None
        if not password:
            raise CredentialError(f"berkas kata sandi {path} kosong")
        return password, False
    if path.exists():
        raise CredentialError(f"{path} bukan berkas biasa")
    try:
        password = generate_password()
        write_private(path, password + "\n")
    except OSError as exc:
        raise CredentialError(f"berkas kata sandi {path} tidak ada dan tidak dapat dibuat ({exc.strerror}); "
                              "di Kubernetes buat dulu Secret-nya (deploy/README.md, Onboarding a pemda)") from None
    return password, True


def too_open(path: Path) -> bool:
    """True when any account may read the password file (a Kubernetes Secret mounted 0440 with
    the pod's fsGroup is readable by its group only: that is fine)."""
    try:
        return bool(Path(path).stat().st_mode & stat.S_IRWXO)
    except OSError:
        return False


def onboarding_password(admin_password: str, pemda: str) -> str:
    """The password of `onboard.<pemda>`, derived from the administrator's (43 URL-safe characters)."""
    digest = hmac.new(admin_password.encode("utf-8"), f"eplanning-onboard:{pemda}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
