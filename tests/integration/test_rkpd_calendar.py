"""The RKPD of a year played in the order of Permendagri 86/2017, against the real RabbitMQ and
PostgreSQL, with synthetic upstream events published into the test vhost: the rancangan awal
appears when Bappeda publishes it (the OPD ceilings from pagu.set.v1); the rancangan appears when
the last Forum Perangkat Daerah closes, not before; Musrenbang RKPD's close makes the rancangan
akhir (pokir review and the forum's agreements in the annex); the penetapan records the Perkada
and publishes each OPD's lines; a perubahan gives a new version with a diff. The versions come in
order with their hashes, and every line's attributable money stays inside the line."""
import json
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError

from eplanning_common.envelope import make_event
from eplanning_common.publisher import ConfirmingPublisher, json_message, open_connection
from pokir.service import PokirService
from renja.domain import RenjaRow
from renja.domain.manifest import rows_digest
from renja.service import RenjaService
from rkpd.domain import content_hash
from rkpd.service import RkpdService

from . import support

pytestmark = pytest.mark.timeout(600)

PEMDA, TAHUN = "12.21", 2045
PUPR = "1.03.0.00.0.00.01.0000"
DINKES = "1.02.0.00.0.00.01.0000"
SUB_DRAINASE = "1.03.06.2.01.0012"
SUB_PUSKESMAS = "1.02.02.2.01.0014"


def wait(predicate, timeout=120, what="condition"):
    return support.wait_for(predicate, timeout=timeout, interval=0.3, what=what)


def db(service, suffix):
    return support.service_database(service, suffix, PEMDA)


@pytest.fixture(scope="module")
def upstream(amqp_uri):
    """Real Renja and Pokir services (RKPD asks them for names, and Renja for a resync)."""
    started = []
    for cls, name in ((RenjaService, "renja"), (PokirService, "pokir")):
        container = ServiceContainer(cls, {"AMQP_URI": amqp_uri, "DATABASE_URL": db(name, "rkpdcal"),
                                           "max_workers": 10})
        container.start()
        started.append(container)
    yield
    for container in started:
        container.stop()


def ev(service, key, subject, data, time_=None):
    envelope = make_event(service, key, subject, data, PEMDA, TAHUN)
    if time_ is not None:
        envelope["time"] = time_
    return service, key, envelope


def publish(amqp_uri, events):
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        for service, key, envelope in events:
            publisher.publish(json_message(f"{service}.events", key, envelope))
    finally:
        publisher.close()


def bappeda(amqp_uri):
    return support.signed_proxy(amqp_uri, {"sub": "bappeda-1", "role": "bappeda", "pemda": PEMDA}, timeout=120)


def row(row_id, opd, sub, pagu, akomodasi=(), version=1, target="10"):
    return {"row_id": row_id, "version": version, "opd": opd, "sub_kegiatan": sub, "indikator": "Capaian",
            "target": target, "satuan": "unit", "pagu_n": pagu, "pagu_n1": "0.00",
            "lokasi": {"cakupan": "kecamatan", "kode": ["12.21.07"]}, "sumber_dana": "DAU",
            "prioritas_nasional": [], "prioritas_daerah": ["Konektivitas"], "kelompok_sasaran": "Warga",
            "sumber": [], "akomodasi": list(akomodasi)}


def manifest(rows):
    records = [RenjaRow(r["row_id"], r["opd"], TAHUN, r["sub_kegiatan"], r["indikator"], Decimal(r["target"]),
                        r["satuan"], Decimal(r["pagu_n"]), Decimal(r["pagu_n1"]), tuple(r["lokasi"]["kode"]),
                        r["sumber_dana"]) for r in rows]
    return {"count": len(rows), "pagu_total": f"{sum(Decimal(r['pagu_n']) for r in rows):.2f}",
            "digest": rows_digest(records)}


def item(source_id, opd, row_id, kind="usulan", tracking_code="ABCDEFG2", mode="tambah", attributable="150000000.00"):
    return {"item_id": f"I-{source_id}", "kind": kind, "source_id": source_id, "tracking_code": tracking_code,
            "opd": opd, "verdict": "diakomodasi", "row_id": row_id, "mode": mode, "attributable": attributable,
            "reason": None, "rerouted_to": None}


