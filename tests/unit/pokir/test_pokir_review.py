"""Bappeda's review (kajian) of a delivered pokir: who, when, the criteria agreeing with the verdict,
the duplicate named among the computed overlaps, and no OPD before a `layak` review."""
from dataclasses import replace
from decimal import Decimal

import pytest

from pokir.domain import (Forbidden, PokirStatus, ReviewStatus, TransitionRefused, ValidationError,
                          dispose_to_opd, mark_accommodated, ready_for_opd, review_pokir)
from pokir_builders import ANGGOTA_1, BAPPEDA, KAJIAN_LAYAK, SETWAN, at, at_status, draft, reviewed

S = PokirStatus
OPD = "1.03.0.00.0.00.01.0000"


def delivered():
    """Delivered to Bappeda, not reviewed yet."""
    return replace(at_status(draft(), S.DISAMPAIKAN), review=None)


def review(pokir, status="layak", catatan=None, overlaps=(), actor=BAPPEDA, **kajian):
    return review_pokir(pokir, actor=actor, at=at(3, 10), status=status, kajian={**KAJIAN_LAYAK, **kajian},
                        catatan=catatan, overlap_ids=overlaps)


def codes(caught, field):
    return {e.code for e in caught.value.errors if e.field == field}


def test_a_layak_review_is_recorded_and_lets_bappeda_dispose():
    p = review(delivered(), catatan="Sesuai prioritas infrastruktur")
    assert p.status is S.DISAMPAIKAN and p.review.status is ReviewStatus.LAYAK and ready_for_opd(p)
    assert p.review.reviewed_by == BAPPEDA.sub and p.history[-1].action == "dikaji layak"
    assert dispose_to_opd(p, actor=BAPPEDA, at=at(3, 20), opd=OPD).status is S.DIDISPOSISIKAN


def test_an_unreviewed_pokir_never_reaches_an_opd():
    with pytest.raises(TransitionRefused) as caught:
        dispose_to_opd(delivered(), actor=BAPPEDA, at=at(3, 20), opd=OPD)
    assert caught.value.code == "not_reviewed"


def test_tidak_layak_ends_the_pokir_with_the_failed_criteria_and_no_disposal():
    p = review(delivered(), "tidak_layak", "Urusan provinsi", kewenangan=False)
    assert p.status is S.TIDAK_DIAKOMODASI and not ready_for_opd(p)
    assert "bukan kewenangan daerah" in p.alasan_tidak_diakomodasi and "Urusan provinsi" in p.alasan_tidak_diakomodasi
    with pytest.raises(TransitionRefused):
        dispose_to_opd(p, actor=BAPPEDA, at=at(3, 20), opd=OPD)
    with pytest.raises(TransitionRefused):
        review(p)  # final: no second review


def test_layak_while_a_criterion_fails_is_refused():
    for failing in ({"kewenangan": False}, {"sesuai_prioritas": False}, {"biaya_wajar": False}):
        with pytest.raises(ValidationError) as caught:
            review(delivered(), **failing)
        assert codes(caught, "status") == {"inconsistent"}


def test_tidak_layak_needs_a_failing_criterion_and_a_catatan():
    with pytest.raises(ValidationError) as caught:
        review(delivered(), "tidak_layak", None)
    assert codes(caught, "status") == {"inconsistent"} and codes(caught, "catatan") == {"required"}


def test_the_duplicate_must_be_one_of_the_computed_overlaps():
    with pytest.raises(ValidationError) as caught:
        review(delivered(), "tidak_layak", "Sama dengan usulan desa", overlaps={"u-1"}, duplikat_usulan="u-9")
    assert codes(caught, "kajian.duplikat_usulan") == {"not_an_overlap"}
    p = review(delivered(), "tidak_layak", "Sama dengan usulan desa", overlaps={"u-1"}, duplikat_usulan="u-1")
    assert p.review.kajian.duplikat_usulan == "u-1" and "duplikat usulan Musrenbang u-1" in p.alasan_tidak_diakomodasi
    with pytest.raises(ValidationError) as caught:
        review(delivered(), overlaps={"u-1"}, duplikat_usulan="u-1")  # a duplicate is not layak
    assert codes(caught, "status") == {"inconsistent"}


def test_every_criterion_is_required_and_nothing_else_is_taken():
    with pytest.raises(ValidationError) as caught:
        review_pokir(delivered(), actor=BAPPEDA, at=at(3, 10), status="baik", catatan=None, overlap_ids=(),
                     kajian={"kewenangan": "ya", "lain": 1})
    fields = {e.field for e in caught.value.errors}
    assert {"status", "kajian.kewenangan", "kajian.sesuai_prioritas", "kajian.biaya_wajar",
            "kajian.duplikat_usulan", "kajian.lain"} <= fields


def test_only_bappeda_reviews_and_only_a_delivered_pokir():
    for who in (SETWAN, ANGGOTA_1):
        with pytest.raises(Forbidden):
            review(delivered(), actor=who)
    with pytest.raises(TransitionRefused):
        review(at_status(draft(), S.DIREKOMENDASIKAN))
    disposed = dispose_to_opd(review(delivered()), actor=BAPPEDA, at=at(3, 20), opd=OPD)
    with pytest.raises(TransitionRefused):
        review(disposed)


def test_a_layak_review_may_be_replaced_before_disposal():
    first = review(delivered())
    second = review(first, "tidak_layak", "Biaya satuan terlalu tinggi", biaya_wajar=False)
    assert second.status is S.TIDAK_DIAKOMODASI and [h.action for h in second.history][-2:] == [
        "dikaji layak", "dikaji tidak layak"]


def test_accommodation_from_renja_carries_the_mode_and_may_attribute_nothing_when_already_covered():
    p = dispose_to_opd(reviewed(delivered()), actor=BAPPEDA, at=at(3, 20), opd=OPD)
    done = mark_accommodated(p, actor=BAPPEDA, at=at(4, 1), opd=OPD, renja_row_id="r-1", volume="120", cost="0",
                             mode="sudah_tercakup")
    assert done.akomodasi.mode == "sudah_tercakup" and done.akomodasi.cost == Decimal("0")
    with pytest.raises(ValidationError) as caught:  # money 0 only when the row already covers it
        mark_accommodated(p, actor=BAPPEDA, at=at(4, 1), opd=OPD, renja_row_id="r-1", volume="120", cost="0",
                          mode="tambah")
    assert codes(caught, "cost") == {"not_positive"}
    with pytest.raises(ValidationError) as caught:
        mark_accommodated(p, actor=BAPPEDA, at=at(4, 1), opd=OPD, renja_row_id="r-1", volume="1", cost="1",
                          mode="sebagian")
    assert codes(caught, "mode") == {"invalid"}
