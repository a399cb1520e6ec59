"""The /v1 API through gunicorn against the four real services (real RabbitMQ and PostgreSQL):
set-up by Bappeda, usulan, pokir and renja through HTTP, Idempotency-Key and If-Match end to end,
the dashboard and the trace, and the authorization matrix: role × endpoint × own/other
territory → status, every denied write leaving the object as it was."""
from __future__ import annotations

import http.client
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from eplanning_common.config import data_dir
from gateway.api.catalog import DOCUMENTED
from gateway.api.schemas import field_errors

from . import gateway_stack as stack

pytestmark = pytest.mark.timeout(300)

TAHUN = 2027
DEMO = data_dir() / "demo"
DESA_A1, DESA_B1 = "12.21.07.1001", "12.21.02.2001"  # Pasar Sibuhuan (Barumun, dapil PALAS-1); kec. 12.21.02
KEC_A, KEC_B = "12.21.07", "12.21.02"
PUPR, PERKIM = "1.03.0.00.0.00.01.0000", "1.04.2.10.0.00.01.0000"

USERS = {  # username -> (role, scope)
    "bappeda": ("bappeda", {}),
    "desa_a1": ("operator_desa", {"wilayah": DESA_A1}),
    "desa_b1": ("operator_desa", {"wilayah": DESA_B1}),
    "kec_a": ("operator_kecamatan", {"wilayah": KEC_A}),
    "kec_b": ("operator_kecamatan", {"wilayah": KEC_B}),
    "opd_pupr": ("opd", {"opd": PUPR}),
    "opd_perkim": ("opd", {"opd": PERKIM}),
    "a01": ("anggota_dprd", {"anggota_id": "A01"}),
    "a02": ("anggota_dprd", {"anggota_id": "A02"}),
    "staf_a01": ("staf_ahli", {"anggota_id": "A01"}),
    "setwan": ("setwan", {}),
}


@pytest.fixture(scope="module")
def gateway(amqp_uri, tmp_path_factory):
    suffix = "api" + uuid.uuid4().hex[:6]
    containers = stack.start_services(amqp_uri, suffix)
    gw = stack.start_gateway(amqp_uri, suffix, tmp_path_factory.mktemp("gateway"))
    try:
        admin = gw.login("admin", stack.ADMIN_PASSWORD)
        gw.tokens["admin"] = admin
        gw.tokens.update(stack.create_users(gw, admin, USERS, name=lambda key: key.replace("_", ".")))
        yield gw
    finally:
        stack.stop_gateway(gw)
        for container in containers:
            container.stop()


def call(gw, who, method, path, body=None, **kwargs):
    return gw.request(method, path, body, token=gw.tokens[who] if who else None, **kwargs)


def ok(answer, status=200):
    assert answer.status == status, (answer.status, answer.body[:2000])
    return answer.json


