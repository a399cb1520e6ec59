import pytest

from musrenbang.domain import (ChangeKind, Level, Schedule, ScheduleChangeRefused,
                               ScheduleClosed, ValidationError, Window, check_window, close_early,
                               extend, reopen)
from musrenbang_builders import PEMDA, TAHUN, at, schedule


def test_open_window_lets_the_action_through():
    window = check_window(schedule(), Level.DESA, at(1, 10))
    assert window.level is Level.DESA


def test_window_opens_inclusive_and_closes_exclusive():
    sched = schedule()
    check_window(sched, Level.DESA, at(1, 5, 0))
    with pytest.raises(ScheduleClosed):
        check_window(sched, Level.DESA, at(2, 1, 0))


def test_closed_window_is_refused_with_its_name_and_dates():
    with pytest.raises(ScheduleClosed) as refused:
        check_window(schedule(), Level.DESA, at(2, 1, 9))
    assert refused.value.message == "Jadwal Musrenbang desa 2026-01-05 s.d. 2026-01-31 sudah ditutup"
    assert refused.value.code == "schedule_closed"


def test_window_not_yet_open_is_refused_with_its_name():
    with pytest.raises(ScheduleClosed) as refused:
        check_window(schedule(), Level.KECAMATAN, at(1, 20))
    assert refused.value.message == (
        "Jadwal Musrenbang kecamatan 2026-02-02 s.d. 2026-02-28 belum dibuka")
    assert refused.value.code == "schedule_not_open"


def test_missing_window_is_refused():
    sched = Schedule(PEMDA, TAHUN, (Window(Level.DESA, at(1, 5, 0), at(2, 1, 0)),))
    with pytest.raises(ScheduleClosed) as refused:
        check_window(sched, Level.KABUPATEN, at(3, 20))
    assert "kabupaten" in refused.value.message and refused.value.code == "schedule_missing"


def test_windows_need_timezones_and_one_per_level():
    from datetime import datetime
    with pytest.raises(ValueError):
        Window(Level.DESA, datetime(2026, 1, 5), datetime(2026, 2, 1))
    with pytest.raises(ValueError):
        Window(Level.DESA, at(2, 1), at(1, 5))
    with pytest.raises(ValueError):
        Schedule(PEMDA, TAHUN, (Window(Level.DESA, at(1, 5), at(2, 1)),
                                Window(Level.DESA, at(1, 6), at(2, 1))))
    with pytest.raises(ValueError):
        check_window(schedule(), Level.DESA, datetime(2026, 1, 10))


def test_close_early_closes_now_and_records_who_when_why():
    sched = close_early(schedule(), Level.DESA, by="bappeda-1", at=at(1, 20, 12),
                        reason="Semua desa sudah menginput usulan")
    with pytest.raises(ScheduleClosed) as refused:
        check_window(sched, Level.DESA, at(1, 20, 13))
    assert "2026-01-05 s.d. 2026-01-20 sudah ditutup" in refused.value.message
    (change,) = sched.history
    assert change.kind is ChangeKind.CLOSE_EARLY and change.level is Level.DESA
    assert (change.by, change.at, change.reason) == (
        "bappeda-1", at(1, 20, 12), "Semua desa sudah menginput usulan")
    assert change.before.closes_at == at(2, 1, 0) and change.after.closes_at == at(1, 20, 12)
    # the original schedule is untouched (immutable)
    check_window(schedule(), Level.DESA, at(1, 20, 13))


def test_close_early_requires_an_open_window_and_a_reason():
    with pytest.raises(ScheduleChangeRefused):
        close_early(schedule(), Level.DESA, by="b", at=at(2, 5), reason="x")
    with pytest.raises(ValidationError) as invalid:
        close_early(schedule(), Level.DESA, by="b", at=at(1, 20), reason="   ")
    assert invalid.value.codes_for("reason") == {"required"}


def test_extend_moves_the_close_later_with_a_reason():
    sched = extend(schedule(), Level.DESA, closes_at=at(2, 8, 0), by="bappeda-1",
                   at=at(1, 30), reason="Gangguan jaringan di 5 desa")
    check_window(sched, Level.DESA, at(2, 5))
    assert sched.history[-1].kind is ChangeKind.EXTEND
    assert sched.history[-1].reason == "Gangguan jaringan di 5 desa"
    assert sched.window(Level.DESA).label == "Jadwal Musrenbang desa 2026-01-05 s.d. 2026-02-07"


def test_extend_refuses_earlier_date_missing_reason_and_closed_window():
    with pytest.raises(ValidationError) as invalid:
        extend(schedule(), Level.DESA, closes_at=at(1, 25), by="b", at=at(1, 20), reason="")
    assert invalid.value.fields() == {"reason", "closes_at"}
    with pytest.raises(ScheduleChangeRefused):
        extend(schedule(), Level.DESA, closes_at=at(2, 20), by="b", at=at(2, 3), reason="telat")


def test_reopen_a_closed_window_with_a_reason():
    sched = reopen(schedule(), Level.DESA, closes_at=at(2, 6, 0), by="bappeda-1", at=at(2, 3),
                   reason="Banjir: 3 desa belum sempat musyawarah")
    check_window(sched, Level.DESA, at(2, 4))
    with pytest.raises(ScheduleClosed):
        check_window(sched, Level.DESA, at(2, 6, 0))
    change = sched.history[-1]
    assert change.kind is ChangeKind.REOPEN and change.by == "bappeda-1"
    assert change.reason == "Banjir: 3 desa belum sempat musyawarah"


def test_reopen_refuses_open_window_past_date_and_blank_reason():
    with pytest.raises(ScheduleChangeRefused):
        reopen(schedule(), Level.DESA, closes_at=at(2, 20), by="b", at=at(1, 20), reason="x")
    with pytest.raises(ValidationError) as invalid:
        reopen(schedule(), Level.DESA, closes_at=at(2, 2), by="b", at=at(2, 3), reason=None)
    assert invalid.value.fields() == {"reason", "closes_at"}


def test_history_keeps_every_change_in_order():
    sched = close_early(schedule(), Level.DESA, by="a", at=at(1, 20), reason="selesai")
    sched = reopen(sched, Level.DESA, closes_at=at(1, 25), by="b", at=at(1, 21), reason="koreksi")
    sched = extend(sched, Level.DESA, closes_at=at(1, 28), by="c", at=at(1, 22), reason="lagi")
    assert [c.kind for c in sched.history] == [ChangeKind.CLOSE_EARLY, ChangeKind.REOPEN,
                                               ChangeKind.EXTEND]
    assert [c.by for c in sched.history] == ["a", "b", "c"]
    assert sched.window(Level.KECAMATAN) == schedule().window(Level.KECAMATAN)
