import json

from musrenbang.domain import DecisionStatus, Level, public_view
from musrenbang_builders import accepted_through, decided, regions, submitted

PERSONAL = ("Siti Aminah", "081234567890", "1221014101800001", "Kelompok Tani", "Dusun II",
            "1.0123", "99.3456", "operator-desa", "forum-desa")


def test_public_view_shows_status_reasons_names_item_volume_cost():
    usulan = accepted_through(submitted("u-1", volume="100"), Level.DESA)
    usulan = decided(usulan, Level.KECAMATAN, DecisionStatus.DITERIMA_DENGAN_PERUBAHAN,
                     reason="Disesuaikan pagu kecamatan", revised_volume="60").usulan
    view = public_view(usulan, regions()).as_dict()
    assert view["tracking_code"] == usulan.tracking_code
    assert (view["kecamatan"], view["desa"]) == ("Barumun", "Pasar Sibuhuan")
    assert (view["item"], view["satuan"]) == ("Rabat beton jalan desa", "m")
    assert (view["volume_awal"], view["cost_awal"]) == ("100", "75000000.00")
    assert (view["volume"], view["cost"]) == ("60", "45000000.00")
    assert view["decisions"] == [
        {"level": "desa", "status": "diterima", "reason": "", "volume": "100",
         "cost": "75000000.00"},
        {"level": "kecamatan", "status": "diterima dengan perubahan",
         "reason": "Disesuaikan pagu kecamatan", "volume": "60", "cost": "45000000.00"},
    ]


def test_public_view_never_contains_personal_data():
    usulan = accepted_through(submitted("u-1"), Level.DESA)
    view = public_view(usulan, regions())
    text = json.dumps(view.as_dict()) + repr(view)
    for secret in PERSONAL:
        assert secret not in text
    assert not {"pengusul", "nama", "telepon", "nik", "alamat", "lat", "lon", "by",
                "permasalahan", "gagasan"} & set(view.as_dict())


def test_public_view_falls_back_to_codes_for_unknown_names():
    from musrenbang.domain import InMemoryRegionDirectory
    view = public_view(submitted("u-1"), InMemoryRegionDirectory())
    assert (view.kecamatan, view.desa) == ("12.21.01", "12.21.01.2001")
    assert (view.status, view.status_label, view.decisions) == ("submitted", "Diajukan", ())
