"""RKPD against the real RabbitMQ and PostgreSQL: it assembles by itself when the three stages
have closed, the same inputs in any order give the same document, a duplicate close changes
nothing, and a manifest mismatch triggers a resync (never a premature assembly)."""
import base64
import hashlib
import io
import json
import random
import time
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from openpyxl import load_workbook
from pypdf import PdfReader

from eplanning_common.envelope import make_event
from eplanning_common.publisher import ConfirmingPublisher, json_message
from eplanning_common.wilayah import load_wilayah
from musrenbang.domain import AcceptedRecord, accepted_set_digest
from pokir.domain import SubmittedRecord, submitted_set_digest
from pokir.service import PokirService
from renja.domain import RenjaRow
from renja.domain.manifest import rows_digest
from renja.service import RenjaService
from rkpd import cycle
from rkpd.service import RkpdService

from . import support

pytestmark = pytest.mark.timeout(300)

PEMDA, TAHUN = "12.21", 2041
PUPR = "1.03.0.00.0.00.01.0000"
SUB = "1.03.06.2.01.0012"


def db(service, suffix, pemda=PEMDA):
    return support.service_database(service, suffix, pemda)


@pytest.fixture(scope="module")
def upstream(amqp_uri):
    """Real Renja and Pokir services (RKPD asks them for OPD and member names)."""
    started = []
    for cls, name in ((RenjaService, "renja"), (PokirService, "pokir")):
        container = ServiceContainer(cls, {"AMQP_URI": amqp_uri, "DATABASE_URL": db(name, "rkpdflow"),
                                           "max_workers": 10})
        container.start()
        started.append(container)
    yield {c.service_name: c for c in started}
    for container in started:
        container.stop()


def ev(service, key, subject, data, pemda=PEMDA, tahun=TAHUN):
    return (service, key, make_event(service, key, subject, data, pemda, tahun))


