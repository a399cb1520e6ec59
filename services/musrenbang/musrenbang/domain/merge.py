"""Merge rules ("digabung"): usulan A is merged into usulan B by a forum at one level.

Rules (each refusal raises MergeRefused with a reason in Bahasa Indonesia):
* not into itself; same pemda and plan year; same kecamatan;
* same kamus item (hence same sub-kegiatan, OPD, unit and unit price), so the two describe the
  same kind of work and volumes are comparable;
* no chains and no cycles: the target must not itself be merged, and an usulan that already
  absorbed others cannot be merged away (merge into its own target's root instead);
* the target must be live at the level (submitted, not rejected/merged, accepted at the
  previous level);
* volume is NOT added automatically: the target keeps its volume and cost. If the forum wants
  the target to cover both, it records "diterima dengan perubahan" on the target with the
  revised volume (cost recomputed from the unit price), so every change has its own decision.
A merged usulan is never accepted, so totals count only its target, once.
"""
from __future__ import annotations

from dataclasses import replace

from .errors import MergeRefused
from .schedule import Level
from .usulan import Usulan


def check_merge(source: Usulan, target: Usulan, level: Level) -> None:
    """Raise MergeRefused if `source` may not be merged into `target` at `level`."""
    if source.id == target.id:
        raise MergeRefused("Usulan tidak dapat digabung ke dirinya sendiri", code="self_merge")
    if (source.pemda, source.tahun) != (target.pemda, target.tahun):
        raise MergeRefused("Usulan tujuan berasal dari pemda atau tahun lain",
                           code="other_cycle")
    if source.kecamatan != target.kecamatan:
        raise MergeRefused("Usulan hanya dapat digabung dengan usulan dari kecamatan yang sama",
                           code="other_kecamatan")
    if source.kamus_item.id != target.kamus_item.id:
        raise MergeRefused("Usulan hanya dapat digabung dengan usulan dengan item kamus yang sama",
                           code="other_kamus_item")
    if target.merged_into is not None:
        raise MergeRefused(f"Usulan tujuan sudah digabung ke usulan {target.merged_into}; "
                           "gabungkan ke usulan tersebut", code="target_merged")
    if source.merged_from:
        raise MergeRefused("Usulan ini sudah menjadi tujuan penggabungan usulan lain; "
                           "tidak dapat digabung lagi", code="source_is_target")
    if not target.is_live_at(level):
        raise MergeRefused("Usulan tujuan tidak aktif di tingkat ini (ditolak, ditarik, "
                           "atau belum diterima di tingkat sebelumnya)", code="target_not_live")


def absorb(target: Usulan, source_id: str) -> Usulan:
    """The target after `source_id` was merged into it (volume unchanged, see module doc)."""
    if source_id in target.merged_from:
        return target
    return replace(target, merged_from=target.merged_from + (source_id,))
