"""Renja in the regulation's order (issue #16), against the real RabbitMQ and PostgreSQL: usulan
routed at the kecamatan close arrive in the OPD inbox once; the OPD verifies each (a new row, growing
a row, a row that already covers it, rejected) with the arithmetic of "accommodated"; its Forum
Perangkat Daerah is refused while an item is undecided or the kecamatan step is open, then closes
with its berita acara and `forum_pd.closed.v1`; a Perubahan RKPD reopens only the OPDs it names.

The other services' events (Musrenbang's schedule and routing, RKPD's penetapan and perubahan) are
published into the test vhost as those services publish them."""
import hashlib
import json
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError

from eplanning_common.config import data_dir
from eplanning_common.envelope import make_event
from eplanning_common.publisher import ConfirmingPublisher, json_message, open_connection
from eplanning_common.wilayah import load_wilayah
from renja.service import RenjaService

from . import support

pytestmark = pytest.mark.timeout(240)

PEMDA, TAHUN = "12.21", 2028
DEMO = data_dir() / "demo"
PUPR = "1.03.0.00.0.00.01.0000"
DINKES = "1.02.0.00.0.00.01.0000"
KEC = "12.21.07"
PASAR, JULU, BANGUN = "12.21.07.1001", "12.21.07.2002", "12.21.07.2003"
DRAINASE = "1.03.06.2.01.0012"
SUFFIX = "forumpd"

WHO = {
    "bappeda": {"sub": "u-bappeda", "role": "bappeda", "pemda": PEMDA},
    "pupr": {"sub": "u-pupr", "role": "opd", "pemda": PEMDA, "opd": PUPR},
    "dinkes": {"sub": "u-dinkes", "role": "opd", "pemda": PEMDA, "opd": DINKES},
}


@pytest.fixture(scope="module")
def renja_db():
    url = support.service_database("renja", SUFFIX, PEMDA)
    engine = sa.create_engine(url)
    load_wilayah(engine, "12.20")  # the second pemda of the perubahan test
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def stack(amqp_uri, renja_db):
    container = ServiceContainer(RenjaService, {"AMQP_URI": amqp_uri, "DATABASE_URL": renja_db, "max_workers": 10})
    container.start()
    yield
    container.stop()


@pytest.fixture(scope="module")
def rpc(amqp_uri, stack):
    with support.signed_proxies(amqp_uri, WHO) as proxies:
        yield proxies


@pytest.fixture(scope="module")
def renja_events(amqp_uri):
    conn = open_connection(amqp_uri)
    channel = conn.channel()
    channel.exchange_declare("renja.events", "topic", durable=True, auto_delete=False)
    channel.queue_declare("test.renja.forumpd", durable=False, auto_delete=False, exclusive=True)
    channel.queue_bind("test.renja.forumpd", "renja.events", routing_key="#")
    seen = []

    def of_type(routing_key):
        while (m := channel.basic_get("test.renja.forumpd", no_ack=True)) is not None:
            seen.append(json.loads(m.body))
        return [e for e in seen if e["type"].endswith("." + routing_key)]
    yield of_type
    conn.close()


def publish(amqp_uri, source, routing_key, subject, data, pemda=PEMDA, tahun=TAHUN, time_=None):
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        publisher.publish(json_message(f"{source}.events", routing_key,
                                       make_event(source, routing_key, subject, data, pemda, tahun, time=time_)))
    finally:
        publisher.close()


def err(call, *args, **kwargs):
    with pytest.raises(RemoteError) as info:
        call(*args, **kwargs)
    return info.value.exc_type, json.loads(info.value.value)


def iso(moment):
    return moment.isoformat()


def schedule(amqp_uri, kecamatan_closes_at, pemda=PEMDA, tahun=TAHUN):
    """Musrenbang's calendar (stage.opened.v1 with steps): every step open but renja_draft, desa closed."""
    now = datetime.now(timezone.utc)
    windows = [{"step": step, "level": step if step in ("desa", "kecamatan") else None,
                "opens_at": iso(now - timedelta(days=30)), "closes_at": iso(closes)}
               for step, closes in (("rancangan_awal", now - timedelta(days=20)),
                                    ("renja_draft", now - timedelta(seconds=1)), ("desa", now - timedelta(days=5)),
                                    ("kecamatan", kecamatan_closes_at), ("forum_pd", now + timedelta(days=10)))]
    publish(amqp_uri, "musrenbang", "stage.opened.v1", f"{pemda}/{tahun}",
            {"pemda": pemda, "tahun": tahun, "tata_urutan": "permendagri_86_2017", "windows": windows, "history": []},
            pemda, tahun)