def synthetic_cycle():
    """A tiny cycle as the stages would publish it, with manifests made by the stages' own code."""
    now = datetime.now(timezone.utc).isoformat()
    base = {"tracking_code": "ABCDEFG2", "kecamatan": "12.21.07", "desa": "12.21.07.1001", "kamus_kode": "DRN-01",
            "sub_kegiatan": SUB, "opd": PUPR, "satuan": "meter", "harga_satuan": "850000.00",
            "permasalahan": "Genangan", "submitted_at": now}
    u1 = {**base, "usulan_id": "U1", "version": 1, "volume": "100", "cost": "85000000.00", "gagasan": "Drainase pasar"}
    u2 = {**base, "usulan_id": "U2", "tracking_code": "ABCDEFH3", "version": 1, "volume": "10", "cost": "8500000.00",
          "gagasan": "Drainase gang"}

    def decision(u, level, status, volume, cost, reason=""):
        return {"usulan_id": u["usulan_id"], "tracking_code": u["tracking_code"], "version": 2,
                "kecamatan": u["kecamatan"], "desa": u["desa"], "level": level, "status": status, "reason": reason,
                "volume": volume, "cost": cost, "original_volume": u["volume"], "original_cost": u["cost"],
                "merge_target": None, "decided_at": now}
    rows = [{"row_id": "R1", "version": 1, "opd": PUPR, "sub_kegiatan": SUB, "indikator": "Panjang drainase",
             "target": "150", "satuan": "meter", "pagu_n": "127500000.00", "pagu_n1": "0.00", "lokasi": ["12.21.07"],
             "sumber_dana": "DAU", "prioritas_nasional": [], "prioritas_daerah": [], "kelompok_sasaran": "Warga",
             "sumber": [{"source": "musrenbang", "source_id": "U1"}]},
            {"row_id": "R2", "version": 1, "opd": PUPR, "sub_kegiatan": "1.03.03.2.01.0022", "indikator": "Unit SPAM",
             "target": "2", "satuan": "unit", "pagu_n": "190000000.00", "pagu_n1": "50000000.00",
             "lokasi": ["12.21.07"], "sumber_dana": "DAK", "prioritas_nasional": ["PN2"], "prioritas_daerah": [],
             "kelompok_sasaran": "Warga", "sumber": []}]
    pokir = {"pokir_id": "P1", "version": 4, "anggota_id": "A01", "dapil": "PALAS-1", "status": "disampaikan",
             "judul": "Sumur bor", "permasalahan": "Air", "usulan": "Sumur bor pasar", "reses_id": "RS1",
             "kecamatan": "12.21.07", "desa": "12.21.07.1001", "kamus_kode": "SPAM-02", "sub_kegiatan": "1.03.03.2.01.0022",
             "opd": PUPR, "satuan": "unit", "harga_satuan": "95000000.00", "volume": "2", "cost": "190000000.00",
             "disposisi_opd": None, "akomodasi": None, "alasan_tidak_diakomodasi": None, "changed_at": now}
    renja_rows = [RenjaRow(r["row_id"], r["opd"], TAHUN, r["sub_kegiatan"], r["indikator"], Decimal(r["target"]),
                           r["satuan"], Decimal(r["pagu_n"]), Decimal(r["pagu_n1"]), tuple(r["lokasi"]), r["sumber_dana"])
                  for r in rows]
    counts = {"diterima dengan perubahan": 1, "ditolak": 1}
    m_manifest = {"pemda": PEMDA, "tahun": TAHUN, "level": "kabupaten", "counts": counts, "total": 2,
                  "accepted_count": 1, "accepted_cost": "127500000.00", "digest_algorithm": "sha256",
                  "digest": accepted_set_digest([AcceptedRecord("U1", Decimal("150"), Decimal("127500000.00"), PUPR, SUB)])}
    p_manifest = {"pemda": PEMDA, "tahun": TAHUN, "counts": {"disampaikan": 1}, "total": 1, "disampaikan_count": 1,
                  "disampaikan_cost": "190000000.00", "diakomodasi_count": 0, "diakomodasi_cost": "0.00",
                  "digest_algorithm": "sha256",
                  "digest": submitted_set_digest([SubmittedRecord("P1", Decimal("2"), Decimal("190000000.00"), PUPR,
                                                                  "1.03.03.2.01.0022", "A01")])}
    r_manifest = {"pemda": PEMDA, "tahun": TAHUN, "rows": 2,
                  "totals": {PUPR: {"total_n": "317500000.00", "total_n1": "50000000.00", "rows": 2}},
                  "total_n": "317500000.00", "total_n1": "50000000.00", "digest_algorithm": "sha256",
                  "digest": rows_digest(renja_rows)}
    data = [ev("musrenbang", "usulan.submitted.v1", "U1", u1), ev("musrenbang", "usulan.submitted.v1", "U2", u2),
            ev("musrenbang", "usulan.decided.v1", "U1", decision(u1, "desa", "diterima", "100", "85000000.00")),
            ev("musrenbang", "usulan.decided.v1", "U1", decision(u1, "kecamatan", "diterima", "100", "85000000.00")),
            ev("musrenbang", "usulan.decided.v1", "U1", decision(u1, "kabupaten", "diterima dengan perubahan", "150",
                                                                 "127500000.00", "Diperpanjang")),
            ev("musrenbang", "usulan.decided.v1", "U2", decision(u2, "desa", "diterima", "10", "8500000.00")),
            ev("musrenbang", "usulan.decided.v1", "U2", decision(u2, "kecamatan", "ditolak", "10", "8500000.00",
                                                                 "Bukan prioritas")),
            ev("pokir", "pokir.delivered.v1", "P1", pokir),
            ev("renja", "row.created.v1", "R1", {**rows[0], "pagu_n": "100000000.00"}),
            ev("renja", "row.updated.v1", "R1", {**rows[0], "version": 2}),
            ev("renja", "row.created.v1", "R2", rows[1]),
            ev("renja", "inbox.decided.v1", "inbox/U1", {
                "source": "musrenbang", "source_id": "U1", "opd": PUPR, "decision": "diakomodasi", "reason": "",
                "renja_row_id": "R1", "volume": "150", "cost": "127500000.00", "rerouted_to": None, "decided_at": now})]
    closes = [ev("musrenbang", "stage.closed.v1", f"{PEMDA}/{TAHUN}", {"manifest": m_manifest, "routed_count": 1,
                                                                      "closed_by": "b"}),
              ev("pokir", "stage.closed.v1", f"{PEMDA}/{TAHUN}", {"manifest": p_manifest, "closed_by": "s"}),
              ev("renja", "stage.closed.v1", f"{PEMDA}/{TAHUN}", {"manifest": r_manifest, "closed_by": "b"})]
    return data, closes


def publish(amqp_uri, events):
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        for service, key, envelope in events:
            publisher.publish(json_message(f"{service}.events", key, envelope))
    finally:
        publisher.close()


