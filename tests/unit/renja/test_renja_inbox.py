from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renja.domain import (Decision, Forbidden, InboxStatus, TransitionRefused, ValidationError,
                          accommodate, add_to_inbox, inbox_item_id, new_inbox_item,
                          pending_items, reject, reroute)

from renja_builders import (BAPPEDA, DESA_A, OPD_DIKES, OPD_PERKIM, OPD_PU, OPERATOR_DIKES,
                            OPERATOR_PERKIM, OPERATOR_PU, OPERATOR_PU_OTHER_PEMDA, PEMDA,
                            REGISTER, TAHUN, at, item)

I = InboxStatus
OPERATORS = {OPD_PU: OPERATOR_PU, OPD_DIKES: OPERATOR_DIKES, OPD_PERKIM: OPERATOR_PERKIM}


def test_item_id_is_deterministic_from_source_id_and_opd():
    first, again = item("usulan-1"), item("usulan-1")
    assert first.id == again.id == inbox_item_id(PEMDA, "musrenbang", "usulan-1", OPD_PU)
    others = {item("usulan-2").id, item("usulan-1", opd=OPD_DIKES).id,
              item("usulan-1", source="pokir").id,
              inbox_item_id("12.20", "musrenbang", "usulan-1", OPD_PU)}
    assert first.id not in others and len(others) == 4
    assert first.status is I.MENUNGGU and first.decision is None
    assert (first.volume, first.cost) == (Decimal("2"), Decimal("150000000.00"))


def test_receiving_the_same_routed_usulan_twice_is_a_no_op():
    inbox, added = add_to_inbox((), item("usulan-1"))
    assert added and len(inbox) == 1
    again, added = add_to_inbox(inbox, item("usulan-1"))
    assert not added and again == inbox
    decided, _ = reject(inbox[0], actor=OPERATOR_PU, reason="Sudah dianggarkan", at=at(4, 1))
    unchanged, added = add_to_inbox((decided,), item("usulan-1"))
    assert not added and unchanged[0].status is I.DITOLAK  # a redelivery never resets a decision


def test_received_items_are_validated():
    with pytest.raises(ValidationError) as caught:
        new_inbox_item(pemda=PEMDA, source="rkpd", source_id="", opd=OPD_PU, tahun=TAHUN,
                       judul=" ", volume="0", cost="-1", sub_kegiatan=None,
                       lokasi="12.20.01.2001", received_at=at(3, 20))
    assert caught.value.fields() == {"source", "source_id", "judul", "volume", "cost", "lokasi"}


def test_accommodate_defaults_to_the_items_volume_and_cost():
    decided, decision = accommodate(item(), actor=OPERATOR_PU, row_id="row-1", at=at(4, 1))
    assert decided.status is I.DIAKOMODASI and decided.decision == decision
    assert decision == Decision(I.DIAKOMODASI, None, "row-1", Decimal("2"),
                                Decimal("150000000.00"), None, at(4, 1), "sub-pu", "baris_baru")
    assert decision.decision == "diakomodasi"


def test_accommodate_with_revised_volume_and_cost():
    _, decision = accommodate(item(), actor=OPERATOR_PU, row_id="row-1", at=at(4, 1),
                              volume="1.5", cost="112500000", reason="Disesuaikan pagu")
    assert (decision.volume, decision.cost) == (Decimal("1.5"), Decimal("112500000.00"))
    assert decision.reason == "Disesuaikan pagu"


@pytest.mark.parametrize("changes, field, code", [
    ({"cost": "0"}, "cost", "not_positive"),
    ({"cost": "-5"}, "cost", "negative"),
    ({"volume": "0"}, "volume", "not_positive"),
    ({"volume": "banyak"}, "volume", "invalid"),
    ({"row_id": " "}, "renja_row_id", "required"),
])
def test_accommodate_refuses_bad_revisions(changes, field, code):
    args = {"row_id": "row-1", **changes}
    with pytest.raises(ValidationError) as caught:
        accommodate(item(), actor=OPERATOR_PU, at=at(4, 1), **args)
    assert caught.value.codes_for(field) == {code}


def test_reject_requires_a_reason():
    with pytest.raises(ValidationError) as caught:
        reject(item(), actor=OPERATOR_PU, reason="  ", at=at(4, 1))
    assert caught.value.codes_for("reason") == {"required"}
    decided, decision = reject(item(), actor=OPERATOR_PU, reason=" Di luar kewenangan ",
                               at=at(4, 1))
    assert decided.status is I.DITOLAK
    assert (decision.decision, decision.reason, decision.renja_row_id) == (
        I.DITOLAK, "Di luar kewenangan", None)


def test_reroute_creates_one_new_item_for_the_target_opd():
    original = item()
    decided, decision, new = reroute(original, actor=OPERATOR_PU, to_opd=OPD_PERKIM,
                                     reason="Urusan perumahan", at=at(4, 2), opds=REGISTER)
    assert decided.status is I.DIALIHKAN and decided.opd == OPD_PU
    assert (decision.decision, decision.rerouted_to, decision.reason) == (
        I.DIALIHKAN, OPD_PERKIM, "Urusan perumahan")
    assert new.id == inbox_item_id(PEMDA, "musrenbang", "usulan-1", OPD_PERKIM)
    assert (new.opd, new.status, new.decision, new.previous_opds) == (
        OPD_PERKIM, I.MENUNGGU, None, (OPD_PU,))
    assert (new.source_id, new.volume, new.cost, new.lokasi) == (
        "usulan-1", original.volume, original.cost, DESA_A)
    assert new.received_at == at(4, 2)
    # the target decides it; it can go on, but never back to an OPD it passed through
    with pytest.raises(ValidationError) as back:
        reroute(new, actor=OPERATOR_PERKIM, to_opd=OPD_PU, reason="Kembali", at=at(4, 3),
                opds=REGISTER)
    assert back.value.codes_for("to_opd") == {"already_routed"}
    _, _, third = reroute(new, actor=OPERATOR_PERKIM, to_opd=OPD_DIKES, reason="Sanitasi",
                          at=at(4, 3), opds=REGISTER)
    assert third.previous_opds == (OPD_PU, OPD_PERKIM)


