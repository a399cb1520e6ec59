import pytest

from renja.domain import Action, Actor, Forbidden, authorize, can

from renja_builders import (BAPPEDA, BAPPEDA_OTHER_PEMDA, OPD_DIKES, OPD_PU, OPERATOR_DIKES,
                            OPERATOR_PU, OPERATOR_PU_OTHER_PEMDA, PEMDA)

A = Action
OWN, OTHER, PEMDA_WIDE = OPD_PU, OPD_DIKES, None
# action -> (operator of the OPD on its own OPD, on another OPD, pemda-wide; Bappeda on an OPD)
MATRIX = {
    A.VIEW: (True, False, False, True),
    A.EDIT_ROWS: (True, False, False, False),
    A.DECIDE_INBOX: (True, False, False, False),
    A.SUBMIT: (True, False, False, False),
    A.SNAPSHOT: (True, False, False, True),
    A.VERIFY: (False, False, False, True),
    A.RETURN: (False, False, False, True),
    A.FINALIZE: (False, False, False, True),
    A.SET_PAGU: (False, False, False, True),
    A.CLOSE_STAGE: (False, False, False, True),
    A.FORUM_PD: (True, False, False, False),
    A.FORUM_PD_GABUNGAN: (False, False, False, True),
    A.SET_KEBIJAKAN: (False, False, False, True),
}


def test_matrix_covers_every_action():
    assert set(MATRIX) == set(Action)


@pytest.mark.parametrize("action", list(Action))
def test_authorization_matrix(action):
    own, other, wide, bappeda = MATRIX[action]
    assert can(OPERATOR_PU, action, pemda=PEMDA, opd=OWN) is own
    assert can(OPERATOR_PU, action, pemda=PEMDA, opd=OTHER) is other
    assert can(OPERATOR_PU, action, pemda=PEMDA, opd=PEMDA_WIDE) is wide
    assert can(BAPPEDA, action, pemda=PEMDA, opd=OWN) is bappeda
    # nobody acts in another pemda
    assert not can(BAPPEDA_OTHER_PEMDA, action, pemda=PEMDA, opd=OWN)
    assert not can(OPERATOR_PU_OTHER_PEMDA, action, pemda=PEMDA, opd=OWN)


@pytest.mark.parametrize("actor, action, opd, message", [
    (OPERATOR_PU, A.VERIFY, OPD_PU, "Hanya Bappeda yang dapat memverifikasi Renja"),
    (OPERATOR_DIKES, A.EDIT_ROWS, OPD_PU,
     "Anda hanya dapat mengubah baris Renja milik OPD Anda sendiri"),
    (BAPPEDA, A.EDIT_ROWS, OPD_PU, "Hanya operator OPD pemilik yang dapat mengubah baris Renja"),
    (BAPPEDA, A.SUBMIT, OPD_PU, "Hanya operator OPD yang dapat mengajukan Renja"),
    (BAPPEDA_OTHER_PEMDA, A.VIEW, OPD_PU, "Anda tidak berwenang melihat Renja pemda lain"),
])
def test_refusals_explain_themselves_in_bahasa_indonesia(actor, action, opd, message):
    with pytest.raises(Forbidden) as caught:
        authorize(actor, action, pemda=PEMDA, opd=opd)
    assert caught.value.message == message and caught.value.code == "forbidden"


def test_actor_shape_is_checked():
    with pytest.raises(ValueError):
        Actor("sub-x", "opd", PEMDA)  # an operator belongs to an OPD
    with pytest.raises(ValueError):
        Actor("sub-x", "bappeda", PEMDA, OPD_PU)
    with pytest.raises(ValueError):
        Actor("sub-x", "camat", PEMDA)
    with pytest.raises(ValueError):
        Actor(" ", "bappeda", PEMDA)
    assert Actor("sub-x", "bappeda", PEMDA).role.value == "bappeda"