def purge_rkpd_queues(amqp_uri):
    """Each test starts its RKPD on a fresh database: drop what an earlier test's RKPD left in the
    shared queues (a handler stopped mid-assembly goes back to its retry queue)."""
    from eplanning_common.publisher import open_connection
    from eplanning_common.topology import PROJECT_TOPOLOGY, declare

    conn = open_connection(amqp_uri)
    try:
        channel = conn.channel()
        declare(channel, PROJECT_TOPOLOGY)
        for sub in PROJECT_TOPOLOGY.for_consumer("rkpd"):
            for queue in (sub.queue, sub.retry_queue, sub.dead_queue):
                channel.queue_purge(queue)
    finally:
        conn.close()


def bappeda_rpc(amqp_uri, pemda=PEMDA):
    return support.signed_proxy(amqp_uri, {"sub": "b", "role": "bappeda", "pemda": pemda}, timeout=60)


def upstream_has_nothing_to_add(monkeypatch):
    """For the tests about events (not the resync, tested on its own): the upstream services here hold
    none of the synthetic cycle, so a resync from them, when a close is handled before some of its
    stage's data (handlers run concurrently), would truthfully mark the Renja rows the events already
    brought as deleted upstream, and the outcome would depend on timing (a run waited past 240 s). With
    nothing to add, the copy completes from the events and the 30 s recheck assembles."""
    monkeypatch.setattr(cycle, "resync", lambda *args, **kwargs: 0)


def run_once(amqp_uri, tmp_path, monkeypatch, order_name, events, inspect=None):
    upstream_has_nothing_to_add(monkeypatch)
    url = db("rkpd", order_name)
    container = ServiceContainer(RkpdService, {"AMQP_URI": amqp_uri, "DATABASE_URL": url, "max_workers": 10})
    monkeypatch.setenv("RKPD_OUTPUT_DIR", str(tmp_path / order_name))
    purge_rkpd_queues(amqp_uri)
    container.start()
    try:
        publish(amqp_uri, events)
        with bappeda_rpc(amqp_uri) as rpc:
            support.wait_for(lambda: rpc.rkpd.versions(TAHUN), timeout=240, what=f"the RKPD ({order_name})")
            time.sleep(1.0)  # anything still in flight (a duplicate close) has had its chance
            if inspect is not None:
                inspect(rpc)
            return rpc.rkpd.versions(TAHUN), rpc.rkpd.document(TAHUN)
    finally:
        container.stop()


def test_any_order_gives_the_same_document_and_a_duplicate_close_changes_nothing(amqp_uri, upstream, tmp_path,
                                                                                 monkeypatch):
    data, closes = synthetic_cycle()
    orders = {"natural": data + closes + [closes[2]],           # the renja close delivered twice
              "reversed": list(reversed(data + closes)),
              "shuffled": random.Random(7).sample(data + closes, len(data + closes))}
    hashes, natural_files = {}, {}

    def fetch_files(rpc):
        for fmt in ("json", "xlsx", "pdf"):
            got = rpc.rkpd.document_file(TAHUN, 1, fmt)
            natural_files[fmt] = base64.b64decode(got["content_base64"])
            assert hashlib.sha256(natural_files[fmt]).hexdigest() == got["sha256"]

    for name, events in orders.items():
        versions, document = run_once(amqp_uri, tmp_path, monkeypatch, name, events,
                                      fetch_files if name == "natural" else None)
        assert len(versions) == 1, name  # one assembly, whatever arrived twice
        hashes[name] = versions[0]["content_hash"]
        doc = document["document"]
        assert doc["grand_total"] == {"pagu_n": "317500000.00", "pagu_n1": "50000000.00"}
    assert len(set(hashes.values())) == 1, hashes

    # the files the service stored, read back over RPC: totals in the XLSX equal the JSON, the PDF
    # has the chapters; no file was written to the replica's disk
    files = natural_files
    assert json.loads(files["json"])["grand_total"]["pagu_n"] == "317500000.00"
    sheet = load_workbook(io.BytesIO(files["xlsx"]), data_only=True)["Tabel V"]
    jumlah = next(row for row in sheet.iter_rows(values_only=True) if any(v == "JUMLAH" for v in row))
    assert Decimal("317500000") in {Decimal(str(v)) for v in jumlah if isinstance(v, (int, float))}
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(files["pdf"])).pages)
    for bab in ("BAB I", "BAB II", "BAB III", "BAB IV", "BAB V", "BAB VI", "BAB VII"):
        assert bab in text
    assert "317.500.000" in text
    assert not (tmp_path / "natural").exists()