def forum_closed(opd, rows, items):
    return ev("renja", "forum_pd.closed.v1", f"{PEMDA}/{TAHUN}/{opd}", {
        "opd": opd, "opds": [opd], "tahun": TAHUN, "pemda": PEMDA, "closed_by": f"kadis-{opd}",
        "closed_at": datetime.now(timezone.utc).isoformat(), "tempat": "Aula Dinas", "tanggal": "2044-02-10",
        "peserta": [{"nama": "Kepala Dinas", "unsur": "opd", "instansi": opd or "Bappeda"}],
        "kesepakatan": ["Usulan kecamatan diverifikasi"],
        "berita_acara_sha256": "a" * 64, "items": items, "rows_manifest": manifest(rows)})


class Events:
    """What RKPD publishes, read from a queue bound to rkpd.events."""

    def __init__(self, amqp_uri):
        self.conn = open_connection(amqp_uri)
        self.channel = self.conn.channel()
        self.channel.exchange_declare("rkpd.events", "topic", durable=True, auto_delete=False)
        self.channel.queue_declare("test.rkpd.calendar", exclusive=True)
        self.channel.queue_bind("test.rkpd.calendar", "rkpd.events", routing_key="#")
        self.seen = []

    def drain(self):
        while (m := self.channel.basic_get("test.rkpd.calendar", no_ack=True)) is not None:
            self.seen.append(json.loads(m.body))
        return self.seen

    def of(self, key):
        return [e for e in self.drain() if e["type"] == f"id.eplanning.rkpd.{key}"]

    def close(self):
        self.conn.close()


