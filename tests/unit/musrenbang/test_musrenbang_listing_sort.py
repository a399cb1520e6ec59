"""The listing's sort options and keyset cursors (musrenbang.queries): parsing, the cursor round
trip for every sort, and the refusal of a cursor that is forged, damaged or made for another sort."""
import base64
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eplanning_common.errors import ValidationError
from musrenbang.queries import CURSOR_PREFIX, DEFAULT_SORT, SORTS, decode_cursor, encode_cursor, parse_sort


def _field_codes(exc: ValidationError):
    return [(e["field"], e["code"]) for e in exc.payload["errors"]]


def test_sorts_come_in_pairs_and_minus_reverses():
    assert set(SORTS) == {"created_at", "-created_at", "current_cost", "-current_cost", "desa", "-desa"}
    for name, order in SORTS.items():
        assert order.name == name
        assert order.descending is name.startswith("-")
        assert SORTS[name.lstrip("-")].column == order.column
    assert SORTS["current_cost"].column == "cost" and SORTS["created_at"].column is None


@pytest.mark.parametrize("given_sort", [None, ""])
def test_no_sort_is_creation_order(given_sort):
    assert parse_sort(given_sort) == SORTS[DEFAULT_SORT] == SORTS["created_at"]


@pytest.mark.parametrize("bad", ["biaya", "cost", "+desa", "--desa", "DESA", 5, ["desa"]])
def test_unknown_sort_is_a_field_error(bad):
    with pytest.raises(ValidationError) as info:
        parse_sort(bad)
    assert _field_codes(info.value) == [("sort", "unknown_sort")]


def test_the_default_sort_keeps_the_plain_seq_cursor():
    order = SORTS["created_at"]
    assert encode_cursor(order, None, 12) == "12"
    assert decode_cursor(order, "12") == (12,)
    assert decode_cursor(order, None) is None and decode_cursor(order, "") is None


@pytest.mark.parametrize("name, key", [("-created_at", None), ("current_cost", Decimal("102425000.00")),
                                       ("-current_cost", Decimal("0.00")), ("desa", "12.21.01.2001"),
                                       ("-desa", "12.21.17.1009")])
def test_cursor_round_trip(name, key):
    order = SORTS[name]
    cursor = encode_cursor(order, key, 4711)
    assert cursor.startswith(CURSOR_PREFIX) and len(cursor) <= 200  # the gateway's cursor limit
    assert decode_cursor(order, cursor) == ((4711,) if key is None else (key, 4711))


@given(cost=st.decimals(min_value=0, max_value=Decimal("999999999999999999.99"), places=2),
       seq=st.integers(min_value=1, max_value=2**63 - 1))
def test_cost_cursors_round_trip_exactly(cost, seq):
    order = SORTS["-current_cost"]
    assert decode_cursor(order, encode_cursor(order, cost, seq)) == (cost, seq)


def _forge(payload) -> str:
    return CURSOR_PREFIX + base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize("name, cursor", [
    ("desa", encode_cursor(SORTS["current_cost"], Decimal("5.00"), 3)),  # made for another sort
    ("-current_cost", encode_cursor(SORTS["current_cost"], Decimal("5.00"), 3)),  # ... or the other direction
    ("created_at", encode_cursor(SORTS["desa"], "12.21.01.2001", 3)),
    ("current_cost", "12"),  # a default-sort cursor
    ("created_at", "-3"), ("created_at", "12abc"), ("created_at", "١٢"),
    ("current_cost", CURSOR_PREFIX + "!!!"),
    ("current_cost", CURSOR_PREFIX + base64.urlsafe_b64encode(b"not json").decode()),
    ("current_cost", _forge(["current_cost", "5.00"])),
    ("current_cost", _forge({"name": "current_cost", "key": "5.00", "seq": 3})),
    ("current_cost", _forge(["current_cost", "5.00", "3"])),
    ("current_cost", _forge(["current_cost", "5.00", True])),
    ("current_cost", _forge(["current_cost", 5, 3])),
    ("current_cost", _forge(["current_cost", "lima", 3])),
    ("current_cost", _forge(["current_cost", "NaN", 3])),
    ("current_cost", _forge(["current_cost", "Infinity", 3])),
    ("desa", _forge(["desa", None, 3])),
    ("desa", 12),
])
def test_damaged_or_foreign_cursors_are_refused(name, cursor):
    with pytest.raises(ValidationError) as info:
        decode_cursor(SORTS[name], cursor)
    assert _field_codes(info.value) == [("cursor", "invalid_cursor")]