def test_trace_finds_an_usulan_and_its_chapter_v_line_in_the_latest_version(amqp_uri, upstream, tmp_path,
                                                                            monkeypatch):
    data, closes = synthetic_cycle()
    found = {}

    def inspect(rpc):
        found["accommodated"] = rpc.rkpd.trace(TAHUN, "usulan", "U1", ["R1"])
        found["rejected"] = rpc.rkpd.trace(TAHUN, "usulan", "U2", [])
        found["pokir"] = rpc.rkpd.trace(TAHUN, "pokir", "P1", [])
        found["unknown"] = rpc.rkpd.trace(TAHUN, "usulan", "U-none", ["R-none"])

    versions, _ = run_once(amqp_uri, tmp_path, monkeypatch, "trace", data + closes, inspect)
    accommodated = found["accommodated"]
    assert accommodated["versi"]["content_hash"] == versions[-1]["content_hash"]
    assert accommodated["lampiran"]["id"] == "U1"
    assert accommodated["lampiran"]["cost_akhir"] == "127500000.00"
    assert [line["row_id"] for line in accommodated["baris"]] == ["R1"]
    assert accommodated["baris"][0]["kode"] == SUB
    assert found["rejected"]["lampiran"]["status_akhir"] == "ditolak" and found["rejected"]["baris"] == []
    assert found["pokir"]["lampiran"]["id"] == "P1"
    assert found["unknown"]["lampiran"] is None and found["unknown"]["baris"] == []


def test_a_manifest_mismatch_triggers_a_resync_and_nothing_is_assembled_early(amqp_uri, upstream, tmp_path,
                                                                              monkeypatch):
    """Real Renja (a one-OPD pemda, so its stage can close for real); one row event is lost on the
    way to RKPD: the close manifest does not match, RKPD resyncs from Renja, then assembles."""
    pemda, opd = "12.20", "1.03.0.00.0.00.01.0000"
    monkeypatch.setenv("RKPD_OUTPUT_DIR", str(tmp_path / "resync"))
    engine = sa.create_engine(support.PG_URI + "/" + support.db_name("eplanning_test_renja_rkpdflow"))
    load_wilayah(engine, pemda)
    engine.dispose()
    rkpd_url = db("rkpd", "resync", pemda)
    container = ServiceContainer(RkpdService, {"AMQP_URI": amqp_uri, "DATABASE_URL": rkpd_url, "max_workers": 10})
    purge_rkpd_queues(amqp_uri)
    container.start()
    try:
        with bappeda_rpc(amqp_uri, pemda) as b, support.signed_proxy(amqp_uri, {"sub": "pu", "role": "opd", "pemda": pemda, "opd": opd}, timeout=30) as o:
            b.renja.import_opd("sipd-2027", f"kode,nama,bidang\n{opd},Dinas PUPR,1.03\n")
            b.renja.pin_cycle(TAHUN, "sipd-2027")
            # a year played under the old order (what Renja's migration 0006 marks): final needs no penetapan
            renja_engine = sa.create_engine(support.PG_URI + "/" + support.db_name("eplanning_test_renja_rkpdflow"))
            with renja_engine.begin() as conn:
                conn.execute(sa.text("update siklus set tata_urutan = 'lama' where pemda = :p and tahun = :t"),
                             {"p": pemda, "t": TAHUN})
            renja_engine.dispose()
            b.renja.set_pagu(opd, TAHUN, "1000000000", "1000000000")
            rows = [o.renja.create_row(opd, TAHUN, {"sub_kegiatan": code, "target": "10", "pagu_n": pagu,
                                                    "pagu_n1": "0", "lokasi": ["12.20.01"], "sumber_dana": "DAU",
                                                    "kelompok_sasaran": "Warga"})
                    for code, pagu in (("1.03.06.2.01.0012", "300000000"), ("1.03.03.2.01.0022", "200000000"))]
            empty = accepted_set_digest([])
            publish(amqp_uri, [
                ev("musrenbang", "stage.closed.v1", f"{pemda}/{TAHUN}", {"manifest": {
                    "pemda": pemda, "tahun": TAHUN, "level": "kabupaten", "counts": {}, "total": 0, "accepted_count": 0,
                    "accepted_cost": "0.00", "digest_algorithm": "sha256", "digest": empty}, "routed_count": 0,
                    "closed_by": "b"}, pemda),
                ev("pokir", "stage.closed.v1", f"{pemda}/{TAHUN}", {"manifest": {
                    "pemda": pemda, "tahun": TAHUN, "counts": {}, "total": 0, "disampaikan_count": 0,
                    "disampaikan_cost": "0.00", "diakomodasi_count": 0, "diakomodasi_cost": "0.00",
                    "digest_algorithm": "sha256", "digest": submitted_set_digest([])}, "closed_by": "s"}, pemda)])
            status = support.wait_for(lambda: (s := b.rkpd.status(TAHUN))["tahap"]["pokir"]["ditutup"] and s,
                                      what="the two closes")
            assert status["menunggu"] == ["menunggu penutupan tahap renja"] and b.rkpd.versions(TAHUN) == []

            # one row event "lost": RKPD's copy of the second row disappears
            engine = sa.create_engine(rkpd_url)
            support.wait_for(lambda: _copies(engine, pemda) == 2, what="both row copies")
            with engine.begin() as conn:
                conn.execute(sa.text("delete from renja_row_copy where row_id = :r"), {"r": rows[1]["row_id"]})
            assert _copies(engine, pemda) == 1

            o.renja.renja_step(opd, TAHUN, "submit")
            b.renja.renja_step(opd, TAHUN, "verify")
            b.renja.renja_step(opd, TAHUN, "finalize")
            b.renja.close_stage(TAHUN)
            versions = support.wait_for(lambda: b.rkpd.versions(TAHUN), timeout=90, what="the assembly after resync")
            assert _copies(engine, pemda) == 2  # restored from Renja over RPC
            engine.dispose()
            document = b.rkpd.document(TAHUN)["document"]
            assert document["grand_total"]["pagu_n"] == "500000000.00"
            assert len(versions) == 1 and b.rkpd.status(TAHUN)["menunggu"] == []
    finally:
        container.stop()


