"""Pokir against the real RabbitMQ and PostgreSQL, beside real Musrenbang and Renja services: the window
follows Musrenbang's schedule, overlaps come from Musrenbang's events, a pokir reaches an OPD's Renja
inbox only after Bappeda's review found it layak, follow-up comes from Renja's decisions."""
import json
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError

from eplanning_common.config import data_dir
from eplanning_common.envelope import make_event
from eplanning_common.publisher import ConfirmingPublisher, json_message, open_connection
from musrenbang.service import MusrenbangService
from pokir.service import PokirService
from renja.service import RenjaService

from . import support

pytestmark = pytest.mark.timeout(180)

PEMDA, TAHUN, PERIODE = "12.21", 2027, "2024-2029"
DEMO = data_dir() / "demo"
KAMUS_CSV = (DEMO / "kamus_usulan_12.21_2027.csv").read_text()
DRN, SPAM = f"{PEMDA}/{TAHUN}/DRN-01", f"{PEMDA}/{TAHUN}/SPAM-01"
DESA_PALAS1 = "12.21.07.1001"      # Pasar Sibuhuan; kecamatan 12.21.07 (Barumun) is in dapil PALAS-1
DESA_PALAS2 = "12.21.01.2001"      # kecamatan 12.21.01 (Sosopan) is in dapil PALAS-2

WHO = {
    "a01": {"sub": "u-a01", "role": "anggota_dprd", "pemda": PEMDA, "anggota_id": "A01"},   # PALAS-1
    "s01": {"sub": "u-s01", "role": "staf_ahli", "pemda": PEMDA, "anggota_id": "A01"},      # A01's staf
    "a02": {"sub": "u-a02", "role": "anggota_dprd", "pemda": PEMDA, "anggota_id": "A02"},   # PALAS-1
    "s02": {"sub": "u-s02", "role": "staf_ahli", "pemda": PEMDA, "anggota_id": "A02"},
    "setwan": {"sub": "u-setwan", "role": "setwan", "pemda": PEMDA},
    "bappeda": {"sub": "u-bappeda", "role": "bappeda", "pemda": PEMDA},
    "desa": {"sub": "op-desa", "role": "operator_desa", "pemda": PEMDA, "wilayah": DESA_PALAS1},
    "pupr": {"sub": "u-pupr", "role": "opd", "pemda": PEMDA, "opd": "1.03.0.00.0.00.01.0000"},
    "public": None,
}
PUPR = "1.03.0.00.0.00.01.0000"
LAYAK = {"kewenangan": True, "sesuai_prioritas": True, "duplikat_usulan": None, "biaya_wajar": True}


def fresh(service):
    return support.service_database(service, "flow", PEMDA)


@pytest.fixture(scope="module")
def stack(amqp_uri):
    containers = []
    for cls, service in ((PokirService, "pokir"), (MusrenbangService, "musrenbang"), (RenjaService, "renja")):
        container = ServiceContainer(cls, {"AMQP_URI": amqp_uri, "DATABASE_URL": fresh(service), "max_workers": 10})
        container.start()
        containers.append(container)
    yield
    for container in containers:
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
def pokir_events(amqp_uri):
    conn = open_connection(amqp_uri)
    channel = conn.channel()
    channel.exchange_declare("pokir.events", "topic", durable=True, auto_delete=False)
    channel.queue_declare("test.pokir.all", durable=False, auto_delete=False, exclusive=True)
    channel.queue_bind("test.pokir.all", "pokir.events", routing_key="#")
    seen = []

    def of(subject):
        while (m := channel.basic_get("test.pokir.all", no_ack=True)) is not None:
            seen.append(json.loads(m.body))
        return [e["type"].split(".pokir.")[1] for e in seen if e["subject"] == subject]
    yield of
    conn.close()


def err(call, *args, **kwargs) -> tuple[str, dict]:
    with pytest.raises(RemoteError) as info:
        call(*args, **kwargs)
    return info.value.exc_type, json.loads(info.value.value)


def read(path):
    return (DEMO / path).read_text()


