"""Musrenbang against the real RabbitMQ and PostgreSQL: every event, the authorization rules,
and a cycle from intake to stage close whose manifest matches what listing returns."""
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from nameko.exceptions import RemoteError

from eplanning_common.migrations import migrate
from eplanning_common.publisher import open_connection
from eplanning_common.config import data_dir
from musrenbang.domain import accepted_set_digest, AcceptedRecord
from musrenbang.service import MusrenbangService
from eplanning_common.wilayah import load_wilayah

from . import support

pytestmark = pytest.mark.timeout(180)

PEMDA, TAHUN = "12.21", 2027
KEC_A, KEC_B = "12.21.01", "12.21.02"
DESA_A1, DESA_A2 = "12.21.01.2001", "12.21.01.2002"
DESA_B1 = "12.21.02.2001"
KAMUS_CSV = (data_dir() / "demo" / "kamus_usulan_12.21_2027.csv").read_text()
DRN = f"{PEMDA}/{TAHUN}/DRN-01"
SPAM = f"{PEMDA}/{TAHUN}/SPAM-02"

IDENTITIES = {
    "bappeda": {"sub": "bappeda-1", "role": "bappeda", "pemda": PEMDA},
    "desa_a1": {"sub": "op-a1", "role": "operator_desa", "pemda": PEMDA, "wilayah": DESA_A1},
    "desa_a2": {"sub": "op-a2", "role": "operator_desa", "pemda": PEMDA, "wilayah": DESA_A2},
    "desa_b1": {"sub": "op-b1", "role": "operator_desa", "pemda": PEMDA, "wilayah": DESA_B1},
    "kec_a": {"sub": "op-kec-a", "role": "operator_kecamatan", "pemda": PEMDA, "wilayah": KEC_A},
    "kec_b": {"sub": "op-kec-b", "role": "operator_kecamatan", "pemda": PEMDA, "wilayah": KEC_B},
    "anonymous": None,
}


@pytest.fixture(scope="module")
def musrenbang_db():
    return support.service_database("musrenbang", "svc", PEMDA)


@pytest.fixture(scope="module")
def service(amqp_uri, musrenbang_db):
    from nameko.containers import ServiceContainer
    container = ServiceContainer(MusrenbangService, {"AMQP_URI": amqp_uri, "DATABASE_URL": musrenbang_db,
                                                     "max_workers": 10})
    container.start()
    yield container
    container.stop()


@pytest.fixture(scope="module")
def events_channel(amqp_uri):
    """A test-only queue bound to every Musrenbang event."""
    conn = open_connection(amqp_uri)
    channel = conn.channel()
    channel.exchange_declare("musrenbang.events", "topic", durable=True, auto_delete=False)
    channel.queue_declare("test.musrenbang.all", durable=False, auto_delete=False, exclusive=True)
    channel.queue_bind("test.musrenbang.all", "musrenbang.events", routing_key="#")
    yield channel
    conn.close()


class Events:
    def __init__(self, channel):
        self.channel = channel
        self.seen = []

    def drain(self):
        while (m := self.channel.basic_get("test.musrenbang.all", no_ack=True)) is not None:
            self.seen.append(json.loads(m.body))
        return self.seen

    def wait_for(self, routing_key, subject=None, count=1):
        def found():
            self.drain()
            matches = [e for e in self.seen if e["type"].endswith("." + routing_key)
                       and (subject is None or e["subject"] == subject)]
            return matches if len(matches) >= count else None
        return support.wait_for(found, timeout=15, what=f"{count} {routing_key} event(s) for {subject}")

    def of_subject(self, subject):
        self.drain()
        return [e["type"].split("musrenbang.")[1] for e in self.seen if e["subject"] == subject]


@pytest.fixture(scope="module")
def events(events_channel):
    return Events(events_channel)


@pytest.fixture(scope="module")
def rpc(amqp_uri, service):
    proxies, opened = {}, []
    for name, identity in IDENTITIES.items():
        proxy = support.signed_proxy(amqp_uri, identity, timeout=30)
        proxies[name] = proxy.start().musrenbang
        opened.append(proxy)
    yield proxies
    for proxy in opened:
        proxy.stop()


def remote_error(call, *args, **kwargs) -> RemoteError:
    with pytest.raises(RemoteError) as info:
        call(*args, **kwargs)
    return info.value


def payload(error: RemoteError) -> dict:
    return json.loads(error.value)  # eplanning_common.errors.ServiceError sends its payload as JSON


def open_windows(now=None):
    now = now or datetime.now(timezone.utc)
    return [{"level": level, "opens_at": (now - timedelta(days=1)).isoformat(),
             "closes_at": (now + timedelta(days=1)).isoformat()} for level in ("desa", "kecamatan", "kabupaten")]


