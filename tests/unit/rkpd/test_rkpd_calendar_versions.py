"""The RKPD versions at the points of the calendar of Permendagri 86/2017 (pure rules)."""
from decimal import Decimal

import pytest

from rkpd.domain import (AkomodasiIn, AssemblyPlan, RkpdVersion, TransitionRefused, ValidationError,
                         check_perkada, check_perubahan, check_publishable, check_rancangan_awal, content_hash,
                         ensure_new_order, opd_lines, penetapan_document, plan_penetapan, plan_perubahan,
                         plan_perubahan_open, plan_rancangan_awal, plan_system_assembly, system_assembled)
from rkpd.domain.tabel import build_tabel_pagu_indikatif, build_tabel_v
from rkpd.domain.versions import check_history

from rkpd.domain import build_document

from rkpd_builders import KEC_1, KEC_2, NAMES, OPD_DIKES, OPD_PU, OPDS, PEMDA, PEMDA_NAMA, TAHUN, document, pokir, row


def v(nomor, versi, stale=False):
    return RkpdVersion(nomor, versi, "h" * 64, stale=stale, ditetapkan=versi in ("penetapan", "perubahan"),
                       alasan_stale="x" if stale else None)


AWAL = (v(1, "rancangan awal"),)
RANCANGAN = AWAL + (v(2, "rancangan"),)
AKHIR = RANCANGAN + (v(3, "rancangan akhir"),)
PENETAPAN = AKHIR + (v(4, "penetapan"),)


def refused(call, code):
    with pytest.raises(TransitionRefused) as caught:
        call()
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_the_four_versions_come_in_the_calendars_order_with_consecutive_numbers():
    assert plan_rancangan_awal(()) == AssemblyPlan(1, "rancangan awal")
    assert plan_system_assembly(AWAL, "rancangan") == AssemblyPlan(2, "rancangan")
    assert plan_system_assembly(RANCANGAN, "rancangan akhir") == AssemblyPlan(3, "rancangan akhir")
    assert plan_penetapan(AKHIR) == AssemblyPlan(4, "penetapan")
    assert check_history(PENETAPAN) == PENETAPAN
    assert system_assembled("rancangan") and system_assembled("rancangan akhir")
    assert not system_assembled("rancangan awal") and not system_assembled("penetapan")


def test_rancangan_awal_can_be_published_again_only_while_it_is_the_current_stage():
    assert plan_rancangan_awal(AWAL) == AssemblyPlan(2, "rancangan awal")
    refused(lambda: plan_rancangan_awal(RANCANGAN), "urutan_versi")


def test_a_system_version_needs_the_one_before_and_a_repeated_trigger_changes_nothing():
    refused(lambda: plan_system_assembly((), "rancangan"), "urutan_versi")
    refused(lambda: plan_system_assembly(AWAL, "rancangan akhir"), "urutan_versi")
    assert plan_system_assembly(RANCANGAN, "rancangan") is None  # the last forum's close arrived twice
    assert plan_system_assembly(AWAL + (v(2, "rancangan", stale=True),), "rancangan") == AssemblyPlan(3, "rancangan")
    refused(lambda: plan_system_assembly(AKHIR, "rancangan"), "urutan_versi")
    refused(lambda: plan_system_assembly(PENETAPAN, "rancangan akhir"), "urutan_versi")
    with pytest.raises(ValueError):
        plan_system_assembly(AWAL, "penetapan")


def test_penetapan_only_on_a_fresh_rancangan_akhir_and_only_once():
    refused(lambda: plan_penetapan(RANCANGAN), "belum_rancangan_akhir")
    refused(lambda: plan_penetapan(()), "belum_rancangan_akhir")
    refused(lambda: plan_penetapan(RANCANGAN + (v(3, "rancangan akhir", stale=True),)), "rancangan_akhir_usang")
    refused(lambda: plan_penetapan(PENETAPAN), "penetapan_final")


