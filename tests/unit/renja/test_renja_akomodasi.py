"""What "accommodated" means (issue #16): the three modes, the row location, and the invariant that
the money attributable to accommodated items never exceeds the row's pagu N (exact Decimal)."""
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renja.domain import (ValidationError, attributed, covered_by_row, covers, grow_row, into_new_row,
                          lokasi_field)

from renja_builders import DESA_A, DESA_B, DESA_C, KEC_1, KEC_2, PEMDA, in_pemda, item, make_row, row_input, validate

D = Decimal


def codes(error):
    return {(e.field, e.code) for e in error.errors}


# -- location --------------------------------------------------------------------------------------

def test_location_may_be_the_whole_kabupaten_a_set_of_kecamatan_or_a_set_of_desa():
    assert lokasi_field({"cakupan": "kabupaten", "kode": []}, pemda=PEMDA, in_pemda=in_pemda) == (("kabupaten",
                                                                                                   (PEMDA,)), [])
    assert lokasi_field({"cakupan": "kecamatan", "kode": [KEC_1, KEC_2]}, pemda=PEMDA, in_pemda=in_pemda)[0] == \
        ("kecamatan", (KEC_1, KEC_2))
    assert lokasi_field([DESA_A, DESA_C], pemda=PEMDA, in_pemda=in_pemda)[0] == ("desa", (DESA_A, DESA_C))
    assert lokasi_field([KEC_1], pemda=PEMDA, in_pemda=in_pemda)[0] == ("kecamatan", (KEC_1,))


@pytest.mark.parametrize("raw, expected", [
    ([KEC_1, DESA_C], {("lokasi", "mixed_cakupan")}),
    ({"cakupan": "desa", "kode": [KEC_1]}, {("lokasi.kode", "invalid")}),
    ({"cakupan": "kecamatan", "kode": ["12.21.09"]}, {("lokasi.kode", "outside_pemda")}),
    ({"cakupan": "kabupaten", "kode": ["12.20"]}, {("lokasi.kode", "invalid")}),
    ({"cakupan": "provinsi", "kode": []}, {("lokasi.cakupan", "invalid")}),
    ({"cakupan": "desa", "kode": []}, {("lokasi.kode", "required")}),
    ({"cakupan": "desa", "kode": [DESA_A], "luas": 3}, {("lokasi.luas", "unknown_field")}),
])
def test_location_refusals_are_field_level(raw, expected):
    value, errors = lokasi_field(raw, pemda=PEMDA, in_pemda=in_pemda)
    assert value is None and {(e.field, e.code) for e in errors} == expected


def test_coverage_of_a_desa_by_each_kind_of_location():
    assert covers("kabupaten", (PEMDA,), DESA_C)
    assert covers("kecamatan", (KEC_1,), DESA_A) and not covers("kecamatan", (KEC_1,), DESA_C)
    assert covers("desa", (DESA_A,), DESA_A) and not covers("desa", (DESA_A,), DESA_B)


def test_a_validated_row_keeps_its_cakupan():
    row = validate(row_input(lokasi={"cakupan": "kabupaten", "kode": []}))
    assert (row.cakupan, row.lokasi) == ("kabupaten", (PEMDA,))


# -- the three modes --------------------------------------------------------------------------------

def desa_row(row_id="row-1", pagu_n="300000000", target="5", lokasi=(DESA_A,), **kw):
    return make_row(row_id, pagu_n, target=target, lokasi=lokasi, cakupan="desa", **kw)


def test_tambah_grows_the_row_by_the_items_volume_location_and_money():
    row = desa_row(lokasi=(DESA_B,))
    grown = grow_row(row, item(volume="2", cost="150000000"), volume=D("2"), cost=D("150000000.00"))
    assert grown.target == D("7") and grown.pagu_n == D("450000000.00") and grown.lokasi == (DESA_B, DESA_A)
    [entry] = grown.akomodasi
    assert (entry.kind, entry.mode, entry.volume, entry.attributable) == ("usulan", "tambah", D("2"),
                                                                          D("150000000.00"))


def test_tambah_into_a_kecamatan_row_adds_the_kecamatan_and_into_a_kabupaten_row_nothing():
    kec = make_row("row-k", lokasi=(KEC_2,), cakupan="kecamatan")
    assert grow_row(kec, item(), volume=D("2"), cost=D("1")).lokasi == (KEC_2, KEC_1)
    kab = make_row("row-b", lokasi=(PEMDA,), cakupan="kabupaten")
    assert grow_row(kab, item(), volume=D("2"), cost=D("1")).lokasi == (PEMDA,)


