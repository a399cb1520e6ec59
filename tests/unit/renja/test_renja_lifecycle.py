from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renja.domain import (Action, Forbidden, RenjaState, RenjaStatus, TransitionRefused,
                          ValidationError, available_actions, ensure_rows_editable,
                          finalize_renja, new_renja, opd_totals, return_renja, submit_renja,
                          verify_renja)

from renja_builders import (BAPPEDA, OPD_PU, OPERATOR_DIKES, OPERATOR_PU, PEMDA, TAHUN, at,
                            make_row, pagu)

S = RenjaStatus
TOTALS = opd_totals([make_row("row-1", "1000000000", "1000000000")], pagu())

STEPS = {
    "submit": lambda r: submit_renja(r, actor=OPERATOR_PU, at=at(4, 10), totals=TOTALS),
    "verify": lambda r: verify_renja(r, actor=BAPPEDA, at=at(4, 20), note="Sesuai"),
    "return": lambda r: return_renja(r, actor=BAPPEDA, at=at(4, 20),
                                     note="Target jalan belum sesuai RPJMD"),
    "finalize": lambda r: finalize_renja(r, actor=BAPPEDA, at=at(5, 2)),
}
ALLOWED = {
    "submit": {S.DRAFT: S.DIAJUKAN, S.DIKEMBALIKAN: S.DIAJUKAN},
    "verify": {S.DIAJUKAN: S.DIVERIFIKASI},
    "return": {S.DIAJUKAN: S.DIKEMBALIKAN, S.DIVERIFIKASI: S.DIKEMBALIKAN},
    "finalize": {S.DIVERIFIKASI: S.FINAL},
}


def draft() -> RenjaState:
    return new_renja(pemda=PEMDA, opd=OPD_PU, tahun=TAHUN)


def in_status(status: RenjaStatus) -> RenjaState:
    return replace(draft(), status=status)


@pytest.mark.parametrize("name", sorted(STEPS))
@pytest.mark.parametrize("status", list(S))
def test_transition_matrix(name, status):
    state = in_status(status)
    if status in ALLOWED[name]:
        moved = STEPS[name](state)
        assert moved.status is ALLOWED[name][status]
        entry = moved.history[-1]
        assert (entry.from_status, entry.to_status) == (status, moved.status)
        assert state.status is status and state.history == ()  # the old state is unchanged
    else:
        with pytest.raises(TransitionRefused) as caught:
            STEPS[name](state)
        assert caught.value.code == "invalid_status"
        assert f"status sekarang: {status.label}" in caught.value.message


def test_full_path_with_a_return_records_who_when_from_to_and_note():
    state = draft()
    for name in ("submit", "return", "submit", "verify", "finalize"):
        state = STEPS[name](state)
    assert state.status is S.FINAL
    assert [(h.action, h.by, h.role, h.from_status, h.to_status) for h in state.history] == [
        ("diajukan", "sub-pu", "opd", S.DRAFT, S.DIAJUKAN),
        ("dikembalikan", "sub-bappeda", "bappeda", S.DIAJUKAN, S.DIKEMBALIKAN),
        ("diajukan", "sub-pu", "opd", S.DIKEMBALIKAN, S.DIAJUKAN),
        ("diverifikasi", "sub-bappeda", "bappeda", S.DIAJUKAN, S.DIVERIFIKASI),
        ("final", "sub-bappeda", "bappeda", S.DIVERIFIKASI, S.FINAL)]
    assert state.history[1].note == "Target jalan belum sesuai RPJMD"
    assert state.history[1].at == at(4, 20)
    assert state.catatan == "Target jalan belum sesuai RPJMD"


def test_returning_requires_notes():
    with pytest.raises(ValidationError) as caught:
        return_renja(in_status(S.DIAJUKAN), actor=BAPPEDA, at=at(4, 20), note=" ")
    assert caught.value.codes_for("note") == {"required"}


