"""CSV imports that the csv module cannot read are field errors, not 500s (issue #9: schemathesis
sent `PUT /v1/pokir/register` a CSV with a bare carriage return inside a field; pokir raised
`csv.Error: new-line character seen in unquoted field`, a 500)."""
import pytest

from eplanning_common.reference import CsvUnreadable, parse_kamus_csv, read_csv


def test_any_line_ending_is_read():
    for text in ("kode,nama\r\nA,B\r\nC,D\r\n", "kode,nama\nA,B\nC,D\n", "kode,nama\rA,B\rC,D\r",
                 "\ufeffkode,nama\nA,B\nC,D"):
        assert read_csv(text) == (["kode", "nama"], [{"kode": "A", "nama": "B"}, {"kode": "C", "nama": "D"}])


def test_a_bare_carriage_return_inside_a_field_no_longer_breaks_the_reader():
    header, rows = read_csv("\x11S\rz\xe2\x1e\U000dcfb4o")  # what schemathesis sent as dapil_csv
    assert header == ["\x11S"] and len(rows) == 1


def test_a_field_beyond_the_csv_modules_limit_is_unreadable_naming_its_line():
    with pytest.raises(CsvUnreadable) as unreadable:
        read_csv("kode,nama\nA," + "x" * 200_000 + "\n")
    assert unreadable.value.line == 2 and "baris 2" in str(unreadable.value)


def test_the_kamus_import_reports_an_unreadable_csv_as_a_row_error():
    rows, errors = parse_kamus_csv("kode,nama\nA," + "x" * 200_000 + "\n", "12.21")
    assert rows == [] and errors == [{"row": 2, "field": "csv", "code": "csv_unreadable",
                                      "message": errors[0]["message"]}]


def test_the_pokir_register_import_refuses_an_unreadable_csv_as_a_field_error():
    from pokir.setup_actions import _rows

    with pytest.raises(Exception) as refused:
        _rows("kode,nama\nA," + "x" * 200_000 + "\n", "dapil")
    assert type(refused.value).__name__ == "ValidationError"
    (error,) = refused.value.args[0]["errors"]
    assert (error["field"], error["code"]) == ("dapil", "csv_unreadable")
    assert error["message"].startswith("Berkas CSV dapil: CSV tidak dapat dibaca pada baris 2")


def test_the_renja_opd_import_refuses_an_unreadable_csv_as_a_field_error():
    from renja.domain import Actor
    from renja.setup_actions import import_opd

    class Repo:
        def known_bidang(self, versi):
            return {"1.03"}

    with pytest.raises(Exception) as refused:
        import_opd(Repo(), Actor("sub-bappeda", "bappeda", "12.21"), "sipd-2027",
                   "kode,nama,bidang\n1.03," + "x" * 200_000 + ",1.03\n")
    assert type(refused.value).__name__ == "ValidationError"
    (error,) = refused.value.args[0]["errors"]
    assert (error["field"], error["code"]) == ("csv", "csv_unreadable") and "baris 2" in error["message"]
