from dataclasses import replace
from decimal import Decimal

import pytest

from pokir.domain import (Forbidden, Lampiran, PokirInput, PokirStatus, ScheduleClosed,
                          TransitionRefused, ValidationError, edit_pokir)
from pokir_builders import (ANGGOTA_1, ANGGOTA_3, BAPPEDA, DESA_A, DESA_B, DESA_C, DESA_D,
                            DRAINASE, IN_WINDOW, JALAN, JALAN_2027, JALAN_OTHER_PEMDA, LAMPIRAN,
                            LATE, SETWAN, STAF_1, at, at_status, create, draft, kamus,
                            pokir_input, regions, register, reses, window)


def refused(**overrides) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        create(**overrides)
    return caught.value


def test_draft_pokir_computes_cost_from_the_kamus_item():
    pokir = create(volume="120.5")
    assert pokir.status is PokirStatus.DRAFT
    assert pokir.cost == Decimal("90375000.00")  # 120.5 x 750000
    assert (pokir.anggota_id, pokir.dapil, pokir.kecamatan, pokir.desa) == (
        "A-01", "PALAS-1", "12.21.01", DESA_A)
    assert pokir.kamus_item == JALAN
    assert pokir.lampiran == (LAMPIRAN,)
    assert [(h.action, h.by, h.from_status, h.to_status) for h in pokir.history] == [
        ("dibuat", "sub-a01", None, PokirStatus.DRAFT)]


def test_input_has_no_price_or_cost_field():
    fields = set(PokirInput.__dataclass_fields__)
    assert not fields & {"cost", "harga_satuan", "biaya", "anggota_id"}


def test_staf_ahli_enters_pokir_for_their_member():
    pokir = create(actor=STAF_1)
    assert pokir.anggota_id == "A-01"
    assert pokir.created_by == "sub-s01"
    assert pokir.history[0].role == "staf_ahli"


def test_desa_in_another_kecamatan_of_the_dapil_is_fine():
    assert create(desa=DESA_D).kecamatan == "12.21.03"


def test_desa_outside_the_members_dapil_is_a_field_error():
    error = refused(desa=DESA_C)
    assert error.codes_for("desa") == {"outside_dapil"}
    assert error.messages_for("desa") == [
        "Desa Pasar Ujung Batu (12.21.02.2001) di kecamatan Sosa berada di luar dapil PALAS-1 "
        "(Padang Lawas 1) anggota"]
    assert create(actor=ANGGOTA_3, desa=DESA_C, reses_id="R-03").dapil == "PALAS-2"


@pytest.mark.parametrize("desa, code", [("12.21.09.2001", "unknown"), ("", "required"),
                                        ("12.20.01.2001", "out_of_scope")])
def test_desa_must_be_a_known_desa_of_the_pemda(desa, code):
    assert refused(desa=desa).codes_for("desa") == {code}


def test_reses_must_belong_to_the_member():
    assert refused(reses_id="R-02").codes_for("reses_id") == {"not_own_reses"}
    assert refused(reses_id="R-99").codes_for("reses_id") == {"unknown"}
    assert refused(reses_id=None).codes_for("reses_id") == {"required"}


@pytest.mark.parametrize("volume, code", [("0", "not_positive"), ("-3", "not_positive"),
                                          ("abc", "invalid"), (None, "required"),
                                          ("500.001", "above_maximum"),
                                          ("1.2345", "too_precise")])
def test_volume_must_be_positive_and_within_the_ceiling(volume, code):
    assert refused(volume=volume).codes_for("volume") == {code}


def test_volume_at_the_ceiling_is_accepted():
    assert create(volume="500").volume == Decimal("500")
    assert create(kamus_item_id=DRAINASE.id, volume="3").cost == Decimal("3750001.50")


def test_kamus_item_must_be_of_the_year_and_pemda():
    assert refused(kamus_item_id=JALAN_2027.id).codes_for("kamus_item_id") == {"wrong_year"}
    assert refused(kamus_item_id=JALAN_OTHER_PEMDA.id).codes_for("kamus_item_id") == {
        "wrong_pemda"}
    assert refused(kamus_item_id="nope").codes_for("kamus_item_id") == {"unknown"}


