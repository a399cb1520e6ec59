from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renja.domain import (Forbidden, OpdTotals, Pagu, ValidationError, format_rupiah,
                          opd_totals, set_pagu)

from renja_builders import (BAPPEDA, BAPPEDA_OTHER_PEMDA, OPD_DIKES, OPD_PU, OPERATOR_PU,
                            PEMDA, REGISTER, TAHUN, make_row, pagu, row_input, validate)

CEILING = pagu("5000000000", "5500000000")
# four stored rows: 4.8 bn in N, 4.0 bn in N+1
STORED = [make_row(f"row-{i}", "1200000000", "1000000000") for i in range(4)]


def refusal(data, *, other_rows=STORED, ceiling=CEILING, **kw):
    with pytest.raises(ValidationError) as caught:
        validate(data, other_rows=other_rows, ceiling=ceiling, **kw)
    return caught.value


def test_format_rupiah():
    assert format_rupiah(Decimal("1200000000")) == "Rp1.200.000.000,00"
    assert format_rupiah(Decimal("0.5")) == "Rp0,50"
    assert format_rupiah(Decimal("-5000")) == "-Rp5.000,00"


def test_total_exactly_at_the_ceiling_is_accepted():
    row = validate(row_input(pagu_n="200000000", pagu_n1="1500000000.00"), other_rows=STORED,
                   ceiling=CEILING)
    assert row.pagu_n == Decimal("200000000.00")
    totals = opd_totals(STORED + [row], CEILING)
    assert (totals.total_n, totals.sisa_n) == (Decimal("5000000000.00"), Decimal("0.00"))
    assert (totals.total_n1, totals.sisa_n1) == (Decimal("5500000000.00"), Decimal("0.00"))
    assert totals.within_ceiling


def test_overrun_names_ceiling_total_and_overrun():
    error = refusal(row_input(pagu_n="400000000", pagu_n1="100"))
    assert [(e.field, e.code) for e in error.errors] == [("pagu_n", "above_ceiling")]
    assert error.messages_for("pagu_n") == [
        "Total pagu OPD 1.03.0.00.0.00.01.0000 Rp5.200.000.000,00 melebihi pagu indikatif "
        "Rp5.000.000.000,00; lebih Rp200.000.000,00"]


def test_overrun_of_year_n_plus_one_is_on_pagu_n1():
    error = refusal(row_input(pagu_n="1", pagu_n1="1750000000.50"))
    assert error.messages_for("pagu_n1") == [
        "Total pagu N+1 OPD 1.03.0.00.0.00.01.0000 Rp5.750.000.000,50 melebihi pagu indikatif "
        "N+1 Rp5.500.000.000,00; lebih Rp250.000.000,50"]
    assert error.fields() == {"pagu_n1"}


def test_both_years_over_gives_both_errors_and_one_sen_counts():
    error = refusal(row_input(pagu_n="200000000.01", pagu_n1="1500000000.01"))
    assert error.codes_for("pagu_n") == {"above_ceiling"}
    assert error.codes_for("pagu_n1") == {"above_ceiling"}
    assert error.messages_for("pagu_n")[0].endswith("lebih Rp0,01")


def test_an_edit_replaces_the_rows_old_amount_instead_of_adding_to_it():
    # row-0 holds 1.2 bn; raising it to 1.4 bn makes 5.0 bn: accepted
    edited = validate(row_input(pagu_n="1400000000"), row_id="row-0", other_rows=STORED,
                      ceiling=CEILING)
    assert edited.id == "row-0"
    error = refusal(row_input(pagu_n="1400000000.01"), row_id="row-0")
    assert error.messages_for("pagu_n")[0].endswith("lebih Rp0,01")


def test_no_ceiling_refuses_with_a_clear_error_beside_the_other_problems():
    error = refusal(row_input(target="-1"), other_rows=[], ceiling=None)
    assert error.codes_for("pagu_n") == {"no_ceiling"}
    assert error.codes_for("target") == {"negative"}
    assert ("Pagu indikatif OPD 1.03.0.00.0.00.01.0000 tahun 2028 belum ditetapkan Bappeda"
            in error.messages_for("pagu_n")[0])


def test_ceiling_check_skipped_for_an_amount_that_is_itself_invalid():
    error = refusal(row_input(pagu_n="-9999999999"))
    assert error.codes_for("pagu_n") == {"negative"}