@pytest.fixture(scope="module")
def cycle(rpc, amqp_uri):
    """Register and catalogue imported; Musrenbang publishes its schedule, Pokir derives its window."""
    rpc["setwan"].pokir.import_register(PERIODE, read("dprd_dapil_12.21.csv"), read("dprd_anggota_12.21.csv"),
                                        read("dprd_staf_ahli_12.21.csv"))
    rpc["bappeda"].pokir.import_kamus(TAHUN, KAMUS_CSV)
    rpc["bappeda"].musrenbang.import_kamus(TAHUN, KAMUS_CSV)
    now = datetime.now(timezone.utc)
    spans = {"desa": (-1, 1), "kecamatan": (1, 5), "kabupaten": (10, 12)}
    rpc["bappeda"].musrenbang.set_schedule(TAHUN, [
        {"level": lv, "opens_at": (now + timedelta(days=a)).isoformat(), "closes_at": (now + timedelta(days=b)).isoformat()}
        for lv, (a, b) in spans.items()])
    reses = {}
    for who in ("a01", "a02"):
        reses[who] = rpc[who].pokir.record_reses(TAHUN, {"tanggal": (now - timedelta(days=20)).date().isoformat(),
                                                         "tempat": "Balai desa", "jumlah_peserta": 120})["id"]
    support.wait_for(lambda: _window_open(rpc), what="the pokir window derived from Musrenbang's schedule")
    return reses


def _window_open(rpc):
    try:
        rpc["a01"].pokir.create_pokir(TAHUN, {})
    except RemoteError as exc:
        return exc.exc_type == "ValidationError"  # past the window check, failing on the empty fields
    return False


def pokir_data(reses_id, **changes):
    return {"judul": "Drainase Pasar Sibuhuan", "permasalahan": "Pasar tergenang tiap hujan",
            "usulan": "Bangun drainase lingkungan di sekitar pasar", "kamus_item_id": DRN, "volume": "200",
            "desa": DESA_PALAS1, "reses_id": reses_id, **changes}


def test_register_import_reports_row_errors_and_keeps_the_register(rpc, cycle):
    bad_anggota = "id,nama,fraksi,dapil,pagu\nX1,Tanpa Fraksi,,PALAS-1,\nX2,Dapil Salah,Fraksi A,PALAS-9,\n"
    kind, body = err(rpc["setwan"].pokir.import_register, "2029-2034", read("dprd_dapil_12.21.csv"), bad_anggota,
                     "id,nama,anggota_id\n")
    assert kind == "ValidationError"
    assert {(e["file"], e["row"], e["field"]) for e in body["errors"]} >= {("anggota", 2, "fraksi"), ("anggota", 3, "dapil")}
    assert rpc["setwan"].pokir.get_register()["periode"] == PERIODE
    assert err(rpc["a01"].pokir.import_register, PERIODE, "", "", "")[0] == "Forbidden"


def test_a_reses_without_its_required_fields_names_each_of_them(rpc, cycle):
    kind, body = err(rpc["a01"].pokir.record_reses, TAHUN, {"catatan": "lupa semuanya"})
    assert kind == "ValidationError"
    assert {e["field"] for e in body["errors"]} >= {"tanggal", "tempat", "jumlah_peserta"}


def test_member_and_staf_enter_pokir_with_computed_cost_inside_the_dapil(rpc, cycle, pokir_events):
    by_member = rpc["a01"].pokir.create_pokir(TAHUN, pokir_data(cycle["a01"]))
    assert Decimal(by_member["cost"]) == 200 * Decimal("850000")
    assert by_member["anggota_id"] == "A01" and by_member["status"] == "draft"
    by_staf = rpc["s01"].pokir.create_pokir(TAHUN, pokir_data(cycle["a01"], judul="Sumur bor", kamus_item_id=SPAM,
                                                              volume="1"))
    assert by_staf["anggota_id"] == "A01"  # the staf ahli acts for their member
    support.wait_for(lambda: pokir_events(by_member["id"]) == ["pokir.created.v1"], what="pokir.created")

    kind, body = err(rpc["a01"].pokir.create_pokir, TAHUN, pokir_data(cycle["a01"], desa=DESA_PALAS2))
    assert kind == "ValidationError" and body["errors"][0]["field"] == "desa"
    assert body["errors"][0]["code"] == "outside_dapil"
    kind, body = err(rpc["a01"].pokir.create_pokir, TAHUN, {**pokir_data(cycle["a01"]), "cost": "1"})
    assert kind == "ValidationError" and body["errors"][0]["field"] == "cost"
    kind, body = err(rpc["a01"].pokir.create_pokir, TAHUN, pokir_data(cycle["a02"]))  # someone else's reses
    assert kind == "ValidationError" and body["errors"][0]["field"] == "reses_id"


