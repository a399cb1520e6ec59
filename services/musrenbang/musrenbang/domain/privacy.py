"""Who sees which part of the proposer's personal data (data minimisation, UU No. 27/2022 PDP).

An usulan names its proposer (`pengusul`): a name, and optionally a phone number, a NIK and a
community group. Every operator who may read the usulan needs the name and the group to verify
it; fewer need to reach the person, and only the desa that collected it needs the NIK:

| role                 | nama | kelompok | telepon | nik |
|----------------------|:----:|:--------:|:-------:|:---:|
| operator desa        |  ✓   |    ✓     |    ✓    |  ✓  |
| operator kecamatan   |  ✓   |    ✓     |    ✓    |     |
| Bappeda              |  ✓   |    ✓     |         |     |

A member a role may not see is left out of the answer (not set to null: null means "not
recorded"). Events, open data and the public view carry no personal data at all. Only the desa
operator edits an usulan, so an edit always starts from the full record.
"""
from __future__ import annotations

from typing import Mapping

PENGUSUL_MEMBERS = ("nama", "telepon", "nik", "kelompok")
PENGUSUL_VISIBLE: Mapping[str, frozenset[str]] = {
    "operator_desa": frozenset(PENGUSUL_MEMBERS),
    "operator_kecamatan": frozenset({"nama", "kelompok", "telepon"}),
    "bappeda": frozenset({"nama", "kelompok"}),
}


def pengusul_for(role: str, pengusul: Mapping[str, object] | None) -> dict | None:
    """The members of `pengusul` that `role` may see (an unknown role sees none of it)."""
    if pengusul is None:
        return None
    visible = PENGUSUL_VISIBLE.get(role, frozenset())
    if not visible:
        return None
    return {name: value for name, value in pengusul.items() if name in visible}
