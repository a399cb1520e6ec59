import pytest

from rkpd.domain import final_status

from rkpd_builders import (KEC_1, KEC_2, KEC_10, OPD_DIKES, OPD_PERKIM, OPD_PU, SK_IRIGASI,
                           SK_JALAN, SK_PUSKESMAS, document, pokir, row, usulan)


def test_usulan_are_sorted_by_kecamatan_desa_tracking_code_numerically():
    items = [usulan("u1", KEC_10, f"{KEC_10}.2001", tracking_code="A-1"),
             usulan("u2", KEC_2, f"{KEC_2}.2010", tracking_code="A-1"),
             usulan("u3", KEC_2, f"{KEC_2}.2002", tracking_code="B-9"),
             usulan("u4", KEC_2, f"{KEC_2}.2002", tracking_code="B-1"),
             usulan("u5", KEC_1, f"{KEC_1}.2001", tracking_code="Z-0")]
    annex = document(usulan=items)["lampiran"]["usulan"]
    assert [u["id"] for u in annex] == ["u5", "u4", "u3", "u2", "u1"]


def test_pokir_are_sorted_by_dapil_anggota_id():
    items = [pokir("p3", "Budi", "Dapil 2"), pokir("p2", "Budi", "Dapil 1"),
             pokir("p10", "Ani", "Dapil 1"), pokir("p1", "Ani", "Dapil 1")]
    annex = document(pokir=items)["lampiran"]["pokir"]
    assert [(p["dapil"], p["anggota"], p["id"]) for p in annex] == [
        ("Dapil 1", "Ani", "p1"), ("Dapil 1", "Ani", "p10"), ("Dapil 1", "Budi", "p2"),
        ("Dapil 2", "Budi", "p3")]
    assert annex[0]["cost"] == "500000.00"


@pytest.mark.parametrize("status, keputusan, alasan_opd, expected", [
    ("diterima", "diakomodasi", None, ("diakomodasi", "Sesuai prioritas")),
    ("Diterima  dengan Perubahan", "Ditolak", "Pagu tidak cukup",
     ("tidak diakomodasi", "Pagu tidak cukup")),
    ("diterima", "dialihkan", "Kewenangan OPD lain", ("dialihkan", "Kewenangan OPD lain")),
    ("diterima", None, None, ("belum diputuskan", "Sesuai prioritas")),
    ("ditolak", None, None, ("ditolak", "Sesuai prioritas")),
    ("digabung", "diakomodasi", "x", ("digabung", "Sesuai prioritas")),
])
def test_final_status_of_an_usulan(status, keputusan, alasan_opd, expected):
    item = usulan(status=status, keputusan=keputusan, alasan_opd=alasan_opd)
    assert final_status(item) == expected
    record = document(usulan=[item])["lampiran"]["usulan"][0]
    assert (record["status_akhir"], record["alasan_akhir"]) == expected
    assert record["status_musrenbang"] == " ".join(status.lower().split())


def test_duplicate_usulan_or_pokir_ids_are_refused():
    with pytest.raises(ValueError, match="u1"):
        document(usulan=[usulan("u1"), usulan("u1", KEC_2)])
    with pytest.raises(ValueError, match="p1"):
        document(pokir=[pokir("p1"), pokir("p1", "Ani")])


def test_summary_per_kecamatan_counts_and_accepted_value():
    items = [usulan("u1", KEC_1, status="diterima", cost="100.10"),
             usulan("u2", KEC_1, status="diterima dengan perubahan", cost="200.20"),
             usulan("u3", KEC_1, status="ditolak", cost="999.00"),
             usulan("u4", KEC_1, status="digabung", cost="5.00"),
             usulan("u5", KEC_1, status="ditarik", cost="5.00"),
             usulan("u6", KEC_10, status="tidak diteruskan", cost="1.00", kecamatan_nama=None),
             usulan("u7", KEC_2, status="ditolak", cost="1.00", kecamatan_nama="Barumun")]
    summary = document(usulan=items)["ringkasan"]["per_kecamatan"]
    assert summary == [
        {"kecamatan": KEC_1, "nama": f"Kecamatan {KEC_1}", "jumlah": 5, "diterima": 2,
         "ditolak": 1, "lainnya": 2, "nilai_diterima": "300.30"},
        {"kecamatan": KEC_2, "nama": "Barumun", "jumlah": 1, "diterima": 0, "ditolak": 1,
         "lainnya": 0, "nilai_diterima": "0.00"},
        {"kecamatan": KEC_10, "nama": KEC_10, "jumlah": 1, "diterima": 0, "ditolak": 0,
         "lainnya": 1, "nilai_diterima": "0.00"},
    ]


def test_summary_per_opd_lists_every_opd_with_rows_pagu_and_accommodations():
    rows = [row("r1", OPD_PU, SK_JALAN, "0.10", "1.00"), row("r2", OPD_PU, SK_IRIGASI, "0.20"),
            row("r3", "5.01.0.00.0.00.01.0000", "5.01.01.2.01.0001", "7.00")]
    items = [usulan("u1", opd=OPD_PU), usulan("u2", opd=OPD_PU, keputusan="ditolak"),
             usulan("u3", opd=OPD_DIKES), usulan("u4", opd=OPD_PU, status="ditolak"),
             usulan("u5", opd=None, keputusan=None)]
    pokirs = [pokir("p1", opd=OPD_PU), pokir("p2", opd=OPD_PU, status="tidak diakomodasi"),
              pokir("p3", opd="9.00.0.00.0.00.01.0000")]
    summary = document(rows, items, pokirs)["ringkasan"]["per_opd"]
    assert [(s["opd"], s["baris"], s["pagu_n"], s["pagu_n1"], s["usulan_diakomodasi"],
             s["pokir_diakomodasi"]) for s in summary] == [
        (OPD_DIKES, 0, "0.00", "0.00", 1, 0),
        (OPD_PU, 2, "0.30", "1.00", 1, 1),
        (OPD_PERKIM, 0, "0.00", "0.00", 0, 0),
        ("5.01.0.00.0.00.01.0000", 1, "7.00", "0.00", 0, 0),
        ("9.00.0.00.0.00.01.0000", 0, "0.00", "0.00", 0, 1),
    ]
    assert summary[1]["nama"] == "Dinas Pekerjaan Umum dan Penataan Ruang"
    assert summary[3]["nama"] == "5.01.0.00.0.00.01.0000"


def test_summary_per_urusan_sums_rows_by_first_code_segment():
    rows = [row("r1", OPD_PU, SK_JALAN, "0.10", "0.20"),
            row("r2", OPD_DIKES, SK_PUSKESMAS, "0.20", "0.10"),
            row("r3", OPD_PERKIM, "2.09.03.2.01.0006", "3.00"),
            row("r4", OPD_PERKIM, "10.01.01.2.01.0001", "4.00")]
    summary = document(rows)["ringkasan"]["per_urusan"]
    assert summary == [
        {"urusan": "1", "nama": "URUSAN PEMERINTAHAN WAJIB YANG BERKAITAN DENGAN PELAYANAN DASAR",
         "baris": 2, "pagu_n": "0.30", "pagu_n1": "0.30"},
        {"urusan": "2", "nama": "2", "baris": 1, "pagu_n": "3.00", "pagu_n1": "0.00"},
        {"urusan": "10", "nama": "10", "baris": 1, "pagu_n": "4.00", "pagu_n1": "0.00"},
    ]