def new_usulan(rpc, who="desa_a1", desa=DESA_A1, kamus=DRN, volume="120", gagasan="Bangun drainase di dusun satu"):
    return rpc[who].create_usulan(TAHUN, {"desa": desa, "kamus_item_id": kamus, "volume": volume,
                                          "permasalahan": "Jalan desa tergenang saat hujan", "gagasan": gagasan,
                                          "pengusul": {"nama": "Siti Aminah", "telepon": "0812000111"}})


@pytest.fixture(scope="module")
def cycle(rpc, events):
    """The 2027 cycle: catalogue imported, schedule published with every window open now."""
    rpc["bappeda"].import_kamus(TAHUN, KAMUS_CSV)
    schedule = rpc["bappeda"].set_schedule(TAHUN, open_windows())
    events.wait_for("stage.opened.v1", f"{PEMDA}/{TAHUN}")
    rpc["bappeda"].set_criteria(TAHUN, [{"name": "urgensi", "weight": "0.6", "max_score": 5},
                                        {"name": "manfaat", "weight": "0.4", "max_score": 5}])
    return schedule


def test_criteria_are_readable_by_every_operator_and_missing_ones_are_not_found(rpc, cycle):
    for who in ("desa_a1", "kec_a", "bappeda"):
        got = rpc[who].get_criteria(TAHUN)
        assert got["tahun"] == TAHUN and [c["name"] for c in got["criteria"]] == ["urgensi", "manfaat"]
        assert [c["max_score"] for c in got["criteria"]] == [5, 5]
    error = remote_error(rpc["kec_a"].get_criteria, 2039)
    assert error.exc_type == "NotFound" and payload(error)["code"] == "no_criteria"


# -- catalogue -------------------------------------------------------------------------------

def test_kamus_import_reports_row_errors_and_imports_nothing(rpc, cycle):
    bad = ("kode,nama,sub_kegiatan,opd,satuan,harga_satuan,volume_maks\n"
           "OK-1,Barang baik,1.03.06.2.01.0012,1.03.0.00.0.00.01.0000,meter,1000.00,\n"
           "BAD-1,Kode salah,9.99.99.2.01.0001,1.03.0.00.0.00.01.0000,meter,1000.00,\n"
           "BAD-2,Harga nol,1.03.06.2.01.0012,1.03.0.00.0.00.01.0000,meter,0,\n"
           "BAD-3,Aceh saja,1.01.01.7.01.0001,1.03.0.00.0.00.01.0000,unit,5000.00,\n")
    error = remote_error(rpc["bappeda"].import_kamus, 2031, bad)
    assert error.exc_type == "ValidationError"
    rows = {(e["row"], e["field"]) for e in payload(error)["errors"]}
    assert {(3, "sub_kegiatan"), (4, "harga_satuan"), (5, "sub_kegiatan")} <= rows
    assert rpc["bappeda"].list_kamus(2031) == []  # the good row was not imported either


def test_kamus_export_round_trips_and_only_bappeda_imports(rpc, cycle):
    exported = rpc["bappeda"].export_kamus(TAHUN)
    assert exported.splitlines()[0] == "kode,nama,sub_kegiatan,opd,satuan,harga_satuan,volume_maks"
    assert "DRN-01,Pembangunan drainase lingkungan,1.03.06.2.01.0012" in exported
    assert rpc["bappeda"].import_kamus(TAHUN, exported)["imported"] == 7
    assert remote_error(rpc["kec_a"].import_kamus, TAHUN, exported).exc_type == "Forbidden"


# -- usulan intake ---------------------------------------------------------------------------

def test_create_computes_cost_and_publishes_submitted(rpc, cycle, events):
    created = new_usulan(rpc, volume="120.5")
    assert Decimal(created["cost"]) == Decimal("120.5") * Decimal("850000.00")
    assert created["kecamatan"] == KEC_A and created["status"] == "submitted"
    event = events.wait_for("usulan.submitted.v1", created["id"])[0]
    assert event["data"]["cost"] == "102425000.00"
    assert event["pemda"] == PEMDA and event["tahun"] == TAHUN
    assert "pengusul" not in event["data"] and "Siti" not in json.dumps(event)  # no personal data


def test_client_cannot_send_the_cost(rpc, cycle):
    error = remote_error(rpc["desa_a1"].create_usulan, TAHUN, {
        "desa": DESA_A1, "kamus_item_id": DRN, "volume": "1", "permasalahan": "x", "gagasan": "y", "cost": "1"})
    assert error.exc_type == "ValidationError"
    assert payload(error)["errors"][0]["field"] == "cost"