def route(amqp_uri, opd, desa, volume, cost, gagasan, sub_kegiatan=DRAINASE):
    """Musrenbang routing an usulan accepted at the kecamatan forum to `opd`."""
    usulan_id = str(uuid.uuid4())
    code = uuid.uuid4().hex[:8].upper()
    publish(amqp_uri, "musrenbang", "usulan.routed.v1", usulan_id, {
        "usulan_id": usulan_id, "tracking_code": code, "version": 3, "kecamatan": KEC, "desa": desa,
        "kamus_kode": "DRN-01", "sub_kegiatan": sub_kegiatan, "opd": opd, "satuan": "meter",
        "harga_satuan": "850000.00", "volume": volume, "cost": cost, "volume_final": volume, "cost_final": cost,
        "gagasan": gagasan, "decisions": []})
    return usulan_id, code


def item_of(rpc, who, usulan_id):
    return support.wait_for(lambda: [i for i in rpc[who].renja.inbox(TAHUN)["items"] if i["source_id"] == usulan_id],
                            what=f"usulan {usulan_id} in the inbox")[0]


@pytest.fixture(scope="module")
def setup(rpc):
    rpc["bappeda"].renja.import_opd("sipd-2027", (DEMO / "opd_12.21.csv").read_text())
    rpc["bappeda"].renja.pin_cycle(TAHUN, "sipd-2027")
    for opd in (PUPR, DINKES):
        rpc["bappeda"].renja.set_pagu(opd, TAHUN, "2000000000", "2000000000")


