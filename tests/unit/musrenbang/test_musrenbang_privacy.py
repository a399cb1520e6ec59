"""The proposer's personal data, cut to the reader's role (domain.privacy)."""
from musrenbang.domain import PENGUSUL_VISIBLE, pengusul_for

FULL = {"nama": "Siti Aminah", "telepon": "081277001122", "nik": "1221014101800001", "kelompok": "PKK"}


def test_only_the_desa_operator_sees_the_nik():
    assert pengusul_for("operator_desa", FULL) == FULL
    assert pengusul_for("operator_kecamatan", FULL) == {"nama": "Siti Aminah", "telepon": "081277001122",
                                                        "kelompok": "PKK"}
    assert pengusul_for("bappeda", FULL) == {"nama": "Siti Aminah", "kelompok": "PKK"}
    assert [role for role, members in PENGUSUL_VISIBLE.items() if "nik" in members] == ["operator_desa"]


def test_hidden_members_are_left_out_and_nothing_is_invented():
    assert "nik" not in pengusul_for("bappeda", {**FULL, "nik": None})
    assert pengusul_for("operator_kecamatan", {"nama": "Budi"}) == {"nama": "Budi"}
    assert pengusul_for("bappeda", None) is None


def test_a_role_outside_the_table_sees_nothing():
    assert pengusul_for("opd", FULL) is None
    assert pengusul_for("", FULL) is None