def test_all_field_problems_are_reported_together():
    error = refused(judul="", permasalahan=None, usulan="  ", kamus_item_id=None, volume="x",
                    desa=DESA_C, reses_id="R-02", lat="95", lon=None, alamat="a" * 501,
                    lampiran=(Lampiran("", "text/html", 0, "xyz"),))
    assert error.fields() == {"judul", "permasalahan", "usulan", "kamus_item_id", "volume",
                              "desa", "reses_id", "lat", "lon", "alamat",
                              "lampiran.0.nama_berkas", "lampiran.0.media_type",
                              "lampiran.0.ukuran", "lampiran.0.sha256"}
    assert len(error.as_dicts()) == len(error.errors)


def test_attachments_limits():
    assert refused(lampiran=(LAMPIRAN,) * 11).codes_for("lampiran") == {"too_many"}
    big = replace(LAMPIRAN, ukuran=10 * 1024 * 1024 + 1)
    assert refused(lampiran=(big,)).codes_for("lampiran.0.ukuran") == {"too_large"}
    pdf = Lampiran("proposal.pdf", "application/pdf", 10 * 1024 * 1024, "0" * 64)
    assert create(lampiran=(pdf,)).lampiran == (pdf,)


@pytest.mark.parametrize("actor", [SETWAN, BAPPEDA])
def test_setwan_and_bappeda_do_not_create_pokir(actor):
    with pytest.raises(Forbidden):
        create(actor=actor)


def test_member_not_in_register_is_forbidden():
    from pokir.domain import Actor, Role
    with pytest.raises(Forbidden) as caught:
        create(actor=Actor("x", Role.ANGGOTA_DPRD, "12.21", "A-77"))
    assert caught.value.code == "not_in_register"


def edit(pokir, actor=ANGGOTA_1, when=IN_WINDOW, committed=Decimal("0"), **overrides):
    return edit_pokir(pokir, pokir_input(**overrides), actor=actor, register=register(),
                      kamus=kamus(), reses=reses(), regions=regions(), window=window(),
                      committed=committed, at=when)


def test_edit_a_draft_recomputes_cost_and_records_history():
    pokir = draft()
    edited = edit(pokir, actor=STAF_1, volume="10", desa=DESA_B, kamus_item_id=DRAINASE.id)
    assert edited.cost == Decimal("12500005.00")
    assert (edited.desa, edited.kamus_item) == (DESA_B, DRAINASE)
    assert edited.history[-1].action == "diubah"
    assert edited.history[-1].by == "sub-s01"
    assert pokir.cost == Decimal("90000000.00")  # the original object is unchanged


def test_edit_validates_like_create():
    with pytest.raises(ValidationError) as caught:
        edit(draft(), desa=DESA_C, volume="0")
    assert caught.value.fields() == {"desa", "volume"}


@pytest.mark.parametrize("status", [PokirStatus.DIAJUKAN, PokirStatus.DIREKOMENDASIKAN,
                                    PokirStatus.DISAMPAIKAN, PokirStatus.DITARIK])
def test_only_drafts_can_be_edited(status):
    with pytest.raises(TransitionRefused) as caught:
        edit(at_status(draft(), status))
    assert "draf" in caught.value.message


def test_other_member_cannot_edit():
    with pytest.raises(Forbidden):
        edit(draft(), actor=ANGGOTA_3)


def test_edit_after_deadline_is_refused():
    with pytest.raises(ScheduleClosed) as caught:
        edit(draft(), when=LATE)
    assert caught.value.message == "Batas waktu pokir 2027-03-08 23:59 WIB sudah lewat"


def test_a_returned_pokir_can_be_edited_again():
    from pokir.domain import return_for_revision
    returned = return_for_revision(at_status(draft(), PokirStatus.DIAJUKAN), actor=SETWAN,
                                   at=at(2, 15), catatan="Lengkapi foto lokasi")
    assert edit(returned, volume="50").volume == Decimal("50")
