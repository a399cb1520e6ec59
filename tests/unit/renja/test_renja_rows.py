from decimal import Decimal

import pytest

from renja.domain import (RenjaRow, RowInput, SourceRef, TransitionRefused, ValidationError,
                          attach_source, ensure_row_removable, row_diff)

from renja_builders import (DESA_A, DESA_C, KEC_1, OPD_DIKES, OPD_PU, PU, SK_IRIGASI,
                            SK_JALAN, TAHUN, make_row, pagu, row_input, validate)


def problems(data, **kw):
    with pytest.raises(ValidationError) as caught:
        validate(data, **kw)
    return {(e.field, e.code) for e in caught.value.errors}, caught.value


def test_valid_input_becomes_an_immutable_row_with_decimal_rupiah():
    row = validate(row_input(lokasi=[KEC_1, " 12.21.02", KEC_1],
                             prioritas_daerah=["PD 2", "PD 2", " "]),
                   row_id="row-1", sumber=(SourceRef("pokir", "pk-9"),))
    assert row == RenjaRow(
        "row-1", OPD_PU, TAHUN, SK_JALAN, "Panjang jalan yang dibangun", Decimal("12.5"),
        "Kilometer", Decimal("1000000000.00"), Decimal("1100000000.00"), (KEC_1, "12.21.02"), "DAU",
        ("PN 5 Infrastruktur",), ("PD 2",), "Masyarakat Kecamatan Barumun",
        (SourceRef("pokir", "pk-9"),), "kecamatan")
    assert str(row.pagu_n) == "1000000000.00"
    with pytest.raises(AttributeError):
        row.pagu_n = Decimal(0)


def test_lokasi_may_be_given_as_text():
    row = validate(row_input(lokasi=f"{DESA_A}; {DESA_C}"))
    assert row.lokasi == (DESA_A, DESA_C) and row.cakupan == "desa"


@pytest.mark.parametrize("field, value, code", [
    ("pagu_n", "-1", "negative"),
    ("pagu_n", "satu miliar", "invalid"),
    ("pagu_n", 1000000000.0, "invalid"),  # floats are never money
    ("pagu_n", "1000.005", "invalid"),
    ("pagu_n", None, "required"),
    ("pagu_n1", "-0.01", "negative"),
    ("pagu_n1", "Rp1.000", "invalid"),
    ("target", "-3", "negative"),
    ("target", "0", "not_positive"),
    ("target", "dua belas", "invalid"),
    ("target", "1.2345", "invalid"),
    ("target", "", "required"),
])
def test_bad_numbers_are_field_errors(field, value, code):
    found, _ = problems(row_input(**{field: value}))
    assert found == {(field, code)}


def test_zero_pagu_is_allowed_for_a_year():
    row = validate(row_input(pagu_n1="0"))
    assert row.pagu_n1 == Decimal("0.00")


@pytest.mark.parametrize("lokasi, code", [
    (["12.20.01"], "outside_pemda"),            # a kecamatan of another regency
    (["12.21.09"], "outside_pemda"),            # right prefix, not a region of the pemda
    (["12.21.01.2999"], "outside_pemda"),
    (["12.21"], "invalid"),                     # the pemda itself is not a kecamatan/desa
    (["Barumun"], "invalid"),
    ([], "required"),
    (None, "required"),
    ([KEC_1, 7], "invalid"),
])
def test_lokasi_must_be_kecamatan_or_desa_codes_inside_the_pemda(lokasi, code):
    found, error = problems(row_input(lokasi=lokasi))
    assert found == {("lokasi", code)}
    if code == "outside_pemda":
        assert f"Lokasi {lokasi[0]} bukan wilayah di dalam pemda 12.21" in error.messages_for(
            "lokasi")


def test_each_bad_lokasi_is_reported():
    _, error = problems(row_input(lokasi=[KEC_1, "12.20.01", "x", "12.21.05"]))
    assert len(error.messages_for("lokasi")) == 3