def test_forum_pd_verifies_each_item_with_what_it_adds_and_closes_with_its_berita_acara(rpc, setup, renja_events,
                                                                                         amqp_uri):
    schedule(amqp_uri, datetime.now(timezone.utc) + timedelta(days=1))  # the kecamatan step still open
    first, code1 = route(amqp_uri, PUPR, PASAR, "100", "85000000.00", "Drainase pasar")
    second, _ = route(amqp_uri, PUPR, JULU, "50", "42500000.00", "Drainase Sibuhuan Julu")
    third, _ = route(amqp_uri, PUPR, PASAR, "20", "17000000.00", "Drainase gang pasar | <b>penting</b>")
    fourth, _ = route(amqp_uri, PUPR, BANGUN, "10", "8500000.00", "Drainase Bangun Raya")
    other, _ = route(amqp_uri, DINKES, PASAR, "1", "5000000.00", "Posyandu")
    items = {u: item_of(rpc, "pupr", u) for u in (first, second, third, fourth)}
    route(amqp_uri, PUPR, PASAR, "100", "85000000.00", "Drainase pasar")  # another usulan: a new item
    time.sleep(0.3)
    assert items[first]["tracking_code"] == code1

    pupr = rpc["pupr"].renja
    forum = {"tempat": "Aula Dinas PUPR", "tanggal": "2028-03-05",
             "peserta": [{"nama": "Ir. Siregar", "unsur": "opd", "instansi": "Dinas PUPR"},
                         {"nama": "Camat Barumun", "unsur": "kecamatan", "instansi": "Kecamatan Barumun"}],
             "kesepakatan": ["Drainase pasar masuk satu baris", "# bukan judul\n| bukan | tabel |"]}
    kind, body = err(pupr.record_forum_pd, TAHUN, PUPR, {**forum, "peserta": [{"nama": "X", "unsur": "lsm",
                                                                                  "instansi": "Y"}]})
    assert kind == "ValidationError" and [e["field"] for e in body["errors"]] == ["peserta[0].unsur"]
    assert err(rpc["dinkes"].renja.record_forum_pd, TAHUN, PUPR, forum)[0] == "Forbidden"  # not its own forum
    pupr.record_forum_pd(TAHUN, PUPR, forum)

    blocked = err(pupr.close_forum_pd, TAHUN, PUPR)[1]
    assert blocked["code"] == "forum_pd_blocked"
    kinds = {b["kind"]: b for b in blocked["blockers"]}
    assert set(kinds) == {"inbox_pending", "tahap_belum_ditutup"} and kinds["tahap_belum_ditutup"]["step"] == "kecamatan"
    assert {i["item_id"] for i in items.values()} <= set(kinds["inbox_pending"]["ids"])

    # 1. a new row, prefilled from the usulan (its code, volume, cost and desa)
    made = pupr.decide_inbox(items[first]["item_id"], "accommodate",
                             {"row": {"sumber_dana": "DAU", "kelompok_sasaran": "Pedagang pasar"}})
    row_id = made["decision"]["row_id"]
    row = pupr.get_row(row_id)
    assert (row["sub_kegiatan"], row["target"], row["pagu_n"], row["lokasi"]) == (
        DRAINASE, "100", "85000000.00", {"cakupan": "desa", "kode": [PASAR]})
    assert made["decision"]["mode"] == "baris_baru" and made["decision"]["attributable"] == "85000000.00"

    # 2. an existing row without saying what the usulan adds is refused, field by field
    kind, body = err(pupr.decide_inbox, items[second]["item_id"], "accommodate", {"row_id": row_id})
    assert kind == "ValidationError" and [(e["field"], e["code"]) for e in body["errors"]] == [("mode", "required")]
    kind, body = err(pupr.decide_inbox, items[second]["item_id"], "accommodate",
                     {"row_id": row_id, "mode": "sudah_tercakup"})  # Sibuhuan Julu is not in the row
    assert {(e["field"], e["code"]) for e in body["errors"]} == {("lokasi", "not_covered"), ("cost", "above_row_pagu")}
    assert pupr.get_row(row_id)["version"] == row["version"]  # nothing changed

    # 3. tambah: the row grows by the usulan's volume, desa and money
    grown = pupr.decide_inbox(items[second]["item_id"], "accommodate", {"row_id": row_id, "mode": "tambah"})
    row = pupr.get_row(row_id)
    assert (row["target"], row["pagu_n"], row["lokasi"]["kode"]) == ("150", "127500000.00", [PASAR, JULU])
    assert grown["decision"]["attributable"] == "42500000.00"

    # 4. already covered by that row? Its location covers the desa, its volume the usulan's, but its
    # money is all attributed already: refused with the numbers. A row with room takes it.
    kind, body = err(pupr.decide_inbox, items[third]["item_id"], "accommodate",
                     {"row_id": row_id, "mode": "sudah_tercakup"})
    [problem] = body["errors"]
    assert (problem["field"], problem["code"]) == ("cost", "above_row_pagu") and "Rp17.000.000,00" in problem["message"]
    wide = pupr.create_row(PUPR, TAHUN, {"sub_kegiatan": "1.03.06.2.01.0021", "target": "400", "pagu_n": "300000000",
                                         "pagu_n1": "0", "lokasi": {"cakupan": "kecamatan", "kode": [KEC]},
                                         "sumber_dana": "DAU", "kelompok_sasaran": "Warga Barumun"})
    covered = pupr.decide_inbox(items[third]["item_id"], "accommodate", {"row_id": wide["row_id"],
                                                                         "mode": "sudah_tercakup"})
    assert covered["decision"]["mode"] == "sudah_tercakup"
    unchanged = pupr.get_row(wide["row_id"])
    assert (unchanged["target"], unchanged["pagu_n"]) == ("400", "300000000.00")
    assert [(a["mode"], a["attributable"]) for a in unchanged["akomodasi"]] == [("sudah_tercakup", "17000000.00")]

    # an edit may not lower the row's pagu N below what its usulan are attributed
    data = {k: row[k] for k in ("sub_kegiatan", "target", "pagu_n1", "lokasi", "sumber_dana", "kelompok_sasaran")}
    kind, body = err(pupr.update_row, row_id, {**data, "pagu_n": "127499999.99"})
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("pagu_n", "below_attributed")]

    # the remaining items: rejected with a reason, and the newer copy of the first usulan
    pupr.decide_inbox(items[fourth]["item_id"], "reject", {"reason": "Sudah dibangun tahun lalu"})
    for waiting in [i for i in pupr.inbox(TAHUN, PUPR, "menunggu")["items"]]:
        pupr.decide_inbox(waiting["item_id"], "reroute", {"to_opd": "1.04.2.10.0.00.01.0000",
                                                          "reason": "Urusan permukiman"})

    # every item decided; the kecamatan step is still open
    blocked = err(pupr.close_forum_pd, TAHUN, PUPR)[1]
    assert [b["kind"] for b in blocked["blockers"]] == ["tahap_belum_ditutup"]
    now = datetime.now(timezone.utc)
    publish(amqp_uri, "musrenbang", "stage.window_changed.v1", f"{PEMDA}/{TAHUN}", {
        "level": "kecamatan", "step": "kecamatan", "kind": "close_early", "reason": "Semua forum kecamatan selesai",
        "before": {"level": "kecamatan", "opens_at": iso(now - timedelta(days=30)),
                   "closes_at": iso(now + timedelta(days=1))},
        "after": {"level": "kecamatan", "opens_at": iso(now - timedelta(days=30)), "closes_at": iso(now)},
        "changed_at": iso(now)})

    def closed():
        try:
            return pupr.close_forum_pd(TAHUN, PUPR)
        except RemoteError as error:
            assert json.loads(error.value)["code"] == "forum_pd_blocked"
            return None
    result = support.wait_for(closed, what="the Forum PD close once the kecamatan step closed")
    assert err(pupr.close_forum_pd, TAHUN, PUPR)[1]["code"] == "forum_closed"
    assert err(pupr.record_forum_pd, TAHUN, PUPR, forum)[1]["code"] in ("forum_closed", "transition_refused")

    event = support.wait_for(lambda: renja_events("forum_pd.closed.v1"), what="forum_pd.closed.v1")
    assert len(event) == 1 and event[0]["data"] == result
    verdicts = {i["source_id"]: (i["verdict"], i["mode"], i["attributable"]) for i in result["items"]}
    assert verdicts[first] == ("diakomodasi", "baris_baru", "85000000.00")
    assert verdicts[second] == ("diakomodasi", "tambah", "42500000.00")
    assert verdicts[third] == ("diakomodasi", "sudah_tercakup", "17000000.00")
    assert verdicts[fourth][0] == "ditolak" and other not in verdicts  # Dinkes' item is not in PUPR's forum
    assert result["rows_manifest"]["count"] == 2 and result["rows_manifest"]["pagu_total"] == "427500000.00"
    paper = pupr.forum_pd_berita_acara(TAHUN, PUPR)
    assert hashlib.sha256(paper["text"].encode("utf-8")).hexdigest() == result["berita_acara_sha256"] == paper["sha256"]
    assert "Sudah dibangun tahun lalu" in paper["text"] and "sudah tercakup" in paper["text"]
    assert "<b>" not in paper["text"] and "\n# bukan judul" not in paper["text"]  # typed text is escaped
    assert rpc["bappeda"].renja.forum_pd_berita_acara(TAHUN, PUPR)["sha256"] == paper["sha256"]

    # the row events say what each usulan brought; attributable money inside each row
    rows = {e["data"]["row_id"]: e["data"] for e in renja_events("row.created.v1") + renja_events("row.updated.v1")}
    for data in rows.values():
        assert sum(Decimal(a["attributable"]) for a in data["akomodasi"]) <= Decimal(data["pagu_n"])
    decided = [e["data"] for e in renja_events("inbox.decided.v1") if e["data"]["source_id"] == second]
    assert decided[0]["mode"] == "tambah" and decided[0]["row_id"] == row_id


