"""Attachments of an usulan (photos of the site, a proposal PDF): the rules, without the bytes.

- An attachment belongs to one usulan. It is added or removed by the desa operator while the
  usulan can still be edited: the desa window is open, the stage is not closed, the usulan is
  neither withdrawn nor decided at any level (the same rule as an edit: `edit_refusal`).
- At most `MAX_PER_USULAN` attachments per usulan.
- Who may read it: whoever may read the usulan (its desa, its kecamatan, Bappeda of the pemda;
  musrenbang.access), and the OPD it was routed to once routed: at its kecamatan forum's close in
  the regulation's order, at the stage close (accepted at kabupaten level) in the old order; the
  kamus item's OPD, or the OPD a Renja rerouted it to.
- The public never sees attachments: they may show people and their houses.
- Its storage key names the pemda, year, usulan and attachment, never the client's file name.
"""
from __future__ import annotations

from .schedule import Level
from .usulan import Usulan, UsulanStatus

MAX_PER_USULAN = 10


def edit_refusal(u: Usulan) -> str | None:
    """Why the usulan's attachments can no longer change (None: they can). The window and the
    stage close are checked by the schedule (`check_window`), as for an edit."""
    if u.status is UsulanStatus.WITHDRAWN:
        return "Usulan sudah ditarik; lampirannya tidak dapat diubah lagi"
    if u.decisions:
        return "Usulan sudah diputuskan; lampirannya tidak dapat diubah lagi"
    return None


def routed_to(u: Usulan, stage_closed: bool, rerouted_to: set[str], routed_at_kecamatan: bool = False
              ) -> frozenset[str]:
    """The OPD codes the usulan went to: its kamus item's OPD and any OPD a Renja passed it on to,
    once it was routed: at its kecamatan forum's close in the regulation's order
    (`routed_at_kecamatan`), at the stage close if the kabupaten accepted it in the old order; none
    before."""
    if not routed_at_kecamatan and (not stage_closed or not u.accepted_at(Level.KABUPATEN)):
        return frozenset()
    return frozenset({u.kamus_item.opd, *rerouted_to})


def storage_key(pemda: str, tahun: int, usulan_id: str, lampiran_id: str) -> str:
    return f"musrenbang/lampiran/{pemda}/{tahun}/{usulan_id}/{lampiran_id}"