@pytest.mark.parametrize("changes, field, code", [
    ({"desa": "12.21.01.9999"}, "desa", "unknown"),
    ({"desa": DESA_B1}, "desa", "out_of_scope"),          # another kecamatan
    ({"volume": "0"}, "volume", "not_positive"),
    ({"volume": "2500"}, "volume", "above_maximum"),      # DRN-01 ceiling is 2000 m
    ({"kamus_item_id": f"{PEMDA}/2026/DRN-01"}, "kamus_item_id", None),
    ({"permasalahan": "  "}, "permasalahan", "required"),
    ({"lat": "95"}, "lat", None),
    # issue #18: the text rule (domainkit.text) and https-only attachments, in the service itself
    ({"gagasan": "Drainase \uffff"}, "gagasan", "invalid_character"),
    ({"permasalahan": "Genangan\x1b[31m"}, "permasalahan", "invalid_character"),
    ({"alamat": "Dusun I\n# Dusun II"}, "alamat", "line_break"),
    ({"lampiran": [{"nama": "foto.jpg", "url": "javascript:alert(1)"}]}, "lampiran[0].url", "url_https"),
    ({"lampiran": [{"nama": "foto.jpg", "url": "file:///etc/passwd"}]}, "lampiran[0].url", "url_https"),
])
def test_bad_usulan_gets_field_errors_and_changes_nothing(rpc, cycle, changes, field, code):
    before = rpc["bappeda"].list_usulan(TAHUN, {"desa": DESA_A1}, None, 100)
    data = {"desa": DESA_A1, "kamus_item_id": DRN, "volume": "10", "permasalahan": "Genangan",
            "gagasan": "Drainase", **changes}
    error = remote_error(rpc["desa_a1"].create_usulan, TAHUN, data)
    assert error.exc_type == "ValidationError"
    errors = [e for e in payload(error)["errors"] if e["field"] == field]
    assert errors, payload(error)
    if code:
        assert errors[0]["code"] == code
    assert rpc["bappeda"].list_usulan(TAHUN, {"desa": DESA_A1}, None, 100) == before


def test_edit_then_withdraw_publish_updated_and_withdrawn(rpc, cycle, events):
    created = new_usulan(rpc, volume="10")
    edited = rpc["desa_a1"].update_usulan(created["id"], {
        "desa": DESA_A1, "kamus_item_id": DRN, "volume": "20", "permasalahan": "Genangan",
        "gagasan": "Drainase dua sisi jalan"}, 1)
    assert edited["version"] == 2 and Decimal(edited["cost"]) == 20 * Decimal("850000")
    stale = remote_error(rpc["desa_a1"].update_usulan, created["id"], {
        "desa": DESA_A1, "kamus_item_id": DRN, "volume": "30", "permasalahan": "x", "gagasan": "y"}, 1)
    assert stale.exc_type == "Conflict" and payload(stale)["code"] == "stale_version"
    withdrawn = rpc["desa_a1"].withdraw_usulan(created["id"], "Sudah dibiayai dana desa")
    assert withdrawn["status"] == "withdrawn"
    events.wait_for("usulan.withdrawn.v1", created["id"])
    assert events.of_subject(created["id"]) == ["usulan.submitted.v1", "usulan.updated.v1", "usulan.withdrawn.v1"]


def test_submission_outside_the_window_is_refused_naming_it(rpc, cycle, events):
    past = datetime.now(timezone.utc) - timedelta(days=30)
    windows = [{"level": lv, "opens_at": (past - timedelta(days=5)).isoformat(), "closes_at": past.isoformat()}
               for lv in ("desa", "kecamatan", "kabupaten")]
    rpc["bappeda"].set_schedule(2030, windows)
    rpc["bappeda"].import_kamus(2030, KAMUS_CSV)
    error = remote_error(rpc["desa_a1"].create_usulan, 2030, {
        "desa": DESA_A1, "kamus_item_id": f"{PEMDA}/2030/DRN-01", "volume": "1", "permasalahan": "x", "gagasan": "y"})
    assert error.exc_type == "Conflict"
    assert "Jadwal Musrenbang desa" in payload(error)["detail"] and "ditutup" in payload(error)["detail"]
    # the stage owner reopens it, with a reason; now it is accepted
    no_reason = remote_error(rpc["bappeda"].change_schedule, 2030, "reopen", "desa", "",
                             (datetime.now(timezone.utc) + timedelta(days=2)).isoformat())
    assert no_reason.exc_type == "ValidationError"
    rpc["bappeda"].change_schedule(2030, "reopen", "desa", "Banyak desa terlambat karena banjir",
                                   (datetime.now(timezone.utc) + timedelta(days=2)).isoformat())
    reopened = events.wait_for("stage.reopened.v1", f"{PEMDA}/2030")[0]
    assert reopened["data"]["reason"] == "Banyak desa terlambat karena banjir"
    created = rpc["desa_a1"].create_usulan(2030, {
        "desa": DESA_A1, "kamus_item_id": f"{PEMDA}/2030/DRN-01", "volume": "1", "permasalahan": "x", "gagasan": "y"})
    assert created["tahun"] == 2030
    rpc["bappeda"].change_schedule(2030, "close_early", "desa", "Kuota terpenuhi")
    events.wait_for("stage.window_changed.v1", f"{PEMDA}/2030")


