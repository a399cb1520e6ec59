"""Closing the Pokir stage of a cycle, with its manifest."""
from eplanning_common.errors import Conflict

from . import events
from .domain import PokirStatus, Role, build_manifest
from .repository import Repository
from .setup_actions import _require


def close_stage(repo: Repository, actor, tahun: int) -> dict:
    """Refused while Setwan still has pokir to review; drafts stay out of the delivered set."""
    _require(actor, Role.SETWAN, Role.BAPPEDA)
    row = repo.window_row(actor.pemda, tahun)
    if row is None:
        raise Conflict(f"Jendela pokir {actor.pemda} tahun {tahun} belum ditetapkan", code="no_window")
    if row.closed_manifest is not None:
        raise Conflict(f"Tahap pokir {actor.pemda} {tahun} sudah ditutup", code="stage_closed")
    pokirs = repo.pokir_of_cycle(actor.pemda, tahun)
    waiting = [p.id for p in pokirs if p.status in (PokirStatus.DIAJUKAN, PokirStatus.DIREKOMENDASIKAN)]
    if waiting:
        raise Conflict(f"{len(waiting)} pokir masih di Setwan (diajukan/direkomendasikan)", code="pending_review",
                       pokir=waiting[:50])
    manifest = build_manifest(pokirs, pemda=actor.pemda, tahun=tahun).as_dict()
    repo.close_stage(actor.pemda, tahun, manifest)
    data = {"manifest": manifest, "closed_by": actor.sub}
    repo.uow.emit(events.STAGE_CLOSED, f"{actor.pemda}/{tahun}", data, actor.pemda, tahun)
    return data