def test_over_the_member_ceiling_the_error_states_the_overrun(rpc, cycle):
    # the ceiling is a local policy, off by default: Bappeda turns it on for the year (the register's pagu)
    assert rpc["a02"].pokir.get_kebijakan(TAHUN)["pagu_per_anggota"] == {"aktif": False, "jumlah": None}
    assert err(rpc["setwan"].pokir.set_kebijakan, TAHUN, {"pagu_per_anggota": {"aktif": True}})[0] == "Forbidden"
    kind, body = err(rpc["bappeda"].pokir.set_kebijakan, TAHUN, {"pagu_per_anggota": {"aktif": True, "jumlah": "-1"}})
    assert kind == "ValidationError" and body["errors"][0]["field"] == "pagu_per_anggota.jumlah"
    rpc["bappeda"].pokir.set_kebijakan(TAHUN, {"pagu_per_anggota": {"aktif": True, "jumlah": None}})
    # A02's pagu is Rp2.500.000.000: seven SPAM units of Rp350.000.000 = Rp2.450.000.000 fits ...
    before = rpc["a02"].pokir.list_pokir(TAHUN)["items"]
    rpc["a02"].pokir.create_pokir(TAHUN, pokir_data(cycle["a02"], kamus_item_id=SPAM, volume="2"))
    rpc["a02"].pokir.create_pokir(TAHUN, pokir_data(cycle["a02"], kamus_item_id=SPAM, volume="2"))
    rpc["a02"].pokir.create_pokir(TAHUN, pokir_data(cycle["a02"], kamus_item_id=SPAM, volume="2"))
    # ... one more unit (Rp350.000.000) on top of Rp2.100.000.000 would not
    kind, body = err(rpc["a02"].pokir.create_pokir, TAHUN, pokir_data(cycle["a02"], kamus_item_id=SPAM, volume="2"))
    assert kind == "ValidationError" and body["errors"][0]["code"] == "above_pagu"
    assert "Rp2.500.000.000,00" in body["errors"][0]["message"] and "Rp300.000.000,00" in body["errors"][0]["message"]
    assert len(rpc["a02"].pokir.list_pokir(TAHUN)["items"]) == len(before) + 3
    # the policy off again: no ceiling; both changes are in the audit log
    rpc["bappeda"].pokir.set_kebijakan(TAHUN, {"pagu_per_anggota": {"aktif": False, "jumlah": None}})
    rpc["a02"].pokir.create_pokir(TAHUN, pokir_data(cycle["a02"], kamus_item_id=SPAM, volume="2"))
    engine = sa.create_engine(POKIR_DB)
    try:
        with engine.connect() as conn:
            audited = [r[0] for r in conn.execute(sa.text(
                "select after::text from audit_log where action = 'pokir.kebijakan.set' order by seq"))]
    finally:
        engine.dispose()
    assert len(audited) == 2 and '"aktif":true' in audited[0].replace(" ", "") and "u-bappeda" in audited[1]


def test_members_see_and_edit_only_their_own_pokir(rpc, cycle):
    mine = rpc["a01"].pokir.create_pokir(TAHUN, pokir_data(cycle["a01"], judul="Drainase gang"))
    for who in ("a02", "s02"):
        assert err(rpc[who].pokir.get_pokir, mine["id"])[0] == "Forbidden"
        assert err(rpc[who].pokir.update_pokir, mine["id"], pokir_data(cycle["a01"]))[0] == "Forbidden"
        assert {p["anggota_id"] for p in rpc[who].pokir.list_pokir(TAHUN)["items"]} <= {"A02"}
    assert err(rpc["public"].pokir.get_pokir, mine["id"])[0] == "Forbidden"
    assert err(rpc["desa"].pokir.get_pokir, mine["id"])[0] == "Forbidden"  # a musrenbang role means nothing here
    assert rpc["setwan"].pokir.get_pokir(mine["id"])["id"] == mine["id"]
    assert rpc["bappeda"].pokir.get_pokir(mine["id"])["id"] == mine["id"]
    assert err(rpc["setwan"].pokir.update_pokir, mine["id"], pokir_data(cycle["a01"]))[0] == "Forbidden"
    edited = rpc["s01"].pokir.update_pokir(mine["id"], pokir_data(cycle["a01"], volume="150"), 1)
    assert edited["version"] == 2 and Decimal(edited["cost"]) == 150 * Decimal("850000")
    assert rpc["a01"].pokir.get_pokir(mine["id"])["version"] == 2