def test_all_problems_are_collected_at_once():
    found, error = problems(row_input(sub_kegiatan=" ", target="-1", pagu_n="x",
                                      pagu_n1="-5", lokasi=["12.20.01"], sumber_dana="",
                                      kelompok_sasaran=None, prioritas_nasional=[3]))
    assert found >= {("sub_kegiatan", "required"), ("target", "negative"),
                     ("pagu_n", "invalid"), ("pagu_n1", "negative"),
                     ("lokasi", "outside_pemda"), ("sumber_dana", "required"),
                     ("kelompok_sasaran", "required"), ("prioritas_nasional", "invalid")}
    assert error.message.startswith("Data tidak valid: ")
    assert {"field", "message", "code"} == set(error.as_dicts()[0])


def test_a_sub_kegiatan_appears_once_per_opd_and_year_but_the_row_itself_may_be_edited():
    existing = make_row("row-1", sub_kegiatan=SK_JALAN)
    found, error = problems(row_input(), other_rows=[existing])
    assert found == {("sub_kegiatan", "duplicate")}
    assert "row-1" in error.messages_for("sub_kegiatan")[0]
    edited = validate(row_input(target="20"), row_id="row-1", other_rows=[existing])
    assert edited.target == Decimal("20") and edited.id == "row-1"
    other = validate(row_input(sub_kegiatan=SK_IRIGASI), other_rows=[existing])
    assert other.sub_kegiatan == SK_IRIGASI


def test_unknown_client_fields_are_refused_and_mappings_accepted():
    with pytest.raises(ValidationError) as caught:
        RowInput.from_mapping({"sub_kegiatan": SK_JALAN, "sumber": [], "opd": OPD_DIKES})
    assert {(e.field, e.code) for e in caught.value.errors} == {("sumber", "unknown_field"),
                                                               ("opd", "unknown_field")}
    row = validate({"sub_kegiatan": SK_JALAN, "target": 3, "pagu_n": "10", "pagu_n1": 10,
                    "lokasi": [KEC_1], "sumber_dana": "DAK", "kelompok_sasaran": "Petani"})
    assert row.pagu_n1 == Decimal("10.00") and row.prioritas_nasional == ()


def test_caller_mistakes_are_programming_errors():
    with pytest.raises(ValueError):
        validate(row_input(), other_rows=[make_row("x", opd=OPD_DIKES)])
    with pytest.raises(ValueError):
        validate(row_input(), other_rows=[make_row("x"), make_row("x")])
    with pytest.raises(ValueError):
        validate(row_input(), row_id="")
    with pytest.raises(ValueError):
        validate(row_input(), ceiling=pagu(opd=OPD_DIKES))


def test_sources_attach_once_and_block_deletion():
    row = make_row("row-1")
    ensure_row_removable(row)  # no sources: may be deleted
    ref = SourceRef("musrenbang", "usulan-7")
    linked = attach_source(row, ref)
    assert linked.sumber == (ref,) and attach_source(linked, ref) is linked
    assert row.sumber == ()
    with pytest.raises(TransitionRefused) as caught:
        ensure_row_removable(linked)
    assert caught.value.code == "row_has_sources" and "usulan-7" in caught.value.message
    with pytest.raises(ValueError):
        SourceRef("rkpd", "x")


def test_row_diff_lists_changed_fields_only():
    before = make_row("row-1", "100", sub_kegiatan=SK_JALAN)
    after = make_row("row-1", "150", sub_kegiatan=SK_JALAN, lokasi=(KEC_1, DESA_A))
    assert row_diff(before, after) == {"pagu_n": (Decimal("100.00"), Decimal("150.00")),
                                       "lokasi": ((KEC_1,), (KEC_1, DESA_A))}
    assert row_diff(before, before) == {}
    assert PU.kode == OPD_PU