@pytest.fixture(scope="module")
def cycle(gateway):
    """Bappeda prepares the 2027 cycle through the API; windows are open now."""
    gw = gateway
    now = datetime.now(timezone.utc)
    windows = [{"level": lv, "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=5)).isoformat()} for lv in ("desa", "kecamatan", "kabupaten")]
    kamus = (DEMO / "kamus_usulan_12.21_2027.csv").read_bytes()
    ok(call(gw, "bappeda", "PUT", f"/v1/musrenbang/{TAHUN}/kamus", raw=kamus, content_type="text/csv"))
    ok(call(gw, "bappeda", "PUT", f"/v1/musrenbang/{TAHUN}/schedule", {"windows": windows}), 201)
    ok(call(gw, "setwan", "PUT", "/v1/pokir/register", {
        "periode": "2024-2029", **{f"{n}_csv": (DEMO / f"dprd_{n}_12.21.csv").read_text()
                                   for n in ("dapil", "anggota", "staf_ahli")}}))
    ok(call(gw, "bappeda", "PUT", f"/v1/pokir/{TAHUN}/kamus", raw=kamus, content_type="text/csv"))
    ok(call(gw, "bappeda", "PUT", f"/v1/pokir/{TAHUN}/window", {
        "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=3)).isoformat()}))
    ok(call(gw, "bappeda", "PUT", "/v1/renja/opd?versi=sipd-2027", raw=(DEMO / "opd_12.21.csv").read_bytes(),
            content_type="text/csv"))
    ok(call(gw, "bappeda", "PUT", f"/v1/renja/{TAHUN}/nomenklatur", {"versi": "sipd-2027"}))
    for opd in (PUPR, PERKIM):
        ok(call(gw, "bappeda", "PUT", f"/v1/renja/{TAHUN}/opd/{opd}/pagu",
                {"pagu_n": "2000000000", "pagu_n1": "2000000000"}))
    return gw


def new_usulan(gw, who="desa_a1", desa=DESA_A1, key=None, **changes):
    body = {"desa": desa, "kamus_item_id": f"12.21/{TAHUN}/DRN-01", "volume": "100",
            "permasalahan": "Jalan tergenang saat hujan", "gagasan": "Drainase jalan pasar",
            "pengusul": {"nama": "Siti Aminah", "telepon": "0812000111"}, **changes}
    headers = {"Idempotency-Key": key} if key else {}
    return call(gw, who, "POST", f"/v1/musrenbang/{TAHUN}/usulan?submit=false", body, headers=headers)


def new_pokir(gw, who="a01"):
    reses = ok(call(gw, who, "POST", f"/v1/pokir/{TAHUN}/reses", {
        "tanggal": (datetime.now(timezone.utc) - timedelta(days=9)).date().isoformat(),
        "tempat": "Aula Sibuhuan", "jumlah_peserta": 90}), 201)
    return ok(call(gw, who, "POST", f"/v1/pokir/{TAHUN}/pokir", {
        "judul": "Sumur bor Pasar Sibuhuan", "permasalahan": "Air bersih kurang", "usulan": "Sumur bor pasar",
        "kamus_item_id": f"12.21/{TAHUN}/SPAM-02", "volume": "2", "desa": DESA_A1, "reses_id": reses["id"]}), 201)


def new_row(gw, who="opd_pupr", opd=PUPR):
    return ok(call(gw, who, "POST", f"/v1/renja/{TAHUN}/opd/{opd}/rows", {
        "sub_kegiatan": "1.03.06.2.01.0012", "target": "500", "pagu_n": "400000000", "pagu_n1": "450000000",
        "lokasi": [KEC_A], "sumber_dana": "DAU", "kelompok_sasaran": "Warga Kecamatan Barumun"}), 201)


# -- the API as a client sees it --------------------------------------------------------------

def test_openapi_and_problems_through_gunicorn(gateway):
    document = ok(gateway.request("GET", "/v1/openapi.json"))
    assert document["openapi"] == "3.1.0" and len(document["paths"]) > 50
    missing = gateway.request("GET", "/v1/nowhere", headers={"Accept-Language": "en"})
    assert missing.status == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json["title"] == "Not found"
    # a body above the limit is refused from its Content-Length, before it is read
    host, port = gateway.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest("PUT", "/v1/renja/opd?versi=sipd-2027")
    conn.putheader("Authorization", f"Bearer {gateway.tokens['bappeda']}")
    conn.putheader("Content-Type", "text/csv")
    conn.putheader("Content-Length", str(2 * 1024 * 1024))
    conn.endheaders()
    big = conn.getresponse()
    assert big.status == 413 and big.getheader("content-type") == "application/problem+json"
    conn.close()
    assert call(gateway, None, "GET", f"/v1/musrenbang/{TAHUN}/usulan").status == 401


def test_a_retried_create_makes_one_usulan_and_a_stale_edit_changes_nothing(cycle):
    gw = cycle
    key = "usulan-" + uuid.uuid4().hex
    first = new_usulan(gw, key=key, gagasan="Drainase sekali saja")
    second = new_usulan(gw, key=key, gagasan="Drainase sekali saja")
    created = ok(first, 201)
    assert second.status == 201 and second.json["id"] == created["id"]
    assert second.headers.get("idempotent-replayed") == "true"
    assert first.headers["location"] == f"/v1/musrenbang/usulan/{created['id']}"
    listed = ok(call(gw, "desa_a1", "GET", f"/v1/musrenbang/{TAHUN}/usulan?limit=200"))
    assert [u["id"] for u in listed["items"] if u["gagasan"] == "Drainase sekali saja"] == [created["id"]]

    path = f"/v1/musrenbang/usulan/{created['id']}"
    read = call(gw, "desa_a1", "GET", path)
    etag = read.headers["etag"]
    assert call(gw, "desa_a1", "GET", path, headers={"If-None-Match": etag}).status == 304
    assert call(gw, "desa_a1", "PATCH", path, {"volume": "120"}).status == 428
    edited = ok(call(gw, "desa_a1", "PATCH", path, {"volume": "120"}, headers={"If-Match": etag}))
    assert edited["volume"] == "120"
    stale = call(gw, "desa_a1", "PATCH", path, {"volume": "999"}, headers={"If-Match": etag})
    assert stale.status == 412 and stale.headers["content-type"] == "application/problem+json"
    assert ok(call(gw, "desa_a1", "GET", path))["volume"] == "120"


def test_field_errors_in_english_and_service_refusals_mapped(cycle):
    gw = cycle
    bad = call(gw, "desa_a1", "POST", f"/v1/musrenbang/{TAHUN}/usulan",
               {"desa": DESA_A1, "volume": "-1", "cost": "5"}, headers={"Accept-Language": "en"})
    assert bad.status == 422 and bad.json["title"] == "Invalid data"
    fields = {e["field"] for e in bad.json["errors"]}
    assert {"kamus_item_id", "permasalahan", "gagasan", "cost"} <= fields
    # the service's own refusal: a desa operator proposing for another desa (Indonesian by default)
    other = new_usulan(gw, desa=DESA_B1)
    assert other.status in (403, 422), other.body
    assert other.headers["content-type"] == "application/problem+json"


def test_dashboard_and_trace_follow_the_data(cycle):
    gw = cycle
    created = ok(new_usulan(gw, gagasan="Drainase untuk ditelusuri"), 201)
    path = f"/v1/musrenbang/usulan/{created['id']}"
    ok(call(gw, "desa_a1", "POST", path + "/submit", {}))
    etag = call(gw, "desa_a1", "GET", path).headers["etag"]
    ok(call(gw, "desa_a1", "POST", path + "/decisions", {"level": "desa", "status": "diterima"},
            headers={"If-Match": etag}))
    etag = call(gw, "kec_a", "GET", path).headers["etag"]
    ok(call(gw, "kec_a", "POST", path + "/decisions", {"level": "kecamatan", "status": "ditolak",
                                                        "reason": "Sudah masuk program provinsi"},
            headers={"If-Match": etag}))

    dashboard = ok(call(gw, "bappeda", "GET", f"/v1/dashboard/{TAHUN}"))
    assert dashboard["partial"] is False, dashboard["gagal"]
    listed = ok(call(gw, "bappeda", "GET", f"/v1/musrenbang/{TAHUN}/usulan?limit=200"))["items"]
    assert dashboard["bagian"]["musrenbang"]["data"]["total"]["jumlah"] == len(listed)
    scoped = ok(call(gw, "kec_b", "GET", f"/v1/dashboard/{TAHUN}"))
    assert {k["kecamatan"] for k in scoped["bagian"]["musrenbang"]["data"]["per_kecamatan"]} <= {KEC_B}

    trace = ok(call(gw, "kec_a", "GET", f"/v1/usulan/{created['id']}/trace"))
    assert [(d["level"], d["status"]) for d in trace["musrenbang"]["keputusan"]] == [("desa", "diterima"),
                                                                                      ("kecamatan", "ditolak")]
    assert trace["musrenbang"]["keputusan"][1]["reason"] == "Sudah masuk program provinsi"
    assert trace["renja"]["status"] == "ok" and trace["renja"]["data"]["inbox"] == []
    assert "Siti Aminah" not in str(trace)
    assert call(gw, "kec_b", "GET", f"/v1/usulan/{created['id']}/trace").status in (403, 404)


# -- the authorization matrix -----------------------------------------------------------------

@pytest.fixture(scope="module")
def objects(cycle):
    """One object of each kind, owned by the first territory: usulan of desa A1 (kecamatan A),
    pokir of member A01, renja row of PUPR."""
    gw = cycle
    usulan = ok(new_usulan(gw, gagasan="Usulan untuk matriks", pengusul=PERSON), 201)
    submitted = ok(new_usulan(gw, gagasan="Usulan terkirim untuk matriks", pengusul=PERSON), 201)
    ok(call(gw, "desa_a1", "POST", f"/v1/musrenbang/usulan/{submitted['id']}/submit", {}))
    pokir = new_pokir(gw)
    row = new_row(gw)
    return {"usulan": f"/v1/musrenbang/usulan/{usulan['id']}", "pokir": f"/v1/pokir/pokir/{pokir['id']}",
            "row": f"/v1/renja/rows/{row['row_id']}", "submitted": f"/v1/musrenbang/usulan/{submitted['id']}",
            "usulan_ids": {usulan["id"], submitted["id"]}, "tracking_code": submitted["tracking_code"]}


# -- what each role may see ----------------------------------------------------------------------
# The proposer of the matrix usulan has every personal member recorded, each value unique here.
# Who may see which member (UU PDP data minimisation, musrenbang.domain.privacy), written out
# again here so that the test is an independent check of the service: the desa operator who
# collected it sees all, the kecamatan operator no NIK, Bappeda name and group only, every
# other role nothing (it may not read the usulan at all).
PERSON = {"nama": "Rahmawati Daulay", "telepon": "081366554433", "nik": "1221014507900003",
          "kelompok": "Kelompok Wanita Tani Melati"}
MAY_SEE = {"desa_a1": {"nama", "telepon", "nik", "kelompok"}, "kec_a": {"nama", "telepon", "kelompok"},
           "bappeda": {"nama", "kelompok"}}
# members that are never in any answer (secrets and credentials), at any depth
NEVER = {"password_hash", "password", "refresh_token_hash", "token_hash", "secret_hash", "secret"}


def _operation_for(method: str, path: str):
    """The documented operation serving `method path` (the most literal template that matches)."""
    path = path.split("?", 1)[0]
    found = []
    for op in DOCUMENTED:
        literal = re.split(r"\{[^}]+\}", op.path)
        pattern = "[^/]+?".join(re.escape(part) for part in literal)
        if op.method == method and re.fullmatch(pattern, path):
            found.append((len("".join(literal)), op))
    return max(found, key=lambda pair: pair[0])[1] if found else None


def _walk(value, keys: list, proposers: list, ids: set):
    if isinstance(value, dict):
        if value.get("id") in ids and "pengusul" in value:
            proposers.append(value["pengusul"])
        for key, member in value.items():
            keys.append(key)
            _walk(member, keys, proposers, ids)
    elif isinstance(value, list):
        for member in value:
            _walk(member, keys, proposers, ids)


def check_what_the_role_sees(who, method, path, answer, usulan_ids) -> int:
    """No answer shows `who` a personal value or a member its role may not see: the proposer's
    hidden values appear nowhere in the body (whatever the field), no secret member appears at any
    depth, a JSON success matches its documented (closed) schema, and every proposer shown has
    exactly the members the role may see. Returns how many proposers it checked."""
    text = answer.body.decode("utf-8", "replace")
    visible = MAY_SEE.get(who, set())
    for member, value in PERSON.items():
        if member not in visible:
            assert value not in text, f"{who} sees the proposer's {member} in {method} {path}"
    if not answer.headers.get("content-type", "").startswith("application/json") or not answer.body:
        return 0
    keys, proposers = [], []
    _walk(answer.json, keys, proposers, usulan_ids)
    assert not NEVER & set(keys), (method, path, NEVER & set(keys))
    if 200 <= answer.status < 300:
        op = _operation_for(method, path)
        assert op is not None, (method, path)
        if op.response is not None:
            assert field_errors(answer.json, op.response) == [], (method, path)
    for shown in proposers:
        assert shown is not None and set(shown) == visible, (who, path, shown)
        assert all(shown[member] == PERSON[member] for member in shown)
    return len(proposers)


# Each row: who, method, object (or a path), body, expected status. "own": the object's territory;
# "other": another desa / kecamatan / member / OPD of the same pemda; roles the endpoint is not for
# are refused by the gateway itself; members a client may not set are refused (422) even for the
# owner. Writes that succeed are last per object (they change the ETag).
DENIED = (403, 404)
MATRIX = [
    # usulan of desa A1, kecamatan A
    ("desa_a1", "GET", "usulan", None, 200),
    ("desa_b1", "GET", "usulan", None, DENIED),                # another desa
    ("kec_a", "GET", "usulan", None, 200),
    ("kec_b", "GET", "usulan", None, DENIED),                  # another kecamatan reading a draft
    ("bappeda", "GET", "usulan", None, 200),
    ("opd_pupr", "GET", "usulan", None, 403),
    ("a01", "GET", "usulan", None, 403),
    ("setwan", "GET", "usulan", None, 403),
    ("admin", "GET", "usulan", None, 403),
    ("desa_b1", "PATCH", "usulan", {"gagasan": "diubah desa lain"}, DENIED),
    ("kec_b", "PATCH", "usulan", {"gagasan": "diubah kecamatan lain"}, DENIED + (422,)),
    ("kec_b", "POST", "usulan/decisions", {"level": "kecamatan", "status": "ditolak", "reason": "bukan wilayah"},
     DENIED),
    ("desa_b1", "POST", "usulan/withdraw", {"reason": "bukan milik saya"}, DENIED),
    ("opd_pupr", "PATCH", "usulan", {"gagasan": "x"}, 403),
    # pokir of member A01
    ("a01", "GET", "pokir", None, 200),
    ("staf_a01", "GET", "pokir", None, 200),
    ("a02", "GET", "pokir", None, DENIED),                     # another member
    ("setwan", "GET", "pokir", None, 200),
    ("bappeda", "GET", "pokir", None, 200),
    ("desa_a1", "GET", "pokir", None, 403),
    ("opd_pupr", "GET", "pokir", None, 403),
    ("a02", "PATCH", "pokir", {"judul": "diubah anggota lain"}, DENIED),  # a member editing another's pokir
    ("setwan", "PATCH", "pokir", {"judul": "diubah setwan"}, 403),
    ("a02", "POST", "pokir/actions", {"action": "submit"}, DENIED),
    # renja row of PUPR
    ("opd_pupr", "GET", "row", None, 200),
    ("opd_perkim", "GET", "row", None, DENIED),                # another OPD
    ("bappeda", "GET", "row", None, 200),
    ("desa_a1", "GET", "row", None, 403),
    ("opd_perkim", "PATCH", "row", {"target": "1"}, DENIED),
    ("opd_perkim", "DELETE", "row", None, DENIED),
    ("bappeda", "PATCH", "row", {"target": "1"}, 403),
    # cycle-level endpoints
    ("kec_a", "PUT", f"/v1/musrenbang/{TAHUN}/criteria", {"criteria": [{"name": "x", "weight": "1", "max_score": 5}]},
     403),
    ("opd_pupr", "POST", f"/v1/renja/{TAHUN}/opd/{PERKIM}/rows", {
        "sub_kegiatan": "1.04.02.2.03.0004", "target": "1", "pagu_n": "1", "pagu_n1": "1", "lokasi": [KEC_A],
        "sumber_dana": "DAU", "kelompok_sasaran": "x"}, DENIED),  # rows of another OPD
    ("a01", "POST", f"/v1/pokir/{TAHUN}/close", {}, 403),
    ("setwan", "PUT", f"/v1/renja/{TAHUN}/opd/{PUPR}/pagu", {"pagu_n": "1", "pagu_n1": "1"}, 403),
    ("bappeda", "GET", "/v1/admin/users", None, 403),
    ("admin", "GET", "/v1/admin/users", None, 200),
    ("admin", "GET", f"/v1/dashboard/{TAHUN}", None, 403),
    ("opd_pupr", "GET", f"/v1/musrenbang/{TAHUN}/usulan", None, 403),
    # lists filtered on another territory: refused, or answered within the caller's own (no leak)
    ("opd_perkim", "GET", f"/v1/renja/{TAHUN}/rows?opd={PUPR}", None, DENIED),
    ("opd_perkim", "GET", f"/v1/renja/{TAHUN}/inbox?opd={PUPR}", None, DENIED),
    # mass assignment (API3): the owner may not set what the server decides; refused whole
    ("desa_a1", "PATCH", "usulan", {"status": "diterima"}, 422),
    ("desa_a1", "PATCH", "usulan", {"gagasan": "x", "cost": "1", "created_by": "someone"}, 422),
    ("a01", "PATCH", "pokir", {"anggota_id": "A02"}, 422),
    ("a01", "PATCH", "pokir", {"status": "diakomodasi"}, 422),
    ("opd_pupr", "PATCH", "row", {"opd": PERKIM}, 422),
    ("opd_pupr", "PATCH", "row", {"target": "1", "status": "verified"}, 422),
    # the owners' own writes, last
    ("desa_a1", "PATCH", "usulan", {"gagasan": "Drainase jalan pasar (revisi)"}, 200),
    ("a01", "PATCH", "pokir", {"judul": "Sumur bor Pasar Sibuhuan (revisi)"}, 200),
    ("staf_a01", "PATCH", "pokir", {"judul": "Sumur bor Pasar Sibuhuan (revisi staf)"}, 200),
    ("opd_pupr", "PATCH", "row", {"target": "600"}, 200),
]
OWNER = {"usulan": "desa_a1", "pokir": "a01", "row": "opd_pupr"}


def _resolve(objects, target):
    if target.startswith("/"):
        return target, None
    kind, _, action = target.partition("/")
    return objects[kind] + (f"/{action}" if action else ""), kind


@pytest.mark.parametrize("who, method, target, body, expected", MATRIX,
                         ids=[f"{w}-{m}-{t.rsplit('/', 1)[-1] if t.startswith('/') else t}" for w, m, t, _, _ in MATRIX])
def test_authorization_matrix(cycle, objects, who, method, target, body, expected):
    gw = cycle
    path, kind = _resolve(objects, target)
    headers = {}
    before = None
    if kind is not None and method != "GET":
        before = call(gw, OWNER[kind], "GET", objects[kind])
        headers["If-Match"] = before.headers["etag"]  # the freshest ETag: only authorization can refuse
    answer = call(gw, who, method, path, body, headers=headers)
    expected = expected if isinstance(expected, tuple) else (expected,)
    assert answer.status in expected, (answer.status, answer.body[:500])
    if answer.status >= 400:
        assert answer.headers["content-type"] == "application/problem+json"
        if before is not None:  # a denied write changed nothing
            after = call(gw, OWNER[kind], "GET", objects[kind])
            assert after.headers["etag"] == before.headers["etag"]
            assert after.body == before.body
    proposers = check_what_the_role_sees(who, method, path, answer, objects["usulan_ids"])
    if answer.status == 200 and kind == "usulan":
        assert proposers == 1  # the owner's and the reviewers' answers did show the (cut) proposer


# Reads beyond the matrix objects: every list, summary and report a role can reach that might carry
# the proposer. Each row: who, path ("{u}": the submitted usulan, "{code}": its tracking code),
# the least number of proposers the answer must show (0: none expected).
READS = [
    *[(who, f"/v1/musrenbang/{TAHUN}/usulan?limit=200", 2) for who in ("desa_a1", "kec_a", "bappeda")],
    *[(who, "{u}", 1) for who in ("desa_a1", "kec_a", "bappeda")],
    *[(who, f"/v1/musrenbang/{TAHUN}/usulan?limit=200", 0) for who in ("desa_b1", "kec_b")],
    ("desa_b1", f"/v1/musrenbang/{TAHUN}/usulan?desa={DESA_A1}", 0),
    ("kec_b", f"/v1/musrenbang/{TAHUN}/usulan?kecamatan={KEC_A}", 0),
    ("a02", f"/v1/pokir/{TAHUN}/pokir?anggota_id=A01", 0),
    *[(who, "{u}", 0) for who in ("desa_b1", "kec_b", "opd_pupr", "a01", "setwan")],
    *[(who, "/v1/usulan/{id}/trace", 0) for who in ("desa_a1", "kec_a", "bappeda", "kec_b")],
    *[(who, f"/v1/dashboard/{TAHUN}", 0) for who in ("desa_a1", "kec_a", "bappeda", "opd_pupr", "a01", "setwan")],
    *[(who, f"/v1/musrenbang/{TAHUN}/kecamatan/{KEC_A}/{report}", 0)
      for who in ("kec_a", "bappeda", "kec_b") for report in ("ranking", "duplicates", "berita-acara",
                                                               "berita-acara.md")],
    *[(who, f"/v1/pokir/{TAHUN}/{what}", 0) for who in ("a01", "staf_a01", "setwan", "bappeda")
      for what in ("pokir", "overlaps")],
    *[(who, f"/v1/renja/{TAHUN}/inbox", 0) for who in ("opd_pupr", "bappeda")],
    *[(who, "/v1/pokir/register", 0) for who in ("a01", "setwan", "bappeda")],
    ("admin", "/v1/admin/users", 0), ("bappeda", "/v1/auth/me", 0), ("admin", "/v1/webhooks/subscriptions", 0),
    (None, "/v1/public/usulan/{code}", 0), (None, f"/v1/public/opendata/12.21/{TAHUN}/usulan.json", 0),
    (None, f"/v1/public/opendata/12.21/{TAHUN}/usulan.csv", 0),
]


@pytest.mark.parametrize("who, path, least", READS, ids=[f"{w}-{p}" for w, p, _ in READS])
def test_no_read_shows_a_role_more_than_it_may_see(cycle, objects, who, path, least):
    usulan_id = objects["submitted"].rsplit("/", 1)[-1]
    path = path.replace("{u}", objects["submitted"]).replace("{id}", usulan_id)
    path = path.replace("{code}", objects["tracking_code"])
    answer = call(cycle, who, "GET", path)
    assert answer.status < 500, (answer.status, answer.body[:500])
    shown = check_what_the_role_sees(who or "public", "GET", path, answer, objects["usulan_ids"])
    assert shown >= least, (who, path, answer.status, answer.body[:300])
    if who in (None, "opd_pupr", "a01", "setwan", "desa_b1", "kec_b"):
        assert shown == 0 and PERSON["nama"] not in answer.body.decode("utf-8", "replace")
    if who in NOT_THEIRS and answer.status == 200:  # a page of another territory's objects is empty
        key, value = NOT_THEIRS[who]
        assert [item for item in answer.json.get("items", []) if item.get(key) == value] == [], (who, path)


# the other territory each reader of a list must never get an item of
NOT_THEIRS = {"desa_b1": ("desa", DESA_A1), "kec_b": ("kecamatan", KEC_A), "a02": ("anggota_id", "A01")}
