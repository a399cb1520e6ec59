"""Renja against the real RabbitMQ and PostgreSQL, with real Musrenbang and Pokir services: an
usulan routed by a real Musrenbang stage close lands in the right inbox exactly once, a pokir
delivered by Pokir too, and the OPD's decisions reach Musrenbang and Pokir."""
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError

from eplanning_common.config import data_dir
from eplanning_common.publisher import open_connection
from eplanning_common.wilayah import load_wilayah
from musrenbang.service import MusrenbangService
from pokir.service import PokirService
from renja.service import RenjaService

from . import support

pytestmark = pytest.mark.timeout(240)

PEMDA, TAHUN = "12.21", 2027
DEMO = data_dir() / "demo"
PUPR = "1.03.0.00.0.00.01.0000"
DINKES = "1.02.0.00.0.00.01.0000"
PERKIM = "1.04.2.10.0.00.01.0000"
KEC, DESA = "12.21.07", "12.21.07.1001"
PERKIM_CODE = "1.04.02.2.03.0004"  # Pembangunan Rumah bagi Korban Bencana

WHO = {
    "bappeda": {"sub": "u-bappeda", "role": "bappeda", "pemda": PEMDA},
    "pupr": {"sub": "u-pupr", "role": "opd", "pemda": PEMDA, "opd": PUPR},
    "perkim": {"sub": "u-perkim", "role": "opd", "pemda": PEMDA, "opd": PERKIM},
    "dinkes": {"sub": "u-dinkes", "role": "opd", "pemda": PEMDA, "opd": DINKES},
    "desa": {"sub": "op-desa", "role": "operator_desa", "pemda": PEMDA, "wilayah": DESA},
    "kec": {"sub": "op-kec", "role": "operator_kecamatan", "pemda": PEMDA, "wilayah": KEC},
    "a01": {"sub": "u-a01", "role": "anggota_dprd", "pemda": PEMDA, "anggota_id": "A01"},
    "setwan": {"sub": "u-setwan", "role": "setwan", "pemda": PEMDA},
}


def fresh(service):
    return support.service_database(service, "renjaflow", PEMDA)


@pytest.fixture(scope="module")
def stack(amqp_uri):
    started = []
    for cls, service in ((RenjaService, "renja"), (MusrenbangService, "musrenbang"), (PokirService, "pokir")):
        container = ServiceContainer(cls, {"AMQP_URI": amqp_uri, "DATABASE_URL": fresh(service), "max_workers": 10})
        container.start()
        started.append(container)
    yield
    for container in started:
        container.stop()


@pytest.fixture(scope="module")
def rpc(amqp_uri, stack):
    proxies, opened = {}, []
    for name, identity in WHO.items():
        proxy = support.signed_proxy(amqp_uri, identity, timeout=30)
        proxies[name] = proxy.start()
        opened.append(proxy)
    yield proxies
    for proxy in opened:
        proxy.stop()


@pytest.fixture(scope="module")
def renja_events(amqp_uri):
    conn = open_connection(amqp_uri)
    channel = conn.channel()
    channel.exchange_declare("renja.events", "topic", durable=True, auto_delete=False)
    channel.queue_declare("test.renja.all", durable=False, auto_delete=False, exclusive=True)
    channel.queue_bind("test.renja.all", "renja.events", routing_key="#")
    seen = []

    def of_type(routing_key):
        while (m := channel.basic_get("test.renja.all", no_ack=True)) is not None:
            seen.append(json.loads(m.body))
        return [e for e in seen if e["type"].endswith("." + routing_key)]
    yield of_type
    conn.close()


def publish(amqp_uri, source, routing_key, subject, data, pemda=PEMDA, tahun=TAHUN):
    """An event of another service, as it would publish it, into the test vhost."""
    from eplanning_common.envelope import make_event
    from eplanning_common.publisher import ConfirmingPublisher, json_message
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        publisher.publish(json_message(f"{source}.events", routing_key,
                                       make_event(source, routing_key, subject, data, pemda, tahun)))
    finally:
        publisher.close()