def test_lifecycle_to_bappeda_public_register_and_renja_follow_up(rpc, cycle, pokir_events, amqp_uri):
    p = rpc["a01"].pokir.create_pokir(TAHUN, pokir_data(cycle["a01"], judul="Drainase Jalan Lintas"))
    pid = p["id"]
    assert err(rpc["setwan"].pokir.act_on_pokir, pid, "recommend", {"catatan": "ok"})[0] == "Conflict"  # still draft
    rpc["s01"].pokir.act_on_pokir(pid, "submit")
    kind, body = err(rpc["setwan"].pokir.act_on_pokir, pid, "recommend", {"catatan": ""})
    assert kind == "ValidationError"
    rpc["setwan"].pokir.act_on_pokir(pid, "recommend", {"catatan": "Sesuai hasil reses dan RPJMD"})
    assert err(rpc["a01"].pokir.act_on_pokir, pid, "deliver")[0] == "Forbidden"
    public_before = rpc["public"].pokir.public_register(PEMDA, TAHUN)
    assert pid not in {x["id"] for x in public_before}  # not public before delivery
    delivered = rpc["setwan"].pokir.act_on_pokir(pid, "deliver")
    assert delivered["status"] == "disampaikan"
    # Bappeda records no "accommodated" itself: only Renja's decision naming a row does
    kind, body = err(rpc["bappeda"].pokir.act_on_pokir, pid, "accommodate",
                     {"opd": PUPR, "renja_row_id": "apa saja", "volume": "1", "cost": "1"})
    assert kind == "ValidationError" and body["errors"][0]["code"] == "accommodated_by_renja"

    public = {x["id"]: x for x in rpc["public"].pokir.public_register(PEMDA, TAHUN)}
    entry = public[pid]
    assert entry["anggota"] == "Anggota DPRD 01" and entry["fraksi"] and entry["dapil"]
    text = json.dumps(entry)
    for secret in ("Sesuai hasil reses", "u-s01", "Staf Ahli", "telepon", "email"):
        assert secret not in text

    # Renja accommodates it: a contract-valid inbox.decided.v1, delivered twice
    decision = make_event("renja", "inbox.decided.v1", f"inbox/{pid}", {
        "source": "pokir", "source_id": pid, "opd": "1.03.0.00.0.00.01.0000", "decision": "diakomodasi",
        "reason": "", "renja_row_id": "R-0001", "volume": "200", "cost": "170000000.00", "rerouted_to": None,
        "decided_at": datetime.now(timezone.utc).isoformat()}, PEMDA, TAHUN)
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        publisher.publish(json_message("renja.events", "inbox.decided.v1", decision))
        publisher.publish(json_message("renja.events", "inbox.decided.v1", decision))
    finally:
        publisher.close()
    support.wait_for(lambda: rpc["a01"].pokir.get_pokir(pid)["status"] == "diakomodasi", what="the follow-up")
    seen = rpc["a01"].pokir.get_pokir(pid)
    assert seen["akomodasi"]["renja_row_id"] == "R-0001"
    support.wait_for(lambda: pokir_events(pid)[-1] == "pokir.accommodated.v1", what="pokir.accommodated")
    assert pokir_events(pid) == ["pokir.created.v1", "pokir.submitted.v1", "pokir.recommended.v1",
                                 "pokir.delivered.v1", "pokir.accommodated.v1"]  # the duplicate had no effect


