"""Each OPD's renja per year: submit (OPD), verify / return with notes / finalize (Bappeda), and
named snapshots that can be compared."""
from datetime import datetime

from eplanning_common.errors import Conflict
from eplanning_common.jsoncodec import to_json

from . import events
from .domain import (Action, Actor, authorize, compare, finalize_renja, opd_totals, penetapan_differences,
                     return_renja, submit_renja, take_snapshot, verify_renja)
from .errors import field_error
from .repository import Repository

STEPS = {"submit": (submit_renja, events.RENJA_SUBMITTED), "verify": (verify_renja, events.RENJA_VERIFIED),
         "return": (return_renja, events.RENJA_RETURNED), "finalize": (finalize_renja, events.RENJA_FINALIZED)}


def totals(repo: Repository, pemda: str, opd_kode: str, tahun: int):
    ceiling = repo.pagu(pemda, opd_kode, tahun)
    if ceiling is None:
        raise Conflict(f"Pagu indikatif OPD {opd_kode} tahun {tahun} belum ditetapkan Bappeda", code="no_ceiling")
    return opd_totals(repo.rows(pemda, tahun, opd_kode), ceiling)


def totals_or_none(repo: Repository, pemda: str, opd_kode: str, tahun: int):
    """The OPD's totals; zero ceilings when none was set (for events about a renja without one)."""
    from .domain import Pagu
    ceiling = repo.pagu(pemda, opd_kode, tahun) or Pagu(opd_kode, tahun, 0, 0)
    return opd_totals(repo.rows(pemda, tahun, opd_kode), ceiling)


def ensure_agrees_with_penetapan(repo: Repository, pemda: str, opd_kode: str, tahun: int) -> None:
    """Renja final needs the RKPD penetapan (or its perubahan) and rows agreeing with its lines
    for this OPD, in a year whose calendar follows the regulation's order; a year played under the
    old order (stored before the calendar, a legacy schedule, or no calendar at all) is exempt."""
    if repo.tata_urutan(pemda, tahun) != "permendagri_86_2017":
        return
    fixed = repo.penetapan(pemda, tahun)
    if fixed is None:
        raise Conflict(f"RKPD tahun {tahun} belum ditetapkan dengan Perkada; Renja final ditetapkan sesudah "
                       "penetapan RKPD", code="belum_penetapan")
    found = penetapan_differences(repo.rows(pemda, tahun, opd_kode), fixed.doc["opd_lines"].get(opd_kode, []))
    if found:
        raise Conflict(f"Renja OPD {opd_kode} tidak sesuai RKPD {fixed.versi}: {len(found)} perbedaan; sesuaikan "
                       "baris Renja lalu ajukan kembali", code="tidak_sesuai_penetapan", differences=found,
                       versi=fixed.versi, nomor=fixed.nomor)


def step(repo: Repository, actor: Actor, opd_kode: str, tahun: int, action: str, note: str | None,
         at: datetime) -> dict:
    if action not in STEPS:
        raise field_error("action", f"Aksi harus salah satu dari: {', '.join(STEPS)}")
    function, routing_key = STEPS[action]
    repo.cycle(actor.pemda, tahun)
    repo.lock_opd_year(actor.pemda, opd_kode, tahun)
    state, version = repo.state(actor.pemda, opd_kode, tahun, lock=True)
    sums = totals(repo, actor.pemda, opd_kode, tahun)
    extra = {"totals": sums} if action == "submit" else {}
    changed = function(state, actor=actor, at=at, note=note, **extra)
    if action == "finalize":
        ensure_agrees_with_penetapan(repo, actor.pemda, opd_kode, tahun)
    version = repo.save_state(changed, version)
    repo.uow.emit(routing_key, f"{actor.pemda}/{tahun}/{opd_kode}", events.state_data(changed, sums),
                  actor.pemda, tahun)
    return {**to_json(changed), "version": version}


def snapshot(repo: Repository, actor: Actor, opd_kode: str, tahun: int, nama: str, at: datetime) -> dict:
    snap = take_snapshot(nama, actor=actor, pemda=actor.pemda, opd=opd_kode, tahun=tahun,
                         rows=repo.rows(actor.pemda, tahun, opd_kode), at=at)
    repo.save_snapshot(actor.pemda, snap)
    return {"nama": snap.nama, "opd": snap.opd, "tahun": snap.tahun, "rows": len(snap.rows),
            "total_n": str(snap.total_n), "taken_at": snap.taken_at.isoformat()}


def compare_snapshots(repo: Repository, actor: Actor, opd_kode: str, tahun: int, before: str, after: str) -> dict:
    authorize(actor, Action.VIEW, pemda=actor.pemda, opd=opd_kode)
    result = compare(repo.snapshot(actor.pemda, opd_kode, tahun, before),
                     repo.snapshot(actor.pemda, opd_kode, tahun, after))
    return {"before": before, "after": after, "added": [r.id for r in result.added],
            "removed": [r.id for r in result.removed],
            "changed": [{"row_id": row_id, "fields": {f: [str(a), str(b)] for f, (a, b) in diff.items()}}
                        for row_id, diff in result.changed],
            "total_n_before": str(result.total_n_before), "total_n_after": str(result.total_n_after),
            "total_n1_before": str(result.total_n1_before), "total_n1_after": str(result.total_n1_after)}