def test_perubahan_opens_on_a_fixed_version_one_at_a_time_and_takes_the_next_number():
    refused(lambda: plan_perubahan_open(AKHIR, False), "belum_ditetapkan")
    assert plan_perubahan_open(PENETAPAN, False).nomor == 4
    refused(lambda: plan_perubahan_open(PENETAPAN, True), "perubahan_terbuka")
    refused(lambda: plan_perubahan(PENETAPAN, None), "perubahan_belum_dibuka")
    refused(lambda: plan_perubahan(PENETAPAN, 3), "konflik_versi")
    assert plan_perubahan(PENETAPAN, 4) == AssemblyPlan(5, "perubahan")
    twice = PENETAPAN + (v(5, "perubahan"),)
    assert check_history(twice) == twice
    assert plan_perubahan_open(twice, False).nomor == 5
    assert plan_perubahan(twice, 5) == AssemblyPlan(6, "perubahan")


def test_a_history_with_anything_but_perubahan_after_penetapan_is_corrupt():
    with pytest.raises(ValueError):
        check_history(PENETAPAN + (RkpdVersion(5, "penetapan", "h" * 64, ditetapkan=True),))
    with pytest.raises(ValueError):
        check_history(AKHIR + (RkpdVersion(4, "perubahan", "h" * 64, ditetapkan=False),))


def test_calendar_acts_are_refused_on_a_legacy_year():
    refused(lambda: ensure_new_order("lama"), "tata_urutan_lama")
    ensure_new_order(None)
    ensure_new_order("permendagri_86_2017")


# -- Bappeda's inputs ------------------------------------------------------------------------------

KECAMATAN = {KEC_1: "Kecamatan Satu", KEC_2: "Kecamatan Dua"}


def test_rancangan_awal_settings_are_normalised():
    got = check_rancangan_awal(["  Infrastruktur   jalan ", "Kesehatan"],
                               [{"kecamatan": KEC_2, "pagu": "500000000"}, {"kecamatan": KEC_1, "pagu": 1000}],
                               KECAMATAN)
    assert got == {"prioritas": ["Infrastruktur jalan", "Kesehatan"],
                   "pagu_kewilayahan": [{"kecamatan": KEC_1, "pagu": "1000.00"},
                                        {"kecamatan": KEC_2, "pagu": "500000000.00"}]}
    assert check_rancangan_awal(["Kesehatan"], None, KECAMATAN)["pagu_kewilayahan"] == []


def test_rancangan_awal_settings_report_every_field_problem():
    with pytest.raises(ValidationError) as caught:
        check_rancangan_awal(["Jalan", " ", "jalan"],
                             [{"kecamatan": "99.99.99", "pagu": "1"}, {"kecamatan": KEC_1, "pagu": "-5"},
                              {"kecamatan": KEC_2, "pagu": "1.234"}, "x"], KECAMATAN)
    assert caught.value.fields() == {"prioritas[1]", "prioritas[2]", "pagu_kewilayahan[0].kecamatan",
                                     "pagu_kewilayahan[1].pagu", "pagu_kewilayahan[2].pagu", "pagu_kewilayahan[3]"}
    with pytest.raises(ValidationError) as caught:
        check_rancangan_awal([], [], KECAMATAN)
    assert caught.value.fields() == {"prioritas"}


def test_the_rancangan_awal_is_published_with_priorities_ceilings_and_kewilayahan_inside_them():
    ceilings = {OPD_PU: {"pagu_n": "1000.00", "pagu_n1": "0.00"}}
    refused(lambda: check_publishable(None, ceilings), "prioritas_kosong")
    refused(lambda: check_publishable({"prioritas": ["Jalan"]}, {}), "pagu_indikatif_kosong")
    refused(lambda: check_publishable({"prioritas": ["Jalan"], "pagu_kewilayahan": [
        {"kecamatan": KEC_1, "pagu": "600.00"}, {"kecamatan": KEC_2, "pagu": "400.01"}]}, ceilings),
        "pagu_kewilayahan_melebihi")
    check_publishable({"prioritas": ["Jalan"], "pagu_kewilayahan": [{"kecamatan": KEC_1, "pagu": "1000.00"}]},
                      ceilings)


