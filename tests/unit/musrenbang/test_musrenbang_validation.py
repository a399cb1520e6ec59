import dataclasses
from decimal import Decimal

import pytest

from musrenbang.domain import (OperatorScope, UsulanInput, UsulanStatus, ValidationError,
                               is_valid_tracking_code, new_usulan, validate_usulan)
from musrenbang_builders import (DESA_A, DESA_C, DRAINASE, JALAN, JALAN_2026, JALAN_OTHER_PEMDA,
                                 KEC_1, PEMDA, TAHUN, draft, kamus, regions, usulan_input)


def errors_of(scope=None, **overrides) -> ValidationError:
    with pytest.raises(ValidationError) as invalid:
        validate_usulan(usulan_input(**overrides), tahun=TAHUN, scope=scope or OperatorScope(PEMDA),
                        regions=regions(), kamus=kamus())
    return invalid.value


def test_valid_input_becomes_a_draft_with_cost_from_the_catalogue():
    usulan = draft("u-1", volume="120.5")
    assert usulan.status is UsulanStatus.DRAFT
    assert (usulan.kecamatan, usulan.desa) == (KEC_1, DESA_A)
    assert usulan.volume == Decimal("120.5")
    assert usulan.cost == Decimal("90375000.00")  # 120.5 m x Rp750.000
    assert usulan.kamus_item == JALAN
    assert (usulan.lat, usulan.lon) == (Decimal("1.0123"), Decimal("99.3456"))
    assert is_valid_tracking_code(usulan.tracking_code)


def test_client_cannot_send_a_cost_or_price():
    fields = {f.name for f in dataclasses.fields(UsulanInput)}
    assert not fields & {"cost", "biaya", "harga_satuan", "harga", "total"}
    with pytest.raises(TypeError):
        usulan_input(cost="1")


def test_cost_follows_the_item_price_not_the_input():
    usulan = draft("u-2", kamus_item_id=DRAINASE.id, volume="3")
    assert usulan.cost == Decimal("3750001.50")


def test_unknown_desa():
    assert errors_of(desa="12.21.01.2999").codes_for("desa") == {"unknown"}


def test_missing_desa():
    assert errors_of(desa="  ").codes_for("desa") == {"required"}


def test_desa_outside_the_operators_kecamatan():
    invalid = errors_of(scope=OperatorScope(PEMDA, kecamatan=KEC_1), desa=DESA_C)
    assert invalid.codes_for("desa") == {"out_of_scope"}
    assert "12.21.01" in invalid.errors[0].message


def test_desa_operator_only_for_their_own_desa():
    invalid = errors_of(scope=OperatorScope(PEMDA, desa=DESA_A), desa="12.21.01.2002")
    assert invalid.codes_for("desa") == {"out_of_scope"}


def test_desa_outside_the_pemda():
    other = OperatorScope("12.20")
    invalid = errors_of(scope=other, kamus_item_id=JALAN_OTHER_PEMDA.id)
    assert invalid.codes_for("desa") == {"out_of_scope"}


@pytest.mark.parametrize("volume, code", [
    ("0", "not_positive"), ("-3", "not_positive"), ("abc", "invalid"), (None, "required"),
    ("", "required"), ("500.001", "above_maximum"), ("1.2345", "too_precise"),
])
def test_bad_volume(volume, code):
    assert errors_of(volume=volume).codes_for("volume") == {code}


def test_volume_at_the_ceiling_and_decimal_volume_are_fine():
    assert draft("u-3", volume="500").volume == Decimal("500")
    assert draft("u-4", volume=1.5).volume == Decimal("1.5")


def test_volume_without_item_ceiling_still_has_a_sanity_bound():
    invalid = errors_of(kamus_item_id=DRAINASE.id, volume="1e30")
    assert invalid.codes_for("volume") == {"above_maximum"}


def test_kamus_item_of_another_year():
    invalid = errors_of(kamus_item_id=JALAN_2026.id)
    assert invalid.codes_for("kamus_item_id") == {"wrong_year"}
    assert "2026" in invalid.errors[0].message and "2027" in invalid.errors[0].message


def test_kamus_item_of_another_pemda():
    assert errors_of(kamus_item_id=JALAN_OTHER_PEMDA.id).codes_for("kamus_item_id") == {
        "wrong_pemda"}


def test_unknown_and_missing_kamus_item():
    assert errors_of(kamus_item_id="nope").codes_for("kamus_item_id") == {"unknown"}
    assert errors_of(kamus_item_id=None).codes_for("kamus_item_id") == {"required"}


@pytest.mark.parametrize("field", ["permasalahan", "gagasan"])
def test_required_texts(field):
    for blank in (None, "", "   \n"):
        assert errors_of(**{field: blank}).codes_for(field) == {"required"}


def test_text_too_long():
    assert errors_of(gagasan="x" * 2001).codes_for("gagasan") == {"too_long"}
    assert errors_of(alamat="x" * 501).codes_for("alamat") == {"too_long"}


@pytest.mark.parametrize("lat, lon, field, code", [
    ("90.0001", "99", "lat", "out_of_range"), ("-91", "99", "lat", "out_of_range"),
    ("1", "180.5", "lon", "out_of_range"), ("1", "-181", "lon", "out_of_range"),
    ("utara", "99", "lat", "invalid"), ("1", None, "lon", "required"),
    (None, "99", "lat", "required"),
])
def test_bad_coordinates(lat, lon, field, code):
    assert errors_of(lat=lat, lon=lon).codes_for(field) == {code}


def test_coordinates_are_optional():
    usulan = draft("u-5", lat=None, lon=None)
    assert usulan.lat is None and usulan.lon is None


def test_all_errors_are_collected_not_just_the_first():
    invalid = errors_of(scope=OperatorScope(PEMDA, kecamatan=KEC_1), desa=DESA_C,
                        kamus_item_id=JALAN_2026.id, volume="501", permasalahan="",
                        gagasan=None, lat="95", lon="200")
    assert invalid.fields() == {"desa", "kamus_item_id", "volume", "permasalahan", "gagasan",
                                "lat", "lon"}
    as_dicts = invalid.as_dicts()
    assert len(as_dicts) == 7
    assert all(set(d) == {"field", "message", "code"} for d in as_dicts)
    assert all(d["message"] for d in as_dicts)


@pytest.mark.parametrize("code", ["AAAAAAAB", "AAAA0AAA", "AAAAAAA", ""])
def test_new_usulan_refuses_a_malformed_tracking_code(code):
    with pytest.raises(ValueError):
        new_usulan(usulan_input(), usulan_id="x", tracking_code=code, tahun=TAHUN,
                   scope=OperatorScope(PEMDA), regions=regions(), kamus=kamus(), by="op",
                   at=draft().created_at)