# -- authorization ---------------------------------------------------------------------------

def test_operators_act_only_inside_their_territory(rpc, cycle, events):
    created = new_usulan(rpc, who="desa_a1")
    uid = created["id"]
    assert rpc["kec_a"].get_usulan(uid)["id"] == uid
    assert rpc["bappeda"].get_usulan(uid)["id"] == uid
    for who in ("desa_a2", "desa_b1", "kec_b"):
        assert remote_error(rpc[who].get_usulan, uid).exc_type == "Forbidden"
    assert remote_error(rpc["anonymous"].get_usulan, uid).exc_type == "Forbidden"
    assert remote_error(rpc["desa_a2"].withdraw_usulan, uid, "bukan punya saya").exc_type == "Forbidden"
    assert remote_error(rpc["kec_b"].decide_usulan, uid, {"level": "kecamatan", "status": "ditolak",
                                                          "reason": "x"}).exc_type == "Forbidden"
    assert remote_error(rpc["kec_a"].decide_usulan, uid, {"level": "kabupaten", "status": "diterima"}
                        ).exc_type == "Forbidden"
    assert remote_error(rpc["kec_a"].set_schedule, 2032, open_windows()).exc_type == "Forbidden"
    assert remote_error(rpc["kec_a"].close_stage, TAHUN).exc_type == "Forbidden"
    # a desa operator creating for another desa gets a field error, not a record
    error = remote_error(new_usulan, rpc, who="desa_a2", desa=DESA_A1)
    assert payload(error)["errors"][0]["field"] == "desa"
    # listings are cut to the territory
    assert {u["desa"] for u in rpc["desa_a2"].list_usulan(TAHUN)["items"]} <= {DESA_A2}
    assert {u["kecamatan"] for u in rpc["kec_b"].list_usulan(TAHUN)["items"]} <= {KEC_B}
    # nothing the refused calls touched changed
    after = rpc["bappeda"].get_usulan(uid)
    assert after["version"] == 1 and after["decisions"] == [] and after["status"] == "submitted"
    assert events.of_subject(uid) == ["usulan.submitted.v1"]


def test_public_tracking_shows_status_and_reasons_but_no_personal_data(rpc, cycle):
    created = new_usulan(rpc, who="desa_a1")
    rpc["desa_a1"].decide_usulan(created["id"], {"level": "desa", "status": "diterima"})
    rpc["kec_a"].decide_usulan(created["id"], {"level": "kecamatan", "status": "ditolak",
                                               "reason": "Sudah ada di RKPD tahun lalu"})
    code = created["tracking_code"]
    view = rpc["anonymous"].track_usulan(code[:4] + "-" + code[4:].lower())
    text = json.dumps(view)
    assert "Sudah ada di RKPD tahun lalu" in text
    assert [d["status"] for d in view["decisions"]] == ["diterima", "ditolak"]
    for secret in ("Siti", "0812000111", "op-a1", "Jalan desa tergenang"):
        assert secret not in text
    assert remote_error(rpc["anonymous"].track_usulan, "ZZZZZZZZ").exc_type == "NotFound"


# -- a whole cycle: decisions, forum, close -----------------------------------------------------