def publish_penetapan(amqp_uri, opd_lines, pemda=PEMDA, tahun=TAHUN, nomor=4, versi="penetapan"):
    """RKPD's penetapan publication (rkpd.published.v1 with the lines each OPD's Renja final must match)."""
    publish(amqp_uri, "rkpd", "rkpd.published.v1", f"{pemda}/{tahun}", {
        "nomor": nomor, "versi": versi, "content_hash": "0" * 64, "location": f"/rkpd/{pemda}/{tahun}/v{nomor}",
        "files": {}, "diff": {"rows_added": 0, "rows_removed": 0, "rows_changed": 0},
        "perkada": {"nomor": "12 Tahun 2026", "tanggal": "2026-06-20"}, "opd_lines": opd_lines}, pemda, tahun)


def err(call, *args, **kwargs):
    with pytest.raises(RemoteError) as info:
        call(*args, **kwargs)
    return info.value.exc_type, json.loads(info.value.value)


def row(**changes):
    return {"sub_kegiatan": "1.03.06.2.01.0012", "target": "500", "pagu_n": "400000000", "pagu_n1": "450000000",
            "lokasi": [KEC], "sumber_dana": "DAU", "kelompok_sasaran": "Warga Kecamatan Barumun", **changes}


@pytest.fixture(scope="module")
def setup(rpc):
    rpc["bappeda"].renja.import_opd("sipd-2027", (DEMO / "opd_12.21.csv").read_text())
    rpc["bappeda"].renja.pin_cycle(TAHUN, "sipd-2027")
    for opd, n in ((PUPR, "2000000000"), (PERKIM, "1000000000"), (DINKES, "1000000000")):
        rpc["bappeda"].renja.set_pagu(opd, TAHUN, n, n)


def test_rows_are_checked_against_nomenclature_bidang_location_and_the_ceiling(rpc, setup, renja_events):
    created = rpc["pupr"].renja.create_row(PUPR, TAHUN, row())
    assert created["pagu_n"] == "400000000.00" and created["indikator"]  # defaulted from the nomenclature
    kind, body = err(rpc["pupr"].renja.create_row, PUPR, TAHUN, row(sub_kegiatan="1.03.99.2.01.0001"))
    assert kind == "ValidationError" and body["errors"][0]["code"] == "unknown_code"
    kind, body = err(rpc["pupr"].renja.create_row, PUPR, TAHUN, row(sub_kegiatan="1.02.02.2.01.0002"))  # a puskesmas
    assert {e["code"] for e in body["errors"]} >= {"outside_bidang"}
    kind, body = err(rpc["pupr"].renja.create_row, PUPR, TAHUN, row(sub_kegiatan="1.03.03.2.01.0028",
                                                                      lokasi=["12.71.01"], pagu_n="-5"))
    assert {e["field"] for e in body["errors"]} >= {"lokasi", "pagu_n"}
    kind, body = err(rpc["pupr"].renja.create_row, PUPR, TAHUN, row(sub_kegiatan="1.03.03.2.01.0028",
                                                                      pagu_n="1700000000"))
    over = next(e for e in body["errors"] if e["field"] == "pagu_n")
    assert "Rp2.100.000.000,00" in over["message"] and "Rp2.000.000.000,00" in over["message"]
    assert "Rp100.000.000,00" in over["message"]  # the total, the ceiling and the overrun
    totals = {t["opd"]: t for t in rpc["pupr"].renja.totals(TAHUN)}
    assert list(totals) == [PUPR] and totals[PUPR]["total_n"] == "400000000.00"
    assert err(rpc["perkim"].renja.create_row, PUPR, TAHUN, row())[0] == "Forbidden"  # another OPD's renja
    assert err(rpc["perkim"].renja.list_rows, TAHUN, {"opd": PUPR})[0] == "Forbidden"
    assert len(renja_events("row.created.v1")) == 1


