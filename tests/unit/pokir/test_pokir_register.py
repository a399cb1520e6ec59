from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pokir.domain import (Anggota, Dapil, DprdRegister, StafAhli, ValidationError,
                          check_register, parse_register_rows, validate_register)
from pokir_builders import KEC_1, KEC_2, KEC_3, KEC_4, PEMDA, PERIODE, regions, register

DAPIL_ROWS = [
    {"kode": "PALAS-1", "nama": "Padang Lawas 1", "kecamatan": f"{KEC_1};{KEC_3}"},
    {"kode": "PALAS-2", "nama": "Padang Lawas 2", "kecamatan": f"{KEC_2}, {KEC_4}"},
]
ANGGOTA_ROWS = [
    {"id": "A-01", "nama": "H. Ahmad Nasution", "fraksi": "Golkar", "dapil": "PALAS-1",
     "pagu": "1000000000", "telepon": "081260001111", "email": ""},
    {"id": "A-02", "nama": "Rina Harahap", "fraksi": "PDI Perjuangan", "dapil": "PALAS-1",
     "pagu": ""},
    {"id": "A-03", "nama": "Budi Siregar", "fraksi": "Gerindra", "dapil": "PALAS-2",
     "pagu": "500000000.50"},
]
STAF_ROWS = [{"id": "S-01", "nama": "Dewi Lubis", "anggota_id": "A-01"}]


def parse(dapil=None, anggota=None, staf=None):
    return parse_register_rows(DAPIL_ROWS if dapil is None else dapil,
                               ANGGOTA_ROWS if anggota is None else anggota,
                               STAF_ROWS if staf is None else staf,
                               pemda=PEMDA, periode=PERIODE, regions=regions())


def errors_of(result):
    register, errors = result
    assert register is None
    return {(e["file"], e["row"], e["field"], e["code"]) for e in errors}, errors


def test_valid_rows_make_a_register():
    reg, errors = parse()
    assert errors == []
    assert [d.kode for d in reg.dapil] == ["PALAS-1", "PALAS-2"]
    assert reg.find_dapil("PALAS-2").kecamatan == (KEC_2, KEC_4)
    assert reg.find_anggota("A-01").pagu == Decimal("1000000000.00")
    assert reg.find_anggota("A-02").pagu is None
    assert reg.find_anggota("A-03").pagu == Decimal("500000000.50")
    assert reg.find_anggota("A-01").email is None
    assert reg.dapil_of("A-03").kode == "PALAS-2"
    assert [s.id for s in reg.staf_ahli_of("A-01")] == ["S-01"]


def test_headers_are_case_insensitive_and_cells_trimmed():
    rows = [{" KODE ": " PALAS-1 ", "Nama": "Padang Lawas 1", "Kecamatan": f" {KEC_1} {KEC_3} "},
            DAPIL_ROWS[1]]
    reg, errors = parse(dapil=rows)
    assert errors == []
    assert reg.find_dapil("PALAS-1").kecamatan == (KEC_1, KEC_3)


def test_kecamatan_outside_pemda_or_unknown_is_a_row_error():
    rows = [dict(DAPIL_ROWS[0], kecamatan=f"{KEC_1};12.20.01"),
            dict(DAPIL_ROWS[1], kecamatan=f"{KEC_2};12.21.99")]
    found, errors = errors_of(parse(dapil=rows))
    assert found == {("dapil", 2, "kecamatan", "out_of_scope"),
                     ("dapil", 3, "kecamatan", "unknown")}
    assert "Kecamatan 12.20.01 bukan wilayah pemda 12.21" in [e["message"] for e in errors]


def test_a_kecamatan_cannot_be_in_two_dapil():
    rows = [DAPIL_ROWS[0], dict(DAPIL_ROWS[1], kecamatan=f"{KEC_2};{KEC_3}")]
    found, errors = errors_of(parse(dapil=rows))
    assert found == {("dapil", 3, "kecamatan", "kecamatan_in_two_dapil")}
    assert errors[0]["message"] == "Kecamatan 12.21.03 sudah masuk dapil PALAS-1 (baris 2)"


def test_dapil_without_kecamatan_and_duplicate_kode():
    rows = [DAPIL_ROWS[0], dict(DAPIL_ROWS[1], kecamatan=""),
            dict(DAPIL_ROWS[0], kecamatan=KEC_4)]
    found, _ = errors_of(parse(dapil=rows))
    assert found == {("dapil", 3, "kecamatan", "required"), ("dapil", 4, "kode", "duplicate")}


