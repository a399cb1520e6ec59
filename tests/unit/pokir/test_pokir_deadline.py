from datetime import datetime, timedelta, timezone

import pytest

from pokir.domain import (WIB, WIT, WITA, PokirStatus, PokirWindow, ScheduleClosed,
                          TransitionRefused, check_open, default_deadline, deliver_to_bappeda,
                          recommend, submit_to_setwan, withdraw)
from pokir_builders import (ANGGOTA_1, DEADLINE, IN_WINDOW, LATE, OPENS, PEMDA, SETWAN, TAHUN,
                            at, at_status, create, draft, window)

LATE_MESSAGE = "Batas waktu pokir 2027-03-08 23:59 WIB sudah lewat"


def test_default_deadline_is_midnight_starting_the_day_one_week_before():
    wib = WIB.tzinfo
    assert default_deadline(datetime(2027, 3, 16, 0, 0, tzinfo=wib)) == datetime(
        2027, 3, 9, 0, 0, tzinfo=wib)
    assert default_deadline(datetime(2027, 3, 16, 9, 30, tzinfo=wib)) == datetime(
        2027, 3, 9, 0, 0, tzinfo=wib)
    assert default_deadline(datetime(2027, 3, 15, 23, 59, tzinfo=wib)) == datetime(
        2027, 3, 8, 0, 0, tzinfo=wib)


def test_default_deadline_uses_the_pemda_local_day():
    # 2027-03-15 20:00 UTC is already 2027-03-16 03:00 WIB and 04:00 WITA
    opens_utc = datetime(2027, 3, 15, 20, 0, tzinfo=timezone.utc)
    assert default_deadline(opens_utc) == datetime(2027, 3, 9, tzinfo=WIB.tzinfo)
    assert default_deadline(opens_utc, WITA) == datetime(2027, 3, 9, tzinfo=WITA.tzinfo)
    assert default_deadline(opens_utc) <= opens_utc - timedelta(days=7)


def test_default_deadline_needs_an_aware_datetime():
    with pytest.raises(ValueError):
        default_deadline(datetime(2027, 3, 16))


def test_deadline_label_is_the_last_open_minute_in_local_time():
    assert window().deadline_label == "2027-03-08 23:59 WIB"
    wit = PokirWindow("94.71", TAHUN, OPENS, datetime(2027, 3, 8, 15, tzinfo=timezone.utc), WIT)
    assert wit.deadline_label == "2027-03-08 23:59 WIT"
    odd = window(closes_at=at(3, 8, 10, 0) + timedelta(seconds=30))
    assert odd.deadline_label == "2027-03-08 10:00 WIB"


def test_window_is_half_open():
    w = window()
    assert w.is_open(OPENS)
    assert w.is_open(DEADLINE - timedelta(microseconds=1))
    assert not w.is_open(DEADLINE)
    assert not w.is_open(OPENS - timedelta(microseconds=1))
    assert PokirWindow.with_default_deadline(PEMDA, TAHUN, OPENS, at(3, 16, 8)) == w


def test_late_create_is_refused_naming_the_deadline():
    with pytest.raises(ScheduleClosed) as caught:
        create(when=LATE)
    assert caught.value.message == LATE_MESSAGE
    assert caught.value.code == "deadline_passed"
    assert create(when=DEADLINE - timedelta(seconds=1)).status is PokirStatus.DRAFT


def test_create_before_the_window_opens_is_refused():
    with pytest.raises(ScheduleClosed) as caught:
        create(when=OPENS - timedelta(minutes=1))
    assert caught.value.code == "pokir_not_open"
    assert "2027-01-02 00:00 WIB" in caught.value.message


def test_late_submit_is_refused():
    with pytest.raises(ScheduleClosed) as caught:
        submit_to_setwan(draft(), actor=ANGGOTA_1, window=window(), at=LATE)
    assert caught.value.message == LATE_MESSAGE


def test_window_of_another_pemda_or_year_is_refused():
    with pytest.raises(TransitionRefused) as caught:
        submit_to_setwan(draft(), actor=ANGGOTA_1, window=window(tahun=TAHUN + 1), at=IN_WINDOW)
    assert caught.value.code == "schedule_mismatch"


def test_setwan_acts_and_withdrawal_are_not_bound_to_the_window():
    submitted = at_status(draft(), PokirStatus.DIAJUKAN)
    recommended = recommend(submitted, actor=SETWAN, at=LATE, catatan="Layak")
    assert deliver_to_bappeda(recommended, actor=SETWAN, at=LATE).status is PokirStatus.DISAMPAIKAN
    assert withdraw(submitted, actor=ANGGOTA_1, at=LATE).status is PokirStatus.DITARIK


def test_check_open_returns_the_window():
    assert check_open(window(), IN_WINDOW) == window()
