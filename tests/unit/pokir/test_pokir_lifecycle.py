from decimal import Decimal

import pytest

from pokir.domain import (Akomodasi, PokirStatus, TransitionRefused, ValidationError,
                          deliver_to_bappeda, dispose_to_opd, mark_accommodated,
                          mark_not_accommodated, recommend, return_for_revision,
                          submit_to_setwan, withdraw)
from pokir_builders import (ANGGOTA_1, BAPPEDA, IN_WINDOW, SETWAN, STAF_1, at, at_status, draft,
                            window)

S = PokirStatus
OPD = "1.03.0.00.0.00.01.0000"
OTHER_OPD = "1.04.0.00.0.00.01.0000"


def step(name):
    """Each transition with valid arguments, by the right actor."""
    return {
        "submit": lambda p: submit_to_setwan(p, actor=STAF_1, window=window(), at=IN_WINDOW),
        "recommend": lambda p: recommend(p, actor=SETWAN, at=at(2, 20), catatan="Layak"),
        "return": lambda p: return_for_revision(p, actor=SETWAN, at=at(2, 20),
                                                catatan="Perbaiki volume"),
        "deliver": lambda p: deliver_to_bappeda(p, actor=SETWAN, at=at(3, 1)),
        "withdraw": lambda p: withdraw(p, actor=ANGGOTA_1, at=at(2, 25)),
        "dispose": lambda p: dispose_to_opd(p, actor=BAPPEDA, at=at(3, 20), opd=OTHER_OPD),
        "accommodate": lambda p: mark_accommodated(p, actor=BAPPEDA, at=at(4, 1),
                                                   opd=p.disposisi_opd or OPD,
                                                   renja_row_id="renja-1", volume="100",
                                                   cost="75000000"),
        "not_accommodate": lambda p: mark_not_accommodated(p, actor=BAPPEDA, at=at(4, 1),
                                                           reason="Di luar prioritas"),
    }[name]


# transition -> {from status: to status}
ALLOWED = {
    "submit": {S.DRAFT: S.DIAJUKAN},
    "recommend": {S.DIAJUKAN: S.DIREKOMENDASIKAN},
    "return": {S.DIAJUKAN: S.DRAFT, S.DIREKOMENDASIKAN: S.DRAFT},
    "deliver": {S.DIREKOMENDASIKAN: S.DISAMPAIKAN},
    "withdraw": {S.DRAFT: S.DITARIK, S.DIAJUKAN: S.DITARIK, S.DIREKOMENDASIKAN: S.DITARIK},
    "dispose": {S.DISAMPAIKAN: S.DIDISPOSISIKAN, S.DIDISPOSISIKAN: S.DIDISPOSISIKAN},
    "accommodate": {S.DISAMPAIKAN: S.DIAKOMODASI, S.DIDISPOSISIKAN: S.DIAKOMODASI},
    "not_accommodate": {S.DISAMPAIKAN: S.TIDAK_DIAKOMODASI,
                        S.DIDISPOSISIKAN: S.TIDAK_DIAKOMODASI},
}
POOL = {status: at_status(draft(), status) for status in S}
CASES = [(name, status) for name in ALLOWED for status in S]


@pytest.mark.parametrize("name, status", CASES)
def test_transition_matrix(name, status):
    pokir = POOL[status]
    if status in ALLOWED[name]:
        moved = step(name)(pokir)
        assert moved.status is ALLOWED[name][status]
        entry = moved.history[-1]
        assert (entry.from_status, entry.to_status) == (status, moved.status)
        assert len(moved.history) == len(pokir.history) + 1
        assert pokir.status is status  # immutable: the old object is unchanged
    else:
        with pytest.raises(TransitionRefused) as caught:
            step(name)(pokir)
        assert f"status sekarang: {status.label}" in caught.value.message