def _opd_register(pemda_opds):
    return "kode,nama,bidang\n" + "".join(f"{kode},{nama},1.03\n" for kode, nama in pemda_opds)


def test_a_perubahan_reopens_only_the_named_opds(rpc, setup, renja_events, amqp_uri):
    other = "12.20"
    a, b = "1.03.0.00.0.00.01.0000", "1.03.0.00.0.00.02.0000"
    boss = {"sub": "u-bappeda-1220", "role": "bappeda", "pemda": other}
    with support.signed_proxy(amqp_uri, boss, timeout=30) as bp, \
            support.signed_proxy(amqp_uri, {"sub": "u-a", "role": "opd", "pemda": other, "opd": a}, timeout=30) as oa, \
            support.signed_proxy(amqp_uri, {"sub": "u-b", "role": "opd", "pemda": other, "opd": b}, timeout=30) as ob:
        bp.renja.import_opd("sipd-2027", _opd_register([(a, "Dinas PUPR"), (b, "Dinas SDA")]))
        schedule(amqp_uri, datetime.now(timezone.utc) - timedelta(days=1), pemda=other)  # the regulation's order
        bp.renja.pin_cycle(TAHUN, "sipd-2027")
        rows = {}
        for opd, proxy, code in ((a, oa, DRAINASE), (b, ob, "1.03.02.2.01.0013")):
            bp.renja.set_pagu(opd, TAHUN, "1000000000", "1000000000")
            rows[opd] = proxy.renja.create_row(opd, TAHUN, {
                "sub_kegiatan": code, "target": "10", "pagu_n": "500000000", "pagu_n1": "0",
                "lokasi": {"cakupan": "kabupaten", "kode": []}, "sumber_dana": "DAU", "kelompok_sasaran": "Warga"})
            assert rows[opd]["lokasi"] == {"cakupan": "kabupaten", "kode": [other]}
            proxy.renja.renja_step(opd, TAHUN, "submit")
            bp.renja.renja_step(opd, TAHUN, "verify")
        publish(amqp_uri, "rkpd", "rkpd.published.v1", f"{other}/{TAHUN}", {
            "nomor": 4, "versi": "penetapan", "content_hash": "1" * 64, "location": "/rkpd", "files": {},
            "diff": {"rows_added": 0, "rows_removed": 0, "rows_changed": 0},
            "perkada": {"nomor": "7 Tahun 2027", "tanggal": "2027-06-01"},
            "opd_lines": {a: [{"row_id": None, "sub_kegiatan": DRAINASE, "pagu_n": "500000000.00"}],
                          b: [{"row_id": None, "sub_kegiatan": "1.03.02.2.01.0013", "pagu_n": "500000000.00"}]}}, other)

        def final(opd):
            try:
                return bp.renja.renja_step(opd, TAHUN, "finalize")["status"] == "final"
            except RemoteError as error:
                assert json.loads(error.value)["code"] == "belum_penetapan"
                return False
        for opd in (a, b):
            support.wait_for(lambda: final(opd), what=f"Renja {opd} final")
        bp.renja.close_stage(TAHUN)
        assert err(oa.renja.create_row, a, TAHUN, {})[1]["code"] == "stage_closed"

        publish(amqp_uri, "rkpd", "rkpd.perubahan_opened.v1", f"{other}/{TAHUN}", {
            "nomor_versi_dasar": 4, "opds": [a], "alasan": "Bencana banjir Sibuhuan", "opened_by": "u-bappeda-1220"},
            other)
        support.wait_for(lambda: {t["opd"]: t["status"] for t in bp.renja.totals(TAHUN)}[a] == "dikembalikan",
                         what="the named OPD reopened")
        assert {t["opd"]: t["status"] for t in bp.renja.totals(TAHUN)}[b] == "final"  # not named: stays final
        updated = oa.renja.update_row(rows[a]["row_id"], {
            "sub_kegiatan": DRAINASE, "target": "12", "pagu_n": "600000000", "pagu_n1": "0",
            "lokasi": {"cakupan": "kabupaten", "kode": []}, "sumber_dana": "DAU", "kelompok_sasaran": "Warga"})
        assert updated["pagu_n"] == "600000000.00"
        kind, body = err(ob.renja.update_row, rows[b]["row_id"], {
            "sub_kegiatan": "1.03.02.2.01.0013", "target": "12", "pagu_n": "600000000", "pagu_n1": "0",
            "lokasi": {"cakupan": "kabupaten", "kode": []}, "sumber_dana": "DAU", "kelompok_sasaran": "Warga"})
        assert kind == "Conflict" and body["code"] == "stage_closed"
        reopened = [e for e in renja_events("renja.reopened.v1") if e["pemda"] == other]
        assert [e["data"]["opd"] for e in reopened] == [a] and reopened[0]["data"]["alasan"] == "Bencana banjir Sibuhuan"
        # final again only against the perubahan's lines
        oa.renja.renja_step(a, TAHUN, "submit")
        bp.renja.renja_step(a, TAHUN, "verify")
        assert err(bp.renja.renja_step, a, TAHUN, "finalize")[1]["code"] == "tidak_sesuai_penetapan"