def test_overlap_with_a_musrenbang_usulan_is_flagged_from_its_events(rpc, cycle):
    p = rpc["a01"].pokir.create_pokir(TAHUN, pokir_data(cycle["a01"], judul="Drainase Desa Sibuhuan Julu",
                                                        usulan="Pembangunan drainase lingkungan dusun dua"))
    usulan = rpc["desa"].musrenbang.create_usulan(TAHUN, {
        "desa": DESA_PALAS1, "kamus_item_id": DRN, "volume": "80", "permasalahan": "Genangan air",
        "gagasan": "Pembangunan drainase lingkungan dusun dua"})
    found = support.wait_for(lambda: rpc["bappeda"].pokir.get_pokir(p["id"])["overlaps"], what="the overlap flag")
    assert found[0]["usulan_id"] == usulan["id"] and found[0]["tracking_code"] == usulan["tracking_code"]
    planners = {o["pokir_id"]: o for o in rpc["bappeda"].pokir.overlaps(TAHUN)}
    assert planners[p["id"]]["usulan"][0]["usulan_id"] == usulan["id"]
    # the desa withdraws its usulan: the flag goes away
    rpc["desa"].musrenbang.withdraw_usulan(usulan["id"], "Dobel dengan pokir")
    support.wait_for(lambda: rpc["bappeda"].pokir.get_pokir(p["id"])["overlaps"] == [], what="the flag to clear")


def _delivered(rpc, cycle, judul):
    p = rpc["a01"].pokir.create_pokir(TAHUN, pokir_data(cycle["a01"], judul=judul, volume="10"))
    rpc["a01"].pokir.act_on_pokir(p["id"], "submit")
    rpc["setwan"].pokir.act_on_pokir(p["id"], "recommend", {"catatan": "Sesuai hasil reses"})
    return rpc["setwan"].pokir.act_on_pokir(p["id"], "deliver")["id"]


def test_only_a_pokir_bappeda_found_layak_reaches_an_opd(rpc, cycle, pokir_events):
    rpc["bappeda"].renja.import_opd("sipd-2027", (DEMO / "opd_12.21.csv").read_text())
    rpc["bappeda"].renja.pin_cycle(TAHUN, "sipd-2027")
    unreviewed = _delivered(rpc, cycle, "Drainase Gang Mesjid")
    refused = _delivered(rpc, cycle, "Drainase Jalan Provinsi")
    good = _delivered(rpc, cycle, "Drainase Lorong Pasar")

    # not reviewed: Bappeda cannot dispose it
    kind, body = err(rpc["bappeda"].pokir.act_on_pokir, unreviewed, "dispose", {"opd": PUPR})
    assert kind == "Conflict" and body["code"] == "not_reviewed"
    # only Bappeda reviews; the verdict must agree with the criteria
    assert err(rpc["setwan"].pokir.review_pokir, good, {"status": "layak", "kajian": LAYAK})[0] == "Forbidden"
    kind, body = err(rpc["bappeda"].pokir.review_pokir, refused, {"status": "layak",
                                                                  "kajian": {**LAYAK, "kewenangan": False}})
    assert kind == "ValidationError" and body["errors"][0]["code"] == "inconsistent"
    kind, body = err(rpc["bappeda"].pokir.review_pokir, refused, {
        "status": "tidak_layak", "kajian": {**LAYAK, "duplikat_usulan": "bukan-usulan-yang-mirip"}, "catatan": "x"})
    assert kind == "ValidationError" and body["errors"][0]["code"] == "not_an_overlap"
    # tidak_layak: ends as tidak diakomodasi, and is never disposed
    ended = rpc["bappeda"].pokir.review_pokir(refused, {"status": "tidak_layak", "kajian": {**LAYAK, "kewenangan": False},
                                                        "catatan": "Jalan provinsi: kewenangan provinsi"})
    assert ended["status"] == "tidak diakomodasi" and "kewenangan provinsi" in ended["alasan_tidak_diakomodasi"]
    assert err(rpc["bappeda"].pokir.act_on_pokir, refused, "dispose", {"opd": PUPR})[0] == "Conflict"
    # layak: disposed to PU, and it arrives in PU's inbox
    reviewed = rpc["bappeda"].pokir.review_pokir(good, {"status": "layak", "kajian": LAYAK, "catatan": "Prioritas"})
    assert reviewed["review"]["status"] == "layak" and reviewed["status"] == "disampaikan"
    rpc["bappeda"].pokir.act_on_pokir(good, "dispose", {"opd": PUPR})
    arrived = support.wait_for(lambda: [i for i in rpc["pupr"].renja.inbox(TAHUN, None, None, None, 100)["items"]
                                        if i["source_id"] == good], what="the layak pokir in PU's inbox")
    assert len(arrived) == 1
    # by then the unreviewed and the tidak_layak pokir were delivered long ago: neither is in any inbox
    time.sleep(2)
    in_inbox = {i["source_id"] for i in rpc["pupr"].renja.inbox(TAHUN, None, None, None, 100)["items"]}
    assert good in in_inbox and unreviewed not in in_inbox and refused not in in_inbox
    support.wait_for(lambda: pokir_events(good)[-2:] == ["pokir.reviewed.v1", "pokir.disposed.v1"],
                     what="reviewed, then disposed")
    support.wait_for(lambda: pokir_events(refused)[-2:] == ["pokir.reviewed.v1", "pokir.not_accommodated.v1"],
                     what="reviewed tidak layak, hence not accommodated")