@pytest.mark.parametrize("status", list(S))
def test_rows_change_only_in_draft_or_dikembalikan(status):
    state = in_status(status)
    if status in (S.DRAFT, S.DIKEMBALIKAN):
        ensure_rows_editable(state)
        assert state.rows_editable
    else:
        with pytest.raises(TransitionRefused) as caught:
            ensure_rows_editable(state)
        assert "draf atau dikembalikan" in caught.value.message
        assert not state.rows_editable


def test_submit_needs_rows_and_totals_within_the_ceiling():
    empty = opd_totals([], pagu())
    with pytest.raises(TransitionRefused) as caught:
        submit_renja(draft(), actor=OPERATOR_PU, at=at(4, 10), totals=empty)
    assert caught.value.code == "empty_renja"
    over = opd_totals([make_row("row-1", "6000000000", "100")], pagu())
    with pytest.raises(TransitionRefused) as caught:
        submit_renja(draft(), actor=OPERATOR_PU, at=at(4, 10), totals=over)
    assert caught.value.code == "above_ceiling"
    assert "pagu N lebih Rp1.000.000.000,00" in caught.value.message


@pytest.mark.parametrize("name, actor", [
    ("submit", BAPPEDA), ("submit", OPERATOR_DIKES),
    ("verify", OPERATOR_PU), ("return", OPERATOR_PU), ("finalize", OPERATOR_PU)])
def test_wrong_actor_is_forbidden_even_in_the_right_status(name, actor):
    status = next(iter(ALLOWED[name]))
    call = {
        "submit": lambda r: submit_renja(r, actor=actor, at=at(4, 10), totals=TOTALS),
        "verify": lambda r: verify_renja(r, actor=actor, at=at(4, 20)),
        "return": lambda r: return_renja(r, actor=actor, at=at(4, 20), note="x"),
        "finalize": lambda r: finalize_renja(r, actor=actor, at=at(5, 2)),
    }[name]
    with pytest.raises(Forbidden) as caught:
        call(in_status(status))
    assert "Hanya" in caught.value.message or "OPD Anda sendiri" in caught.value.message


def test_an_opd_operator_cannot_verify():
    with pytest.raises(Forbidden) as caught:
        verify_renja(in_status(S.DIAJUKAN), actor=OPERATOR_PU, at=at(4, 20))
    assert caught.value.message == "Hanya Bappeda yang dapat memverifikasi Renja"


def test_available_actions_combine_who_and_status():
    assert available_actions(OPERATOR_PU, draft()) == {
        Action.VIEW, Action.SNAPSHOT, Action.EDIT_ROWS, Action.DECIDE_INBOX, Action.SUBMIT}
    assert available_actions(OPERATOR_PU, in_status(S.DIAJUKAN)) == {
        Action.VIEW, Action.SNAPSHOT, Action.DECIDE_INBOX}
    assert available_actions(BAPPEDA, in_status(S.DIAJUKAN)) == {
        Action.VIEW, Action.SNAPSHOT, Action.VERIFY, Action.RETURN}
    assert available_actions(BAPPEDA, in_status(S.DIVERIFIKASI)) == {
        Action.VIEW, Action.SNAPSHOT, Action.RETURN, Action.FINALIZE}
    assert available_actions(OPERATOR_DIKES, draft()) == frozenset()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(sorted(STEPS)), max_size=25))
def test_any_sequence_keeps_a_chained_history_and_final_only_after_verification(names):
    state = draft()
    for name in names:
        try:
            state = STEPS[name](state)
        except TransitionRefused:
            continue
    history = state.history
    assert all(a.to_status is b.from_status for a, b in zip(history, history[1:]))
    assert (history[-1].to_status if history else S.DRAFT) is state.status
    for entry in history:
        assert ALLOWED[{"diajukan": "submit", "diverifikasi": "verify",
                        "dikembalikan": "return", "final": "finalize"}[entry.action]][
            entry.from_status] is entry.to_status
    assert sum(1 for h in history if h.to_status is S.FINAL) <= 1