def test_one_joint_forum_when_the_pemda_chooses_it_chaired_by_bappeda(rpc, setup, renja_events, amqp_uri):
    year = TAHUN + 1
    rpc["bappeda"].renja.pin_cycle(year, "sipd-2027")
    assert err(rpc["pupr"].renja.set_forum_pd_bentuk, year, "gabungan")[0] == "Forbidden"
    assert err(rpc["bappeda"].renja.set_forum_pd_bentuk, year, "bersama")[0] == "ValidationError"
    rpc["bappeda"].renja.set_forum_pd_bentuk(year, "gabungan")
    forum = {"tempat": "Aula Bappeda", "tanggal": "2029-03-10",
             "peserta": [{"nama": "Kepala Bappeda", "unsur": "bappeda", "instansi": "Bappeda"},
                         {"nama": "Ketua Komisi C", "unsur": "dprd", "instansi": "DPRD"}], "kesepakatan": []}
    assert err(rpc["pupr"].renja.record_forum_pd, year, PUPR, forum)[1]["code"] == "forum_gabungan"
    assert err(rpc["pupr"].renja.record_forum_pd, year, None, forum)[0] == "Forbidden"
    rpc["bappeda"].renja.record_forum_pd(year, None, forum)
    blocked = err(rpc["bappeda"].renja.close_forum_pd, year, None)[1]
    assert [b["kind"] for b in blocked["blockers"]] == ["kalender_belum_ada"]  # no calendar for that year yet
    schedule(amqp_uri, datetime.now(timezone.utc) - timedelta(seconds=1), tahun=year)

    def closed():
        try:
            return rpc["bappeda"].renja.close_forum_pd(year, None)
        except RemoteError as error:
            assert json.loads(error.value)["code"] == "forum_pd_blocked"
            return None
    result = support.wait_for(closed, what="the joint forum close")
    assert result["opd"] is None and PUPR in result["opds"] and DINKES in result["opds"]
    event = support.wait_for(lambda: [e["data"] for e in renja_events("forum_pd.closed.v1") if e["tahun"] == year],
                             what="the joint forum's forum_pd.closed.v1")
    assert event == [result]
    assert rpc["dinkes"].renja.forum_pd_berita_acara(year, None)["sha256"] == result["berita_acara_sha256"]
    assert err(rpc["bappeda"].renja.set_forum_pd_bentuk, year, "per_opd")[1]["code"] == "forum_closed"