@pytest.mark.parametrize("to_opd, reason, field, code", [
    (OPD_PU, "x", "to_opd", "same_opd"),
    ("9.99.0.00.0.00.01.0000", "x", "to_opd", "unknown_opd"),
    ("", "x", "to_opd", "required"),
    (OPD_DIKES, "", "reason", "required"),
])
def test_reroute_refusals(to_opd, reason, field, code):
    with pytest.raises(ValidationError) as caught:
        reroute(item(), actor=OPERATOR_PU, to_opd=to_opd, reason=reason, at=at(4, 2),
                opds=REGISTER)
    assert caught.value.codes_for(field) == {code}


DECIDE = {
    "accommodate": lambda i, a: accommodate(i, actor=a, row_id="row-1", at=at(4, 5)),
    "reject": lambda i, a: reject(i, actor=a, reason="Tidak prioritas", at=at(4, 5)),
    "reroute": lambda i, a: reroute(i, actor=a, to_opd=OPD_DIKES, reason="Urusan kesehatan",
                                    at=at(4, 5), opds=REGISTER),
}


@pytest.mark.parametrize("first", sorted(DECIDE))
@pytest.mark.parametrize("second", sorted(DECIDE))
def test_a_decided_item_cannot_be_decided_again(first, second):
    decided = DECIDE[first](item(), OPERATOR_PU)[0]
    with pytest.raises(TransitionRefused) as caught:
        DECIDE[second](decided, OPERATOR_PU)
    assert caught.value.code == "already_decided"
    assert f"status: {decided.status.value}" in caught.value.message


@pytest.mark.parametrize("kind", sorted(DECIDE))
@pytest.mark.parametrize("actor", [OPERATOR_DIKES, BAPPEDA, OPERATOR_PU_OTHER_PEMDA])
def test_only_the_items_own_opd_decides(kind, actor):
    with pytest.raises(Forbidden) as caught:
        DECIDE[kind](item(), actor)
    assert caught.value.code == "forbidden" and caught.value.message


def test_forbidden_is_checked_before_the_status():
    decided = DECIDE["reject"](item(), OPERATOR_PU)[0]
    with pytest.raises(Forbidden):
        DECIDE["reject"](decided, OPERATOR_DIKES)


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=1, max_value=6),
       st.lists(st.tuples(st.integers(0, 50), st.sampled_from(sorted(DECIDE)),
                          st.sampled_from(sorted(OPERATORS)),
                          st.sampled_from(sorted(REGISTER) + ["9.99"])),
                max_size=40))
def test_any_sequence_of_decision_attempts_keeps_every_item_decided_at_most_once(
        n_items, attempts):
    initial = [item(f"usulan-{k}", opd=sorted(REGISTER)[k % 3]) for k in range(n_items)]
    inbox = {i.id: i for i in initial}
    decided_once: dict[str, int] = {}
    reroutes = 0
    for index, kind, actor_opd, to_opd in attempts:
        target = list(inbox.values())[index % len(inbox)]
        actor = OPERATORS[actor_opd]
        try:
            if kind == "accommodate":
                result = accommodate(target, actor=actor, row_id="row-1", at=at(4, 5))
            elif kind == "reject":
                result = reject(target, actor=actor, reason="Tidak prioritas", at=at(4, 5))
            else:
                result = reroute(target, actor=actor, to_opd=to_opd, reason="Bukan urusan kami",
                                 at=at(4, 5), opds=REGISTER)
        except (Forbidden, TransitionRefused, ValidationError):
            assert inbox[target.id] is target  # a refused attempt changes nothing
            continue
        assert target.pending and actor.opd == target.opd
        decided_once[target.id] = decided_once.get(target.id, 0) + 1
        inbox[target.id] = result[0]
        assert result[0].decision is result[1]
        if kind == "reroute":
            reroutes += 1
            new = result[2]
            assert new.id not in inbox  # exactly one new item, never overwriting one
            inbox[new.id] = new
    items = list(inbox.values())
    assert all(count == 1 for count in decided_once.values())
    assert {i.id for i in initial} <= set(inbox)  # none disappears
    assert len(items) == n_items + reroutes
    pending = pending_items(items)
    decided = [i for i in items if not i.pending]
    assert len(decided) + len(pending) == len(items)
    assert {i.id for i in decided} == set(decided_once)
    assert all(i.decision is None for i in pending)
    assert all(i.decision.decision is i.status for i in decided)
    # each rerouted item has exactly one successor, for the OPD it named
    for i in items:
        if i.status is I.DIALIHKAN:
            successors = [s for s in items if s.source_id == i.source_id
                          and s.previous_opds == i.previous_opds + (i.opd,)]
            assert [s.opd for s in successors] == [i.decision.rerouted_to]
