import random
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musrenbang.domain import (Criterion, Level, RankEntry, ScoringScheme, ValidationError,
                               check_all, compare, entry_for, rank, rank_key, weighted_total)
from musrenbang_builders import IN_DESA, WIB, accepted_through, at, draft, submitted

SCHEME = ScoringScheme((
    Criterion("urgensi", Decimal("0.4"), 5),
    Criterion("manfaat", Decimal("0.35"), 5),
    Criterion("swadaya", Decimal("0.25"), 3),
))


def entry(uid, total, cost="100.00", when=IN_DESA):
    return RankEntry(uid, Decimal(total), Decimal(cost), when)


# --- scoring -------------------------------------------------------------------------------

def test_weighted_total():
    assert weighted_total(SCHEME, {"urgensi": 5, "manfaat": 4, "swadaya": 2}) == Decimal("3.90")


def test_scores_outside_zero_to_max_unknown_missing_and_non_integer_are_all_reported():
    with pytest.raises(ValidationError) as invalid:
        weighted_total(SCHEME, {"urgensi": 6, "manfaat": 1.5, "lokasi": 2})
    codes = {e.field: e.code for e in invalid.value.errors}
    assert codes == {"scores.urgensi": "out_of_range", "scores.manfaat": "invalid",
                     "scores.swadaya": "required", "scores.lokasi": "unknown"}
    with pytest.raises(ValidationError):
        weighted_total(SCHEME, {"urgensi": -1, "manfaat": 0, "swadaya": 0})
    assert weighted_total(SCHEME, {"urgensi": 0, "manfaat": 0, "swadaya": 3}) == Decimal("0.75")


def test_scheme_configuration_is_validated():
    with pytest.raises(ValidationError) as invalid:
        ScoringScheme((Criterion("a", Decimal("0"), 5), Criterion("a", Decimal("1"), 0),
                       Criterion(" ", Decimal("1"), 5)))
    assert invalid.value.fields() == {"criteria[0].weight", "criteria[1].name",
                                      "criteria[1].max_score", "criteria[2].name"}
    with pytest.raises(ValidationError):
        ScoringScheme(())
    assert ScoringScheme((Criterion("a", "1.5", 5),)).criteria[0].weight == Decimal("1.5")


def test_check_all_prefixes_errors_with_the_usulan():
    with pytest.raises(ValidationError) as invalid:
        check_all(SCHEME, {"u-1": {"urgensi": 1, "manfaat": 1, "swadaya": 1},
                           "u-2": {"urgensi": 9, "manfaat": 1, "swadaya": 1}})
    assert invalid.value.fields() == {"u-2.scores.urgensi"}
    totals = check_all(SCHEME, {"u-1": {"urgensi": 1, "manfaat": 1, "swadaya": 1}})
    assert totals == {"u-1": Decimal("1.00")}


# --- ranking tie-breaks --------------------------------------------------------------------

def ids(ranked):
    return [r.entry.usulan_id for r in ranked]


def test_higher_total_first():
    assert ids(rank([entry("a", "2"), entry("b", "3.5"), entry("c", "3")])) == ["b", "c", "a"]


def test_tie_on_total_cheaper_first():
    assert ids(rank([entry("a", "3", "200.00"), entry("b", "3", "150.00")])) == ["b", "a"]


def test_tie_on_total_and_cost_earlier_submission_first():
    early, late = at(1, 6), at(1, 7)
    assert ids(rank([entry("a", "3", when=late), entry("b", "3", when=early)])) == ["b", "a"]


def test_full_tie_broken_by_id_and_same_instant_in_other_timezone_is_a_tie():
    utc_same_instant = IN_DESA.astimezone(WIB.utc)
    ranked = rank([entry("b", "3", when=IN_DESA), entry("a", "3", when=utc_same_instant)])
    assert ids(ranked) == ["a", "b"]
    assert [r.position for r in ranked] == [1, 2]


def test_duplicate_ids_refused():
    with pytest.raises(ValueError):
        rank([entry("a", "1"), entry("a", "2")])


def test_entry_for_uses_current_cost_and_submission_time():
    usulan = accepted_through(submitted("u-1", volume="10"), Level.DESA)
    e = entry_for(usulan, Decimal("3"))
    assert (e.usulan_id, e.cost, e.submitted_at) == ("u-1", Decimal("7500000.00"), IN_DESA)
    with pytest.raises(ValueError):
        entry_for(draft("u-2"), Decimal("1"))


# --- ranking is a total order (property) ----------------------------------------------------

entries = st.lists(
    st.builds(lambda uid, total, cost, minutes: entry(
        f"u-{uid:04d}", Decimal(total) / 4, Decimal(cost) * 100, IN_DESA + timedelta(minutes=minutes)),
        st.integers(0, 9999), st.integers(0, 8), st.integers(1, 3), st.integers(0, 2)),
    max_size=30, unique_by=lambda e: e.usulan_id)


@settings(max_examples=100)
@given(entries, st.randoms(use_true_random=False))
def test_ranking_is_deterministic_regardless_of_input_order(items, rnd):
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert rank(shuffled) == rank(items)
    assert [r.position for r in rank(items)] == list(range(1, len(items) + 1))


@settings(max_examples=100)
@given(entries)
def test_ranking_is_antisymmetric_total_and_transitive(items):
    for a in items:
        assert compare(a, a) == 0
        for b in items:
            if a is not b:
                assert compare(a, b) != 0  # total: distinct usulan never tie
                assert compare(a, b) == -compare(b, a)  # antisymmetric
                for c in items:
                    if compare(a, b) < 0 and compare(b, c) < 0:
                        assert compare(a, c) < 0  # transitive


@settings(max_examples=100)
@given(entries)
def test_ranking_respects_the_stated_rule(items):
    ordered = [r.entry for r in rank(items)]
    for first, second in zip(ordered, ordered[1:]):
        assert first.total >= second.total
        if first.total == second.total:
            assert first.cost <= second.cost
            if first.cost == second.cost:
                assert first.submitted_at <= second.submitted_at
                if first.submitted_at == second.submitted_at:
                    assert first.usulan_id < second.usulan_id


def test_rank_2000_is_a_permutation_of_its_input():
    rnd = random.Random(7)
    items = [entry(f"u-{i:05d}", rnd.randint(0, 20), rnd.randint(1, 5) * 100,
                   IN_DESA + timedelta(minutes=rnd.randint(0, 60))) for i in range(2000)]
    ranked = rank(items)
    assert sorted(ids(ranked)) == sorted(e.usulan_id for e in items)
    assert ids(ranked) == [e.usulan_id for e in sorted(items, key=rank_key)]