def test_a_year_played_under_the_old_order_has_no_forum_and_finalizes_as_before(rpc, setup, renja_db):
    year = TAHUN + 2
    rpc["bappeda"].renja.pin_cycle(year, "sipd-2027")
    engine = sa.create_engine(renja_db)
    with engine.begin() as conn:  # what migration 0006 sets for every year already in the database
        conn.execute(sa.text("update siklus set tata_urutan = 'lama' where tahun = :t"), {"t": year})
    engine.dispose()
    forum = {"tempat": "Aula", "tanggal": "2030-03-01", "peserta": [{"nama": "A", "unsur": "opd", "instansi": "B"}]}
    assert err(rpc["pupr"].renja.record_forum_pd, year, PUPR, forum)[1]["code"] == "tata_urutan_lama"
    rpc["bappeda"].renja.set_pagu(PUPR, year, "1000000000", "1000000000")
    rpc["pupr"].renja.create_row(PUPR, year, {"sub_kegiatan": DRAINASE, "target": "5", "pagu_n": "1000000",
                                              "pagu_n1": "0", "lokasi": [KEC], "sumber_dana": "DAU",
                                              "kelompok_sasaran": "Warga"})
    rpc["pupr"].renja.renja_step(PUPR, year, "submit")
    rpc["bappeda"].renja.renja_step(PUPR, year, "verify")
    assert rpc["bappeda"].renja.renja_step(PUPR, year, "finalize")["status"] == "final"  # no penetapan needed