def _musrenbang_cycle_routing_one_usulan(rpc):
    now = datetime.now(timezone.utc)
    rpc["bappeda"].musrenbang.import_kamus(TAHUN, (DEMO / "kamus_usulan_12.21_2027.csv").read_text())
    rpc["bappeda"].musrenbang.set_schedule(TAHUN, [
        {"level": lv, "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=1)).isoformat()}
        for lv in ("desa", "kecamatan", "kabupaten")])
    u = rpc["desa"].musrenbang.create_usulan(TAHUN, {"desa": DESA, "kamus_item_id": f"{PEMDA}/{TAHUN}/DRN-01",
                                                     "volume": "300", "permasalahan": "Pasar tergenang",
                                                     "gagasan": "Drainase keliling Pasar Sibuhuan"})
    rpc["desa"].musrenbang.decide_usulan(u["id"], {"level": "desa", "status": "diterima"})
    rpc["kec"].musrenbang.decide_usulan(u["id"], {"level": "kecamatan", "status": "diterima"})
    rpc["kec"].musrenbang.close_kecamatan(TAHUN, KEC, {"tanggal": "2027-02-10", "tempat": "Kantor Camat Barumun",
                                                       "jumlah_peserta": 60})
    rpc["bappeda"].musrenbang.decide_usulan(u["id"], {"level": "kabupaten", "status": "diterima"})
    rpc["bappeda"].musrenbang.close_stage(TAHUN)
    return u


def test_routed_usulan_lands_in_the_right_inbox_once_and_the_decision_reaches_musrenbang(rpc, setup, renja_events):
    u = _musrenbang_cycle_routing_one_usulan(rpc)
    support.wait_for(lambda: [i for i in rpc["pupr"].renja.inbox(TAHUN, None, "menunggu")["items"]
                                     if i["source_id"] == u["id"]], what="the routed usulan in the PU inbox")
    time.sleep(0.5)  # a duplicate routing would land now
    mine = [i for i in rpc["pupr"].renja.inbox(TAHUN)["items"] if i["source_id"] == u["id"]]
    assert len(mine) == 1 and mine[0]["opd"] == PUPR and mine[0]["cost"] == "255000000.00"
    assert not [i for i in rpc["dinkes"].renja.inbox(TAHUN)["items"] if i["source_id"] == u["id"]]  # no other OPD
    assert len([e for e in renja_events("inbox.received.v1") if e["data"]["source_id"] == u["id"]]) == 1
    assert err(rpc["perkim"].renja.decide_inbox, mine[0]["item_id"], "reject", {"reason": "x"})[0] == "Forbidden"

    decided = rpc["pupr"].renja.decide_inbox(mine[0]["item_id"], "accommodate", {
        "row": row(sub_kegiatan="1.03.06.2.01.0021", pagu_n="255000000", pagu_n1="0", lokasi=[DESA])})
    assert decided["status"] == "diakomodasi"
    assert err(rpc["pupr"].renja.decide_inbox, mine[0]["item_id"], "reject", {"reason": "berubah pikiran"}
               )[1]["code"] in ("already_decided", "stale_version", "invalid_status", "transition_refused")
    follow = support.wait_for(lambda: rpc["kec"].musrenbang.get_usulan(u["id"])["tindak_lanjut"],
                              what="the decision in Musrenbang")
    assert follow[0]["decision"] == "diakomodasi" and follow[0]["renja_row_id"] == decided["decision"]["renja_row_id"]
    assert follow[0]["mode"] == "baris_baru"  # the usulan's trail shows how the OPD accommodated it (issue #16)
    assert rpc["kec"].musrenbang.track_usulan(u["tracking_code"])["tindak_lanjut"][0]["mode"] == "baris_baru"
    row_sources = [r for r in rpc["pupr"].renja.list_rows(TAHUN)["items"] if r["row_id"] == follow[0]["renja_row_id"]]
    assert row_sources[0]["sumber"] == [{"source": "musrenbang", "source_id": u["id"]}]


def test_a_delivered_pokir_is_rerouted_then_accommodated_and_pokir_follows(rpc, setup, renja_events):
    now = datetime.now(timezone.utc)
    rpc["setwan"].pokir.import_register("2024-2029", *((DEMO / f"dprd_{n}_12.21.csv").read_text()
                                                       for n in ("dapil", "anggota", "staf_ahli")))
    rpc["bappeda"].pokir.import_kamus(TAHUN, (DEMO / "kamus_usulan_12.21_2027.csv").read_text())
    rpc["bappeda"].pokir.set_window(TAHUN, (now - timedelta(days=1)).isoformat(), (now + timedelta(days=2)).isoformat())
    reses = rpc["a01"].pokir.record_reses(TAHUN, {"tanggal": (now - timedelta(days=9)).date().isoformat(),
                                                  "tempat": "Aula Sibuhuan", "jumlah_peserta": 90})
    p = rpc["a01"].pokir.create_pokir(TAHUN, {"judul": "Sumur bor Pasar Sibuhuan", "permasalahan": "Air bersih kurang",
                                              "usulan": "Sumur bor di lingkungan pasar", "kamus_item_id":
                                              f"{PEMDA}/{TAHUN}/SPAM-02", "volume": "2", "desa": DESA,
                                              "reses_id": reses["id"]})
    rpc["a01"].pokir.act_on_pokir(p["id"], "submit")
    rpc["setwan"].pokir.act_on_pokir(p["id"], "recommend", {"catatan": "Layak"})
    rpc["setwan"].pokir.act_on_pokir(p["id"], "deliver")
    time.sleep(0.5)
    assert not [i for i in rpc["pupr"].renja.inbox(TAHUN)["items"] if i["source_id"] == p["id"]]  # not yet an OPD's
    # Bappeda's review finds it layak, then disposes it to PU (a delivered pokir reaches no OPD before that)
    rpc["bappeda"].pokir.review_pokir(p["id"], {"status": "layak", "kajian": {
        "kewenangan": True, "sesuai_prioritas": True, "duplikat_usulan": None, "biaya_wajar": True}})
    rpc["bappeda"].pokir.act_on_pokir(p["id"], "dispose", {"opd": PUPR})

    item = support.wait_for(lambda: [i for i in rpc["pupr"].renja.inbox(TAHUN, None, "menunggu")["items"]
                                     if i["source_id"] == p["id"]], what="the pokir in the PU inbox")[0]
    rpc["pupr"].renja.decide_inbox(item["item_id"], "reroute", {"to_opd": PERKIM, "reason": "Urusan permukiman"})
    moved = support.wait_for(lambda: [i for i in rpc["perkim"].renja.inbox(TAHUN, None, "menunggu")["items"]
                                      if i["source_id"] == p["id"]], what="the re-routed pokir")
    assert len(moved) == 1 and moved[0]["previous_opds"] == [PUPR]
    support.wait_for(lambda: rpc["a01"].pokir.get_pokir(p["id"])["disposisi_opd"] == PERKIM, what="pokir disposed")

    kind, body = err(rpc["perkim"].renja.decide_inbox, moved[0]["item_id"], "accommodate",
                     {"row": row(sub_kegiatan="1.03.03.2.01.0022", lokasi=[DESA])})
    assert kind == "ValidationError" and "outside_bidang" in {e["code"] for e in body["errors"]}  # PU's code
    rpc["perkim"].renja.decide_inbox(moved[0]["item_id"], "accommodate", {
        "row": row(sub_kegiatan=PERKIM_CODE, pagu_n="190000000", pagu_n1="0", lokasi=[DESA]), "volume": "2",
        "cost": "190000000"})
    followed = support.wait_for(lambda: rpc["a01"].pokir.get_pokir(p["id"]), what="the pokir follow-up")
    support.wait_for(lambda: rpc["a01"].pokir.get_pokir(p["id"])["status"] == "diakomodasi", what="pokir accommodated")
    seen = rpc["a01"].pokir.get_pokir(p["id"])
    assert seen["akomodasi"]["opd"] == PERKIM and seen["akomodasi"]["cost"] == "190000000.00"
    decided = [e["data"] for e in renja_events("inbox.decided.v1") if e["data"]["source_id"] == p["id"]]
    assert [d["decision"] for d in decided] == ["dialihkan", "diakomodasi"]
    assert followed["id"] == p["id"]

    # the trace: both inbox items (PU re-routed it, Perkim accommodated it) and the row it went into
    traced = rpc["a01"].renja.trace("pokir", p["id"])
    assert [(i["opd"], i["decision"]["decision"]) for i in traced["inbox"]] == [(PUPR, "dialihkan"),
                                                                                (PERKIM, "diakomodasi")]
    row_id = traced["inbox"][1]["decision"]["renja_row_id"]
    assert [r["row_id"] for r in traced["rows"]] == [row_id]
    assert traced["rows"][0]["sub_kegiatan"] == PERKIM_CODE
    assert rpc["pupr"].renja.trace("pokir", "no-such-pokir")["inbox"] == []
    assert err(rpc["pupr"].renja.trace, "elsewhere", p["id"])[0] == "NotFound"


def test_lifecycle_snapshots_and_stage_close_with_blockers_then_manifest(rpc, setup, renja_events, amqp_uri):
    other = "12.20"  # a second pemda with a one-OPD register, so the whole stage can close here
    engine = sa.create_engine(support.PG_URI + "/" + support.db_name("eplanning_test_renja_renjaflow"))
    load_wilayah(engine, other)
    engine.dispose()
    boss = {"sub": "u-bappeda-1220", "role": "bappeda", "pemda": other}
    opd = "1.03.0.00.0.00.01.0000"
    with support.signed_proxy(amqp_uri, boss, timeout=30) as b, \
            support.signed_proxy(amqp_uri, {
                "sub": "u-pu-1220", "role": "opd", "pemda": other, "opd": opd}, timeout=30) as o:
        b.renja.import_opd("sipd-2027", f"kode,nama,bidang\n{opd},Dinas PUPR,1.03\n")
        b.renja.pin_cycle(TAHUN, "sipd-2027")
        b.renja.set_pagu(opd, TAHUN, "1000000000", "1000000000")
        first = o.renja.create_row(opd, TAHUN, row(lokasi=["12.20.01"], pagu_n="600000000"))
        o.renja.take_snapshot(opd, TAHUN, "rancangan awal")
        o.renja.update_row(first["row_id"], row(lokasi=["12.20.01"], pagu_n="700000000"), 1)
        o.renja.take_snapshot(opd, TAHUN, "rancangan")
        diff = o.renja.compare_snapshots(opd, TAHUN, "rancangan awal", "rancangan")
        assert diff["changed"][0]["row_id"] == first["row_id"] and diff["total_n_after"] == "700000000.00"

        blocked = err(b.renja.close_stage, TAHUN)[1]
        assert blocked["code"] == "close_blocked" and blocked["blockers"][0]["opd"] == opd
        o.renja.renja_step(opd, TAHUN, "submit")
        assert err(o.renja.renja_step, opd, TAHUN, "verify")[0] == "Forbidden"
        assert err(o.renja.create_row, opd, TAHUN, row(lokasi=["12.20.01"]))[0] == "Conflict"  # submitted: frozen
        assert err(b.renja.renja_step, opd, TAHUN, "return", "")[0] == "ValidationError"  # a return needs its notes
        b.renja.renja_step(opd, TAHUN, "verify")
        # in a year whose calendar follows the regulation's order, Renja final comes after the RKPD
        # penetapan and must agree with it (issue #16)
        now = datetime.now(timezone.utc)
        publish(amqp_uri, "musrenbang", "stage.opened.v1", f"{other}/{TAHUN}", {
            "pemda": other, "tahun": TAHUN, "tata_urutan": "permendagri_86_2017", "history": [], "windows": [
                {"step": "penetapan", "level": None, "opens_at": (now - timedelta(days=2)).isoformat(),
                 "closes_at": (now - timedelta(days=1)).isoformat()}]}, pemda=other)
        support.wait_for(lambda: err(b.renja.renja_step, opd, TAHUN, "finalize")[1]["code"] == "belum_penetapan",
                         what="the calendar's order in Renja")
        publish_penetapan(amqp_uri, {opd: [{"row_id": None, "sub_kegiatan": "1.03.06.2.01.0012", "pagu_n": "650000000.00"},
                                           {"row_id": None, "sub_kegiatan": "1.03.03.2.01.0028", "pagu_n": "50000000.00"}]},
                          pemda=other, nomor=4)
        refused = support.wait_for(
            lambda: (lambda body: body if body["code"] != "belum_penetapan" else None)(
                err(b.renja.renja_step, opd, TAHUN, "finalize")[1]), what="the penetapan in Renja")
        assert refused["code"] == "tidak_sesuai_penetapan"
        assert [(d["kind"], d["sub_kegiatan"], d["pagu_renja"], d["pagu_penetapan"]) for d in refused["differences"]] \
            == [("missing", "1.03.03.2.01.0028", None, "50000000.00"),
                ("pagu_differs", "1.03.06.2.01.0012", "700000000.00", "650000000.00")]
        assert b.renja.totals(TAHUN)[0]["status"] == "diverifikasi"  # nothing changed
        publish_penetapan(amqp_uri, {opd: [{"row_id": None, "sub_kegiatan": "1.03.06.2.01.0012", "pagu_n": "700000000.00"}]},
                          pemda=other, nomor=5)
        support.wait_for(lambda: _finalized(b, opd), what="finalize against the agreeing penetapan")
        closed = b.renja.close_stage(TAHUN)
    manifest = closed["manifest"]
    assert manifest["rows"] == 1 and manifest["totals"][opd]["total_n"] == "700000000.00"
    event = support.wait_for(lambda: [e for e in renja_events("stage.closed.v1") if e["pemda"] == other],
                             what="renja stage.closed")[0]
    assert event["data"]["manifest"]["digest"] == manifest["digest"]
    # the 12.21 stage cannot close: its blockers name the OPDs still in draft
    blockers = err(rpc["bappeda"].renja.close_stage, TAHUN)[1]["blockers"]
    assert {b["opd"] for b in blockers} >= {PUPR, PERKIM, DINKES}


def _finalized(proxy, opd):
    try:
        return proxy.renja.renja_step(opd, TAHUN, "finalize")["status"] == "final"
    except RemoteError as error:
        if json.loads(error.value)["code"] == "tidak_sesuai_penetapan":
            return False
        raise


# -- request_id: idempotent row creates and deterministic row ids --------------------------------

ROW_NS, ACCOMMODATED_NS = "4dc29b2c-ebca-499a-b12c-7cdf2a629bf2", "648de1a5-f84e-4c5e-9001-e58b8e082378"
RENJA_DB = f"{support.PG_URI}/{support.db_name('eplanning_test_renja_renjaflow')}"


def _uuid5(namespace, name):
    import uuid
    return str(uuid.uuid5(uuid.UUID(namespace), name))


def _outbox(subject):
    engine = sa.create_engine(RENJA_DB)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(sa.text(
                "select routing_key from outbox where envelope->>'subject' = :s order by seq"), {"s": subject})]
    finally:
        engine.dispose()


