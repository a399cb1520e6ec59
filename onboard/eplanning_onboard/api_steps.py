"""Steps 3 and 4 of an onboarding, through the gateway's /v1 API only (eplanning_demo's client:
logins, retries, problem+json errors): the onboarding's Bappeda account, then the registers.

Each register is first read back through the API and sent only when the file holds something the
read does not show yet (`registers.already_there`), so a second run sends nothing."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

from eplanning_demo.client import Api, ApiError, Unavailable

from . import registers
from .registers import RegisterFiles, read_text

ONBOARD_USER = "onboard.{pemda}"


class GatewayNotReady(Exception):
    pass


@dataclass
class Report:
    lines: list[tuple[str, str]] = field(default_factory=list)  # (what, outcome)

    def add(self, what: str, outcome: str) -> None:
        self.lines.append((what, outcome))


def wait_ready(api: Api, seconds: float, sleep: Callable[[float], None] = time.sleep) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            reply = api.call(None, "GET", "/readyz", attempts=1, expect=(200, 503))
            if reply.status == 200:
                return
            why = reply.body[:300].decode("utf-8", "replace")
        except ApiError as exc:
            why = str(exc)
        if time.monotonic() > deadline:
            raise GatewayNotReady(f"gateway {api.base_url} belum siap setelah {seconds:.0f} detik: {why}")
        sleep(2.0)


def sign_in(api: Api, username: str, password: str, pemda: str) -> bool:
    """Registers the user's password (and pemda: usernames are unique per pemda) with the client;
    True when it signs in."""
    api.register(username, password, pemda)
    try:
        api.get(username, "/v1/auth/me")
    except ApiError as exc:
        if exc.status in (401, 403):
            return False
        raise
    return True


def ensure_onboard_user(api: Api, admin: str, pemda: str, password: str, report: Report) -> str:
    """`onboard.<pemda>`, role bappeda, with the derived password; created by the administrator
    through /v1/admin/users (its password set again only when it no longer signs in)."""
    username = ONBOARD_USER.format(pemda=pemda)
    body = {"username": username, "password": password, "role": "bappeda"}
    reply = api.call(admin, "POST", "/v1/admin/users", body, expect=(201, 409))
    if reply.status == 201:
        report.add(f"akun Bappeda onboarding {username}", "dibuat")
    elif (reply.json or {}).get("code") != "username_taken":
        raise ApiError("POST", "/v1/admin/users", 409, reply.json, user=admin)
    elif sign_in(api, username, password, pemda):
        report.add(f"akun Bappeda onboarding {username}", "sudah ada, tidak berubah")
    else:
        found = [u for u in api.get(admin, "/v1/admin/users?role=bappeda&limit=200")["items"]
                 if u["username"] == username]
        if not found:
            raise ApiError("POST", "/v1/admin/users", 409, {"code": "username_taken", "detail":
                           f"nama pengguna {username} dipakai di pemda lain"}, user=admin)
        api.call(admin, "PATCH", f"/v1/admin/users/{found[0]['id']}", {"password": password, "active": True})
        report.add(f"akun Bappeda onboarding {username}", "kata sandi dan status dipulihkan")
    api.register(username, password, pemda)
    return username


def import_registers(api: Api, user: str, files: RegisterFiles, *, tahun: int | None, periode: str,
                     nomenklatur: str, report: Report) -> None:
    if files.opd is not None:
        text = read_text(files.opd)
        current = api.get(user, "/v1/renja/opd")
        if registers.already_there(registers.opd_view(text), registers.api_opd_view(current)):
            report.add(f"daftar OPD ({files.opd.name})", "sudah ada, tidak dikirim")
        else:
            done = api.call(user, "PUT", f"/v1/renja/opd?versi={nomenklatur}", raw=text.encode("utf-8"),
                            content_type="text/csv").json
            report.add(f"daftar OPD ({files.opd.name})", f"diimpor: {done['imported']} OPD")
    else:
        report.add("daftar OPD", "tidak ada berkas, dilewati")

    if files.dprd is not None:
        dapil, anggota, staf = (read_text(p) for p in files.dprd)
        reply = api.call(user, "GET", "/v1/pokir/register", expect=(200, 404))
        current = registers.api_register_view(reply.json) if reply.status == 200 else None
        if registers.already_there(registers.register_view(periode, dapil, anggota, staf), current):
            report.add(f"daftar DPRD {periode}", "sudah ada, tidak dikirim")
        else:
            done = api.call(user, "PUT", "/v1/pokir/register", {"periode": periode, "dapil_csv": dapil,
                                                                "anggota_csv": anggota, "staf_ahli_csv": staf}).json
            report.add(f"daftar DPRD {periode}", f"diimpor: {done['dapil']} dapil, {done['anggota']} anggota, "
                                                 f"{done['staf_ahli']} staf ahli")
    else:
        report.add("daftar DPRD", "tidak ada berkas, dilewati")

    if files.kamus is not None and tahun is not None:
        text = read_text(files.kamus)
        exported = api.call(user, "GET", f"/v1/musrenbang/{tahun}/kamus.csv").body.decode("utf-8")
        if registers.already_there(registers.kamus_view(text), registers.kamus_view(exported)):
            report.add(f"kamus usulan {tahun} ({files.kamus.name})", "sudah ada, tidak dikirim")
        else:
            # Pokir first: Pokir has no read of its kamus, so Musrenbang's (imported second, from the
            # same file) is the witness that both are in
            api.call(user, "PUT", f"/v1/pokir/{tahun}/kamus", raw=text.encode("utf-8"), content_type="text/csv")
            done = api.call(user, "PUT", f"/v1/musrenbang/{tahun}/kamus", raw=text.encode("utf-8"),
                            content_type="text/csv").json
            report.add(f"kamus usulan {tahun} ({files.kamus.name})",
                       f"diimpor ke Pokir dan Musrenbang: {done['imported']} item")
    else:
        report.add("kamus usulan", "tidak ada berkas (atau --tahun), dilewati")


__all__ = ["Api", "ApiError", "GatewayNotReady", "Report", "Unavailable", "ensure_onboard_user", "import_registers",
           "sign_in", "wait_ready"]