def test_the_four_versions_come_at_their_calendar_points_and_a_perubahan_is_diffed(amqp_uri, upstream):
    url = db("rkpd", "calendar")
    container = ServiceContainer(RkpdService, {"AMQP_URI": amqp_uri, "DATABASE_URL": url, "max_workers": 10})
    events = Events(amqp_uri)
    container.start()
    now = datetime.now(timezone.utc)
    try:
        with bappeda(amqp_uri) as b:
            # -- 1. rancangan awal: priorities + the OPD ceilings copied from Renja ------------------
            publish(amqp_uri, [ev("renja", "pagu.set.v1", f"{PEMDA}/{TAHUN}/{PUPR}",
                                  {"opd": PUPR, "pagu_n": "500000000.00", "pagu_n1": "0.00"},
                                  (now - timedelta(minutes=2)).isoformat()),
                               ev("renja", "pagu.set.v1", f"{PEMDA}/{TAHUN}/{PUPR}",  # newer, wins
                                  {"opd": PUPR, "pagu_n": "600000000.00", "pagu_n1": "0.00"}, now.isoformat()),
                               ev("renja", "pagu.set.v1", f"{PEMDA}/{TAHUN}/{DINKES}",
                                  {"opd": DINKES, "pagu_n": "300000000.00", "pagu_n1": "0.00"})])
            with pytest.raises(RemoteError) as bad:
                b.rkpd.set_rancangan_awal(TAHUN, ["Konektivitas"], [{"kecamatan": "99.99.99", "pagu": "1"}])
            assert bad.value.exc_type == "ValidationError" and "pagu_kewilayahan[0].kecamatan" in str(bad.value)
            settings = b.rkpd.set_rancangan_awal(TAHUN, ["Konektivitas jalan desa", "Layanan kesehatan dasar"],
                                                 [{"kecamatan": "12.21.07", "pagu": "200000000"}])
            assert settings["tata_urutan"] == "permendagri_86_2017"
            ceilings = wait(lambda: len((v := b.rkpd.get_rancangan_awal(TAHUN))["pagu_indikatif"]) == 2
                            and v["pagu_indikatif"], what="both OPD ceilings")
            wait(lambda: any(c["pagu_n"] == "600000000.00" for c in b.rkpd.get_rancangan_awal(
                TAHUN)["pagu_indikatif"]), what="the newer PUPR ceiling")
            assert len(ceilings) == 2
            awal = b.rkpd.publish_rancangan_awal(TAHUN)
            assert (awal["nomor"], awal["versi"]) == (1, "rancangan awal")
            doc = b.rkpd.document(TAHUN, 1)["document"]
            assert [(l["tingkat"], l["kode"], l["pagu_n"]) for l in doc["tabel_v"]["baris"]] == [
                ("opd", DINKES, "300000000.00"), ("opd", PUPR, "600000000.00")]
            assert doc["rancangan_awal"]["prioritas"] == ["Konektivitas jalan desa", "Layanan kesehatan dasar"]
            assert doc["rancangan_awal"]["pagu_kewilayahan"] == [{"kecamatan": "12.21.07", "pagu": "200000000.00"}]
            assert b.rkpd.public_rkpd(PEMDA, TAHUN)["versi"][0]["versi"] == "rancangan awal"
            published = wait(lambda: events.of("rkpd.published.v1"), what="rkpd.published.v1")
            assert published[0]["data"]["versi"] == "rancangan awal"

            # -- 2. the Renja drafts; the rancangan waits for the LAST Forum PD ------------------------
            usulan_u1 = {"kind": "usulan", "source_id": "U1", "tracking_code": "ABCDEFG2", "mode": "tambah",
                         "volume": "50", "attributable": "150000000.00"}
            pokir_p1 = {"kind": "pokir", "source_id": "P1", "tracking_code": None, "mode": "sudah_tercakup",
                        "volume": "1", "attributable": "0.00"}
            r1 = row("R1", PUPR, SUB_DRAINASE, "450000000.00", [usulan_u1, pokir_p1])
            r2 = row("R2", DINKES, SUB_PUSKESMAS, "280000000.00")
            publish(amqp_uri, [ev("renja", "row.created.v1", "R1", r1), ev("renja", "row.created.v1", "R2", r2),
                               forum_closed(PUPR, [r1], [item("U1", PUPR, "R1")])])
            status = wait(lambda: (s := b.rkpd.status(TAHUN))["kalender"]["forum_pd"][1]["ditutup"]
                                      and s, what="the PUPR forum close")
            assert status["kalender"]["forum_pd"] == [{"opd": DINKES, "ditutup": False}, {"opd": PUPR, "ditutup": True}]
            time.sleep(2.0)  # nothing may appear while a Forum PD is open
            assert [v["versi"] for v in b.rkpd.versions(TAHUN)] == ["rancangan awal"]
            assert any("Forum Perangkat Daerah" in w and DINKES in w for w in b.rkpd.status(TAHUN)["menunggu"])

            publish(amqp_uri, [forum_closed(DINKES, [r2], [])])
            versions = wait(lambda: len(v := b.rkpd.versions(TAHUN)) == 2 and v, timeout=240,
                                        what="the rancangan")
            assert versions[1]["versi"] == "rancangan" and versions[1]["diff"]["rows"]["added"]
            rancangan = b.rkpd.document(TAHUN, 2)["document"]
            leaf = next(l for l in rancangan["tabel_v"]["baris"] if l["row_id"] == "R1")
            assert leaf["cakupan_lokasi"] == "kecamatan" and leaf["atribusi"] == "150000000.00"
            assert [(a["source_id"], a["mode"], a["sudah_tercakup"]) for a in leaf["akomodasi"]] == [
                ("P1", "sudah_tercakup", True), ("U1", "tambah", False)]
            assert [(f["opd"], f["sesuai_berita_acara"]) for f in rancangan["lampiran"]["forum_pd"]] == [
                (DINKES, True), (PUPR, True)]
            assert b.rkpd.status(TAHUN)["menunggu"] == ["menunggu penutupan Musrenbang RKPD"]

            # -- 3. the pokir review, then Musrenbang RKPD closes: the rancangan akhir -----------------
            publish(amqp_uri, [
                ev("pokir", "pokir.reviewed.v1", "P1", {
                    "pokir_id": "P1", "version": 3, "pokir_status": "disampaikan", "anggota_id": "A01",
                    "dapil": "PALAS-1", "kecamatan": "12.21.07", "desa": "12.21.07.1001", "kamus_kode": "DRN-01",
                    "sub_kegiatan": SUB_DRAINASE, "opd": PUPR, "cost": "85000000.00",
                    "status": "layak", "catatan": "Sesuai prioritas konektivitas",
                    "kajian": {"kewenangan": True, "sesuai_prioritas": True, "duplikat_usulan": None,
                               "biaya_wajar": True}, "reviewed_by": "bappeda-1", "reviewed_at": now.isoformat()}),
                ev("musrenbang", "stage.closed.v1", f"{PEMDA}/{TAHUN}", {
                    "closed_by": "bappeda-1", "routed_count": 0,
                    "manifest": {"pemda": PEMDA, "tahun": TAHUN, "level": "kabupaten", "counts": {}, "total": 0,
                                 "accepted_count": 0, "accepted_cost": "0.00", "digest_algorithm": "sha256",
                                 "digest": "b" * 64},
                    "forum": {"forum_ref": f"BA-MUSRENBANG-RKPD/{PEMDA}/{TAHUN}", "tempat": "Aula Bappeda",
                              "tanggal": "2044-03-20",
                              "peserta": [{"nama": "Ketua DPRD", "unsur": "dprd", "instansi": "DPRD"}],
                              "kesepakatan": [{"jenis": "prioritas", "uraian": "Prioritas konektivitas disepakati"}],
                              "berita_acara_sha256": "c" * 64}})])
            versions = wait(lambda: len(v := b.rkpd.versions(TAHUN)) == 3 and v, timeout=240,
                                        what="the rancangan akhir")
            assert versions[2]["versi"] == "rancangan akhir"
            akhir = b.rkpd.document(TAHUN, 3)["document"]
            assert [k["pokir_id"] for k in akhir["lampiran"]["kajian_pokir"]] == ["P1"]
            assert akhir["lampiran"]["musrenbang_rkpd"]["tempat"] == "Aula Bappeda"
            assert akhir["inputs"]["musrenbang_rkpd"] == "c" * 64

            # -- 4. penetapan: the Perkada, each OPD's lines published for Renja ---------------------
            with pytest.raises(RemoteError) as bad:
                b.rkpd.penetapan(TAHUN, "", "30-06-2044")
            assert bad.value.exc_type == "ValidationError"
            fixed = b.rkpd.penetapan(TAHUN, "17 Tahun 2044", "2044-06-30")
            assert (fixed["nomor"], fixed["versi"]) == (4, "penetapan")
            penetapan = wait(lambda: [e for e in events.of("rkpd.published.v1")
                                                  if e["data"]["versi"] == "penetapan"], what="the penetapan event")
            data = penetapan[0]["data"]
            assert data["perkada"] == {"nomor": "17 Tahun 2044", "tanggal": "2044-06-30"}
            assert data["opd_lines"] == {
                PUPR: [{"row_id": "R1", "sub_kegiatan": SUB_DRAINASE, "pagu_n": "450000000.00"}],
                DINKES: [{"row_id": "R2", "sub_kegiatan": SUB_PUSKESMAS, "pagu_n": "280000000.00"}]}
            with pytest.raises(RemoteError) as again:
                b.rkpd.penetapan(TAHUN, "18 Tahun 2044", "2044-07-01")
            assert again.value.exc_type == "Conflict" and "penetapan_final" in str(again.value)

            # -- 5. perubahan for PUPR: its line changes, DINKES's stays as fixed ---------------------
            opened = b.rkpd.open_perubahan(TAHUN, [PUPR], "Penanganan darurat banjir")
            assert opened["nomor_versi_dasar"] == 4
            assert wait(lambda: events.of("rkpd.perubahan_opened.v1"),
                                    what="rkpd.perubahan_opened.v1")[0]["data"]["opds"] == [PUPR]
            publish(amqp_uri, [ev("renja", "row.updated.v1", "R1", {**r1, "version": 2, "pagu_n": "520000000.00"}),
                               ev("renja", "row.updated.v1", "R2", {**r2, "version": 2, "pagu_n": "1.00"})])
            wait(lambda: _pagu(url, "R1") == "520000000.00" and _pagu(url, "R2") == "1.00",
                             what="the edited rows")
            revised = b.rkpd.assemble_perubahan(TAHUN)
            assert (revised["nomor"], revised["versi"]) == (5, "perubahan")
            versions = b.rkpd.versions(TAHUN)
            diff = versions[4]["diff"]
            assert diff["from"]["nomor_versi"] == 4 and diff["to"]["nomor_versi"] == 5
            assert [(c["row_id"], c["columns"]["pagu_n"]) for c in diff["rows"]["changed"]] == [
                ("R1", {"before": "450000000.00", "after": "520000000.00"})]
            perubahan = b.rkpd.document(TAHUN, 5)["document"]
            assert perubahan["perubahan"]["opds"] == [PUPR] and perubahan["perkada"]["nomor"] == "17 Tahun 2044"

            # -- the versions in order, each with its hash; attributable money inside its line -------
            assert [(v["nomor"], v["versi"], v["dipublikasikan"]) for v in versions] == [
                (1, "rancangan awal", True), (2, "rancangan", False), (3, "rancangan akhir", False),
                (4, "penetapan", True), (5, "perubahan", True)]
            for v in versions:
                document = b.rkpd.document(TAHUN, v["nomor"])["document"]
                assert content_hash(document) == v["content_hash"]
                for line in document["tabel_v"]["baris"]:
                    assert Decimal(line["atribusi"]) <= Decimal(line["pagu_n"])
                    assert sum(Decimal(a["attributable"]) for a in line["akomodasi"]) <= Decimal(line["pagu_n"])
            assert len({v["content_hash"] for v in versions}) == 5
            assert [v["versi"] for v in b.rkpd.public_rkpd(PEMDA, TAHUN)["versi"]] == [
                "rancangan awal", "penetapan", "perubahan"]
    finally:
        container.stop()
        events.close()