def test_a_row_created_twice_with_one_request_id_is_one_row(rpc, setup, amqp_uri):
    data = row(sub_kegiatan="1.03.02.2.01.0013", pagu_n="100000000", pagu_n1="0")
    first = rpc["pupr"].renja.create_row(PUPR, TAHUN, data, request_id="renja-rq-0001")
    again = rpc["pupr"].renja.create_row(PUPR, TAHUN, data, request_id="renja-rq-0001")
    assert again == first and first["version"] == 1
    assert first["row_id"] == _uuid5(ROW_NS, f"{PEMDA}/{TAHUN}/renja-rq-0001")
    assert [r["row_id"] for r in rpc["pupr"].renja.list_rows(TAHUN, {"opd": PUPR}, None, 100)["items"]
            if r["sub_kegiatan"] == "1.03.02.2.01.0013"] == [first["row_id"]]
    assert _outbox(first["row_id"]) == ["row.created.v1"]
    # a row keeps its OPD, not its author: another operator of the same OPD gets the same row ...
    colleague = {**WHO["pupr"], "sub": "u-pupr-2"}
    with support.signed_proxy(amqp_uri, colleague, timeout=30) as other:
        assert other.renja.create_row(PUPR, TAHUN, data, request_id="renja-rq-0001") == first
    # ... another OPD's request id is taken
    kind, body = err(rpc["perkim"].renja.create_row, PERKIM, TAHUN, row(sub_kegiatan=PERKIM_CODE, lokasi=[DESA]),
                     request_id="renja-rq-0001")
    assert kind == "Conflict" and body["code"] == "request_id_taken"
    kind, body = err(rpc["pupr"].renja.create_row, PUPR, TAHUN, data, request_id="x")
    assert kind == "ValidationError" and [e["field"] for e in body["errors"]] == ["request_id"]
    assert _outbox(first["row_id"]) == ["row.created.v1"]


