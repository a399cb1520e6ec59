from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musrenbang.domain import compute_cost, decimal_text, money_text, to_rupiah
from musrenbang.domain.money import parse_decimal


def test_cost_is_volume_times_unit_price_in_sen():
    assert compute_cost(Decimal("1.5"), Decimal("750000.00")) == Decimal("1125000.00")
    assert compute_cost(Decimal("3"), Decimal("1250000.50")) == Decimal("3750001.50")


def test_cost_rounds_half_up_to_the_sen():
    assert compute_cost(Decimal("0.005"), Decimal("1.00")) == Decimal("0.01")
    assert compute_cost(Decimal("0.004"), Decimal("1.00")) == Decimal("0.00")
    assert compute_cost(Decimal("1.333"), Decimal("100.00")) == Decimal("133.30")


@settings(max_examples=100)
@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=3),
       st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000000"), places=2))
def test_cost_is_within_half_a_sen_of_the_exact_product(volume, price):
    cost = compute_cost(volume, price)
    assert cost.as_tuple().exponent == -2
    assert abs(cost - volume * price) <= Decimal("0.005")


def test_rupiah_refuses_floats_negative_and_sub_sen():
    assert to_rupiah("1500000") == Decimal("1500000.00")
    assert to_rupiah(Decimal("12.5")) == Decimal("12.50")
    for bad in (1.5, "-1", "0.001", "abc", None, True, "NaN", "Infinity"):
        with pytest.raises(ValueError):
            to_rupiah(bad)


def test_parse_decimal_takes_json_floats_by_their_shortest_text():
    assert parse_decimal(0.1) == Decimal("0.1")
    assert parse_decimal(" 2.50 ") == Decimal("2.50")
    assert parse_decimal("nan") is None
    assert parse_decimal([1]) is None


def test_canonical_texts():
    assert decimal_text(Decimal("1.500")) == "1.5"
    assert decimal_text(Decimal("100")) == "100"
    assert decimal_text(Decimal("1E+2")) == "100"
    assert decimal_text(Decimal("0.00")) == "0"
    assert money_text(Decimal("1500000")) == "1500000.00"
    assert money_text(Decimal("2.5")) == "2.50"
