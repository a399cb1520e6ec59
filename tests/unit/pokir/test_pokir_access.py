import pytest

from pokir.domain import (Action, Actor, Forbidden, PokirStatus, Role, authorize,
                          available_actions, can_create, can_deliver, can_edit, can_follow_up,
                          can_recommend, can_submit, can_view, can_withdraw, recommend, withdraw)
from pokir_builders import (ANGGOTA_1, ANGGOTA_3, BAPPEDA, SETWAN, STAF_1, STAF_3, at, at_status,
                            draft)

OWN = draft("p-own")  # pokir of A-01
CHECKS = {"view": can_view, "edit": can_edit, "submit": can_submit, "withdraw": can_withdraw,
          "recommend": can_recommend, "deliver": can_deliver, "follow_up": can_follow_up}
# actor -> checks it passes on A-01's pokir; A-03's anggota/staf pass none of them
EXPECTED = {
    "anggota_1": {"view", "edit", "submit", "withdraw"},
    "staf_1": {"view", "edit", "submit"},
    "anggota_3": set(),
    "staf_3": set(),
    "setwan": {"view", "recommend", "deliver"},
    "bappeda": {"view", "follow_up"},
    "setwan_other_pemda": set(),
    "bappeda_other_pemda": set(),
}
ACTORS = {"anggota_1": ANGGOTA_1, "staf_1": STAF_1, "anggota_3": ANGGOTA_3, "staf_3": STAF_3,
          "setwan": SETWAN, "bappeda": BAPPEDA,
          "setwan_other_pemda": Actor("sub-x", Role.SETWAN, "12.20"),
          "bappeda_other_pemda": Actor("sub-y", Role.BAPPEDA, "12.20")}


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize("check", list(CHECKS))
def test_authorization_matrix(who, check):
    assert CHECKS[check](ACTORS[who], OWN) == (check in EXPECTED[who])


def test_matrix_is_symmetric_for_the_other_member():
    theirs = draft("p-3", actor=ANGGOTA_3, desa="12.21.02.2001", reses_id="R-03")
    assert can_edit(ANGGOTA_3, theirs) and can_view(STAF_3, theirs)
    assert not can_view(ANGGOTA_1, theirs) and not can_edit(STAF_1, theirs)


def test_can_create_only_for_own_member_in_own_pemda():
    assert can_create(STAF_1, "12.21", "A-01")
    assert not can_create(STAF_1, "12.21", "A-03")
    assert not can_create(ANGGOTA_1, "12.20", "A-01")
    assert not can_create(SETWAN, "12.21", "A-01")


def test_forbidden_messages_are_in_bahasa_indonesia():
    with pytest.raises(Forbidden) as caught:
        authorize(ANGGOTA_3, Action.VIEW, OWN.pemda, OWN.anggota_id)
    assert caught.value.message == "Anda hanya dapat melihat pokir anggota DPRD yang Anda wakili"
    with pytest.raises(Forbidden) as caught:
        authorize(BAPPEDA, Action.RECOMMEND, OWN.pemda, OWN.anggota_id)
    assert caught.value.message == "Hanya Setwan yang dapat merekomendasikan pokir"
    with pytest.raises(Forbidden) as caught:
        authorize(ACTORS["setwan_other_pemda"], Action.VIEW, OWN.pemda, OWN.anggota_id)
    assert "pemda lain" in caught.value.message


def test_staf_ahli_cannot_withdraw_their_members_pokir():
    with pytest.raises(Forbidden) as caught:
        withdraw(OWN, actor=STAF_1, at=at(2, 1))
    assert caught.value.message == "Hanya anggota DPRD pemilik pokir yang dapat menarik pokir"


@pytest.mark.parametrize("actor", [ANGGOTA_1, STAF_1, BAPPEDA])
def test_only_setwan_recommends(actor):
    with pytest.raises(Forbidden):
        recommend(at_status(OWN, PokirStatus.DIAJUKAN), actor=actor, at=at(2, 20), catatan="ok")


def test_forbidden_is_checked_before_status():
    # another member trying to withdraw a delivered pokir learns nothing about its status
    with pytest.raises(Forbidden):
        withdraw(at_status(OWN, PokirStatus.DISAMPAIKAN), actor=ANGGOTA_3, at=at(3, 2))


def test_actor_shape_is_checked():
    with pytest.raises(ValueError):
        Actor("s", Role.STAF_AHLI, "12.21")
    with pytest.raises(ValueError):
        Actor("s", Role.SETWAN, "12.21", "A-01")
    with pytest.raises(ValueError):
        Actor("s", "camat", "12.21")


def test_available_actions_combine_who_and_status():
    A = Action
    assert available_actions(ANGGOTA_1, OWN) == {A.VIEW, A.EDIT, A.SUBMIT, A.WITHDRAW}
    assert available_actions(STAF_1, OWN) == {A.VIEW, A.EDIT, A.SUBMIT}
    assert available_actions(SETWAN, OWN) == {A.VIEW}
    submitted = at_status(OWN, PokirStatus.DIAJUKAN)
    assert available_actions(SETWAN, submitted) == {A.VIEW, A.RECOMMEND, A.RETURN}
    assert available_actions(ANGGOTA_1, submitted) == {A.VIEW, A.WITHDRAW}
    delivered = at_status(OWN, PokirStatus.DISAMPAIKAN)
    assert available_actions(BAPPEDA, delivered) == {A.VIEW, A.REVIEW, A.DISPOSE, A.ACCOMMODATE,
                                                     A.NOT_ACCOMMODATE}
    assert available_actions(ANGGOTA_1, delivered) == {A.VIEW}
    assert available_actions(ANGGOTA_3, delivered) == set()
