from decimal import Decimal

import pytest

from rkpd.domain import Section, content_hash, diff

from rkpd_builders import (KEC_2, OPD_DIKES, OPD_PU, SK_IRIGASI, SK_JALAN, SK_PUSKESMAS,
                           document, pokir, row, usulan)

BEFORE_ROWS = [row("r1", OPD_PU, SK_JALAN, "100.10", "50.00"),
               row("r2", OPD_PU, SK_IRIGASI, "200.00", "0.00"),
               row("r3", OPD_DIKES, SK_PUSKESMAS, "300.00", "10.00")]


def test_identical_documents_are_unchanged():
    doc = document(BEFORE_ROWS, [usulan()], [pokir()])
    result = diff(doc, document(BEFORE_ROWS, [usulan()], [pokir()]))
    assert result["unchanged"] is True
    assert result["rows"] == {"added": [], "removed": [], "changed": []}
    assert result["totals"]["pagu_n"] == {"before": "600.10", "after": "600.10",
                                          "delta": "0.00"}
    assert result["from"]["hash"] == result["to"]["hash"] == content_hash(doc)


def test_rows_added_removed_and_changed_columns_with_totals():
    after_rows = [row("r1", OPD_PU, SK_JALAN, "100.30", "50.00", target=Decimal("15"),
                      lokasi=("12.21.01", KEC_2)),
                  row("r3", OPD_DIKES, SK_PUSKESMAS, "300.00", "10.00"),
                  row("r4", OPD_DIKES, SK_PUSKESMAS, "0.20", "0.10")]
    old = document(BEFORE_ROWS)
    new = document(after_rows, versi="rancangan", nomor_versi=2)
    result = diff(old, new)
    assert [(r["opd"], r["kode"], r["row_id"]) for r in result["rows"]["added"]] == [
        (OPD_DIKES, SK_PUSKESMAS, "r4")]
    assert result["rows"]["added"][0]["pagu_n"] == "0.20"
    assert [r["row_id"] for r in result["rows"]["removed"]] == ["r2"]
    assert result["rows"]["changed"] == [{
        "opd": OPD_PU, "kode": SK_JALAN, "row_id": "r1", "uraian": "Pembangunan Jalan",
        "columns": {"target_n": {"before": "12.5", "after": "15"},
                    "pagu_n": {"before": "100.10", "after": "100.30"},
                    "lokasi": {"before": ["12.21.01"], "after": ["12.21.01", KEC_2]}}}]
    assert result["totals"] == {
        "pagu_n": {"before": "600.10", "after": "400.50", "delta": "-199.60"},
        "pagu_n1": {"before": "60.00", "after": "60.10", "delta": "0.10"}}
    assert (result["from"]["versi"], result["to"]["versi"], result["to"]["nomor_versi"]) == (
        "rancangan awal", "rancangan", 2)
    assert result["unchanged"] is False


def test_a_row_moved_to_another_sub_kegiatan_is_removed_and_added():
    result = diff(document([row("r1", sub_kegiatan=SK_JALAN)]),
                  document([row("r1", sub_kegiatan=SK_IRIGASI)]))
    assert [r["kode"] for r in result["rows"]["removed"]] == [SK_JALAN]
    assert [r["kode"] for r in result["rows"]["added"]] == [SK_IRIGASI]
    assert result["rows"]["changed"] == []


def test_annex_reports_status_changes_additions_and_removals_but_not_cost_only_edits():
    old = document(usulan=[usulan("u1", keputusan=None), usulan("u2"), usulan("u3")],
                   pokir=[pokir("p1", status="didisposisikan"), pokir("p2")])
    new = document(usulan=[usulan("u1", keputusan="ditolak", alasan_opd="Pagu habis"),
                           usulan("u2", cost="5.00"), usulan("u4")],
                   pokir=[pokir("p1", status="tidak diakomodasi", alasan="Bukan kewenangan"),
                          pokir("p2")])
    annex = diff(old, new)["annex"]
    assert annex["usulan"]["changed"] == [{
        "id": "u1", "tracking_code": "TRK-u1",
        "columns": {"keputusan_opd": {"before": None, "after": "ditolak"},
                    "alasan_opd": {"before": None, "after": "Pagu habis"},
                    "status_akhir": {"before": "belum diputuskan",
                                     "after": "tidak diakomodasi"},
                    "alasan_akhir": {"before": "Sesuai prioritas", "after": "Pagu habis"}}}]
    assert [u["id"] for u in annex["usulan"]["added"]] == ["u4"]
    assert [u["id"] for u in annex["usulan"]["removed"]] == ["u3"]
    assert annex["pokir"]["changed"] == [{
        "id": "p1", "anggota": "H. Ahmad",
        "columns": {"status": {"before": "didisposisikan", "after": "tidak diakomodasi"},
                    "alasan": {"before": None, "after": "Bukan kewenangan"}}}]
    assert annex["pokir"]["added"] == annex["pokir"]["removed"] == []


def test_narrative_edits_show_up_as_changed_chapters():
    old = document(narrative={1: [Section("Latar Belakang", "lama")]})
    new = document(narrative={1: [Section("Latar Belakang", "baru")]})
    result = diff(old, new)
    assert result["chapters"] == ["I"]
    assert result["unchanged"] is False


def test_documents_of_another_pemda_year_or_schema_are_refused():
    doc = document()
    with pytest.raises(ValueError):
        diff(doc, {**doc, "tahun": 2028})
    with pytest.raises(ValueError):
        diff({**doc, "schema": "x"}, doc)
