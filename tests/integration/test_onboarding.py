"""Onboarding (`eplanning-onboard`) and one deployment serving two pemda, on one real stack: the
four services (in-process, fresh databases holding only 12.21's region tree at start, real
RabbitMQ and PostgreSQL) and the real gateway under gunicorn.

Kabupaten Padang Lawas (12.21) is onboarded with the demo registers of data/demo/, Kota Bandung
(32.73) with registers of its own written here; the command loads 32.73's region tree into every
service, creates its first administrator (password in a 0600 file, never printed) and imports the
registers through the API. Then: an unknown code is refused before anything is written; a second
run changes nothing (no request that writes, no audit entry anywhere); the users of one pemda never
see the other's users, registers, usulan or inbox; a small Musrenbang cycle is played in the kota
(usulan, decisions at desa, kecamatan and kota level, forum and stage close, the usulan in its OPD's
Renja inbox by events), and the region names come out as "Kota Bandung" / "Kabupaten Padang Lawas".
"""
from __future__ import annotations

import io
import json
import os
import re
import stat
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from eplanning_common.audit import audit_log
from eplanning_common.wilayah import wilayah
from eplanning_onboard.__main__ import main as onboard

from . import gateway_stack as stack
from . import support
from .support import wait_for

pytestmark = pytest.mark.timeout(240)

ROOT = Path(__file__).resolve().parents[2]
SUFFIX = "onboard"
TAHUN = 2034  # its own plan year: other modules' events in the shared vhost are for other years
SERVICES = ("musrenbang", "pokir", "renja", "rkpd")
KOTA, KABUPATEN = "32.73", "12.21"
DINAS_PU = "1.03.0.00.0.00.01.0000"
SUB_KEGIATAN = {"1.03": "1.03.06.2.01.0012", "1.02": "1.02.02.2.01.0001", "2.16": "2.16.02.2.01.0014"}

KOTA_REGISTERS = {
    f"opd_{KOTA}.csv": (
        "kode,nama,bidang\n"
        f"{DINAS_PU},Dinas Sumber Daya Air dan Bina Marga,1.03\n"
        "1.02.0.00.0.00.01.0000,Dinas Kesehatan,1.02\n"),
    f"dprd_dapil_{KOTA}.csv": (
        "kode,nama,kecamatan\n"
        "BDG-1,Dapil Kota Bandung 1,32.73.01 32.73.02\n"
        "BDG-2,Dapil Kota Bandung 2,32.73.03\n"),
    f"dprd_anggota_{KOTA}.csv": (
        "id,nama,fraksi,dapil,pagu\n"
        "B01,Anggota DPRD Kota 01,Fraksi A,BDG-1,1500000000.00\n"
        "B02,Anggota DPRD Kota 02,Fraksi B,BDG-2,1500000000\n"),
    f"dprd_staf_ahli_{KOTA}.csv": "id,nama,anggota_id\nT01,Staf Ahli Kota 01,B01\n",
    f"kamus_usulan_{KOTA}_{TAHUN}.csv": (
        "kode,nama,sub_kegiatan,opd,satuan,harga_satuan,volume_maks\n"
        f"DRN-01,Pembangunan drainase lingkungan,1.03.06.2.01.0012,{DINAS_PU},meter,900000.00,2000\n"
        f"JLN-01,Pelebaran jembatan lingkungan,1.03.10.2.01.0049,{DINAS_PU},meter,1250000,\n"),
}


def _url(name: str) -> str:
    return f"{support.PG_URI}/{support.db_name(name)}"


DATABASES = {**{s: _url(f"eplanning_test_{s}_{SUFFIX}") for s in SERVICES},
             "gateway": _url(f"eplanning_test_gateway_{SUFFIX}")}


