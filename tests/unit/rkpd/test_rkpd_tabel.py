from decimal import Decimal

import pytest

from rkpd.domain import InMemoryNames, build_tabel_v, code_key

from rkpd_builders import (KEC_1, KEC_2, KEC_10, NAMES, OPD_DIKES, OPD_PERKIM, OPD_PU, OPDS,
                           SK_IRIGASI, SK_JALAN, SK_JALAN_2, SK_PUSKESMAS, SK_RUMAH, document,
                           lines, row)

DEPTH = {"opd": 0, "urusan": 1, "bidang": 2, "program": 3, "kegiatan": 4, "sub_kegiatan": 5}


def children(baris, index):
    """The lines directly under baris[index]."""
    depth = DEPTH[baris[index]["tingkat"]]
    found = []
    for line in baris[index + 1:]:
        if DEPTH[line["tingkat"]] <= depth:
            break
        if DEPTH[line["tingkat"]] == depth + 1:
            found.append(line)
    return found


ROWS = [
    row("r1", OPD_PU, SK_JALAN, "0.10", "0.20"),
    row("r2", OPD_PU, SK_JALAN, "0.20", "0.10"),
    row("r3", OPD_PU, SK_JALAN_2, "1500000000.55", "1600000000.45"),
    row("r4", OPD_PU, SK_IRIGASI, "250000000.00", "0.00"),
    row("r5", OPD_DIKES, SK_PUSKESMAS, "3000000000.00", "3100000000.00"),
    row("r6", OPD_PERKIM, SK_RUMAH, "0.30", "0.70"),
]


def test_every_non_leaf_line_is_the_exact_sum_of_its_children():
    baris = lines(document(ROWS))
    parents = [i for i, b in enumerate(baris) if b["tingkat"] != "sub_kegiatan"]
    assert len(parents) == len(baris) - len(ROWS)
    for i in parents:
        kids = children(baris, i)
        assert kids, baris[i]
        for column in ("pagu_n", "pagu_n1"):
            assert Decimal(baris[i][column]) == sum(Decimal(k[column]) for k in kids), \
                (baris[i]["kode"], column)


def test_small_amounts_add_exactly_and_totals_equal_the_sum_of_leaves():
    doc = document(ROWS)
    kegiatan = [b for b in lines(doc, "kegiatan") if b["kode"] == "1.03.10.2.01"][0]
    # 0.10 + 0.20 + 1500000000.55 (no float drift), 0.20 + 0.10 + 1600000000.45
    assert kegiatan["pagu_n"] == "1500000000.85"
    assert kegiatan["pagu_n1"] == "1600000000.75"
    perkim = [b for b in lines(doc, "opd") if b["kode"] == OPD_PERKIM][0]
    assert perkim["pagu_n"] == "0.30" and perkim["pagu_n1"] == "0.70"
    leaves = lines(doc, "sub_kegiatan")
    assert doc["tabel_v"]["total_n"] == str(sum(Decimal(b["pagu_n"]) for b in leaves))
    assert doc["tabel_v"]["total_n"] == "4750000001.15"
    assert doc["tabel_v"]["total_n1"] == "4700000001.45"
    assert doc["grand_total"] == {"pagu_n": "4750000001.15", "pagu_n1": "4700000001.45"}
    opd_sum = sum(Decimal(b["pagu_n"]) for b in lines(doc, "opd"))
    assert opd_sum == Decimal("4750000001.15")


def test_lines_are_nested_opd_urusan_bidang_program_kegiatan_sub_kegiatan_in_code_order():
    baris = lines(document(ROWS))
    assert [(b["tingkat"], b["kode"], b["row_id"]) for b in baris] == [
        ("opd", OPD_DIKES, None), ("urusan", "1", None), ("bidang", "1.02", None),
        ("program", "1.02.02", None), ("kegiatan", "1.02.02.2.01", None),
        ("sub_kegiatan", SK_PUSKESMAS, "r5"),
        ("opd", OPD_PU, None), ("urusan", "1", None), ("bidang", "1.03", None),
        ("program", "1.03.02", None), ("kegiatan", "1.03.02.2.01", None),
        ("sub_kegiatan", SK_IRIGASI, "r4"),
        ("program", "1.03.10", None), ("kegiatan", "1.03.10.2.01", None),
        ("sub_kegiatan", SK_JALAN, "r1"), ("sub_kegiatan", SK_JALAN, "r2"),
        ("sub_kegiatan", SK_JALAN_2, "r3"),
        ("opd", OPD_PERKIM, None), ("urusan", "1", None), ("bidang", "1.04", None),
        ("program", "1.04.02", None), ("kegiatan", "1.04.02.2.01", None),
        ("sub_kegiatan", SK_RUMAH, "r6"),
    ]
    assert {b["opd"] for b in baris if b["kode"].startswith("1.03")} == {OPD_PU}


def test_code_order_is_numeric_per_segment_not_textual():
    assert sorted(["1.10", "1.03.10", "1.9", "1.03.2", "1.03.02"], key=code_key) == [
        "1.03.02", "1.03.2", "1.03.10", "1.9", "1.10"]
    rows = [row("a", sub_kegiatan="1.03.10.2.01.0028"), row("b", sub_kegiatan="1.03.9.2.01.0001"),
            row("c", opd="10.00.0.00.0.00.01.0000"), row("d", opd="9.00.0.00.0.00.01.0000")]
    tabel = build_tabel_v(rows, OPDS, NAMES)
    assert [b["kode"] for b in tabel["baris"] if b["tingkat"] == "opd"] == [
        OPD_PU, "9.00.0.00.0.00.01.0000", "10.00.0.00.0.00.01.0000"]
    assert [b["kode"] for b in tabel["baris"] if b["tingkat"] == "program"] == [
        "1.03.9", "1.03.10", "1.03.10", "1.03.10"]


