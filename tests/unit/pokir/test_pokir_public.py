import pytest

from pokir.domain import NotPublic, PokirStatus, is_public, public_register, public_view
from pokir_builders import STAF_1, at_status, draft, register, regions

S = PokirStatus
PUBLIC_FIELDS = {"id", "tahun", "anggota", "fraksi", "dapil", "judul", "kecamatan", "desa",
                 "cost", "status", "status_label"}


def test_public_view_shows_only_whitelisted_fields():
    pokir = at_status(draft(), S.DISAMPAIKAN)
    view = public_view(pokir, register(), regions()).as_dict()
    assert set(view) == PUBLIC_FIELDS
    assert view == {"id": "p-001", "tahun": 2028, "anggota": "H. Ahmad Nasution",
                    "fraksi": "Golkar", "dapil": "Padang Lawas 1",
                    "judul": "Rabat beton jalan Dusun II Pasar Sibuhuan",
                    "kecamatan": "Barumun", "desa": "Pasar Sibuhuan", "cost": "90000000.00",
                    "status": "disampaikan", "status_label": "Disampaikan ke Bappeda"}


@pytest.mark.parametrize("status", [S.DISAMPAIKAN, S.DIDISPOSISIKAN, S.DIAKOMODASI,
                                    S.TIDAK_DIAKOMODASI])
def test_public_view_never_leaks_personal_data_or_notes(status):
    # entered by the staf ahli, with an address and coordinates
    pokir = at_status(draft(actor=STAF_1, alamat="Lorong Kenanga 7"), status)
    text = repr(public_view(pokir, register(), regions()))
    secrets = ["Dewi Lubis", "Fajar Daulay", "081260001111", "081377770001", "ahmad@example.org",
               "Sesuai prioritas daerah", "Sudah dianggarkan", "sub-s01", "sub-setwan",
               "Lorong Kenanga", "1.0123", "99.3456", "foto-jalan.jpg", "Jalan dusun rusak", "R-01"]
    for secret in secrets:
        assert secret not in text, secret
    assert public_view(pokir, register(), regions()).status == status.value


@pytest.mark.parametrize("status", [S.DRAFT, S.DIAJUKAN, S.DIREKOMENDASIKAN, S.DITARIK])
def test_pokir_before_delivery_is_not_public(status):
    pokir = at_status(draft(), status)
    assert not is_public(pokir)
    with pytest.raises(NotPublic):
        public_view(pokir, register(), regions())


def test_public_register_lists_delivered_pokir_only_sorted_by_id():
    pool = [at_status(draft("p-3"), S.DIAKOMODASI), at_status(draft("p-1"), S.DIAJUKAN),
            at_status(draft("p-2"), S.DISAMPAIKAN), at_status(draft("p-4"), S.DITARIK)]
    assert [v.id for v in public_register(pool, register(), regions())] == ["p-2", "p-3"]