def test_sudah_tercakup_is_accepted_when_location_and_volume_cover_the_item():
    row = desa_row(target="5")
    covered = covered_by_row(row, item(volume="5"), volume=D("5"), cost=D("150000000.00"))
    assert (covered.target, covered.pagu_n, covered.lokasi) == (row.target, row.pagu_n, row.lokasi)  # unchanged
    assert covered.akomodasi[0].mode == "sudah_tercakup" and attributed(covered.akomodasi) == D("150000000.00")


def test_sudah_tercakup_is_refused_field_by_field_when_the_row_does_not_cover_the_item():
    row = desa_row(lokasi=(DESA_B,), target="1", pagu_n="100000000")
    with pytest.raises(ValidationError) as caught:
        covered_by_row(row, item(volume="2"), volume=D("2"), cost=D("150000000.00"))
    assert codes(caught.value) == {("lokasi", "not_covered"), ("volume", "not_covered"), ("cost", "above_row_pagu")}
    message = caught.value.messages_for("cost")[0]
    assert "Rp150.000.000,00" in message and "Rp100.000.000,00" in message and "Rp50.000.000,00" in message


def test_dozens_of_items_cannot_be_covered_by_one_row_beyond_its_money():
    row = desa_row(pagu_n="300000000", target="100")
    for n in range(2):
        row = covered_by_row(row, item(f"u-{n}", volume="1"), volume=D("1"), cost=D("150000000.00"))
    assert attributed(row.akomodasi) == row.pagu_n  # exactly the line: accepted
    with pytest.raises(ValidationError) as caught:
        covered_by_row(row, item("u-3", volume="1"), volume=D("1"), cost=D("0.01"))
    assert codes(caught.value) == {("cost", "above_row_pagu")}


def test_an_item_is_accommodated_once_by_a_row():
    row = covered_by_row(desa_row(), item(), volume=D("2"), cost=D("1.00"))
    with pytest.raises(ValidationError) as caught:
        grow_row(row, item(), volume=D("2"), cost=D("1.00"))
    assert codes(caught.value) == {("row_id", "already_accommodated")}


def test_a_new_row_must_cover_the_item_and_carry_its_cost():
    row = desa_row(pagu_n="100000000", target="1", lokasi=(DESA_B,))
    with pytest.raises(ValidationError) as caught:
        into_new_row(row, item(volume="2"), volume=D("2"), cost=D("150000000.00"))
    assert codes(caught.value) == {("lokasi", "not_covered"), ("target", "not_covered"), ("cost", "above_row_pagu")}
    made = into_new_row(desa_row(pagu_n="150000000"), item(), volume=D("2"), cost=D("150000000.00"))
    assert made.akomodasi[0].mode == "baris_baru" and made.akomodasi[0].attributable == made.pagu_n


def test_an_edit_may_not_lower_pagu_n_below_what_is_attributed():
    entries = covered_by_row(desa_row(), item(), volume=D("2"), cost=D("150000000.00")).akomodasi
    with pytest.raises(ValidationError) as caught:
        validate(row_input(pagu_n="149999999.99", lokasi=[DESA_A]), akomodasi=entries)
    assert codes(caught.value) == {("pagu_n", "below_attributed")}
    assert "Rp0,01" in caught.value.messages_for("pagu_n")[0]
    assert validate(row_input(pagu_n="150000000", lokasi=[DESA_A]), akomodasi=entries).akomodasi == entries


@settings(max_examples=200, deadline=None)
@given(pagu=st.integers(0, 10**6), costs=st.lists(st.integers(1, 10**6), max_size=12),
       cents=st.integers(0, 99))
def test_whatever_is_covered_the_attributable_total_never_exceeds_pagu_n(pagu, costs, cents):
    row = desa_row(pagu_n=f"{pagu}.{cents:02d}", target="1000")
    for n, cost in enumerate(costs):
        try:
            row = covered_by_row(row, item(f"u-{n}", volume="1"), volume=D("1"), cost=D(cost).quantize(D("0.01")))
        except ValidationError:
            pass
        assert attributed(row.akomodasi) <= row.pagu_n
    grown = grow_row(replace(row, akomodasi=row.akomodasi), item("g", volume="1"), volume=D("1"), cost=D("7.07"))
    assert attributed(grown.akomodasi) <= grown.pagu_n
