"""Closing the Renja stage: only when every OPD's renja is final and every inbox item decided."""
from eplanning_common.errors import Conflict

from . import events
from .domain import Action, Actor, authorize, build_manifest, close_blockers
from .repository import Repository


def close_stage(repo: Repository, actor: Actor, tahun: int) -> dict:
    authorize(actor, Action.CLOSE_STAGE, pemda=actor.pemda)
    cycle = repo.cycle(actor.pemda, tahun, lock=True)
    if cycle.closed_manifest is not None:
        raise Conflict(f"Tahap Renja {actor.pemda} {tahun} sudah ditutup", code="stage_closed")
    states = repo.states(actor.pemda, tahun)
    blockers = close_blockers(list(repo.opds(actor.pemda).values()), states, repo.pending_inbox(actor.pemda, tahun))
    if blockers:
        raise Conflict(f"Tahap Renja belum dapat ditutup: {len(blockers)} hal menghalangi", code="close_blocked",
                       blockers=[b.as_dict() for b in blockers])
    manifest = build_manifest(repo.rows(actor.pemda, tahun), pemda=actor.pemda, tahun=tahun).as_dict()
    repo.close_cycle(actor.pemda, tahun, manifest)
    data = {"manifest": manifest, "closed_by": actor.sub}
    repo.uow.emit(events.STAGE_CLOSED, f"{actor.pemda}/{tahun}", data, actor.pemda, tahun)
    return data
