from decimal import Decimal

import pytest

from musrenbang.domain import (DecideUsulan, DecisionStatus, Level, ScheduleClosed,
                               TransitionRefused, ValidationError, decide, status_at, withdraw)
from musrenbang_builders import (IN_DESA, IN_KABUPATEN, IN_KECAMATAN, accepted_through, at,
                                 decided, draft, schedule, submitted)

D, K, B = Level.DESA, Level.KECAMATAN, Level.KABUPATEN
TERIMA = DecisionStatus.DITERIMA
UBAH = DecisionStatus.DITERIMA_DENGAN_PERUBAHAN
TOLAK = DecisionStatus.DITOLAK
GABUNG = DecisionStatus.DIGABUNG


def test_accept_at_each_level_in_order():
    usulan = accepted_through(submitted("u-1"), D, K, B)
    assert [d.level for d in usulan.decisions] == [D, K, B]
    assert all(d.status is TERIMA for d in usulan.decisions)
    assert [status_at(usulan, level) for level in (D, K, B)] == ["diterima"] * 3


def test_plain_accept_needs_no_reason_and_keeps_volume_and_cost():
    usulan = decided(submitted("u-1", volume="100"), D).usulan
    decision = usulan.decision_at(D)
    assert decision.reason == ""
    assert (decision.volume, decision.cost) == (Decimal("100"), Decimal("75000000.00"))


@pytest.mark.parametrize("status", [UBAH, TOLAK, GABUNG])
def test_reason_required_for_anything_but_plain_accept(status):
    target = accepted_through(submitted("u-9"), D)
    with pytest.raises(ValidationError) as invalid:
        decided(accepted_through(submitted("u-1"), D), K, status, reason="  ",
                revised_volume="50" if status is UBAH else None,
                target=accepted_through(target, K) if status is GABUNG else None)
    assert invalid.value.codes_for("reason") == {"required"}


def test_accept_with_changes_recomputes_cost_and_keeps_the_original():
    usulan = accepted_through(submitted("u-1", volume="100"), D)
    usulan = decided(usulan, K, UBAH, reason="Disesuaikan pagu", revised_volume="60.5").usulan
    usulan = decided(usulan, B, UBAH, reason="Dipangkas TAPD", revised_volume="40").usulan
    kec, kab = usulan.decision_at(K), usulan.decision_at(B)
    assert (kec.volume, kec.cost) == (Decimal("60.5"), Decimal("45375000.00"))
    assert (kab.volume, kab.cost) == (Decimal("40"), Decimal("30000000.00"))
    for decision in usulan.decisions:
        assert (decision.original_volume, decision.original_cost) == (
            Decimal("100"), Decimal("75000000.00"))
    assert (usulan.volume, usulan.cost) == (Decimal("100"), Decimal("75000000.00"))
    assert (usulan.current_volume, usulan.current_cost) == (Decimal("40"),
                                                            Decimal("30000000.00"))


def test_plain_accept_after_a_change_carries_the_changed_volume():
    usulan = accepted_through(submitted("u-1", volume="100"), D)
    usulan = decided(usulan, K, UBAH, reason="Disesuaikan", revised_volume="60").usulan
    usulan = decided(usulan, B).usulan
    assert usulan.decision_at(B).volume == Decimal("60")
    assert usulan.decision_at(B).cost == Decimal("45000000.00")


@pytest.mark.parametrize("revised, code", [
    (None, "required"), ("0", "not_positive"), ("501", "above_maximum"), ("x", "invalid"),
    ("100", "unchanged"),
])
def test_accept_with_changes_needs_a_valid_new_volume(revised, code):
    usulan = accepted_through(submitted("u-1", volume="100"), D)
    with pytest.raises(ValidationError) as invalid:
        decided(usulan, K, UBAH, reason="ubah", revised_volume=revised)
    assert invalid.value.codes_for("revised_volume") == {code}


def test_revised_volume_is_refused_for_other_statuses():
    with pytest.raises(ValidationError) as invalid:
        decided(submitted("u-1"), D, TERIMA, revised_volume="10")
    assert invalid.value.codes_for("revised_volume") == {"not_allowed"}


def test_merge_needs_a_target():
    usulan = accepted_through(submitted("u-1"), D)
    with pytest.raises(ValidationError) as invalid:
        decided(usulan, K, GABUNG, reason="sama")
    assert invalid.value.codes_for("merge_target_id") == {"required"}
    command = DecideUsulan(K, GABUNG, by="f", at=IN_KECAMATAN, reason="sama",
                           merge_target_id="u-404")
    with pytest.raises(ValidationError) as invalid:
        decide(usulan, command, schedule(), merge_target=None)
    assert invalid.value.codes_for("merge_target_id") == {"unknown"}


def test_kecamatan_cannot_decide_before_desa_accepted():
    with pytest.raises(TransitionRefused) as refused:
        decided(submitted("u-1"), K)
    assert refused.value.code == "previous_level_pending"


def test_kabupaten_requires_kecamatan_acceptance():
    with pytest.raises(TransitionRefused) as refused:
        decided(accepted_through(submitted("u-1"), D), B)
    assert refused.value.code == "previous_level_pending"


@pytest.mark.parametrize("final", [TOLAK, GABUNG])
def test_rejected_or_merged_cannot_be_decided_further(final):
    target = accepted_through(submitted("u-9"), D)
    usulan = decided(accepted_through(submitted("u-1"), D), K, final, reason="alasan",
                     target=target if final is GABUNG else None).usulan
    with pytest.raises(TransitionRefused) as refused:
        decided(usulan, B)
    assert refused.value.code == "already_final"
    assert status_at(usulan, B) == "tidak diteruskan"


def test_each_level_decides_once():
    usulan = decided(submitted("u-1"), D).usulan
    with pytest.raises(TransitionRefused) as refused:
        decided(usulan, D, TOLAK, reason="berubah pikiran")
    assert refused.value.code == "already_decided"


def test_drafts_and_withdrawn_usulan_cannot_be_decided():
    with pytest.raises(TransitionRefused):
        decided(draft("u-1"), D)
    withdrawn = withdraw(submitted("u-2"), schedule(), by="op", at=at(1, 11))
    with pytest.raises(TransitionRefused):
        decided(withdrawn, D)


def test_decision_outside_the_level_window_is_refused():
    usulan = accepted_through(submitted("u-1"), D)
    command = DecideUsulan(K, TERIMA, by="forum", at=IN_DESA)
    with pytest.raises(ScheduleClosed) as refused:
        decide(usulan, command, schedule())
    assert "kecamatan" in refused.value.message and "belum dibuka" in refused.value.message
    late = DecideUsulan(K, TERIMA, by="forum", at=IN_KABUPATEN)
    with pytest.raises(ScheduleClosed):
        decide(usulan, late, schedule())


def test_decision_records_who_and_when():
    decision = decided(submitted("u-1"), D).usulan.decision_at(D)
    assert (decision.by, decision.at) == ("forum-desa", IN_DESA)


def test_status_at_for_undecided_usulan():
    assert status_at(draft("u-1"), D) == "draft"
    assert status_at(submitted("u-2"), D) == "belum diputuskan"
    assert status_at(submitted("u-2"), K) == "tidak diteruskan"
    assert status_at(accepted_through(submitted("u-3"), D), K) == "belum diputuskan"
    withdrawn = withdraw(submitted("u-4"), schedule(), by="op", at=at(1, 11))
    assert status_at(withdrawn, D) == "ditarik"