def test_bappeda_sets_a_ceiling():
    ceiling = set_pagu(actor=BAPPEDA, pemda=PEMDA, opd=OPD_PU, tahun=TAHUN,
                       pagu_n="5000000000", pagu_n1=Decimal("5500000000.5"), opds=REGISTER)
    assert ceiling == Pagu(OPD_PU, TAHUN, Decimal("5000000000.00"), Decimal("5500000000.50"))
    zero = set_pagu(actor=BAPPEDA, pemda=PEMDA, opd=OPD_DIKES, tahun=TAHUN, pagu_n=0,
                    pagu_n1="0", opds=REGISTER)
    assert zero.pagu_n == Decimal("0.00")


def test_a_ceiling_collects_all_problems():
    with pytest.raises(ValidationError) as caught:
        set_pagu(actor=BAPPEDA, pemda=PEMDA, opd="9.99.0.00.0.00.01.0000", tahun=1999,
                 pagu_n="-1", pagu_n1="lima", opds=REGISTER)
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("tahun", "invalid"), ("opd", "unknown_opd"), ("pagu_n", "negative"),
        ("pagu_n1", "invalid")}


@pytest.mark.parametrize("actor", [OPERATOR_PU, BAPPEDA_OTHER_PEMDA])
def test_only_bappeda_of_the_pemda_sets_ceilings(actor):
    with pytest.raises(Forbidden):
        set_pagu(actor=actor, pemda=PEMDA, opd=OPD_PU, tahun=TAHUN, pagu_n="1", pagu_n1="1",
                 opds=REGISTER)


def test_pagu_value_object_refuses_negative_and_floats():
    with pytest.raises(ValueError):
        Pagu(OPD_PU, TAHUN, Decimal("-1"), Decimal("0"))
    with pytest.raises(ValueError):
        Pagu(OPD_PU, TAHUN, 1.5, Decimal("0"))


def test_totals_show_a_negative_remainder_after_a_ceiling_cut_and_check_ownership():
    totals = opd_totals(STORED, pagu("4000000000", "4000000000"))
    assert totals == OpdTotals(OPD_PU, TAHUN, Decimal("4800000000.00"),
                               Decimal("4000000000.00"), Decimal("4000000000.00"),
                               Decimal("4000000000.00"), Decimal("-800000000.00"),
                               Decimal("0.00"), 4)
    assert not totals.within_ceiling
    with pytest.raises(ValueError):
        opd_totals([make_row("x", opd=OPD_DIKES)], CEILING)
    with pytest.raises(ValueError):
        opd_totals([make_row("x"), make_row("x")], CEILING)


amounts = st.decimals(min_value=0, max_value=Decimal("99999999999.99"), places=2,
                      allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(amounts, amounts), max_size=25), amounts, amounts)
def test_opd_totals_always_equal_the_sum_of_rows(values, ceiling_n, ceiling_n1):
    rows = [make_row(f"r{i}", str(n), str(n1)) for i, (n, n1) in enumerate(values)]
    ceiling = pagu(str(ceiling_n), str(ceiling_n1))
    totals = opd_totals(rows, ceiling)
    assert totals.total_n == sum((n for n, _ in values), Decimal(0))
    assert totals.total_n1 == sum((n1 for _, n1 in values), Decimal(0))
    assert totals.sisa_n == ceiling.pagu_n - totals.total_n
    assert totals.sisa_n1 == ceiling.pagu_n1 - totals.total_n1
    assert totals.rows == len(rows)
    assert totals.within_ceiling == (totals.total_n <= ceiling_n and totals.total_n1 <= ceiling_n1)


@settings(max_examples=60, deadline=None)
@given(st.lists(amounts, max_size=8), amounts, amounts)
def test_a_row_is_accepted_iff_the_new_total_fits_the_ceiling(others, amount, ceiling_n):
    stored = [make_row(f"r{i}", str(n), "0", sub_kegiatan=f"1.03.02.2.01.{i:04d}")
              for i, n in enumerate(others)]
    ceiling = pagu(str(ceiling_n), "0")
    fits = sum(others, Decimal(0)) + amount <= ceiling_n
    try:
        row = validate(row_input(pagu_n=str(amount), pagu_n1="0"), other_rows=stored,
                       ceiling=ceiling)
    except ValidationError as refused:
        assert not fits
        assert refused.codes_for("pagu_n") == {"above_ceiling"}
        over = sum(others, Decimal(0)) + amount - ceiling_n
        assert refused.messages_for("pagu_n")[0].endswith(f"lebih {format_rupiah(over)}")
    else:
        assert fits and opd_totals(stored + [row], ceiling).sisa_n >= 0