def test_the_request_id_of_a_deleted_row_is_not_reused(rpc, setup):
    data = row(sub_kegiatan="1.03.02.2.01.0015", pagu_n="100000000", pagu_n1="0")
    made = rpc["pupr"].renja.create_row(PUPR, TAHUN, data, request_id="renja-rq-0002")
    rpc["pupr"].renja.delete_row(made["row_id"])
    kind, body = err(rpc["pupr"].renja.create_row, PUPR, TAHUN, data, request_id="renja-rq-0002")
    assert kind == "Conflict" and body["code"] == "request_id_taken"
    assert _outbox(made["row_id"]) == ["row.created.v1", "row.deleted.v1"]  # not created again under that id
    assert err(rpc["pupr"].renja.get_row, made["row_id"])[0] == "NotFound"


def test_without_request_id_a_row_gets_a_random_id(rpc, setup):
    import uuid
    made = rpc["pupr"].renja.create_row(PUPR, TAHUN, row(sub_kegiatan="1.03.02.2.01.0019", pagu_n="100000000",
                                                         pagu_n1="0"))
    assert uuid.UUID(made["row_id"]).version == 4


def test_the_row_an_item_is_accommodated_into_has_an_id_derived_from_the_item(rpc, setup, amqp_uri):
    import uuid

    from eplanning_common.envelope import make_event
    from eplanning_common.publisher import ConfirmingPublisher, json_message
    usulan_id = str(uuid.uuid4())
    routed = make_event("musrenbang", "usulan.routed.v1", usulan_id, {
        "usulan_id": usulan_id, "tracking_code": "ABCDEFGH", "version": 3, "kecamatan": KEC, "desa": DESA,
        "kamus_kode": "DRN-01", "sub_kegiatan": "1.03.02.2.01.0026", "opd": PUPR, "satuan": "meter",
        "harga_satuan": "850000.00", "volume": "20", "cost": "17000000.00", "volume_final": "20",
        "cost_final": "17000000.00", "gagasan": "Pintu air dusun lima", "decisions": []}, PEMDA, TAHUN)
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        publisher.publish(json_message("musrenbang.events", "usulan.routed.v1", routed))
    finally:
        publisher.close()
    item = support.wait_for(lambda: [i for i in rpc["pupr"].renja.inbox(TAHUN, None, "menunggu")["items"]
                                     if i["source_id"] == usulan_id], what="the routed usulan in the inbox")[0]
    decided = rpc["pupr"].renja.decide_inbox(item["item_id"], "accommodate", {
        "row": row(sub_kegiatan="1.03.02.2.01.0026", pagu_n="17000000", pagu_n1="0", lokasi=[DESA])})
    row_id = decided["decision"]["renja_row_id"]
    assert row_id == _uuid5(ACCOMMODATED_NS, f"{item['item_id']}/row")
    assert rpc["pupr"].renja.get_row(row_id)["sumber"] == [{"source": "musrenbang", "source_id": usulan_id}]