def _all_pages(proxy, tahun, filters=None, limit=7):
    items, cursor = [], None
    while True:
        page = proxy.list_usulan(tahun, filters, cursor, limit)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_full_cycle_forum_merge_ranking_berita_acara_and_stage_close(rpc, events):
    tahun = 2028
    rpc["bappeda"].import_kamus(tahun, KAMUS_CSV)
    rpc["bappeda"].set_schedule(tahun, open_windows())
    rpc["bappeda"].set_criteria(tahun, [{"name": "urgensi", "weight": "0.7", "max_score": 5},
                                        {"name": "manfaat", "weight": "0.3", "max_score": 5}])
    drn, spam = f"{PEMDA}/{tahun}/DRN-01", f"{PEMDA}/{tahun}/SPAM-02"

    def make(who, desa, kamus, volume, gagasan):
        return rpc[who].create_usulan(tahun, {"desa": desa, "kamus_item_id": kamus, "volume": volume,
                                              "permasalahan": "Masalah air dan genangan", "gagasan": gagasan})

    a = make("desa_a1", DESA_A1, drn, "100", "Drainase jalan utama dusun satu")
    a_dup = make("desa_a1", DESA_A1, drn, "40", "Drainase jalan utama dusun satu sisi kiri")
    b = make("desa_a2", DESA_A2, spam, "1", "Sumur bor untuk air bersih")
    c = make("desa_a2", DESA_A2, drn, "50", "Drainase depan sekolah")
    d = make("desa_b1", DESA_B1, spam, "2", "Sumur bor dua titik")
    for u, who in ((a, "desa_a1"), (a_dup, "desa_a1"), (b, "desa_a2"), (c, "desa_a2"), (d, "desa_b1")):
        rpc[who].decide_usulan(u["id"], {"level": "desa", "status": "diterima"})

    # the forum sees the likely duplicate, and merges it
    flagged = rpc["kec_a"].duplicates(tahun, KEC_A)
    assert {(p["usulan_id"], p["other_id"]) for p in flagged} & {(a["id"], a_dup["id"]), (a_dup["id"], a["id"])}
    refused = remote_error(rpc["kec_a"].decide_usulan, a_dup["id"], {"level": "kecamatan", "status": "digabung"})
    assert refused.exc_type == "ValidationError"  # a merge needs its reason and target
    rpc["kec_a"].decide_usulan(a_dup["id"], {"level": "kecamatan", "status": "digabung", "merge_target_id": a["id"],
                                              "reason": "Lokasi sama dengan usulan lain"})
    merged = events.wait_for("usulan.merged.v1", a_dup["id"])[0]
    assert merged["data"]["merged_into"] == a["id"]

    # scores and a deterministic ranking (c and b tie on score: the cheaper one ranks first)
    for u, s in ((a, {"urgensi": 5, "manfaat": 4}), (b, {"urgensi": 3, "manfaat": 3}), (c, {"urgensi": 3, "manfaat": 3})):
        rpc["kec_a"].score_usulan(u["id"], s)
    bad_score = remote_error(rpc["kec_a"].score_usulan, b["id"], {"urgensi": 9, "manfaat": 1})
    assert bad_score.exc_type == "ValidationError"
    ranked = rpc["kec_a"].ranking(tahun, KEC_A)["ranking"]
    assert [r["usulan_id"] for r in ranked] == [a["id"], c["id"], b["id"]]  # 4.7; 3.0 @ 42.5 jt; 3.0 @ 95 jt
    assert a_dup["id"] not in [r["usulan_id"] for r in ranked]  # merged: never counted twice

    rpc["kec_a"].decide_usulan(a["id"], {"level": "kecamatan", "status": "diterima dengan perubahan",
                                         "revised_volume": "130", "reason": "Digabung dengan sisi kiri"})
    rpc["kec_a"].decide_usulan(b["id"], {"level": "kecamatan", "status": "diterima"})
    early = remote_error(rpc["kec_a"].close_kecamatan, tahun, KEC_A,
                         {"tanggal": "2027-02-10", "tempat": "Aula Kantor Camat Sosopan", "jumlah_peserta": 85})
    assert early.exc_type == "Conflict" and payload(early)["code"] == "undecided"  # c is not decided yet
    rpc["kec_a"].decide_usulan(c["id"], {"level": "kecamatan", "status": "ditolak", "reason": "Bukan prioritas"})
    missing = remote_error(rpc["kec_a"].close_kecamatan, tahun, KEC_A, {"tempat": "", "jumlah_peserta": 0})
    assert {e["field"] for e in payload(missing)["errors"]} == {"tanggal", "tempat", "jumlah_peserta"}
    closed = rpc["kec_a"].close_kecamatan(tahun, KEC_A, {"tanggal": "2027-02-10", "tempat": "Aula Kantor Camat Sosopan",
                                                          "jumlah_peserta": 85, "pimpinan": "Camat Sosopan"})
    assert "BERITA ACARA MUSRENBANG KECAMATAN SOSOPAN" in closed["document"]
    assert "Aula Kantor Camat Sosopan" in closed["document"] and "Bukan prioritas" in closed["document"]
    kec_event = events.wait_for("kecamatan.closed.v1", f"{PEMDA}/{tahun}/{KEC_A}")[0]
    assert kec_event["data"]["berita_acara_digest"] == closed["digest"]
    assert kec_event["data"]["manifest"]["accepted_count"] == 2
    # the list is frozen now
    frozen = remote_error(rpc["kec_a"].decide_usulan, c["id"], {"level": "kecamatan", "status": "diterima"})
    assert frozen.exc_type == "Conflict" and payload(frozen)["code"] == "kecamatan_closed"
    assert rpc["kec_a"].ranking(tahun, KEC_A)["frozen"] is True

    # kecamatan B, then kabupaten decisions and the stage close
    rpc["kec_b"].decide_usulan(d["id"], {"level": "kecamatan", "status": "diterima"})
    not_yet = remote_error(rpc["bappeda"].close_stage, tahun)
    assert payload(not_yet)["code"] == "forums_open" and payload(not_yet)["kecamatan"] == [KEC_B]
    rpc["kec_b"].close_kecamatan(tahun, KEC_B, {"tanggal": "2027-02-11", "tempat": "Kantor Camat", "jumlah_peserta": 40})
    rpc["bappeda"].decide_usulan(a["id"], {"level": "kabupaten", "status": "diterima"})
    rpc["bappeda"].decide_usulan(b["id"], {"level": "kabupaten", "status": "ditolak", "reason": "Pagu tidak cukup"})
    rpc["bappeda"].decide_usulan(d["id"], {"level": "kabupaten", "status": "diterima dengan perubahan",
                                           "revised_volume": "1", "reason": "Satu titik dulu"})
    result = rpc["bappeda"].close_stage(tahun)
    assert result["routed_count"] == 2

    routed = events.wait_for("usulan.routed.v1", count=2)
    routed = [e for e in routed if e["tahun"] == tahun]
    assert {e["subject"] for e in routed} == {a["id"], d["id"]}
    routed_a = next(e for e in routed if e["subject"] == a["id"])["data"]
    assert routed_a["volume"] == "100" and routed_a["volume_final"] == "130"  # the original beside the revision
    assert routed_a["cost_final"] == "110500000.00" and routed_a["opd"] == "1.03.0.00.0.00.01.0000"
    closed_event = events.wait_for("stage.closed.v1", f"{PEMDA}/{tahun}")[0]
    manifest = closed_event["data"]["manifest"]

    # the manifest equals what listing returns
    listed = _all_pages(rpc["bappeda"], tahun)
    assert manifest["total"] == len(listed) == 5
    accepted = [u for u in listed if u["status_per_level"]["kabupaten"] in ("diterima", "diterima dengan perubahan")]
    assert manifest["accepted_count"] == len(accepted)
    assert Decimal(manifest["accepted_cost"]) == sum(Decimal(u["current_cost"]) for u in accepted)
    for status, n in manifest["counts"].items():
        assert n == sum(1 for u in listed if u["status_per_level"]["kabupaten"] == status), status
    digest = accepted_set_digest(AcceptedRecord(u["id"], Decimal(u["current_volume"]), Decimal(u["current_cost"]),
                                                u["kamus_item"]["opd"], u["kamus_item"]["sub_kegiatan"])
                                 for u in accepted)
    assert digest == manifest["digest"]
    # and a closed stage takes no more changes ...
    assert payload(remote_error(rpc["bappeda"].close_stage, tahun))["code"] == "stage_closed"
    assert payload(remote_error(rpc["bappeda"].decide_usulan, b["id"], {"level": "kabupaten", "status": "diterima"})
                   )["code"] == "stage_closed"
    # ... unless Bappeda reopens it, with a reason (an audited act downstream learns of)
    assert remote_error(rpc["bappeda"].change_schedule, tahun, "reopen", "kabupaten", "").exc_type == "ValidationError"
    reopened = rpc["bappeda"].change_schedule(tahun, "reopen", "kabupaten", "Perubahan RKPD: pagu bertambah")
    assert reopened["closed"] is False
    assert events.wait_for("stage.reopened.v1", f"{PEMDA}/{tahun}")[0]["data"]["reason"] == "Perubahan RKPD: pagu bertambah"
    again = rpc["bappeda"].close_stage(tahun)
    assert again["manifest"]["digest"] == manifest["digest"]


