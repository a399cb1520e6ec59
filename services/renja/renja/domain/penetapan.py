"""Renja final against the RKPD penetapan: an OPD's Renja may be made final only when its rows
agree with the lines the Perkada fixed for that OPD — the same sub-kegiatan, the same pagu N.

`differences(rows, lines)` compares per sub-kegiatan (amounts summed, exact Decimal) and lists,
sorted by code:
* `missing`: a sub-kegiatan of the penetapan the Renja lacks;
* `extra`: a sub-kegiatan of the Renja the penetapan lacks;
* `pagu_differs`: both have it, with a different pagu N (and the difference, Renja − penetapan).
Each names the Renja rows of that code (`row_ids`).
An empty list means the Renja agrees.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Mapping

from .money import ZERO, format_rupiah, money_text, to_rupiah

MISSING, EXTRA, PAGU_DIFFERS = "missing", "extra", "pagu_differs"


def _sums(pairs: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = {}
    for kode, amount in pairs:
        sums[kode] = sums.get(kode, ZERO) + amount
    return sums


def differences(rows: Iterable, lines: Iterable[Mapping[str, object]]) -> list[dict[str, object]]:
    """How the OPD's renja `rows` differ from its penetapan `lines` ([{sub_kegiatan, pagu_n}])."""
    rows = list(rows)
    renja = _sums((r.sub_kegiatan, r.pagu_n) for r in rows)
    ids: dict[str, list[str]] = {}
    for r in rows:
        ids.setdefault(r.sub_kegiatan, []).append(r.id)
    fixed = _sums((str(line["sub_kegiatan"]), to_rupiah(str(line["pagu_n"]))) for line in lines)
    found: list[dict[str, object]] = []
    for kode in sorted(set(renja) | set(fixed)):
        mine, theirs = renja.get(kode), fixed.get(kode)
        if mine is None:
            found.append({"kind": MISSING, "sub_kegiatan": kode, "row_ids": [], "pagu_renja": None,
                          "pagu_penetapan": money_text(theirs),
                          "message": f"Sub kegiatan {kode} ({format_rupiah(theirs)}) ada di RKPD penetapan tetapi "
                                     "tidak ada di Renja; tambahkan barisnya"})
        elif theirs is None:
            found.append({"kind": EXTRA, "sub_kegiatan": kode, "row_ids": ids[kode], "pagu_renja": money_text(mine),
                          "pagu_penetapan": None,
                          "message": f"Sub kegiatan {kode} ({format_rupiah(mine)}) ada di Renja tetapi tidak ada di "
                                     "RKPD penetapan; hapus atau sesuaikan barisnya"})
        elif mine != theirs:
            found.append({"kind": PAGU_DIFFERS, "sub_kegiatan": kode, "row_ids": ids[kode], "pagu_renja": money_text(mine),
                          "pagu_penetapan": money_text(theirs), "selisih": money_text(mine - theirs),
                          "message": f"Pagu N sub kegiatan {kode} di Renja {format_rupiah(mine)}, di RKPD penetapan "
                                     f"{format_rupiah(theirs)}; sesuaikan menjadi {format_rupiah(theirs)}"})
    return found