def _pagu(url, row_id):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("select data->>'pagu_n' from renja_row_copy where row_id = :r"),
                                {"r": row_id}).scalar()
    finally:
        engine.dispose()


def test_a_legacy_year_refuses_the_calendars_acts_and_a_calendar_year_refuses_promotion(amqp_uri, upstream):
    url = db("rkpd", "calendar_legacy")
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # what migration 0006 does for a year already in the database
        conn.execute(sa.text("insert into rkpd_cycle (pemda, tahun, tata_urutan) values (:p, 2030, 'lama')"),
                     {"p": PEMDA})
    engine.dispose()
    container = ServiceContainer(RkpdService, {"AMQP_URI": amqp_uri, "DATABASE_URL": url, "max_workers": 10})
    container.start()
    try:
        with bappeda(amqp_uri) as b:
            with pytest.raises(RemoteError) as refused:
                b.rkpd.set_rancangan_awal(2030, ["Jalan"], [])
            assert refused.value.exc_type == "Conflict" and "tata_urutan_lama" in str(refused.value)
            assert b.rkpd.status(2030)["tata_urutan"] == "lama"
            with pytest.raises(RemoteError) as refused:
                b.rkpd.penetapan(2030, "1", "2029-06-30")
            assert "tata_urutan_lama" in str(refused.value)
            b.rkpd.set_rancangan_awal(TAHUN, ["Jalan"], [])
            with pytest.raises(RemoteError) as refused:
                b.rkpd.promote(TAHUN, "rancangan")
            assert "tata_urutan_baru" in str(refused.value)
            with pytest.raises(RemoteError) as refused:  # no ceilings yet
                b.rkpd.publish_rancangan_awal(TAHUN)
            assert "pagu_indikatif_kosong" in str(refused.value)
            assert b.rkpd.versions(TAHUN) == []
    finally:
        container.stop()


