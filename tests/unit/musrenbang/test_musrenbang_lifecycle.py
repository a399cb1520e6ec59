import pytest

from musrenbang.domain import (DecisionStatus, Level, ScheduleClosed, TransitionRefused,
                               UsulanStatus, submit, withdraw)
from musrenbang.domain.schedule import Schedule
from musrenbang_builders import (IN_DESA, accepted_through, at, decided, draft, schedule,
                                 submitted)


def test_submit_a_draft_inside_the_desa_window():
    usulan = submit(draft("u-1"), schedule(), by="op", at=IN_DESA)
    assert usulan.status is UsulanStatus.SUBMITTED and usulan.submitted_at == IN_DESA


def test_submit_after_the_desa_window_is_refused_naming_the_window():
    with pytest.raises(ScheduleClosed) as refused:
        submit(draft("u-1"), schedule(), by="op", at=at(2, 1, 0))
    assert "Jadwal Musrenbang desa 2026-01-05 s.d. 2026-01-31 sudah ditutup" == refused.value.message


def test_submit_twice_is_refused():
    with pytest.raises(TransitionRefused):
        submit(submitted("u-1"), schedule(), by="op", at=IN_DESA)


def test_submit_against_another_cycles_schedule_is_refused():
    other = Schedule("12.21", 2028, schedule().windows)
    with pytest.raises(TransitionRefused):
        submit(draft("u-1"), other, by="op", at=IN_DESA)


def test_withdraw_while_desa_window_open():
    usulan = withdraw(submitted("u-1"), schedule(), by="op", at=at(1, 11), reason=" salah input ")
    assert usulan.status is UsulanStatus.WITHDRAWN
    assert (usulan.withdrawn_by, usulan.withdrawn_at, usulan.withdraw_reason) == (
        "op", at(1, 11), "salah input")


def test_withdraw_after_desa_acceptance_but_before_kecamatan_is_allowed():
    usulan = accepted_through(submitted("u-1"), Level.DESA)
    assert withdraw(usulan, schedule(), by="op", at=at(1, 12)).status is UsulanStatus.WITHDRAWN


def test_withdraw_after_the_desa_window_is_refused():
    with pytest.raises(ScheduleClosed):
        withdraw(submitted("u-1"), schedule(), by="op", at=at(2, 3))


def test_withdraw_after_a_kecamatan_decision_is_refused():
    # desa window reopened after the kecamatan forum decided: still refused
    from musrenbang.domain import reopen
    usulan = accepted_through(submitted("u-1"), Level.DESA, Level.KECAMATAN)
    sched = reopen(schedule(), Level.DESA, closes_at=at(2, 20), by="b", at=at(2, 11),
                   reason="perbaikan data")
    with pytest.raises(TransitionRefused) as refused:
        withdraw(usulan, sched, by="op", at=at(2, 12))
    assert refused.value.code == "already_decided"


def test_withdraw_twice_or_after_rejection_is_refused():
    withdrawn = withdraw(submitted("u-1"), schedule(), by="op", at=at(1, 11))
    with pytest.raises(TransitionRefused):
        withdraw(withdrawn, schedule(), by="op", at=at(1, 12))
    rejected = decided(submitted("u-2"), Level.DESA, DecisionStatus.DITOLAK,
                       reason="Bukan kewenangan desa").usulan
    with pytest.raises(TransitionRefused):
        withdraw(rejected, schedule(), by="op", at=at(1, 12))


def test_withdraw_a_merge_target_is_refused():
    target = accepted_through(submitted("u-1"), Level.DESA)
    source = submitted("u-2")
    target = decided(source, Level.DESA, DecisionStatus.DIGABUNG, reason="sama",
                     target=target).merge_target
    with pytest.raises(TransitionRefused):
        withdraw(target, schedule(), by="op", at=at(1, 12))
