"""The planning calendar of Permendagri 86/2017 on the real stack (RabbitMQ, PostgreSQL, Musrenbang
and Renja as they run): a kecamatan close puts its accepted usulan in the right OPDs' inboxes
exactly once; Musrenbang RKPD is a forum whose close is refused until Forum PD and pokir are
closed, and whose close carries the forum, its berita acara digest and the forum's decisions."""
import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError

from eplanning_common.config import data_dir
from eplanning_common.envelope import make_event
from eplanning_common.publisher import ConfirmingPublisher, json_message, open_connection
from musrenbang.service import MusrenbangService
from renja.service import RenjaService

from . import support

pytestmark = pytest.mark.timeout(240)

PEMDA = "12.21"
KEC, DESA = "12.21.01", "12.21.01.2001"
PUPR, DINKES = "1.03.0.00.0.00.01.0000", "1.02.0.00.0.00.01.0000"
KAMUS_CSV = (data_dir() / "demo" / "kamus_usulan_12.21_2027.csv").read_text()

WHO = {
    "bappeda": {"sub": "u-bappeda", "role": "bappeda", "pemda": PEMDA},
    "desa": {"sub": "op-desa", "role": "operator_desa", "pemda": PEMDA, "wilayah": DESA},
    "kec": {"sub": "op-kec", "role": "operator_kecamatan", "pemda": PEMDA, "wilayah": KEC},
    "pupr": {"sub": "u-pupr", "role": "opd", "pemda": PEMDA, "opd": PUPR},
    "dinkes": {"sub": "u-dinkes", "role": "opd", "pemda": PEMDA, "opd": DINKES},
}


@pytest.fixture(scope="module")
def stack(amqp_uri):
    started = []
    for cls, service in ((MusrenbangService, "musrenbang"), (RenjaService, "renja")):
        container = ServiceContainer(cls, {"AMQP_URI": amqp_uri, "DATABASE_URL": support.service_database(
            service, "kalender", PEMDA), "max_workers": 10})
        container.start()
        started.append(container)
    yield
    for container in started:
        container.stop()


@pytest.fixture(scope="module")
def rpc(amqp_uri, stack):
    with support.signed_proxies(amqp_uri, WHO) as proxies:
        yield proxies


@pytest.fixture(scope="module")
def events(amqp_uri):
    conn = open_connection(amqp_uri)
    channel = conn.channel()
    channel.exchange_declare("musrenbang.events", "topic", durable=True, auto_delete=False)
    channel.queue_declare("test.kalender.all", durable=False, auto_delete=False, exclusive=True)
    channel.queue_bind("test.kalender.all", "musrenbang.events", routing_key="#")
    seen = []

    def of_type(routing_key, subject=None):
        while (m := channel.basic_get("test.kalender.all", no_ack=True)) is not None:
            seen.append(json.loads(m.body))
        return [e for e in seen if e["type"].endswith("." + routing_key) and subject in (None, e["subject"])]
    yield of_type
    conn.close()


def err(call, *args, **kwargs):
    with pytest.raises(RemoteError) as info:
        call(*args, **kwargs)
    return info.value.exc_type, json.loads(info.value.value)


def calendar(now: datetime) -> list[dict]:
    """Desa, kecamatan and Forum PD open now; pokir open until one week before Musrenbang RKPD."""
    d = timedelta(days=1)
    windows = {"rancangan_awal": (-30 * d, -25 * d), "renja_draft": (-25 * d, 2 * d), "desa": (-2 * d, d),
               "kecamatan": (-d, d), "forum_pd": (-d, 2 * d), "pokir": (-10 * d, None),
               "musrenbang_rkpd": (9 * d, 12 * d), "penetapan": (12 * d, 15 * d), "renja_final": (15 * d, 20 * d)}
    return [{"step": step, "opens_at": (now + o).isoformat(),
             **({"closes_at": (now + c).isoformat()} if c is not None else {})} for step, (o, c) in windows.items()]


def states(rpc, tahun) -> dict:
    return {s["step"]: s["state"] for s in rpc["bappeda"].musrenbang.get_calendar(tahun)["steps"]}


