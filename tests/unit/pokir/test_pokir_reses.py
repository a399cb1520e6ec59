from datetime import date, datetime

import pytest

from pokir.domain import Forbidden, ResesInput, ValidationError, new_reses
from pokir_builders import ANGGOTA_1, ANGGOTA_3, BAPPEDA, SETWAN, STAF_1, TODAY, register


def record(data: ResesInput, actor=ANGGOTA_1, today=TODAY):
    return new_reses(data, reses_id="R-10", actor=actor, register=register(), today=today)


def good(**overrides) -> ResesInput:
    values = dict(tanggal="2027-02-01", tempat="Balai Desa Sibuhuan Julu", jumlah_peserta="85",
                  catatan="Warga minta jalan dan drainase")
    values.update(overrides)
    return ResesInput(**values)


def test_reses_in_the_members_dapil():
    reses = record(good())
    assert (reses.anggota_id, reses.dapil, reses.tanggal, reses.jumlah_peserta) == (
        "A-01", "PALAS-1", date(2027, 2, 1), 85)


def test_staf_ahli_records_reses_for_their_member():
    assert record(good(), actor=STAF_1).anggota_id == "A-01"


def test_reses_outside_the_members_dapil_is_refused():
    with pytest.raises(ValidationError) as caught:
        record(good(dapil="PALAS-2"))
    assert caught.value.codes_for("dapil") == {"outside_dapil"}
    assert "PALAS-1" in caught.value.messages_for("dapil")[0]
    assert record(good(dapil="PALAS-2"), actor=ANGGOTA_3).dapil == "PALAS-2"


def test_reses_today_is_fine_tomorrow_is_refused():
    assert record(good(tanggal=TODAY)).tanggal == TODAY
    with pytest.raises(ValidationError) as caught:
        record(good(tanggal=date(2027, 2, 11)))
    assert caught.value.messages_for("tanggal") == [
        "Tanggal reses 2027-02-11 tidak boleh setelah hari ini (2027-02-10)"]
    assert record(good(tanggal=datetime(2027, 2, 9, 20))).tanggal == date(2027, 2, 9)


def test_every_field_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as caught:
        record(ResesInput(tanggal="10/02/2027", tempat=" ", jumlah_peserta=0, dapil="X"))
    assert caught.value.fields() == {"tanggal", "tempat", "jumlah_peserta", "dapil"}
    with pytest.raises(ValidationError) as caught:
        record(good(jumlah_peserta=True))
    assert caught.value.codes_for("jumlah_peserta") == {"invalid"}


@pytest.mark.parametrize("actor", [SETWAN, BAPPEDA])
def test_only_the_member_side_records_reses(actor):
    with pytest.raises(Forbidden):
        record(good(), actor=actor)