@contextmanager
def environment(values: dict[str, str]):
    previous = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in previous.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class Stack:
    def __init__(self, gateway, tmp: Path):
        self.gw, self.tmp = gateway, tmp
        self.env = {f"{s.upper()}_DATABASE_URL": DATABASES[s] for s in SERVICES}
        self.env["GATEWAY_DATABASE_URL"] = DATABASES["gateway"]

    def password_file(self, pemda: str) -> Path:
        return self.tmp / "secrets" / pemda / "admin-password.txt"

    def onboard(self, pemda: str, *more: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        argv = ["--pemda", pemda, "--tahun", str(TAHUN), "--gateway", self.gw.url,
                "--admin-password-file", str(self.password_file(pemda)), "--wait", "30", *more]
        with environment(self.env):
            code = onboard(argv, out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    def get(self, path: str, token: str, status: int = 200):
        answer = self.gw.request("GET", path, token=token)
        assert answer.status == status, (path, answer.status, answer.body[:800])
        return answer.json if answer.headers.get("content-type", "").endswith("json") else answer.body

    def call(self, method: str, path: str, token: str, body=None, status=(200, 201), **kwargs):
        answer = self.gw.request(method, path, body, token=token, **kwargs)
        assert answer.status in status, (method, path, answer.status, answer.body[:1500])
        return answer.json


@pytest.fixture(scope="module")
def deployment(amqp_uri, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("onboard")
    registers = tmp / "registers"
    registers.mkdir()
    for name, text in KOTA_REGISTERS.items():
        (registers / name).write_text(text, encoding="utf-8")
    stack.purge_queues(amqp_uri)
    containers = stack.start_services(amqp_uri, SUFFIX)  # fresh databases: 12.21's regions only
    gateway = None
    try:
        (tmp / "gateway").mkdir()
        gateway = stack.start_gateway(amqp_uri, SUFFIX, tmp / "gateway")  # bootstraps `admin` of 12.21
        s = Stack(gateway, tmp)
        s.registers = registers
        s.first = {
            KABUPATEN: s.onboard(KABUPATEN, "--registers", str(ROOT / "data" / "demo"),
                                 "--kamus", str(ROOT / "data" / "demo" / "kamus_usulan_12.21_2027.csv")),
            KOTA: s.onboard(KOTA, "--registers", str(registers)),
        }
        yield s
    finally:
        if gateway is not None:
            stack.stop_gateway(gateway)
        stack.stop_services(containers)


def _password(s: Stack, pemda: str) -> str:
    return s.password_file(pemda).read_text().strip()


def _token(s: Stack, username: str, password: str, pemda: str) -> str:
    return s.gw.login(username, password, pemda=pemda)  # usernames are unique per pemda: sign in to one


def _onboard_token(s: Stack, pemda: str) -> str:
    from eplanning_onboard.credentials import onboarding_password

    return _token(s, f"onboard.{pemda}", onboarding_password(_password(s, pemda), pemda), pemda)


def _audit_counts() -> dict[str, int]:
    counts = {}
    for name, url in DATABASES.items():
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                counts[name] = conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()
        finally:
            engine.dispose()
    return counts


# -- the command ---------------------------------------------------------------------------------


def test_both_pemda_are_onboarded_through_the_api(deployment):
    s = deployment
    for pemda, (code, out, err) in s.first.items():
        assert code == 0, (pemda, out, err)
    code, out, err = s.first[KOTA]
    assert "onboarding Kota Bandung (32.73): 30 kecamatan, 151 desa/kelurahan" in out, out
    assert "administrator admin.32.73 (pemda 32.73): dibuat" in out
    assert "daftar OPD (opd_32.73.csv): diimpor: 2 OPD" in out
    assert "daftar DPRD 2024-2029: diimpor: 2 dapil, 2 anggota, 1 staf ahli" in out
    assert f"kamus usulan {TAHUN} (kamus_usulan_32.73_{TAHUN}.csv): diimpor ke Pokir dan Musrenbang: 2 item" in out
    assert "onboarding Kabupaten Padang Lawas (12.21)" in s.first[KABUPATEN][1]
    assert "diimpor: 46 OPD" in s.first[KABUPATEN][1]

    # the region tree of the kota is in every service's database, next to the kabupaten's
    for service in SERVICES:
        engine = sa.create_engine(DATABASES[service], poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                counts = dict(conn.execute(sa.select(wilayah.c.pemda, sa.func.count()).group_by(wilayah.c.pemda)).all())
        finally:
            engine.dispose()
        assert counts == {KABUPATEN: 1 + 17 + 304, KOTA: 1 + 30 + 151}, (service, counts)

    # the registers are what the files say, read back through the API as the kota's Bappeda
    bappeda = _onboard_token(s, KOTA)
    opd = s.get("/v1/renja/opd", bappeda)
    assert {(o["kode"], o["nama"]) for o in opd} == {(DINAS_PU, "Dinas Sumber Daya Air dan Bina Marga"),
                                                     ("1.02.0.00.0.00.01.0000", "Dinas Kesehatan")}
    register = s.get("/v1/pokir/register", bappeda)
    assert [d["kecamatan"] for d in register["dapil"]] == [["32.73.01", "32.73.02"], ["32.73.03"]]
    assert [(a["id"], a["pagu"]) for a in register["anggota"]] == [("B01", "1500000000.00"), ("B02", "1500000000.00")]
    kamus = s.get(f"/v1/musrenbang/{TAHUN}/kamus", bappeda)["items"]
    assert {k["id"] for k in kamus} == {f"{KOTA}/{TAHUN}/DRN-01", f"{KOTA}/{TAHUN}/JLN-01"}


def test_the_first_administrators_password_is_in_a_0600_file_and_never_printed(deployment):
    s = deployment
    code, out, err = s.first[KOTA]
    path = s.password_file(KOTA)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    password = _password(s, KOTA)
    assert len(password) >= 12
    assert password not in out + err and password not in s.gw.log()
    assert str(path) in out  # where it is, not what it is
    token = _token(s, "admin.32.73", password, KOTA)
    me = s.get("/v1/auth/me", token)["identity"]
    assert (me["role"], me["pemda"]) == ("admin", KOTA)


@pytest.mark.parametrize("code, message", [
    ("99.99", "Kode pemda 99.99 tidak ditemukan di data wilayah"),
    ("32", "Kode 32 adalah kode provinsi"),
    ("3273", "tidak sah: gunakan kode kabupaten/kota Kemendagri berbentuk NN.NN"),
])
def test_an_unknown_region_code_is_refused_and_nothing_is_written(deployment, code, message):
    s = deployment
    before = _audit_counts()
    exit_code, out, err = s.onboard(code, "--registers", str(s.registers))
    assert exit_code == 2
    assert message in err and "tidak ada yang diubah" in err, err
    assert not s.password_file(code).exists()
    assert _audit_counts() == before


def test_an_administrator_whose_password_changed_stops_the_run_with_nothing_changed(deployment, tmp_path):
    s = deployment
    stale = tmp_path / "stale-password.txt"
    stale.write_text("kata-sandi-yang-sudah-diganti\n")
    before = _audit_counts()
    code, out, err = s.onboard(KOTA, "--registers", str(s.registers), "--admin-password-file", str(stale))
    assert code == 2
    assert "administrator admin.32.73 ada, tetapi kata sandi di" in err and str(stale) in err
    assert "kata-sandi-yang-sudah-diganti" not in out + err
    assert _audit_counts() == before  # the refused sign-in is no state change either


def test_a_second_run_changes_nothing(deployment):
    s = deployment
    admin = _token(s, "admin.32.73", _password(s, KOTA), KOTA)
    users_before = s.get("/v1/admin/users?limit=200", admin)["items"]
    audit_before = _audit_counts()
    bappeda = _onboard_token(s, KOTA)
    reads = ("/v1/renja/opd", "/v1/pokir/register", f"/v1/musrenbang/{TAHUN}/kamus")
    before = [s.get(path, bappeda) for path in reads]

    code, out, err = s.onboard(KOTA, "--registers", str(s.registers))
    assert code == 0, (out, err)
    assert "administrator admin.32.73 (pemda 32.73): sudah ada, tidak berubah" in out
    assert "akun Bappeda onboarding onboard.32.73: sudah ada, tidak berubah" in out
    for what in ("daftar OPD", "daftar DPRD", "kamus usulan"):
        assert f"{what}" in out and out.count("sudah ada, tidak dikirim") == 3, out
    assert "diimpor" not in out and "dibuat" not in out
    assert s.get("/v1/admin/users?limit=200", admin)["items"] == users_before
    assert [s.get(path, bappeda) for path in reads] == before
    # the logins of this run are not state changes; every audit chain has the same length
    assert _audit_counts() == audit_before


def test_a_changed_register_is_imported_again_and_a_bad_row_is_reported_by_field(deployment, tmp_path):
    s = deployment
    changed = tmp_path / f"opd_{KOTA}.csv"
    changed.write_text(KOTA_REGISTERS[f"opd_{KOTA}.csv"] + "7.01.0.00.0.00.01.0000,Kecamatan Sukasari,9.99\n")
    code, out, err = s.onboard(KOTA, "--opd", str(changed))
    assert code == 2
    assert "csv[4].bidang" in err and "unknown_bidang" in err, err
    changed.write_text(KOTA_REGISTERS[f"opd_{KOTA}.csv"] + "2.16.0.00.0.00.01.0000,Dinas Komunikasi dan Informatika,2.16\n")
    code, out, err = s.onboard(KOTA, "--opd", str(changed))
    assert code == 0 and "daftar OPD (opd_32.73.csv): diimpor: 3 OPD" in out, (out, err)
    assert len(s.get("/v1/renja/opd", _onboard_token(s, KOTA))) == 3


# -- two pemda, one deployment -------------------------------------------------------------------


def test_the_users_of_one_pemda_never_see_the_others(deployment):
    s = deployment
    admin_kab = _token(s, "admin", stack.ADMIN_PASSWORD, KABUPATEN)  # the gateway's bootstrap administrator, 12.21
    admin_kota = _token(s, "admin.32.73", _password(s, KOTA), KOTA)
    kab_users = {u["username"]: u["pemda"] for u in s.get("/v1/admin/users?limit=200", admin_kab)["items"]}
    kota_users = {u["username"]: u["pemda"] for u in s.get("/v1/admin/users?limit=200", admin_kota)["items"]}
    assert set(kab_users.values()) == {KABUPATEN} and set(kota_users.values()) == {KOTA}
    assert {"admin", "admin.12.21", "onboard.12.21"} <= set(kab_users)
    assert {"admin.32.73", "onboard.32.73"} <= set(kota_users)
    # an administrator cannot make users in, or reach users of, the other pemda
    s.call("POST", "/v1/admin/users", admin_kab, {"username": "penyusup", "password": "kata-sandi-penyusup",
                                                  "role": "bappeda", "pemda": KOTA}, status=(403,))
    kota_admin_id = s.get("/v1/admin/users?role=admin", admin_kota)["items"][0]["id"]
    s.get(f"/v1/admin/users/{kota_admin_id}", admin_kab, status=404)

    kab, kota = _onboard_token(s, KABUPATEN), _onboard_token(s, KOTA)
    assert len(s.get("/v1/renja/opd", kab)) == 46
    assert all(o["kode"] != "2.16.0.00.0.00.01.0000" for o in s.get("/v1/renja/opd", kab))
    assert [d["kode"] for d in s.get("/v1/pokir/register", kab)["dapil"]][0] == "PALAS-1"
    assert [d["kode"] for d in s.get("/v1/pokir/register", kota)["dapil"]] == ["BDG-1", "BDG-2"]
    assert {k["id"].split("/")[0] for k in s.get(f"/v1/musrenbang/{TAHUN}/kamus", kab)["items"]} == {KABUPATEN}


def test_a_small_cycle_in_the_kota_stays_in_the_kota(deployment):
    s = deployment
    admin = _token(s, "admin.32.73", _password(s, KOTA), KOTA)
    desa, kecamatan, kelurahan_op = "32.73.01.1001", "32.73.01", "kel.32.73.01.1001"
    for username, role, wilayah_code in ((kelurahan_op, "operator_desa", desa),
                                         ("kec.32.73.01", "operator_kecamatan", kecamatan)):
        s.call("POST", "/v1/admin/users", admin, {"username": username, "password": stack.USER_PASSWORD,
                                                  "role": role, "wilayah": wilayah_code})
    s.call("POST", "/v1/admin/users", admin, {"username": "opd.kota.pu", "password": stack.USER_PASSWORD,
                                              "role": "opd", "opd": DINAS_PU})
    bappeda = _onboard_token(s, KOTA)
    op_desa, op_kec = s.gw.login(kelurahan_op, pemda=KOTA), s.gw.login("kec.32.73.01", pemda=KOTA)

    now = datetime.now(timezone.utc).replace(microsecond=0)
    windows = [{"level": level, "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=30)).isoformat()} for level in ("desa", "kecamatan", "kabupaten")]
    s.call("PUT", f"/v1/musrenbang/{TAHUN}/schedule", bappeda, {"windows": windows})
    usulan = s.call("POST", f"/v1/musrenbang/{TAHUN}/usulan", op_desa, {
        "desa": desa, "kamus_item_id": f"{KOTA}/{TAHUN}/DRN-01", "volume": "120",
        "permasalahan": "Genangan air setiap hujan di RW 03", "gagasan": "Saluran drainase sepanjang 120 m"})
    path = f"/v1/musrenbang/usulan/{usulan['id']}"
    assert usulan["cost"] == "108000000.00"  # 120 m x Rp900.000, the kota's own price

    def decide(token: str, level: str) -> None:
        etag = s.gw.request("GET", path, token=token).headers["etag"]
        s.call("POST", f"{path}/decisions", token, {"level": level, "status": "diterima"}, headers={"If-Match": etag})

    decide(op_desa, "desa")
    decide(op_kec, "kecamatan")
    s.call("POST", f"/v1/musrenbang/{TAHUN}/kecamatan/{kecamatan}/close", op_kec, {
        "tanggal": now.date().isoformat(), "tempat": "Aula Kantor Camat Sukasari", "jumlah_peserta": 45,
        "pimpinan": "Camat Sukasari", "catatan": "Dihadiri perwakilan seluruh kelurahan"})
    decide(bappeda, "kabupaten")
    closed = s.call("POST", f"/v1/musrenbang/{TAHUN}/close", bappeda)
    assert closed["routed_count"] == 1, closed

    # the accepted usulan reaches its OPD's Renja inbox in the kota, by events
    inbox = wait_for(lambda: s.get(f"/v1/renja/{TAHUN}/inbox", bappeda)["items"], timeout=30,
                     what="the usulan in the kota's Renja inbox")
    assert [(i["source_id"], i["opd"]) for i in inbox] == [(usulan["id"], DINAS_PU)]
    assert s.get(f"/v1/renja/{TAHUN}/inbox", s.gw.login("opd.kota.pu", pemda=KOTA))["items"][0]["source_id"] == usulan["id"]

    # nothing of it is visible from the kabupaten
    kab = _onboard_token(s, KABUPATEN)
    assert s.get(f"/v1/musrenbang/{TAHUN}/usulan", kab)["items"] == []
    assert s.get(f"/v1/renja/{TAHUN}/inbox", kab)["items"] == []
    assert s.gw.request("GET", path, token=kab).status in (403, 404)
    s.get(f"/v1/musrenbang/{TAHUN}/schedule", kab, status=404)

    # the rest of the year, as small as it gets, so that the system assembles the kota's RKPD: the OPD
    # refuses the usulan (with its reason), every OPD writes one row within its ceiling and goes final,
    # Pokir and Renja close
    item = inbox[0]
    opd_pu = s.gw.login("opd.kota.pu", pemda=KOTA)
    s.call("POST", f"/v1/renja/inbox/{item['item_id']}/decision", opd_pu, {
        "decision": "reject", "reason": "Sudah tertampung dalam program pemeliharaan drainase kota",
        "version": item["version"]})
    s.call("PUT", f"/v1/renja/{TAHUN}/nomenklatur", bappeda, {"versi": "sipd-2027"})
    for n, opd in enumerate(s.get("/v1/renja/opd", bappeda)):
        username = "opd.kota.pu" if opd["kode"] == DINAS_PU else f"opd.kota.{n}"
        if username != "opd.kota.pu":
            s.call("POST", "/v1/admin/users", admin, {"username": username, "password": stack.USER_PASSWORD,
                                                      "role": "opd", "opd": opd["kode"]})
        token = s.gw.login(username, pemda=KOTA)
        s.call("PUT", f"/v1/renja/{TAHUN}/opd/{opd['kode']}/pagu", bappeda, {"pagu_n": "1000000000",
                                                                            "pagu_n1": "1100000000"})
        s.call("POST", f"/v1/renja/{TAHUN}/opd/{opd['kode']}/rows", token, {
            "sub_kegiatan": SUB_KEGIATAN[opd["bidang"][0]], "target": "1", "pagu_n": "500000000",
            "pagu_n1": "550000000", "lokasi": [kecamatan], "sumber_dana": "DAU",
            "kelompok_sasaran": "Warga Kota Bandung"}, headers={"Idempotency-Key": f"onboard-row-{n}"})
        for who, action in ((token, "submit"), (bappeda, "verify"), (bappeda, "finalize")):
            s.call("POST", f"/v1/renja/{TAHUN}/opd/{opd['kode']}/steps", who, {"action": action})
    s.call("POST", f"/v1/renja/{TAHUN}/close", bappeda)
    s.call("PUT", f"/v1/pokir/{TAHUN}/window", bappeda, {"opens_at": windows[0]["opens_at"],
                                                          "closes_at": windows[0]["closes_at"]})
    s.call("POST", f"/v1/pokir/{TAHUN}/close", bappeda)

    def assembled():
        status = s.get(f"/v1/rkpd/{TAHUN}/status", bappeda)
        return status if (status.get("versi_terkini") or {}).get("nomor") else None

    status = wait_for(assembled, timeout=60, interval=0.5, what="the kota's RKPD")
    document = s.get(f"/v1/rkpd/{TAHUN}/document?nomor={status['versi_terkini']['nomor']}", bappeda)["document"]
    assert (document["pemda"], document["pemda_nama"]) == (KOTA, "Kota Bandung")
    text = json.dumps(document, ensure_ascii=False)
    assert f"RKPD Kota Bandung Tahun {TAHUN}" in text  # the narrative's placeholders name the kota
    assert not re.search(r"Kabupaten(?!/Kota)|Padang Lawas", text)  # nomenclature names say "Kabupaten/Kota"
    assert [(u["id"], u["status_akhir"]) for u in document["lampiran"]["usulan"]] == [(usulan["id"], "tidak diakomodasi")]
    # the kabupaten has no RKPD for that year
    assert not (s.get(f"/v1/rkpd/{TAHUN}/status", kab).get("versi_terkini") or {}).get("nomor")