def test_the_calendar_in_the_regulations_order(rpc, events):
    tahun = 2041
    wib = timezone(timedelta(hours=7))
    now = datetime.now(wib)
    bad = calendar(now)
    bad[4]["closes_at"] = (now + timedelta(days=13)).isoformat()  # Forum PD after Musrenbang RKPD closes
    kind, problem = err(rpc["bappeda"].musrenbang.set_calendar, tahun, {"steps": bad})
    assert kind == "ValidationError"
    assert {e["field"] for e in problem["errors"]} == {"steps[6].closes_at"}
    assert err(rpc["kec"].musrenbang.set_calendar, tahun, {"steps": calendar(now)})[0] == "Forbidden"

    made = rpc["bappeda"].musrenbang.set_calendar(tahun, {"steps": calendar(now)})
    assert made["tata_urutan"] == "permendagri_86_2017" and made["jenis_pemda"] == "kabupaten"
    steps = {s["step"]: s for s in made["steps"]}
    assert list(steps) == ["rancangan_awal", "renja_draft", "desa", "kecamatan", "forum_pd", "pokir",
                           "musrenbang_rkpd", "penetapan", "renja_final"]
    assert steps["musrenbang_rkpd"]["label"] == "Musrenbang RKPD Kabupaten"
    assert steps["musrenbang_rkpd"]["owner"] == "bappeda" and steps["forum_pd"]["owner"] == "opd"
    rkpd_opens = datetime.fromisoformat(steps["musrenbang_rkpd"]["opens_at"]).astimezone(wib)
    assert datetime.fromisoformat(steps["pokir"]["closes_at"]) == datetime.combine(
        (rkpd_opens - timedelta(days=7)).date(), datetime.min.time(), wib)
    assert steps["desa"]["jadwal"].endswith("WIB") and steps["desa"]["state"] == "open"
    opened = support.wait_for(lambda: events("stage.opened.v1", f"{PEMDA}/{tahun}"), what="stage.opened.v1")[0]
    assert opened["data"]["tata_urutan"] == "permendagri_86_2017"
    by_step = {w["step"]: w for w in opened["data"]["windows"]}
    assert by_step["musrenbang_rkpd"]["level"] == "kabupaten" and by_step["forum_pd"]["level"] is None
    assert err(rpc["bappeda"].musrenbang.set_calendar, tahun, {"steps": calendar(now)})[1]["code"] == "schedule_exists"

    # a change that breaks the order is refused on its field; a good one is audited with its step
    kind, problem = err(rpc["bappeda"].musrenbang.change_calendar_step, tahun, "forum_pd", "extend",
                        "OPD terlambat", (now + timedelta(days=14)).isoformat())
    assert kind == "ValidationError" and problem["errors"][0]["field"] == "closes_at"
    changed = rpc["bappeda"].musrenbang.change_calendar_step(tahun, "desa", "close_early", "Semua desa selesai")
    assert changed["history"][-1]["step"] == "desa" and changed["history"][-1]["reason"] == "Semua desa selesai"
    assert {s["step"]: s["state"] for s in changed["steps"]}["desa"] == "closed"
    change = support.wait_for(lambda: events("stage.window_changed.v1", f"{PEMDA}/{tahun}"), what="window change")
    assert change[0]["data"]["step"] == "desa" and change[0]["data"]["level"] == "desa"


