import pytest

from renja.domain import (InMemoryNomenclature, SubKegiatan, ValidationError, bidang_of,
                          sub_kegiatan_errors)

from renja_builders import (NOMENCLATURE, PERKIM, PU, SK_JALAN, SK_PUSKESMAS, SK_RUMAH,
                            row_input, validate)


def codes(kode, bidang=("1.03",)):
    found, errors = sub_kegiatan_errors(kode, bidang, NOMENCLATURE, "1.03.0.00.0.00.01.0000")
    return found, [e.code for e in errors], errors


def test_bidang_is_the_first_two_segments():
    assert bidang_of("1.03.10.2.01.0028") == "1.03"
    assert bidang_of("2.09.03.1.01.0006") == "2.09"
    assert SubKegiatan("1.02.02.2.01.0014", "x").bidang == "1.02"


def test_known_code_inside_bidang_has_no_error():
    found, got, _ = codes(SK_JALAN)
    assert got == [] and found.nama == "Pembangunan Jalan"


def test_unknown_code_inside_bidang_is_unknown_code_only():
    found, got, errors = codes("1.03.10.2.01.9999")
    assert found is None and got == ["unknown_code"]
    assert "1.03.10.2.01.9999" in errors[0].message
    assert "versi nomenklatur" in errors[0].message


def test_known_code_outside_the_opd_bidang_is_outside_bidang_only():
    found, got, errors = codes(SK_PUSKESMAS)
    assert found is not None and got == ["outside_bidang"]
    assert errors[0].message == ("Sub kegiatan 1.02.02.2.01.0014 termasuk bidang urusan 1.02, "
                                 "di luar bidang OPD 1.03.0.00.0.00.01.0000 (1.03)")


def test_unknown_and_outside_gives_both_errors():
    _, got, errors = codes("2.09.03.1.01.0006")
    assert got == ["unknown_code", "outside_bidang"]
    assert {e.field for e in errors} == {"sub_kegiatan"}


@pytest.mark.parametrize("kode", ["X.XX.01.2.01.0001", "1.03.10.2.01", "1.03.10.2.01.28",
                                  "abc", "1.03.10.2.01.0028 "])
def test_malformed_or_template_code_is_invalid(kode):
    _, got, _ = codes(kode)
    assert got == ["invalid"]


def test_an_opd_with_two_bidang_plans_in_both():
    for kode in (SK_JALAN, SK_RUMAH):
        _, got, _ = codes(kode, PERKIM.bidang)
        assert got == []


def test_validate_row_reports_the_two_codes_on_field_sub_kegiatan():
    with pytest.raises(ValidationError) as unknown:
        validate(row_input(sub_kegiatan="1.03.10.2.01.9999"))
    assert unknown.value.codes_for("sub_kegiatan") == {"unknown_code"}
    with pytest.raises(ValidationError) as outside:
        validate(row_input(sub_kegiatan=SK_PUSKESMAS))
    assert outside.value.codes_for("sub_kegiatan") == {"outside_bidang"}


def test_indikator_and_satuan_default_to_the_nomenclature_and_may_be_overridden():
    row = validate(row_input(indikator=None, satuan="  "))
    assert (row.indikator, row.satuan) == ("Panjang jalan yang dibangun", "Kilometer")
    row = validate(row_input(indikator="Panjang jalan hotmix", satuan="Meter"))
    assert (row.indikator, row.satuan) == ("Panjang jalan hotmix", "Meter")


def test_indikator_and_satuan_required_when_the_nomenclature_has_none():
    with pytest.raises(ValidationError) as caught:
        validate(row_input(sub_kegiatan=SK_RUMAH), opd=PERKIM)
    assert caught.value.codes_for("indikator") == {"required"}
    assert caught.value.codes_for("satuan") == {"required"}
    row = validate(row_input(sub_kegiatan=SK_RUMAH, indikator="Jumlah rumah", satuan="Unit"),
                   opd=PERKIM)
    assert row.opd == PERKIM.kode and row.satuan == "Unit"


def test_in_memory_lookup_is_a_dict():
    lookup = InMemoryNomenclature({"1.01.02.2.01.0001": SubKegiatan("1.01.02.2.01.0001", "a")})
    assert lookup.sub_kegiatan("1.01.02.2.01.0001").nama == "a"
    assert lookup.sub_kegiatan(SK_JALAN) is None
    assert PU.bidang == ("1.03",)