def test_renja_decision_is_recorded_once_and_shown_in_public_tracking(rpc, cycle, amqp_uri):
    from eplanning_common.envelope import make_event
    from eplanning_common.publisher import ConfirmingPublisher, json_message

    created = new_usulan(rpc, who="desa_a1")
    decision = make_event("renja", "inbox.decided.v1", f"inbox/{created['id']}", {
        "source": "musrenbang", "source_id": created["id"], "opd": "1.03.0.00.0.00.01.0000", "decision": "ditolak",
        "reason": "Sudah tertangani program jalan provinsi", "renja_row_id": None, "volume": None, "cost": None,
        "rerouted_to": None, "decided_at": datetime.now(timezone.utc).isoformat()}, PEMDA, TAHUN)
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        for _ in range(2):  # delivered twice
            publisher.publish(json_message("renja.events", "inbox.decided.v1", decision))
    finally:
        publisher.close()
    follow = support.wait_for(lambda: rpc["kec_a"].get_usulan(created["id"])["tindak_lanjut"], what="the follow-up")
    assert [(f["decision"], f["reason"]) for f in follow] == [("ditolak", "Sudah tertangani program jalan provinsi")]
    public = rpc["anonymous"].track_usulan(created["tracking_code"])
    assert public["tindak_lanjut"][0]["reason"] == "Sudah tertangani program jalan provinsi"
    assert "renja_row_id" not in public["tindak_lanjut"][0]


# -- dashboard summary -----------------------------------------------------------------------