def test_kecamatan_close_routes_to_the_opds_once_and_musrenbang_rkpd_closes_as_a_forum(rpc, events, amqp_uri):
    tahun = 2042
    m = {name: proxy.musrenbang for name, proxy in rpc.items()}
    now = datetime.now(timezone.utc)
    m["bappeda"].import_kamus(tahun, KAMUS_CSV)
    m["bappeda"].set_calendar(tahun, {"steps": calendar(now)})

    def usulan(kode, volume, gagasan):
        u = m["desa"].create_usulan(tahun, {"desa": DESA, "kamus_item_id": f"{PEMDA}/{tahun}/{kode}", "volume": volume,
                                            "permasalahan": "Genangan dan layanan jauh", "gagasan": gagasan})
        m["desa"].decide_usulan(u["id"], {"level": "desa", "status": "diterima"})
        return u

    drainase = usulan("DRN-01", "100", "Drainase jalan dusun")  # PUPR
    puskesmas = usulan("PKM-01", "1", "Puskesmas pembantu")  # Dinkes
    ditolak = usulan("DRN-01", "30", "Drainase gang sempit")
    m["kec"].decide_usulan(drainase["id"], {"level": "kecamatan", "status": "diterima dengan perubahan",
                                            "revised_volume": "80", "reason": "Sesuai panjang jalan"})
    m["kec"].decide_usulan(puskesmas["id"], {"level": "kecamatan", "status": "diterima"})
    m["kec"].decide_usulan(ditolak["id"], {"level": "kecamatan", "status": "ditolak", "reason": "Sudah ada"})
    forum = {"tanggal": now.date().isoformat(), "tempat": "Aula Kecamatan", "jumlah_peserta": 40}

    # the kecamatan closes only after the desa step
    kind, problem = err(m["kec"].close_kecamatan, tahun, KEC, forum)
    assert kind == "Conflict" and problem["code"] == "dependencies_open" and problem["steps"] == ["desa"]
    m["bappeda"].change_calendar_step(tahun, "desa", "close_early", "Musrenbang desa selesai")
    closed = m["kec"].close_kecamatan(tahun, KEC, forum)
    assert closed["routed_count"] == 2
    assert err(m["kec"].close_kecamatan, tahun, KEC, forum)[1]["code"] == "kecamatan_closed"  # a retry: no more

    def inbox(who, opd):
        return rpc[who].renja.inbox(tahun, opd)["items"]
    support.wait_for(lambda: inbox("pupr", PUPR) and inbox("dinkes", DINKES), timeout=30, what="the OPDs' inboxes")
    assert [(i["source_id"], i["opd"]) for i in inbox("pupr", PUPR)] == [(drainase["id"], PUPR)]
    routed_puskesmas = support.wait_for(lambda: events("usulan.routed.v1", puskesmas["id"]), what="routed")[0]
    routed_drainase = events("usulan.routed.v1", drainase["id"])[0]
    assert routed_drainase["data"]["volume_final"] == "80"  # as the kecamatan changed it
    assert [i["volume"] for i in inbox("pupr", PUPR)] == ["80"]
    assert [(i["source_id"], i["opd"], i["cost"]) for i in inbox("dinkes", DINKES)] == [
        (puskesmas["id"], DINKES, routed_puskesmas["data"]["cost_final"])]
    routed = events("usulan.routed.v1")
    assert sorted(e["subject"] for e in routed if e["tahun"] == tahun) == sorted([drainase["id"], puskesmas["id"]])

    # at Musrenbang RKPD the outcomes are the forum's agreements, not Bappeda's decisions one by one
    kind, problem = err(m["bappeda"].decide_usulan, drainase["id"], {"level": "kabupaten", "status": "diterima"})
    assert kind == "Conflict" and problem["code"] == "kesepakatan_forum_rkpd"
    assert err(m["bappeda"].close_stage, tahun)[1]["code"] == "tata_urutan_baru"
    record = {
        "tempat": "Aula Bappeda", "tanggal": (now + timedelta(days=9)).date().isoformat(),
        "peserta": [{"nama": "Kepala Bappeda", "unsur": "bappeda", "instansi": "Bappeda"},
                    {"nama": "Ketua Komisi C", "unsur": "dprd", "instansi": "DPRD"},
                    {"nama": "Camat | Barumun", "unsur": "kecamatan", "instansi": "Kecamatan Barumun"},
                    {"nama": "Forum Anak", "unsur": "masyarakat"}],
        "kesepakatan": [{"jenis": "prioritas", "uraian": "Infrastruktur dasar dan layanan kesehatan"},
                        {"jenis": "usulan", "usulan_id": puskesmas["id"], "status": "ditolak",
                         "alasan": "Dibiayai DAK tahun berjalan"},
                        {"jenis": "perubahan_baris", "row_id": "row-1", "uraian": "Pagu drainase ditambah",
                         "alasan": "Usulan kecamatan"}],
    }
    bad = {**record, "kesepakatan": [*record["kesepakatan"], {"jenis": "usulan", "usulan_id": ditolak["id"],
                                                               "status": "diterima"}],
           "peserta": [{"nama": "X", "unsur": "lsm"}]}
    kind, problem = err(m["bappeda"].record_forum_rkpd, tahun, bad)
    assert kind == "ValidationError" and {e["field"] for e in problem["errors"]} == {"peserta[0].unsur"}
    bad["peserta"] = record["peserta"]
    kind, problem = err(m["bappeda"].record_forum_rkpd, tahun, bad)
    assert {e["field"] for e in problem["errors"]} == {"kesepakatan[3].usulan_id"}  # rejected at the kecamatan
    assert err(m["kec"].record_forum_rkpd, tahun, record)[0] == "Forbidden"
    assert m["bappeda"].record_forum_rkpd(tahun, record)["version"] == 1

    # refused before its dependencies close: Forum PD (window open) and pokir (open until its deadline)
    kind, problem = err(m["bappeda"].close_forum_rkpd, tahun)
    assert kind == "Conflict" and problem["code"] == "dependencies_open" and problem["steps"] == ["forum_pd", "pokir"]
    kind, problem = err(m["bappeda"].change_calendar_step, tahun, "forum_pd", "close_early", "Forum PD selesai")
    assert kind == "Conflict" and problem["code"] == "dependency_window_open"  # kecamatan, renja_draft still open
    m["bappeda"].change_calendar_step(tahun, "kecamatan", "close_early", "Semua forum kecamatan selesai")
    m["bappeda"].change_calendar_step(tahun, "renja_draft", "close_early", "Rancangan Renja selesai")
    m["bappeda"].change_calendar_step(tahun, "forum_pd", "close_early", "Semua OPD sudah menutup Forum PD")
    assert err(m["bappeda"].close_forum_rkpd, tahun)[1]["steps"] == ["pokir"]
    # Pokir closes its stage: Musrenbang learns it from the event (twice: kept once)
    empty = hashlib.sha256(b"[]").hexdigest()  # the digest of no pokir (canonical JSON of an empty list)
    pokir_closed = make_event("pokir", "stage.closed.v1", f"{PEMDA}/{tahun}", {"closed_by": "u-setwan", "manifest": {
        "pemda": PEMDA, "tahun": tahun, "counts": {}, "total": 0, "disampaikan_count": 0, "disampaikan_cost": "0.00",
        "diakomodasi_count": 0, "diakomodasi_cost": "0.00", "digest_algorithm": "sha256", "digest": empty}},
        PEMDA, tahun)
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        for _ in range(2):
            publisher.publish(json_message("pokir.events", "stage.closed.v1", pokir_closed))
    finally:
        publisher.close()
    support.wait_for(lambda: states(rpc, tahun)["pokir"] == "closed", timeout=30, what="pokir step closed")

    result = m["bappeda"].close_forum_rkpd(tahun)
    assert result["label"] == "Musrenbang RKPD Kabupaten" and result["decided_count"] == 2
    assert result["manifest"]["accepted_count"] == 1  # the drainase; the puskesmas was refused by the forum
    assert hashlib.sha256(result["document"].encode()).hexdigest() == result["forum"]["berita_acara_sha256"]
    assert "Camat \\| Barumun" in result["document"]  # typed text escaped in the Markdown table
    closed_event = support.wait_for(lambda: events("stage.closed.v1", f"{PEMDA}/{tahun}"), what="stage.closed.v1")[0]
    forum_data = closed_event["data"]["forum"]
    assert forum_data["berita_acara_sha256"] == result["forum"]["berita_acara_sha256"]
    assert forum_data["tempat"] == "Aula Bappeda" and len(forum_data["peserta"]) == 4
    assert [k["jenis"] for k in forum_data["kesepakatan"]] == ["prioritas", "usulan", "perubahan_baris"]
    assert closed_event["data"]["manifest"] == result["manifest"]
    decided = {e["subject"]: e["data"] for e in events("usulan.decided.v1") if e["data"]["level"] == "kabupaten"
               and e["tahun"] == tahun}
    assert decided[drainase["id"]]["status"] == "diterima"
    assert decided[puskesmas["id"]]["status"] == "ditolak"
    assert decided[puskesmas["id"]]["reason"] == "Dibiayai DAK tahun berjalan"
    assert {d["forum_ref"] for d in decided.values()} == {f"BA-MUSRENBANG-RKPD/{PEMDA}/{tahun}"}
    trail = m["bappeda"].get_usulan(drainase["id"])["decisions"][-1]
    assert trail["level"] == "kabupaten" and trail["forum_ref"] == f"BA-MUSRENBANG-RKPD/{PEMDA}/{tahun}"
    minutes = m["kec"].forum_rkpd_berita_acara(tahun)
    assert minutes["digest"] == forum_data["berita_acara_sha256"] and minutes["document"] == result["document"]
    assert states(rpc, tahun)["musrenbang_rkpd"] == "closed"
    assert err(m["bappeda"].close_forum_rkpd, tahun)[1]["code"] == "stage_closed"
    # the Musrenbang steps are frozen by the close, the later steps of the calendar are not
    assert err(m["bappeda"].change_calendar_step, tahun, "kecamatan", "close_early", "x")[1]["code"] == "stage_closed"
    later = m["bappeda"].change_calendar_step(tahun, "renja_final", "extend", "OPD banyak",
                                              (now + timedelta(days=25)).isoformat())
    assert later["history"][-1]["step"] == "renja_final"
    # still routed once each: the forum close routes nothing
    assert sorted(e["subject"] for e in events("usulan.routed.v1") if e["tahun"] == tahun) == sorted(
        [drainase["id"], puskesmas["id"]])
