"""Attachments of an usulan (photos of the site, a proposal PDF): the rules, without the bytes.

- An attachment belongs to one usulan. It is added or removed by the desa operator while the
  usulan can still be edited: the desa window is open, the stage is not closed, the usulan is
  neither withdrawn nor decided at any level (the same rule as an edit: `edit_refusal`).
- At most `MAX_PER_USULAN` attachments per usulan.
- Who may read it: whoever may read the usulan (its desa, its kecamatan, Bappeda of the pemda;
  musrenbang.access), and the OPD it was routed to once the stage closed (accepted at kabupaten
  level; the kamus item's OPD, or the OPD a Renja rerouted it to).
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


def routed_to(u: Usulan, stage_closed: bool, rerouted_to: set[str]) -> frozenset[str]:
    """The OPD codes the usulan went to: none before the stage closed or if the kabupaten did not
    accept it; else its kamus item's OPD and any OPD a Renja passed it on to."""
    if not stage_closed or not u.accepted_at(Level.KABUPATEN):
        return frozenset()
    return frozenset({u.kamus_item.opd, *rerouted_to})


def storage_key(pemda: str, tahun: int, usulan_id: str, lampiran_id: str) -> str:
    return f"musrenbang/lampiran/{pemda}/{tahun}/{usulan_id}/{lampiran_id}"