def _copies(engine, pemda) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("select count(*) from renja_row_copy where pemda = :p and not deleted"),
                            {"p": pemda}).scalar()


def test_a_resync_copies_the_same_data_the_events_carry(amqp_uri, upstream):
    """The RPC listings the resync reads, mapped back to event data, equal what the events said."""
    from datetime import timedelta

    from musrenbang.service import MusrenbangService
    from rkpd import upstream as up

    from eplanning_common.config import data_dir
    from eplanning_common.publisher import open_connection

    tahun = 2043
    conn = open_connection(amqp_uri)
    channel = conn.channel()
    for source in ("musrenbang", "pokir"):
        channel.exchange_declare(f"{source}.events", "topic", durable=True, auto_delete=False)
    channel.queue_declare("test.rkpd.resync", exclusive=True)
    channel.queue_bind("test.rkpd.resync", "musrenbang.events", routing_key="usulan.#")
    channel.queue_bind("test.rkpd.resync", "pokir.events", routing_key="pokir.#")
    container = ServiceContainer(MusrenbangService, {"AMQP_URI": amqp_uri, "DATABASE_URL": db("musrenbang", "rkpdmap"),
                                                     "max_workers": 10})
    container.start()
    demo = data_dir() / "demo"
    now = datetime.now(timezone.utc)
    try:
        with bappeda_rpc(amqp_uri) as b, support.signed_proxy(amqp_uri, {"sub": "d", "role": "operator_desa", "pemda": PEMDA, "wilayah": "12.21.07.1001"}, timeout=30) as d, \
                support.signed_proxy(amqp_uri, {"sub": "a", "role": "anggota_dprd", "pemda": PEMDA, "anggota_id": "A01"}, timeout=30) as a, \
                support.signed_proxy(amqp_uri, {"sub": "s", "role": "setwan", "pemda": PEMDA}, timeout=30) as s:
            b.musrenbang.import_kamus(tahun, (demo / "kamus_usulan_12.21_2027.csv").read_text())
            b.musrenbang.set_schedule(tahun, [{"level": lv, "opens_at": (now - timedelta(days=1)).isoformat(),
                                               "closes_at": (now + timedelta(days=1)).isoformat()}
                                              for lv in ("desa", "kecamatan", "kabupaten")])
            u = d.musrenbang.create_usulan(tahun, {"desa": "12.21.07.1001", "kamus_item_id": f"{PEMDA}/{tahun}/DRN-01",
                                                   "volume": "12.50", "permasalahan": "x", "gagasan": "Drainase"})
            d.musrenbang.decide_usulan(u["id"], {"level": "desa", "status": "diterima dengan perubahan",
                                                 "revised_volume": "10", "reason": "Dikurangi"})
            s.pokir.import_register("2024-2029", *((demo / f"dprd_{n}_12.21.csv").read_text()
                                                   for n in ("dapil", "anggota", "staf_ahli")))
            b.pokir.import_kamus(tahun, (demo / "kamus_usulan_12.21_2027.csv").read_text())
            b.pokir.set_window(tahun, (now - timedelta(days=1)).isoformat(), (now + timedelta(days=1)).isoformat())
            reses = a.pokir.record_reses(tahun, {"tanggal": now.date().isoformat(), "tempat": "Balai", "jumlah_peserta": 5})
            p = a.pokir.create_pokir(tahun, {"judul": "Sumur", "permasalahan": "Air", "usulan": "Sumur bor",
                                             "kamus_item_id": f"{PEMDA}/{tahun}/SPAM-02", "volume": "1",
                                             "desa": "12.21.07.1001", "reses_id": reses["id"]})
            a.pokir.act_on_pokir(p["id"], "submit")

            def last_events():
                seen = {}
                while (m := channel.basic_get("test.rkpd.resync", no_ack=True)) is not None:
                    e = json.loads(m.body)
                    seen[(e["type"], e["subject"])] = e["data"]
                return seen
            events = {}
            support.wait_for(lambda: events.update(last_events()) or len(events) >= 4, what="the events")
            with up.proxy(amqp_uri, PEMDA) as rpc:
                [view] = list(up.pages(rpc.musrenbang.list_usulan, tahun))
                [pview] = list(up.pages(rpc.pokir.list_pokir, tahun))
        submitted = events[("id.eplanning.musrenbang.usulan.submitted.v1", u["id"])]
        decided = events[("id.eplanning.musrenbang.usulan.decided.v1", u["id"])]
        assert up.usulan_as_event_data(view) == {**submitted, "version": view["version"]}
        assert up.decision_as_event_data(view, view["decisions"][0]) == {**decided, "version": view["version"]}
        assert up.pokir_as_event_data(pview) == events[("id.eplanning.pokir.pokir.submitted.v1", p["id"])]
    finally:
        container.stop()
        conn.close()