def test_one_joint_forum_makes_the_rancangan_and_a_reopened_musrenbang_rkpd_gives_a_new_rancangan_akhir(
        amqp_uri, upstream):
    tahun = TAHUN + 1
    url = db("rkpd", "calendar_joint")
    container = ServiceContainer(RkpdService, {"AMQP_URI": amqp_uri, "DATABASE_URL": url, "max_workers": 10})
    container.start()

    def at(service, key, subject, data):
        envelope = make_event(service, key, subject, data, PEMDA, tahun)
        return service, key, envelope

    try:
        with bappeda(amqp_uri) as b:
            publish(amqp_uri, [at("renja", "pagu.set.v1", f"{PEMDA}/{tahun}/{opd}",
                                  {"opd": opd, "pagu_n": "100000000.00", "pagu_n1": "0.00"}) for opd in (PUPR, DINKES)])
            b.rkpd.set_rancangan_awal(tahun, ["Konektivitas"], [])
            wait(lambda: len(b.rkpd.get_rancangan_awal(tahun)["pagu_indikatif"]) == 2, what="the ceilings")
            assert b.rkpd.publish_rancangan_awal(tahun)["nomor"] == 1
            rows = [{**row("J1", PUPR, SUB_DRAINASE, "90000000.00"), "version": 1},
                    {**row("J2", DINKES, SUB_PUSKESMAS, "70000000.00"), "version": 1}]
            joint = forum_closed(None, rows, [])[2]
            joint["pemda"], joint["tahun"] = PEMDA, tahun
            joint["data"].update(opd=None, opds=[DINKES, PUPR], tahun=tahun)
            publish(amqp_uri, [at("renja", "row.created.v1", r["row_id"], r) for r in rows]
                    + [("renja", "forum_pd.closed.v1", joint)])
            versions = wait(lambda: len(v := b.rkpd.versions(tahun)) == 2 and v, timeout=240, what="the rancangan")
            assert versions[1]["versi"] == "rancangan"
            assert [f["opds"] for f in b.rkpd.document(tahun, 2)["document"]["lampiran"]["forum_pd"]] == [
                [DINKES, PUPR]]

            forum = {"forum_ref": f"BA-MUSRENBANG-RKPD/{PEMDA}/{tahun}", "tempat": "Aula", "tanggal": "2045-03-20",
                     "peserta": [], "kesepakatan": [], "berita_acara_sha256": "d" * 64}
            closed = {"closed_by": "bappeda-1", "routed_count": 0, "forum": forum,
                      "manifest": {"pemda": PEMDA, "tahun": tahun, "level": "kabupaten", "counts": {}, "total": 0,
                                   "accepted_count": 0, "accepted_cost": "0.00", "digest_algorithm": "sha256",
                                   "digest": "b" * 64}}
            publish(amqp_uri, [at("musrenbang", "stage.closed.v1", f"{PEMDA}/{tahun}", closed)])
            wait(lambda: len(b.rkpd.versions(tahun)) == 3, timeout=240, what="the rancangan akhir")
            window = {"level": "kabupaten", "step": "musrenbang_rkpd", "opens_at": "2045-03-16T00:00:00+07:00",
                      "closes_at": "2045-03-31T00:00:00+07:00"}
            publish(amqp_uri, [at("musrenbang", "stage.reopened.v1", f"{PEMDA}/{tahun}", {
                "level": "kabupaten", "step": "musrenbang_rkpd", "kind": "reopen", "reason": "Kesepakatan diperbaiki",
                "before": window, "after": window, "changed_at": datetime.now(timezone.utc).isoformat()})])
            status = wait(lambda: (s := b.rkpd.status(tahun))["versi_terkini"]["stale"] and s, what="the stale mark")
            assert "Kesepakatan diperbaiki" in status["versi_terkini"]["alasan_stale"]
            with pytest.raises(RemoteError) as refused:
                b.rkpd.penetapan(tahun, "1 Tahun 2045", "2045-06-30")
            assert "rancangan_akhir_usang" in str(refused.value)
            publish(amqp_uri, [at("renja", "row.updated.v1", "J1", {**rows[0], "version": 2, "pagu_n": "95000000.00"}),
                               at("musrenbang", "stage.closed.v1", f"{PEMDA}/{tahun}", closed)])
            versions = wait(lambda: len(v := b.rkpd.versions(tahun)) == 4 and v, timeout=240,
                            what="the new rancangan akhir")
            assert [v["versi"] for v in versions] == ["rancangan awal", "rancangan", "rancangan akhir", "rancangan akhir"]
            assert [c["row_id"] for c in versions[3]["diff"]["rows"]["changed"]] == ["J1"]
            assert b.rkpd.penetapan(tahun, "1 Tahun 2045", "2045-06-30")["nomor"] == 5
    finally:
        container.stop()