def _all_usulan(proxy, tahun):
    items, cursor = [], None
    while True:
        page = proxy.list_usulan(tahun, None, cursor, 200)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_summary_counts_and_sums_what_the_listing_shows_in_each_scope(rpc, cycle):
    new_usulan(rpc, who="desa_a1")
    new_usulan(rpc, who="desa_b1", desa=DESA_B1)
    for who in ("bappeda", "kec_a", "desa_a1"):
        items = _all_usulan(rpc[who], TAHUN)
        summary = rpc[who].summary(TAHUN)
        assert summary["total"]["jumlah"] == len(items), who
        assert Decimal(summary["total"]["nilai"]) == sum(Decimal(u["current_cost"]) for u in items).quantize(Decimal(1))
        per_kecamatan = {k["kecamatan"]: k["jumlah"] for k in summary["per_kecamatan"]}
        expected = {}
        for u in items:
            expected[u["kecamatan"]] = expected.get(u["kecamatan"], 0) + 1
        assert per_kecamatan == expected, who
        by_status = {s: v["jumlah"] for s, v in summary["total"]["per_status"].items()}
        assert sum(by_status.values()) == len(items)
    assert {k["kecamatan"] for k in rpc["kec_a"].summary(TAHUN)["per_kecamatan"]} == {KEC_A}
    assert remote_error(rpc["anonymous"].summary, TAHUN).exc_type == "Forbidden"


def test_berita_acara_fields_of_the_wrong_type_are_field_errors_not_500(rpc, cycle):
    error = remote_error(rpc["kec_a"].close_kecamatan, TAHUN, KEC_A,
                         {"tanggal": 20270210, "tempat": 5, "jumlah_peserta": 3, "pimpinan": ["Camat"]})
    assert error.exc_type == "ValidationError"
    codes = {(e["field"], e["code"]) for e in payload(error)["errors"]}
    assert {("tempat", "type_string"), ("pimpinan", "type_string"), ("tanggal", "required")} <= codes


def test_berita_acara_text_the_rule_refuses_is_a_field_error_and_closes_nothing(rpc, cycle):
    error = remote_error(rpc["kec_a"].close_kecamatan, TAHUN, KEC_A,
                         {"tanggal": "2027-02-10", "tempat": "Aula\n# BERITA ACARA PALSU", "jumlah_peserta": 3,
                          "pimpinan": "Camat\uffff", "catatan": "Baris satu\nbaris dua\x07"})
    assert error.exc_type == "ValidationError"
    assert {(e["field"], e["code"]) for e in payload(error)["errors"]} == {
        ("tempat", "line_break"), ("pimpinan", "invalid_character"), ("catatan", "invalid_character")}


# -- request_id: an idempotent create with a deterministic id ----------------------------------

REQUEST_NAMESPACE = "75262f2b-db83-4e5b-a9b7-0d7062b5623a"  # musrenbang.usulan_actions.REQUEST_NAMESPACE


def _expected_id_and_code(pemda, tahun, request_id):
    """The documented formula, computed here independently of the service."""
    import random
    import uuid

    from musrenbang.domain import generate_tracking_code
    usulan_id = str(uuid.uuid5(uuid.UUID(REQUEST_NAMESPACE), f"{pemda}/{tahun}/{request_id}"))
    return usulan_id, generate_tracking_code(random.Random(usulan_id).randrange)


def _request_data(desa=DESA_A1, gagasan="Normalisasi saluran dusun tiga"):
    return {"desa": desa, "kamus_item_id": DRN, "volume": "15", "permasalahan": "Saluran tersumbat sampah",
            "gagasan": gagasan}


def _outbox_count(url, subject):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("select count(*) from outbox where envelope->>'subject' = :s"),
                                {"s": subject}).scalar()
    finally:
        engine.dispose()


def test_the_same_request_id_twice_is_one_usulan_with_one_submitted_event(rpc, cycle, events, musrenbang_db):
    first = rpc["desa_a1"].create_usulan(TAHUN, _request_data(), request_id="usulan-rq-0001")
    again = rpc["desa_a1"].create_usulan(TAHUN, _request_data(), request_id="usulan-rq-0001")
    assert again == first  # the same usulan, same id and tracking code, unchanged (version 1)
    assert (first["id"], first["tracking_code"]) == _expected_id_and_code(PEMDA, TAHUN, "usulan-rq-0001")
    assert first["version"] == 1 and first["status"] == "submitted"
    listed = [u for u in _all_usulan(rpc["bappeda"], TAHUN) if u["gagasan"] == "Normalisasi saluran dusun tiga"]
    assert [u["id"] for u in listed] == [first["id"]]
    events.wait_for("usulan.submitted.v1", first["id"])
    assert _outbox_count(musrenbang_db, first["id"]) == 1  # the retry recorded no event at all
    assert events.of_subject(first["id"]) == ["usulan.submitted.v1"]
    # a retry that differs in its data is still the same request: the first answer stands
    third = rpc["desa_a1"].create_usulan(TAHUN, _request_data(gagasan="Lain sama sekali"), request_id="usulan-rq-0001")
    assert third == first and _outbox_count(musrenbang_db, first["id"]) == 1