def test_perkada_needs_a_number_and_an_iso_date():
    assert check_perkada(" 12  Tahun 2026 ", "2026-06-30") == {"nomor": "12 Tahun 2026", "tanggal": "2026-06-30"}
    for nomor, tanggal, fields in (("", "2026-06-30", {"nomor_perkada"}), ("1", "30/06/2026", {"tanggal_perkada"}),
                                   (None, "2026-02-30", {"nomor_perkada", "tanggal_perkada"}),
                                   ("1", "20260630", {"tanggal_perkada"})):
        with pytest.raises(ValidationError) as caught:
            check_perkada(nomor, tanggal)
        assert caught.value.fields() == fields


def test_perubahan_names_known_opds_once_and_a_reason():
    assert check_perubahan([OPD_PU, OPD_DIKES], " Bencana  banjir ", {OPD_PU, OPD_DIKES}) == (
        sorted([OPD_PU, OPD_DIKES]), "Bencana banjir")
    with pytest.raises(ValidationError) as caught:
        check_perubahan([OPD_PU, OPD_PU, "9.99"], "", {OPD_PU})
    assert caught.value.fields() == {"opds[1]", "opds[2]", "alasan"}
    with pytest.raises(ValidationError) as caught:
        check_perubahan([], "Banjir", {OPD_PU})
    assert caught.value.fields() == {"opds"}


# -- what each line accommodates -------------------------------------------------------------------

def item(source_id, attributable, mode="tambah", kind="usulan", volume="10"):
    return AkomodasiIn(kind, source_id, f"TRK-{source_id}", mode, Decimal(volume), Decimal(attributable))


def test_each_line_lists_its_items_and_the_money_attributable_to_them():
    tabel = build_tabel_v([row("r1", pagu_n="1000.00", cakupan="desa", lokasi=(f"{KEC_1}.2001",),
                               akomodasi=(item("u2", "300.00"), item("p1", "0.00", "sudah_tercakup", "pokir"),
                                          item("u1", "700.00", "baris_baru")))], OPDS, NAMES)
    leaf = [b for b in tabel["baris"] if b["tingkat"] == "sub_kegiatan"][0]
    assert leaf["cakupan_lokasi"] == "desa"
    assert [(a["kind"], a["source_id"], a["mode"], a["attributable"], a["sudah_tercakup"])
            for a in leaf["akomodasi"]] == [("pokir", "p1", "sudah_tercakup", "0.00", True),
                                            ("usulan", "u1", "baris_baru", "700.00", False),
                                            ("usulan", "u2", "tambah", "300.00", False)]
    assert leaf["atribusi"] == "1000.00"
    assert tabel["baris"][0]["atribusi"] == "1000.00"  # the OPD line sums its leaves
    for line in tabel["baris"]:
        assert Decimal(line["atribusi"]) <= Decimal(line["pagu_n"])


def test_a_row_attributing_more_than_its_pagu_stops_the_assembly():
    error = refused(lambda: build_tabel_v([row("r9", pagu_n="1000.00", akomodasi=(
        item("u1", "600.00"), item("u2", "400.01")))], OPDS, NAMES), "atribusi_melebihi_pagu")
    assert "r9" in error.message and "1000.01" in error.message


def test_the_rancangan_awal_table_shows_the_ceiling_per_opd():
    tabel = build_tabel_pagu_indikatif({OPD_PU: (Decimal("3000.00"), Decimal("10.00")),
                                        OPD_DIKES: ("2000.00", "0")}, OPDS)
    assert [(b["tingkat"], b["kode"], b["uraian"], b["pagu_n"]) for b in tabel["baris"]] == [
        ("opd", OPD_DIKES, "Dinas Kesehatan", "2000.00"),
        ("opd", OPD_PU, "Dinas Pekerjaan Umum dan Penataan Ruang", "3000.00")]
    assert (tabel["total_n"], tabel["total_n1"]) == ("5000.00", "10.00")


