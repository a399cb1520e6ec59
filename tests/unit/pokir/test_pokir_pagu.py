from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pokir.domain import (PokirStatus, ValidationError, check_pagu, committed_cost,
                          format_rupiah, pagu_error)
from pokir_builders import (ANGGOTA_3, DRAINASE, PAGU_A01, STAF_1, at_status,
                            create, draft)


def test_over_pagu_message_states_pagu_total_and_overrun():
    # committed 1,110,000,000 + 120 m x 750,000 = 1,200,000,000 > 1,000,000,000
    with pytest.raises(ValidationError) as caught:
        create(committed=Decimal("1110000000"), volume="120")
    error = caught.value
    assert error.codes_for("volume") == {"above_pagu"}
    assert error.messages_for("volume") == [
        "Melebihi pagu anggota Rp1.000.000.000,00: total Rp1.200.000.000,00, "
        "lebih Rp200.000.000,00"]


def test_exactly_the_pagu_is_accepted_one_sen_more_is_not():
    assert create(committed=Decimal("910000000"), volume="120").cost == Decimal("90000000.00")
    with pytest.raises(ValidationError) as caught:
        create(committed=Decimal("910000000.01"), volume="120")
    assert caught.value.messages_for("volume") == [
        "Melebihi pagu anggota Rp1.000.000.000,00: total Rp1.000.000.000,01, lebih Rp0,01"]


def test_pagu_error_is_reported_with_other_field_errors():
    with pytest.raises(ValidationError) as caught:
        create(committed=PAGU_A01, judul="")
    assert caught.value.fields() == {"judul", "volume"}


def test_member_without_pagu_has_no_ceiling():
    from pokir.domain import Actor, Role
    anggota_2 = Actor("sub-a02", Role.ANGGOTA_DPRD, "12.21", "A-02")
    pokir = create(actor=anggota_2, reses_id="R-02", committed=Decimal("9" * 12))
    assert pokir.anggota_id == "A-02"
    assert pagu_error(None, Decimal("9" * 12), Decimal("1")) is None


def test_committed_cost_counts_the_members_non_withdrawn_pokir_of_the_year():
    mine = [draft("p-1"), at_status(draft("p-2"), PokirStatus.DIAJUKAN),
            at_status(draft("p-3"), PokirStatus.TIDAK_DIAKOMODASI),
            at_status(draft("p-4"), PokirStatus.DITARIK)]
    other_member = create(pokir_id="p-5", actor=ANGGOTA_3, desa="12.21.02.2001",
                          reses_id="R-03")
    by_staf = create(pokir_id="p-6", actor=STAF_1, kamus_item_id=DRAINASE.id, volume="2")
    pool = mine + [other_member, by_staf]
    total = committed_cost(pool, anggota_id="A-01", tahun=2028)
    assert total == Decimal("90000000.00") * 3 + Decimal("2500001.00")
    assert committed_cost(pool, anggota_id="A-01", tahun=2028, exclude_id="p-1") == (
        total - Decimal("90000000.00"))
    assert committed_cost(pool, anggota_id="A-01", tahun=2029) == Decimal("0")
    with pytest.raises(ValueError):
        committed_cost(pool + [mine[0]], anggota_id="A-01", tahun=2028)


def test_format_rupiah():
    assert format_rupiah(Decimal("1200000000")) == "Rp1.200.000.000,00"
    assert format_rupiah(Decimal("999.5")) == "Rp999,50"
    assert format_rupiah(Decimal("0")) == "Rp0,00"
    assert format_rupiah(Decimal("-5000")) == "-Rp5.000,00"


money = st.decimals(min_value=0, max_value=Decimal("2000000000"), places=2)


@settings(max_examples=150, deadline=None)
@given(pagu=money, committed=money, cost=money)
def test_pagu_check_accepts_iff_sum_is_within_pagu(pagu, committed, cost):
    error = pagu_error(pagu, committed, cost)
    assert (error is None) == (committed + cost <= pagu)
    if error is not None:
        assert format_rupiah(committed + cost - pagu) in error.message
        with pytest.raises(ValidationError):
            check_pagu(pagu, committed, cost)
    else:
        check_pagu(pagu, committed, cost)


@settings(max_examples=60, deadline=None)
@given(committed=st.decimals(min_value=0, max_value=Decimal("1100000000"), places=2),
       volume=st.integers(min_value=1, max_value=500))
def test_creating_a_pokir_is_accepted_iff_member_total_within_pagu(committed, volume):
    cost = Decimal(volume) * Decimal("750000")
    try:
        pokir = create(committed=committed, volume=str(volume))
    except ValidationError as error:
        assert committed + cost > PAGU_A01
        assert error.codes_for("volume") == {"above_pagu"}
    else:
        assert committed + cost <= PAGU_A01
        assert pokir.cost == cost