def test_late_entry_is_refused_naming_the_deadline_and_stage_close_has_a_manifest(rpc, cycle, pokir_events):
    now = datetime.now(timezone.utc)
    rpc["bappeda"].pokir.set_window(TAHUN, (now - timedelta(days=30)).isoformat(), (now - timedelta(days=1)).isoformat())
    kind, body = err(rpc["a01"].pokir.create_pokir, TAHUN, pokir_data(cycle["a01"]))
    assert kind == "Conflict" and body["code"] == "deadline_passed"
    assert "Batas waktu pokir" in body["detail"] and "sudah lewat" in body["detail"]
    pending = [p for p in rpc["setwan"].pokir.list_pokir(TAHUN, None, None, 100)["items"] if p["status"] == "diajukan"]
    assert not pending
    closed = rpc["setwan"].pokir.close_stage(TAHUN)
    manifest = closed["manifest"]
    everything = rpc["bappeda"].pokir.list_pokir(TAHUN, None, None, 100)["items"]
    assert manifest["total"] == len(everything)
    assert manifest["counts"]["diakomodasi"] == sum(1 for p in everything if p["status"] == "diakomodasi")
    support.wait_for(lambda: pokir_events(f"{PEMDA}/{TAHUN}")[-1:] == ["stage.closed.v1"], what="stage.closed")
    assert err(rpc["setwan"].pokir.close_stage, TAHUN)[1]["code"] == "stage_closed"


# -- request_id: idempotent creates with deterministic ids --------------------------------------
# (a plan year of its own: the 2027 window and stage are closed by the test above)

TAHUN_RQ = 2029
POKIR_NS, RESES_NS = "c19b9e7d-835d-4538-a8df-a26c1d2643f6", "e9012790-e111-41c0-ae80-73f55dae9b9f"
POKIR_DB = f"{support.PG_URI}/{support.db_name('eplanning_test_pokir_flow')}"


def _formula(namespace, request_id, tahun=TAHUN_RQ):
    import uuid
    return str(uuid.uuid5(uuid.UUID(namespace), f"{PEMDA}/{tahun}/{request_id}"))


def _outbox(subject):
    engine = sa.create_engine(POKIR_DB)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(sa.text(
                "select routing_key from outbox where envelope->>'subject' = :s order by seq"), {"s": subject})]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def cycle_rq(rpc, cycle):
    now = datetime.now(timezone.utc)
    rpc["bappeda"].pokir.import_kamus(TAHUN_RQ, KAMUS_CSV)
    rpc["bappeda"].pokir.set_window(TAHUN_RQ, (now - timedelta(days=1)).isoformat(), (now + timedelta(days=2)).isoformat())
    return {"tanggal": (now - timedelta(days=3)).date().isoformat(), "tempat": "Balai desa Sibuhuan",
            "jumlah_peserta": 75}


def _pokir_rq(reses_id, **changes):
    return pokir_data(reses_id, kamus_item_id=f"{PEMDA}/{TAHUN_RQ}/DRN-01", volume="10", **changes)