def test_the_pokir_review_is_a_table_of_the_annex():
    review = {"pokir_id": "p1", "status": "tidak_layak", "catatan": "Kewenangan provinsi",
              "kajian": {"kewenangan": False, "sesuai_prioritas": True, "duplikat_usulan": None, "biaya_wajar": True}}
    assert document([row()], [], [pokir()])["lampiran"]["kajian_pokir"] == []
    with pytest.raises(ValueError):  # a legacy year is built from exactly the three stage manifests
        document([row()], digests={"forum_pd": "f" * 64})
    doc = build_document(pemda=PEMDA, pemda_nama=PEMDA_NAMA, tahun=TAHUN, versi="rancangan akhir", nomor_versi=3,
                         rows=[row()], opds=OPDS, names=NAMES, usulan=[], pokir=[pokir()], narrative=None,
                         inputs_digests={"forum_pd": "f" * 64}, tata_urutan="permendagri_86_2017",
                         kajian_pokir=[review])
    [line] = doc["lampiran"]["kajian_pokir"]
    assert line == {"pokir_id": "p1", "anggota": "H. Ahmad", "dapil": "Padang Lawas 1", "judul": "Rehab jembatan",
                    "opd": OPD_PU, "cost": "500000.00", "status": "tidak_layak", "kewenangan": False,
                    "sesuai_prioritas": True, "duplikat_usulan": None, "biaya_wajar": True,
                    "catatan": "Kewenangan provinsi"}
    assert doc["tata_urutan"] == "permendagri_86_2017" and doc["inputs"] == {"forum_pd": "f" * 64}


def test_penetapan_fixes_the_rancangan_akhirs_content_and_lists_each_opds_lines():
    akhir = document([row("r1", pagu_n="1000.00"), row("r2", opd=OPD_DIKES, sub_kegiatan="1.02.02.2.01.0014",
                                                       pagu_n="5.00")], versi="rancangan akhir", nomor_versi=3)
    fixed = penetapan_document(akhir, 4, {"nomor": "12 Tahun 2026", "tanggal": "2026-06-30"})
    assert (fixed["versi"], fixed["nomor_versi"], fixed["perkada"]) == (
        "penetapan", 4, {"nomor": "12 Tahun 2026", "tanggal": "2026-06-30"})
    assert fixed["tabel_v"] == akhir["tabel_v"] and fixed["lampiran"] == akhir["lampiran"]
    assert akhir["versi"] == "rancangan akhir" and content_hash(fixed) != content_hash(akhir)
    assert opd_lines(fixed) == {
        OPD_PU: [{"row_id": "r1", "sub_kegiatan": "1.03.10.2.01.0028", "pagu_n": "1000.00"}],
        OPD_DIKES: [{"row_id": "r2", "sub_kegiatan": "1.02.02.2.01.0014", "pagu_n": "5.00"}]}
    with pytest.raises(ValueError):
        penetapan_document(fixed, 5, {"nomor": "x", "tanggal": "2026-06-30"})


# -- the service's small pure helpers ----------------------------------------------------------------

def test_a_forum_is_an_opds_own_or_the_joint_one_covering_its_opds():
    from rkpd.facts import forum_key

    assert forum_key({"opd": OPD_PU, "opds": [OPD_PU]}) == (OPD_PU, [OPD_PU])
    assert forum_key({"opd": None, "opds": [OPD_PU, OPD_DIKES]}) == ("gabungan", sorted([OPD_PU, OPD_DIKES]))


def test_a_perubahan_keeps_the_fixed_lines_of_the_opds_it_does_not_open():
    from rkpd.calendar import rows_from_document

    fixed = document([row("r1", pagu_n="1000.00", akomodasi=(item("u1", "400.00"),), cakupan="kecamatan"),
                      row("r2", opd=OPD_DIKES, sub_kegiatan="1.02.02.2.01.0014", pagu_n="5.00")],
                     versi="rancangan akhir", nomor_versi=3)
    kept = rows_from_document(fixed, {OPD_DIKES})
    assert [(r.id, r.pagu_n, r.cakupan, [a.source_id for a in r.akomodasi]) for r in kept] == [
        ("r1", Decimal("1000.00"), "kecamatan", ["u1"])]
    rebuilt = document(kept, versi="rancangan akhir", nomor_versi=3)
    assert [l for l in rebuilt["tabel_v"]["baris"] if l["opd"] == OPD_PU] == [
        l for l in fixed["tabel_v"]["baris"] if l["opd"] == OPD_PU]
