from decimal import Decimal

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from musrenbang.domain import (DecisionStatus, DomainError, Level, MergeRefused, ValidationError,
                               status_at, total_cost, withdraw)
from musrenbang_builders import (DESA_A, DESA_B, DESA_C, DRAINASE, accepted_through, at, decided,
                                 schedule, submitted)

D, K, B = Level.DESA, Level.KECAMATAN, Level.KABUPATEN
GABUNG = DecisionStatus.DIGABUNG


def live(usulan_id, **overrides):
    return accepted_through(submitted(usulan_id, **overrides), D)


def merge(source, target, level=K, reason="Lokasi dan pekerjaan sama"):
    return decided(source, level, GABUNG, reason=reason, target=target)


def test_merge_records_target_on_source_and_source_on_target():
    a, b = live("u-a", volume="80"), live("u-b", volume="100")
    outcome = merge(a, b)
    assert outcome.usulan.merged_into == "u-b"
    assert outcome.usulan.decision_at(K).merge_target == "u-b"
    assert outcome.merge_target.merged_from == ("u-a",)
    assert status_at(outcome.usulan, K) == "digabung"


def test_merge_does_not_add_volume_to_the_target():
    a, b = live("u-a", volume="80"), live("u-b", volume="100")
    target = merge(a, b).merge_target
    assert (target.current_volume, target.current_cost) == (b.current_volume, b.current_cost)


def test_target_volume_is_raised_by_its_own_decision_with_changes():
    a, b = live("u-a", volume="80"), live("u-b", volume="100")
    target = merge(a, b).merge_target
    target = decided(target, K, DecisionStatus.DITERIMA_DENGAN_PERUBAHAN,
                     reason="Mencakup usulan u-a", revised_volume="180").usulan
    assert target.decision_at(K).cost == Decimal("135000000.00")
    assert target.merged_from == ("u-a",)


def test_not_into_itself():
    a = live("u-a")
    with pytest.raises(MergeRefused) as refused:
        merge(a, a)
    assert refused.value.code == "self_merge"


def test_same_desa_is_not_required_but_same_kecamatan_is():
    a, b = live("u-a"), live("u-b", desa=DESA_B)  # both in kecamatan 12.21.01
    assert merge(a, b).usulan.merged_into == "u-b"
    c = live("u-c", desa=DESA_C)  # kecamatan 12.21.02
    with pytest.raises(MergeRefused) as refused:
        merge(a, c)
    assert refused.value.code == "other_kecamatan"


def test_same_kamus_item_required():
    a, b = live("u-a"), live("u-b", kamus_item_id=DRAINASE.id, volume="10")
    with pytest.raises(MergeRefused) as refused:
        merge(a, b)
    assert refused.value.code == "other_kamus_item"


def test_no_merge_into_a_merged_usulan():
    a, b, c = live("u-a"), live("u-b"), live("u-c")
    b_merged = merge(b, c).usulan
    with pytest.raises(MergeRefused) as refused:
        merge(a, b_merged)
    assert refused.value.code == "target_merged"
    assert "u-c" in refused.value.message  # tells the forum where the root is


def test_no_chain_through_a_merge_target():
    a, b, c = live("u-a"), live("u-b"), live("u-c")
    b_target = merge(a, b).merge_target
    with pytest.raises(MergeRefused) as refused:
        merge(b_target, c)
    assert refused.value.code == "source_is_target"


def test_no_cycle():
    a, b = live("u-a"), live("u-b")
    outcome = merge(a, b)
    with pytest.raises(DomainError):
        merge(outcome.merge_target, outcome.usulan)


def test_target_must_be_live():
    a = live("u-a")
    rejected = decided(live("u-b"), K, DecisionStatus.DITOLAK, reason="tidak layak").usulan
    with pytest.raises(MergeRefused) as refused:
        merge(a, rejected)
    assert refused.value.code == "target_not_live"
    withdrawn = withdraw(submitted("u-c"), schedule(), by="op", at=at(1, 11))
    with pytest.raises(MergeRefused) as refused:
        merge(submitted("u-e"), withdrawn, level=D)
    assert refused.value.code == "target_not_live"
    not_yet_at_desa = submitted("u-d")
    with pytest.raises(MergeRefused) as refused:
        merge(a, not_yet_at_desa)
    assert refused.value.code == "target_not_live"


def test_merge_needs_a_reason():
    with pytest.raises(ValidationError):
        merge(live("u-a"), live("u-b"), reason="")


def test_merged_usulan_counted_once_in_totals():
    a, b, c = live("u-a", volume="80"), live("u-b", volume="100"), live("u-c", volume="10")
    outcome = merge(a, b)
    b = decided(outcome.merge_target, K).usulan
    c = decided(c, K).usulan
    pool = [outcome.usulan, b, c]
    assert total_cost(pool, K) == b.decision_at(K).cost + c.decision_at(K).cost
    with pytest.raises(ValueError):
        total_cost(pool + [b], K)  # the same usulan twice is refused, not summed twice


# --- property: whatever the forum does, merged usulan are never counted twice ---------------

N = 8


@settings(max_examples=100, deadline=None)
@given(volumes=st.lists(st.integers(1, 500), min_size=N, max_size=N),
       actions=st.lists(st.tuples(st.sampled_from(["terima", "gabung", "gabung", "tolak"]),
                                  st.integers(0, N - 1), st.integers(0, N - 1)),
                        min_size=2, max_size=3 * N))
def test_totals_never_count_a_merged_usulan(volumes, actions):
    pool = {f"u-{i}": live(f"u-{i}", volume=str(v), desa=DESA_B if i % 2 else DESA_A)
            for i, v in enumerate(volumes)}
    for action, i, j in actions:
        source, target = pool[f"u-{i}"], pool[f"u-{j}"]
        try:
            if action == "terima":
                pool[source.id] = decided(source, K).usulan
            elif action == "tolak":
                pool[source.id] = decided(source, K, DecisionStatus.DITOLAK, reason="x").usulan
            else:
                outcome = merge(source, target)
                pool[source.id], pool[target.id] = outcome.usulan, outcome.merge_target
        except DomainError:
            pass  # refused actions leave the pool unchanged
    usulans = list(pool.values())
    merged = [u for u in usulans if u.merged_into is not None]
    event("with merges" if merged else "without merges")
    for u in merged:
        root = pool[u.merged_into]
        assert root.merged_into is None  # no chains
        assert u.id in root.merged_from
        assert not u.accepted_at(K)
    assert sum(len(u.merged_from) for u in usulans) == len(merged)
    counted = [u for u in usulans if u.accepted_at(K)]
    assert {u.id for u in counted}.isdisjoint({u.id for u in merged})
    assert total_cost(usulans, K) == sum((u.decision_at(K).cost for u in counted), Decimal(0))
    assert total_cost(usulans, K) <= sum((u.current_cost for u in usulans
                                          if u.merged_into is None), Decimal(0))