def test_two_rows_of_one_opd_with_the_same_sub_kegiatan_are_two_lines_sorted_by_id():
    tabel = build_tabel_v([row("z", pagu_n="2.00"), row("a", pagu_n="1.00")], OPDS, NAMES)
    leaves = [b for b in tabel["baris"] if b["tingkat"] == "sub_kegiatan"]
    assert [(b["row_id"], b["pagu_n"]) for b in leaves] == [("a", "1.00"), ("z", "2.00")]
    assert tabel["baris"][0]["pagu_n"] == "3.00"


def test_leaf_columns_are_rendered_as_text_with_sorted_lists():
    leaf = lines(document([row("r1", pagu_n="1500000", pagu_n1="7", target=Decimal("12.500"),
                                lokasi=(KEC_10, KEC_2, KEC_1, KEC_2),
                                prioritas_nasional=("PN 5", "PN 1"))]), "sub_kegiatan")[0]
    assert leaf == {
        "tingkat": "sub_kegiatan", "kode": SK_JALAN, "uraian": "Pembangunan Jalan",
        "opd": OPD_PU, "row_id": "r1", "indikator": "Panjang jalan yang dibangun",
        "target_n": "12.5", "satuan": "Kilometer", "pagu_n": "1500000.00",
        "lokasi": [KEC_1, KEC_2, KEC_10], "sumber_dana": "DAU",
        "prioritas_nasional": ["PN 1", "PN 5"], "prioritas_daerah": ["PD 2"],
        "kelompok_sasaran": "Masyarakat", "target_n1": None, "pagu_n1": "7.00",
        "cakupan_lokasi": None, "akomodasi": [], "atribusi": "0.00"}


def test_header_lines_carry_names_and_opd_line_the_opd_name():
    baris = lines(document([row("r1")]))
    assert [(b["tingkat"], b["uraian"]) for b in baris] == [
        ("opd", "Dinas Pekerjaan Umum dan Penataan Ruang"),
        ("urusan", "URUSAN PEMERINTAHAN WAJIB YANG BERKAITAN DENGAN PELAYANAN DASAR"),
        ("bidang", "URUSAN PEMERINTAHAN BIDANG PEKERJAAN UMUM DAN PENATAAN RUANG"),
        ("program", "PROGRAM PENYELENGGARAAN JALAN"),
        ("kegiatan", "Penyelenggaraan Jalan Kabupaten/Kota"),
        ("sub_kegiatan", "Pembangunan Jalan")]
    assert all(b["indikator"] is None and b["lokasi"] == [] for b in baris[:-1])


class BlankNames:
    def name(self, kode):
        return {"1": "   ", "1.03": None}.get(kode, None)


@pytest.mark.parametrize("names", [InMemoryNames({}), BlankNames(), None])
def test_unknown_names_and_unknown_opd_fall_back_to_the_code(names):
    rows = [row("r1", opd="9.99.0.00.0.00.01.0000", sub_kegiatan="7.77.77.7.77.7777")]
    baris = lines(document(rows, names=names))
    assert [(b["kode"], b["uraian"]) for b in baris] == [
        ("9.99.0.00.0.00.01.0000", "9.99.0.00.0.00.01.0000"), ("7", "7"), ("7.77", "7.77"),
        ("7.77.77", "7.77.77"), ("7.77.77.7.77", "7.77.77.7.77"),
        ("7.77.77.7.77.7777", "7.77.77.7.77.7777")]


def test_no_rows_gives_an_empty_table_with_zero_totals():
    doc = document([])
    assert doc["tabel_v"] == {"baris": [], "total_n": "0.00", "total_n1": "0.00"}


@pytest.mark.parametrize("bad, error", [
    (dict(pagu_n=1.5), TypeError),              # float is never money
    (dict(pagu_n=Decimal("1.005")), ValueError),  # refused, not rounded
    (dict(pagu_n1=Decimal("-1")), ValueError),
    (dict(target=0.5), TypeError),
    (dict(lokasi="12.21.01"), TypeError),       # a lone string is not a list of places
    (dict(id="  "), ValueError),
])
def test_row_inputs_are_checked(bad, error):
    values = dict(id="r1", opd=OPD_PU, sub_kegiatan=SK_JALAN, indikator=None, target=None,
                  satuan=None, pagu_n=Decimal(1), pagu_n1=Decimal(0))
    values.update(bad)
    from rkpd.domain import RenjaRowIn
    with pytest.raises(error):
        RenjaRowIn(**values)


def test_int_money_becomes_two_decimal_and_optional_blanks_become_null():
    leaf = lines(document([row("r1", pagu_n="5", indikator="  ", satuan=None, target=None)]),
                 "sub_kegiatan")[0]
    assert (leaf["pagu_n"], leaf["indikator"], leaf["satuan"], leaf["target_n"]) == (
        "5.00", None, None, None)


def test_duplicate_row_ids_duplicate_opds_and_malformed_codes_are_refused():
    with pytest.raises(ValueError, match="r1"):
        build_tabel_v([row("r1"), row("r1", sub_kegiatan=SK_IRIGASI)], OPDS, NAMES)
    with pytest.raises(ValueError, match=OPD_PU):
        document([row()], opds=OPDS + (OPDS[0],))
    with pytest.raises(ValueError, match="rx"):
        build_tabel_v([row("rx", sub_kegiatan="1.03.10")], OPDS, NAMES)