def test_anggota_rows_check_dapil_fraksi_id_and_pagu():
    rows = [ANGGOTA_ROWS[0],
            dict(ANGGOTA_ROWS[1], dapil="PALAS-9"),
            dict(ANGGOTA_ROWS[2], fraksi="  "),
            dict(ANGGOTA_ROWS[2], nama="Dupe"),
            {"id": "A-05", "nama": "X", "fraksi": "Nasdem", "dapil": "PALAS-2",
             "pagu": "1.000.000.000"},
            {"id": "A-06", "nama": "Y", "fraksi": "Nasdem", "dapil": "PALAS-2", "pagu": "0"}]
    found, errors = errors_of(parse(anggota=rows))
    assert found == {("anggota", 3, "dapil", "unknown_dapil"),
                     ("anggota", 4, "fraksi", "required"),
                     ("anggota", 5, "id", "duplicate"),
                     ("anggota", 6, "pagu", "invalid"),
                     ("anggota", 7, "pagu", "not_positive")}
    messages = {e["message"] for e in errors}
    assert "Dapil PALAS-9 tidak ada dalam daftar dapil" in messages
    assert "Fraksi wajib diisi" in messages
    assert "ID anggota A-03 sudah dipakai di baris 4" in messages


def test_staf_ahli_must_link_an_existing_anggota():
    rows = [STAF_ROWS[0], {"id": "S-02", "nama": "Tono", "anggota_id": "A-99"},
            {"id": "S-01", "nama": "Dobel", "anggota_id": "A-02"},
            {"id": "S-04", "nama": "", "anggota_id": ""}]
    found, errors = errors_of(parse(staf=rows))
    assert found == {("staf_ahli", 3, "anggota_id", "unknown_anggota"),
                     ("staf_ahli", 4, "id", "duplicate"),
                     ("staf_ahli", 5, "nama", "required"),
                     ("staf_ahli", 5, "anggota_id", "required")}


def test_import_collects_errors_of_all_files_in_file_then_row_order():
    _, errors = errors_of(parse(dapil=[DAPIL_ROWS[0], dict(DAPIL_ROWS[1], nama="")],
                                anggota=[dict(ANGGOTA_ROWS[0], fraksi=""), ANGGOTA_ROWS[2]],
                                staf=[{"id": "S-9", "nama": "Z", "anggota_id": "A-02"}]))
    assert [(e["file"], e["row"]) for e in errors] == [("dapil", 3), ("anggota", 2),
                                                       ("staf_ahli", 2)]
    assert set(errors[0]) == {"file", "row", "field", "message", "code"}


def test_a_bad_anggota_row_does_not_cascade_into_unknown_anggota_for_its_staf():
    rows = [dict(ANGGOTA_ROWS[0], pagu="banyak"), *ANGGOTA_ROWS[1:]]
    found, _ = errors_of(parse(anggota=rows))
    assert found == {("anggota", 2, "pagu", "invalid")}


def test_invalid_periode_is_refused():
    with pytest.raises(ValidationError) as caught:
        parse_register_rows(DAPIL_ROWS, ANGGOTA_ROWS, STAF_ROWS, pemda=PEMDA,
                            periode="2024-2030", regions=regions())
    assert caught.value.fields() == {"periode"}


def test_validate_register_on_objects():
    assert validate_register(register(), regions()) == []
    bad = DprdRegister(PEMDA, PERIODE,
                       dapil=(Dapil("D1", "Satu", (KEC_1,)), Dapil("D2", "Dua", (KEC_1,))),
                       anggota=(Anggota("A", "Ani", "", "D3"),),
                       staf_ahli=(StafAhli("S", "Sri", "B"),))
    problems = {(p.file, p.row, p.field, p.code) for p in validate_register(bad, regions())}
    assert problems == {("dapil", 3, "kecamatan", "kecamatan_in_two_dapil"),
                        ("anggota", 2, "fraksi", "required"),
                        ("anggota", 2, "dapil", "unknown_dapil"),
                        ("staf_ahli", 2, "anggota_id", "unknown_anggota")}
    with pytest.raises(ValidationError) as caught:
        check_register(bad, regions())
    assert "anggota.2.fraksi" in caught.value.fields()
    assert check_register(register(), regions()) == register()


KECAMATAN = [KEC_1, KEC_2, KEC_3, KEC_4]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(KECAMATAN), min_size=1, max_size=4), min_size=1,
                max_size=4))
def test_two_dapil_error_iff_a_kecamatan_is_listed_twice(assignment):
    rows = [{"kode": f"D-{i}", "nama": f"Dapil {i}", "kecamatan": ";".join(codes)}
            for i, codes in enumerate(assignment)]
    anggota = [{"id": "A", "nama": "Ani", "fraksi": "F", "dapil": "D-0"}]
    reg, errors = parse(dapil=rows, anggota=anggota, staf=[])
    listed = [code for codes in assignment for code in codes]
    repeated = len(listed) != len(set(listed))
    assert any(e["code"] == "kecamatan_in_two_dapil" for e in errors) == repeated
    assert (reg is None) == repeated
    if reg is not None:
        owners = [d.kode for d in reg.dapil for k in d.kecamatan]
        assert len(owners) == len(set(listed))