def test_a_reopened_stage_marks_the_rkpd_stale_and_the_next_close_gives_a_new_version_with_a_diff(
        amqp_uri, upstream, tmp_path, monkeypatch):
    data, closes = synthetic_cycle()
    upstream_has_nothing_to_add(monkeypatch)
    monkeypatch.setenv("RKPD_OUTPUT_DIR", str(tmp_path / "stale"))
    container = ServiceContainer(RkpdService, {"AMQP_URI": amqp_uri, "DATABASE_URL": db("rkpd", "stale"),
                                               "max_workers": 10})
    purge_rkpd_queues(amqp_uri)
    container.start()
    try:
        publish(amqp_uri, data + closes)
        with bappeda_rpc(amqp_uri) as rpc:
            support.wait_for(lambda: rpc.rkpd.versions(TAHUN), timeout=90, what="version 1")
            window = {"level": "kabupaten", "opens_at": "2040-03-16T00:00:00+07:00",
                      "closes_at": "2040-03-31T00:00:00+07:00"}
            publish(amqp_uri, [ev("musrenbang", "stage.reopened.v1", f"{PEMDA}/{TAHUN}", {
                "level": "kabupaten", "kind": "reopen", "reason": "Perubahan RKPD", "before": window, "after": window,
                "changed_at": datetime.now(timezone.utc).isoformat()})])
            status = support.wait_for(lambda: (s := rpc.rkpd.status(TAHUN))["versi_terkini"]["stale"] and s,
                                      what="the stale mark")
            assert "Perubahan RKPD" in status["versi_terkini"]["alasan_stale"]
            assert status["menunggu"] == ["menunggu penutupan tahap musrenbang"]
            service, key, envelope = closes[0]
            publish(amqp_uri, [(service, key, {**envelope, "id": str(uuid.uuid4())})])  # closes again
            versions = support.wait_for(lambda: len(v := rpc.rkpd.versions(TAHUN)) == 2 and v, timeout=90,
                                        what="version 2")
            assert versions[1]["versi"] == "rancangan awal" and versions[1]["nomor"] == 2
            assert versions[1]["diff"]["rows"] == {"added": [], "removed": [], "changed": []}
            assert versions[0]["stale_reason"]
            promoted = rpc.rkpd.promote(TAHUN, "rancangan")
            assert promoted["versi"] == "rancangan" and promoted["nomor"] == 3
    finally:
        container.stop()