def test_full_path_records_who_when_from_to_and_note():
    pokir = at_status(draft(), S.DIAKOMODASI, opd=OPD)
    assert [(h.action, h.by, h.from_status, h.to_status) for h in pokir.history] == [
        ("dibuat", "sub-a01", None, S.DRAFT),
        ("diajukan", "sub-a01", S.DRAFT, S.DIAJUKAN),
        ("direkomendasikan", "sub-setwan", S.DIAJUKAN, S.DIREKOMENDASIKAN),
        ("disampaikan", "sub-setwan", S.DIREKOMENDASIKAN, S.DISAMPAIKAN),
        ("dikaji layak", "sub-bappeda", S.DISAMPAIKAN, S.DISAMPAIKAN),
        ("diakomodasi", "sub-bappeda", S.DISAMPAIKAN, S.DIAKOMODASI)]
    assert pokir.history[2].note == "Sesuai prioritas daerah"
    assert pokir.history[2].at == at(2, 20)
    assert pokir.akomodasi == Akomodasi(OPD, "renja-77", Decimal("100"),
                                        Decimal("75000000.00"))


def test_return_goes_back_to_draft_with_the_setwan_note_and_can_be_resubmitted():
    returned = step("return")(POOL[S.DIAJUKAN])
    assert returned.status is S.DRAFT
    assert returned.catatan_setwan == "Perbaiki volume"
    assert returned.history[-1].action == "dikembalikan"
    assert step("submit")(returned).status is S.DIAJUKAN


@pytest.mark.parametrize("fn", [recommend, return_for_revision])
def test_setwan_review_needs_a_note(fn):
    with pytest.raises(ValidationError) as caught:
        fn(POOL[S.DIAJUKAN], actor=SETWAN, at=at(2, 20), catatan="   ")
    assert caught.value.codes_for("catatan") == {"required"}


def test_not_accommodated_needs_a_reason():
    with pytest.raises(ValidationError) as caught:
        mark_not_accommodated(POOL[S.DISAMPAIKAN], actor=BAPPEDA, at=at(4, 1), reason="")
    assert caught.value.fields() == {"reason"}
    done = step("not_accommodate")(POOL[S.DISAMPAIKAN])
    assert done.alasan_tidak_diakomodasi == "Di luar prioritas"


def test_accommodation_fields_are_all_checked():
    with pytest.raises(ValidationError) as caught:
        mark_accommodated(POOL[S.DISAMPAIKAN], actor=BAPPEDA, at=at(4, 1), opd="",
                          renja_row_id=" ", volume="0", cost=12.5)
    assert caught.value.fields() == {"opd", "renja_row_id", "volume", "cost"}


def test_disposed_pokir_is_accommodated_by_its_opd_only():
    disposed = step("dispose")(POOL[S.DISAMPAIKAN])
    assert (disposed.disposisi_opd, disposed.opd) == (OTHER_OPD, OTHER_OPD)
    with pytest.raises(ValidationError) as caught:
        mark_accommodated(disposed, actor=BAPPEDA, at=at(4, 1), opd=OPD, renja_row_id="r",
                          volume="1", cost="1")
    assert caught.value.codes_for("opd") == {"wrong_opd"}


def test_re_disposition_must_change_the_opd():
    disposed = step("dispose")(POOL[S.DISAMPAIKAN])
    with pytest.raises(ValidationError) as caught:
        dispose_to_opd(disposed, actor=BAPPEDA, at=at(3, 21), opd=OTHER_OPD)
    assert caught.value.codes_for("opd") == {"unchanged"}
    rerouted = dispose_to_opd(disposed, actor=BAPPEDA, at=at(3, 21), opd=OPD)
    assert rerouted.disposisi_opd == OPD


def test_withdraw_after_delivery_is_refused_with_a_clear_message():
    with pytest.raises(TransitionRefused) as caught:
        withdraw(POOL[S.DISAMPAIKAN], actor=ANGGOTA_1, at=at(3, 2))
    assert caught.value.message.startswith(
        "Pokir hanya dapat ditarik sebelum disampaikan ke Bappeda")


def test_deliver_needs_a_recommendation_first():
    with pytest.raises(TransitionRefused) as caught:
        deliver_to_bappeda(POOL[S.DIAJUKAN], actor=SETWAN, at=at(3, 1))
    assert "direkomendasikan Setwan" in caught.value.message
