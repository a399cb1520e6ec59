"""Accommodation modes and the Forum Perangkat Daerah through the real gateway (gunicorn) and the
real Renja service (issue #16): field-level problem+json from the request schema and from the
service's arithmetic, the forum's refusals as 409 with each blocker, its close with the berita
acara, roles."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from eplanning_common.config import data_dir
from eplanning_common.envelope import make_event
from eplanning_common.publisher import ConfirmingPublisher, json_message

from . import gateway_stack as stack
from . import support

pytestmark = pytest.mark.timeout(300)

PEMDA, TAHUN = "12.21", 2029
DEMO = data_dir() / "demo"
PUPR, DINKES = "1.03.0.00.0.00.01.0000", "1.02.0.00.0.00.01.0000"
KEC, PASAR, JULU = "12.21.07", "12.21.07.1001", "12.21.07.2002"
USERS = {"bappeda": ("bappeda", {}), "opd_pupr": ("opd", {"opd": PUPR}), "opd_dinkes": ("opd", {"opd": DINKES})}


@pytest.fixture(scope="module")
def gw(amqp_uri, tmp_path_factory):
    suffix = "rfpd" + uuid.uuid4().hex[:6]
    containers = stack.start_services(amqp_uri, suffix, names=("renja",))
    gateway = stack.start_gateway(amqp_uri, suffix, tmp_path_factory.mktemp("gateway"))
    try:
        admin = gateway.login("admin", stack.ADMIN_PASSWORD)
        # Bappeda first: it imports the OPD register, without which the gateway refuses an OPD user
        opd_users = {name: user for name, user in USERS.items() if user[0] == "opd"}
        for group in ({name: user for name, user in USERS.items() if name not in opd_users}, opd_users):
            if group is opd_users:
                ok(call(gateway, "bappeda", "PUT", "/v1/renja/opd?versi=sipd-2027",
                        raw=(DEMO / "opd_12.21.csv").read_bytes(), content_type="text/csv"))
            for username, (role, scope) in group.items():
                gateway.create_user(admin, username.replace("_", "."), role, **scope)
                gateway.tokens[username] = gateway.login(username.replace("_", "."))
        yield gateway
    finally:
        stack.stop_gateway(gateway)
        stack.stop_services(containers)


def call(gw, who, method, path, body=None, **kwargs):
    return gw.request(method, path, body, token=gw.tokens[who], **kwargs)


def ok(answer, status=200):
    assert answer.status == status, (answer.status, answer.body[:2000])
    return answer.json


def problems(answer, status=422):
    assert answer.status == status, (answer.status, answer.body[:2000])
    assert answer.headers["content-type"].startswith("application/problem+json")
    return {(e["field"], e["code"]) for e in answer.json.get("errors", [])}


def publish(amqp_uri, source, routing_key, subject, data):
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        publisher.publish(json_message(f"{source}.events", routing_key,
                                       make_event(source, routing_key, subject, data, PEMDA, TAHUN)))
    finally:
        publisher.close()


def route(amqp_uri, desa, volume, cost):
    usulan_id = str(uuid.uuid4())
    publish(amqp_uri, "musrenbang", "usulan.routed.v1", usulan_id, {
        "usulan_id": usulan_id, "tracking_code": uuid.uuid4().hex[:8].upper(), "version": 3, "kecamatan": KEC,
        "desa": desa, "kamus_kode": "DRN-01", "sub_kegiatan": "1.03.06.2.01.0012", "opd": PUPR, "satuan": "meter",
        "harga_satuan": "850000.00", "volume": volume, "cost": cost, "volume_final": volume, "cost_final": cost,
        "gagasan": "Drainase lingkungan", "decisions": []})
    return usulan_id


@pytest.fixture(scope="module")
def cycle(gw, amqp_uri):
    ok(call(gw, "bappeda", "PUT", "/v1/renja/opd?versi=sipd-2027", raw=(DEMO / "opd_12.21.csv").read_bytes(),
            content_type="text/csv"))
    ok(call(gw, "bappeda", "PUT", f"/v1/renja/{TAHUN}/nomenklatur", {"versi": "sipd-2027"}))
    ok(call(gw, "bappeda", "PUT", f"/v1/renja/{TAHUN}/opd/{PUPR}/pagu",
            {"pagu_n": "2000000000", "pagu_n1": "2000000000"}))
    now = datetime.now(timezone.utc)
    publish(amqp_uri, "musrenbang", "stage.opened.v1", f"{PEMDA}/{TAHUN}", {
        "pemda": PEMDA, "tahun": TAHUN, "tata_urutan": "permendagri_86_2017", "history": [],
        "windows": [{"step": "kecamatan", "level": "kecamatan", "opens_at": (now - timedelta(days=9)).isoformat(),
                     "closes_at": (now - timedelta(seconds=1)).isoformat()}]})
    return gw


def item_of(gw, usulan_id):
    def found():
        page = ok(call(gw, "opd_pupr", "GET", f"/v1/renja/{TAHUN}/inbox?limit=100"))
        return [i for i in page["items"] if i["source_id"] == usulan_id]
    return support.wait_for(found, what="the routed usulan in the PUPR inbox")[0]


def test_accommodation_modes_and_the_forum_through_the_gateway(cycle, amqp_uri):
    gw = cycle
    first, second = route(amqp_uri, PASAR, "100", "85000000.00"), route(amqp_uri, JULU, "50", "42500000.00")
    one, two = item_of(gw, first), item_of(gw, second)
    decide = lambda it, body, who="opd_pupr": call(gw, who, "POST", f"/v1/renja/inbox/{it['item_id']}/decision",
                                                   {"decision": "accommodate", **body})

    # the request schema: an unknown mode, a row id that is no id — before any call
    assert problems(decide(one, {"mode": "digabung"})) == {("mode", "choice")}
    assert problems(decide(one, {"row_id": "R-1", "mode": "tambah"})) == {("row_id", "format_pattern")}
    assert decide(one, {"row": {"sumber_dana": "DAU", "kelompok_sasaran": "Pedagang"}}, "opd_dinkes").status == 403

    made = ok(decide(one, {"row": {"sumber_dana": "DAU", "kelompok_sasaran": "Pedagang pasar"}}))
    row_id = made["decision"]["row_id"]
    assert made["decision"]["mode"] == "baris_baru" and made["decision"]["attributable"] == "85000000.00"
    row = ok(call(gw, "opd_pupr", "GET", f"/v1/renja/rows/{row_id}"))
    assert row["lokasi"] == {"cakupan": "desa", "kode": [PASAR]} and row["akomodasi"][0]["mode"] == "baris_baru"

    # the service's arithmetic, field by field: a row id without a mode; a row that does not cover
    assert problems(decide(two, {"row_id": row_id})) == {("mode", "required")}
    assert problems(decide(two, {"row_id": row_id, "mode": "sudah_tercakup"})) == {("lokasi", "not_covered"),
                                                                                   ("cost", "above_row_pagu")}
    grown = ok(decide(two, {"row_id": row_id, "mode": "tambah", "version": two["version"]}))
    assert grown["decision"]["attributable"] == "42500000.00"
    row = ok(call(gw, "opd_pupr", "GET", f"/v1/renja/rows/{row_id}"))
    assert (row["target"], row["pagu_n"], row["lokasi"]["kode"]) == ("150", "127500000.00", [PASAR, JULU])

    # lowering the row's pagu N below what it accommodates: 422 on pagu_n
    etag = call(gw, "opd_pupr", "GET", f"/v1/renja/rows/{row_id}").headers["etag"]
    answer = call(gw, "opd_pupr", "PATCH", f"/v1/renja/rows/{row_id}", {"pagu_n": "100000000"},
                  headers={"If-Match": etag})
    assert problems(answer) == {("pagu_n", "below_attributed")}
    # a location as {cakupan, kode} through the gateway; a mixed list refused
    assert problems(call(gw, "opd_pupr", "POST", f"/v1/renja/{TAHUN}/opd/{PUPR}/rows", {
        "sub_kegiatan": "1.03.06.2.01.0021", "target": "5", "pagu_n": "1", "pagu_n1": "0",
        "lokasi": [KEC, PASAR], "sumber_dana": "DAU", "kelompok_sasaran": "Warga"})) == {("lokasi", "mixed_cakupan")}
    whole = ok(call(gw, "opd_pupr", "POST", f"/v1/renja/{TAHUN}/opd/{PUPR}/rows", {
        "sub_kegiatan": "1.03.06.2.01.0021", "target": "5", "pagu_n": "1000000", "pagu_n1": "0",
        "lokasi": {"cakupan": "kabupaten", "kode": []}, "sumber_dana": "DAU", "kelompok_sasaran": "Warga"}), 201)
    assert whole["lokasi"] == {"cakupan": "kabupaten", "kode": [PEMDA]}

    # the Forum PD: recorded by the OPD (schema and roles first), refused while an item waits
    forum = {"tempat": "Aula Dinas PUPR", "tanggal": "2029-03-05",
             "peserta": [{"nama": "Ir. Siregar", "unsur": "opd", "instansi": "Dinas PUPR"}],
             "kesepakatan": ["Drainase pasar satu baris"]}
    base = f"/v1/renja/{TAHUN}/opd/{PUPR}/forum-pd"
    assert problems(call(gw, "opd_pupr", "POST", base, {**forum, "peserta": []})) == {("peserta", "too_few_items")}
    assert call(gw, "bappeda", "POST", base, forum).status == 403
    ok(call(gw, "opd_pupr", "POST", base, forum))
    third = item_of(gw, route(amqp_uri, PASAR, "10", "8500000.00"))
    answer = call(gw, "opd_pupr", "POST", base + "/close")
    assert answer.status == 409 and answer.json["code"] == "forum_pd_blocked"
    assert [(b["kind"], b["ids"]) for b in answer.json["blockers"]] == [("inbox_pending", [third["item_id"]])]
    assert call(gw, "opd_pupr", "GET", base + "/berita-acara").status == 404

    ok(call(gw, "opd_pupr", "POST", f"/v1/renja/inbox/{third['item_id']}/decision",
            {"decision": "reject", "reason": "Sudah dibangun tahun lalu"}))
    closed = ok(call(gw, "opd_pupr", "POST", base + "/close"))
    # the berita acara lists its items in a fixed order of their own (not arrival), for a stable digest
    assert sorted(i["verdict"] for i in closed["items"]) == ["diakomodasi", "diakomodasi", "ditolak"]
    assert {i["item_id"] for i in closed["items"] if i["verdict"] == "ditolak"} == {third["item_id"]}
    paper = ok(call(gw, "bappeda", "GET", base + "/berita-acara"))
    assert hashlib.sha256(paper["text"].encode()).hexdigest() == closed["berita_acara_sha256"]
    assert call(gw, "opd_pupr", "POST", base + "/close").json["code"] == "forum_closed"
    # the joint forum is not this pemda's choice this year
    assert call(gw, "bappeda", "POST", f"/v1/renja/{TAHUN}/forum-pd/close").json["code"] == "forum_per_opd"
    assert call(gw, "bappeda", "PUT", f"/v1/renja/{TAHUN}/forum-pd/bentuk", {"bentuk": "gabungan"}
                ).json["code"] == "forum_closed"