def test_another_operators_request_id_is_a_conflict_and_changes_nothing(rpc, cycle, musrenbang_db):
    mine = rpc["desa_a1"].create_usulan(TAHUN, _request_data(gagasan="Saluran dusun empat"),
                                        request_id="usulan-rq-0002")
    error = remote_error(rpc["desa_a2"].create_usulan, TAHUN, _request_data(desa=DESA_A2),
                         request_id="usulan-rq-0002")
    assert error.exc_type == "Conflict" and payload(error)["code"] == "request_id_taken"
    assert remote_error(rpc["kec_a"].create_usulan, TAHUN, _request_data(), request_id="usulan-rq-0002"
                        ).exc_type == "Forbidden"  # not an author at all
    after = rpc["bappeda"].get_usulan(mine["id"])
    assert (after["version"], after["desa"], after["tracking_code"]) == (1, DESA_A1, mine["tracking_code"])
    assert _outbox_count(musrenbang_db, mine["id"]) == 1
    assert not [u for u in _all_usulan(rpc["bappeda"], TAHUN) if u["desa"] == DESA_A2
                and u["gagasan"] == "Normalisasi saluran dusun tiga"]


@pytest.mark.parametrize("bad", ["short", "x" * 201, "ada spasi di sini", "miring/garis/ini"])
def test_a_malformed_request_id_is_a_field_error(rpc, cycle, bad):
    error = remote_error(rpc["desa_a1"].create_usulan, TAHUN, _request_data(), request_id=bad)
    assert error.exc_type == "ValidationError"
    assert [e["field"] for e in payload(error)["errors"]] == ["request_id"]


def test_without_request_id_each_create_is_a_new_random_usulan(rpc, cycle):
    import uuid
    a = rpc["desa_a1"].create_usulan(TAHUN, _request_data(gagasan="Tanpa kunci"))
    b = rpc["desa_a1"].create_usulan(TAHUN, _request_data(gagasan="Tanpa kunci"))
    assert a["id"] != b["id"] and a["tracking_code"] != b["tracking_code"]
    assert uuid.UUID(a["id"]).version == uuid.UUID(b["id"]).version == 4


def test_the_same_request_on_a_fresh_database_gets_the_same_id_and_tracking_code(rpc, cycle):
    """A second Musrenbang on its own broker vhost and a fresh database: the same request gives
    the same usulan id and tracking code (a replayed demo makes the same RKPD)."""
    from nameko.containers import ServiceContainer
    on_first = rpc["desa_a1"].create_usulan(TAHUN, _request_data(gagasan="Demo yang diulang"),
                                            request_id="demo-seed-42:usulan-1")
    vhost = support.create_vhost()
    try:
        url = support.fresh_database("eplanning_test_musrenbang_svc_replay")
        migrate("musrenbang", url)
        engine = sa.create_engine(url)
        load_wilayah(engine, PEMDA)
        engine.dispose()
        amqp = support.amqp_uri_for(vhost)
        container = ServiceContainer(MusrenbangService, {"AMQP_URI": amqp, "DATABASE_URL": url, "max_workers": 4})
        container.start()
        try:
            with support.signed_proxy(amqp, IDENTITIES["bappeda"], timeout=30) as boss, \
                    support.signed_proxy(amqp, IDENTITIES["desa_a1"], timeout=30) as desa:
                boss.musrenbang.import_kamus(TAHUN, KAMUS_CSV)
                boss.musrenbang.set_schedule(TAHUN, open_windows())
                on_second = desa.musrenbang.create_usulan(TAHUN, _request_data(gagasan="Demo yang diulang"),
                                                          request_id="demo-seed-42:usulan-1")
                assert (on_second["id"], on_second["tracking_code"]) == (on_first["id"], on_first["tracking_code"])
                # the desa window closes; a retry of the same request is still answered with the usulan
                boss.musrenbang.change_schedule(TAHUN, "close_early", "desa", "Kuota terpenuhi")
                retried = desa.musrenbang.create_usulan(TAHUN, _request_data(gagasan="Demo yang diulang"),
                                                        request_id="demo-seed-42:usulan-1")
                assert retried == on_second
                late = remote_error(desa.musrenbang.create_usulan, TAHUN, _request_data(),
                                    request_id="demo-seed-42:usulan-2")
                assert late.exc_type == "Conflict"  # a new request after the close is refused as before
        finally:
            container.stop()
    finally:
        support.delete_vhost(vhost)
