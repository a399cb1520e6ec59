"""The per-member pokir ceiling as a local policy (off by default), and the pokir window derived
from the planning calendar (closing one week before Musrenbang RKPD)."""
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from pokir.domain import (NO_CEILING, WIB, PaguPolicy, ValidationError, parse_policy, window_from_calendar)
from pokir_builders import PAGU_A01, create


def test_without_a_policy_no_member_has_a_ceiling_even_with_a_pagu_in_the_register():
    big = create(committed=PAGU_A01 * 10, policy=NO_CEILING)
    assert big.cost > 0


def test_an_active_policy_uses_the_register_pagu_else_its_amount():
    policy = PaguPolicy(True, Decimal("50000000"))
    assert policy.ceiling_for(PAGU_A01) == PAGU_A01
    assert policy.ceiling_for(None) == Decimal("50000000")
    assert PaguPolicy(True).ceiling_for(None) is None
    assert PaguPolicy(False, Decimal("1")).ceiling_for(PAGU_A01) is None
    with pytest.raises(ValidationError) as caught:
        create(committed=PAGU_A01, policy=policy)
    assert caught.value.codes_for("volume") == {"above_pagu"}


def test_parse_policy_names_every_bad_field():
    assert parse_policy({"pagu_per_anggota": {"aktif": True, "jumlah": "1500000000"}}) == PaguPolicy(
        True, Decimal("1500000000.00"))
    assert parse_policy({"pagu_per_anggota": {"aktif": False, "jumlah": None}}) == NO_CEILING
    with pytest.raises(ValidationError) as caught:
        parse_policy({"pagu_per_anggota": {"aktif": "ya", "jumlah": "-5"}})
    assert {e.field for e in caught.value.errors} == {"pagu_per_anggota.aktif", "pagu_per_anggota.jumlah"}
    with pytest.raises(ValidationError):
        parse_policy({"pagu": 1})


def _at(month, day, hour=8):
    return datetime(2027, month, day, hour, tzinfo=WIB.tzinfo)


def test_the_deadline_follows_musrenbang_rkpd_one_week_before():
    calendar = {"desa": (_at(1, 5), _at(1, 31)), "musrenbang_rkpd": (_at(3, 16), _at(3, 20))}
    opens, closes = window_from_calendar(calendar)
    assert opens == _at(1, 5) and closes == datetime(2027, 3, 9, tzinfo=WIB.tzinfo)
    assert _at(3, 16) - closes >= timedelta(days=7)
    moved = {**calendar, "musrenbang_rkpd": (_at(3, 23), _at(3, 27))}  # Musrenbang RKPD a week later
    assert window_from_calendar(moved)[1] == datetime(2027, 3, 16, tzinfo=WIB.tzinfo)


def test_the_calendars_own_pokir_window_may_close_earlier_never_later():
    calendar = {"pokir": (_at(1, 10), _at(2, 28)), "musrenbang_rkpd": (_at(3, 16), _at(3, 20))}
    assert window_from_calendar(calendar) == (_at(1, 10), _at(2, 28))
    late = {**calendar, "pokir": (_at(1, 10), _at(3, 15))}
    assert window_from_calendar(late)[1] == datetime(2027, 3, 9, tzinfo=WIB.tzinfo)


def test_legacy_schedules_name_musrenbang_rkpd_kabupaten_and_incomplete_ones_give_nothing():
    legacy = {"desa": (_at(1, 5), _at(1, 31)), "kabupaten": (_at(3, 16), _at(3, 20))}
    assert window_from_calendar(legacy)[1] == datetime(2027, 3, 9, tzinfo=WIB.tzinfo)
    assert window_from_calendar({"desa": (_at(1, 5), _at(1, 31))}) is None
    assert window_from_calendar({"musrenbang_rkpd": (_at(3, 16), _at(3, 20))}) is None
