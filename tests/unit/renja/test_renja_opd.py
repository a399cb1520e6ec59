from renja.domain import Opd, parse_opd_rows, split_bidang

from renja_builders import KNOWN_BIDANG


def parse(rows):
    return parse_opd_rows(rows, known_bidang=KNOWN_BIDANG)


def test_valid_register_with_space_and_semicolon_separated_bidang():
    opds, errors = parse([
        {"kode": "1.03.0.00.0.00.01.0000", "nama": "Dinas PUPR", "bidang": "1.03"},
        {"Kode ": " 1.04.0.00.0.00.01.0000", "NAMA": "Dinas Perkim", "bidang": "1.04; 1.03",
         "catatan": "kolom lain diabaikan"},
        {"kode": "1.02.0.00.0.00.01.0000", "nama": "Dinas Kesehatan", "bidang": "1.02 1.01 1.02"},
    ])
    assert errors == []
    assert opds == [Opd("1.03.0.00.0.00.01.0000", "Dinas PUPR", ("1.03",)),
                    Opd("1.04.0.00.0.00.01.0000", "Dinas Perkim", ("1.04", "1.03")),
                    Opd("1.02.0.00.0.00.01.0000", "Dinas Kesehatan", ("1.02", "1.01"))]
    assert opds[1].plans_in("1.03") and not opds[0].plans_in("1.04")


def test_duplicate_kode_is_reported_on_the_later_row_naming_the_first():
    opds, errors = parse([
        {"kode": "1.03.0.00.0.00.01.0000", "nama": "Dinas PUPR", "bidang": "1.03"},
        {"kode": "1.02.0.00.0.00.01.0000", "nama": "Dinas Kesehatan", "bidang": "1.02"},
        {"kode": "1.03.0.00.0.00.01.0000", "nama": "Dinas PUPR lagi", "bidang": "1.03"},
    ])
    assert opds == []  # all-or-nothing
    assert errors == [{"row": 4, "field": "kode", "code": "duplicate",
                       "message": "Kode OPD 1.03.0.00.0.00.01.0000 ganda (sudah ada di baris 2)"}]


def test_every_problem_of_every_row_is_collected_with_file_line_numbers():
    _, errors = parse([
        {"kode": "", "nama": "", "bidang": ""},
        {"kode": "DINAS-PU", "nama": "Dinas PU", "bidang": "1.03;9.99;103"},
        {"kode": "1.05.0.00.0.00.01.0000", "nama": "x" * 256, "bidang": "1.03"},
    ])
    assert [(e["row"], e["field"], e["code"]) for e in errors] == [
        (2, "kode", "required"), (2, "nama", "required"), (2, "bidang", "required"),
        (3, "kode", "invalid"), (3, "bidang", "unknown_bidang"), (3, "bidang", "invalid"),
        (4, "nama", "too_long")]
    unknown = next(e for e in errors if e["code"] == "unknown_bidang")
    assert "9.99" in unknown["message"] and "nomenklatur" in unknown["message"]


def test_first_row_number_can_be_shifted_and_empty_file_gives_empty_register():
    _, errors = parse_opd_rows([{"kode": "1", "nama": "A", "bidang": "8.88"}],
                               known_bidang=KNOWN_BIDANG, first_row=10)
    assert errors[0]["row"] == 10
    assert parse([]) == ([], [])


def test_split_bidang():
    assert split_bidang(" 1.03 ;1.04;;  2.09 1.03") == ("1.03", "1.04", "2.09")
    assert split_bidang("") == ()