def test_a_reses_recorded_twice_with_one_request_id_is_one_reses(rpc, cycle_rq):
    first = rpc["s01"].pokir.record_reses(TAHUN_RQ, cycle_rq, request_id="reses-rq-0001")
    assert first["id"] == _formula(RESES_NS, "reses-rq-0001") and first["anggota_id"] == "A01"
    # a reses keeps only its member: the member's own retry (or the staf ahli's) is the same reses
    assert rpc["s01"].pokir.record_reses(TAHUN_RQ, cycle_rq, request_id="reses-rq-0001") == first
    assert rpc["a01"].pokir.record_reses(TAHUN_RQ, cycle_rq, request_id="reses-rq-0001") == first
    assert _outbox(first["id"]) == ["reses.recorded.v1"]
    kind, body = err(rpc["a02"].pokir.record_reses, TAHUN_RQ, cycle_rq, request_id="reses-rq-0001")
    assert kind == "Conflict" and body["code"] == "request_id_taken"
    kind, body = err(rpc["a01"].pokir.record_reses, TAHUN_RQ, cycle_rq, request_id="bad key")
    assert kind == "ValidationError" and [e["field"] for e in body["errors"]] == ["request_id"]


def test_a_pokir_created_twice_with_one_request_id_is_one_pokir_with_one_event(rpc, cycle_rq):
    reses = rpc["a01"].pokir.record_reses(TAHUN_RQ, cycle_rq, request_id="reses-rq-0002")
    first = rpc["s01"].pokir.create_pokir(TAHUN_RQ, _pokir_rq(reses["id"], judul="Drainase berkunci"),
                                          request_id="pokir-rq-0001")
    again = rpc["s01"].pokir.create_pokir(TAHUN_RQ, _pokir_rq(reses["id"], judul="Drainase berkunci"),
                                          request_id="pokir-rq-0001")
    assert again == first and first["version"] == 1
    assert first["id"] == _formula(POKIR_NS, "pokir-rq-0001") and first["created_by"] == "u-s01"
    assert [p["id"] for p in rpc["a01"].pokir.list_pokir(TAHUN_RQ, None, None, 100)["items"]
            if p["judul"] == "Drainase berkunci"] == [first["id"]]
    assert _outbox(first["id"]) == ["pokir.created.v1"]
    # the author is who made it (the staf ahli): the member's retry with that key is not theirs
    for who in ("a01", "a02"):
        kind, body = err(rpc[who].pokir.create_pokir, TAHUN_RQ, _pokir_rq(reses["id"]), request_id="pokir-rq-0001")
        assert kind == "Conflict" and body["code"] == "request_id_taken"
    assert _outbox(first["id"]) == ["pokir.created.v1"]


def test_without_request_id_each_pokir_is_new_and_a_retry_outlives_the_deadline(rpc, cycle_rq):
    import uuid
    reses = rpc["a01"].pokir.record_reses(TAHUN_RQ, cycle_rq)
    assert uuid.UUID(reses["id"]).version == 4
    a = rpc["a01"].pokir.create_pokir(TAHUN_RQ, _pokir_rq(reses["id"], judul="Tanpa kunci"))
    b = rpc["a01"].pokir.create_pokir(TAHUN_RQ, _pokir_rq(reses["id"], judul="Tanpa kunci"))
    assert a["id"] != b["id"] and uuid.UUID(a["id"]).version == uuid.UUID(b["id"]).version == 4
    made = rpc["a01"].pokir.create_pokir(TAHUN_RQ, _pokir_rq(reses["id"], judul="Sebelum tenggat"),
                                         request_id="pokir-rq-0002")
    now = datetime.now(timezone.utc)
    rpc["bappeda"].pokir.set_window(TAHUN_RQ, (now - timedelta(days=9)).isoformat(), (now - timedelta(days=1)).isoformat())
    # the answer was lost; the retry after the deadline gets the pokir, a new request is refused as before
    assert rpc["a01"].pokir.create_pokir(TAHUN_RQ, _pokir_rq(reses["id"], judul="Sebelum tenggat"),
                                         request_id="pokir-rq-0002") == made
    kind, body = err(rpc["a01"].pokir.create_pokir, TAHUN_RQ, _pokir_rq(reses["id"]), request_id="pokir-rq-0003")
    assert kind == "Conflict" and body["code"] == "deadline_passed"
