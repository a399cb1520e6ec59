"""Renja rows: create, edit, delete — only while the OPD's renja is editable, within its ceiling."""
import uuid

from eplanning_common.errors import Conflict

from . import events
from .domain import Action, Actor, authorize, ensure_row_removable, ensure_rows_editable, validate_row
from .events import row_data
from .repository import Repository


def _editable(repo: Repository, actor: Actor, pemda: str, opd_kode: str, tahun: int) -> None:
    """Only the OPD's own operator, only while its renja is draft/returned and the stage open."""
    authorize(actor, Action.EDIT_ROWS, pemda=pemda, opd=opd_kode)
    if repo.cycle(actor.pemda, tahun).closed_manifest is not None:
        raise Conflict(f"Tahap Renja {tahun} sudah ditutup", code="stage_closed")
    repo.lock_opd_year(actor.pemda, opd_kode, tahun)
    state, _ = repo.state(actor.pemda, opd_kode, tahun)
    ensure_rows_editable(state)


def validated(repo: Repository, actor: Actor, opd_kode: str, tahun: int, data, row_id: str, sumber=()):
    opd = repo.opd(actor.pemda, opd_kode)
    others = [r for r in repo.rows(actor.pemda, tahun, opd_kode) if r.id != row_id]
    return validate_row(data, row_id=row_id, opd=opd, tahun=tahun, pemda=actor.pemda,
                        nomenclature=repo.nomenclature(actor.pemda, tahun), in_pemda=repo.in_pemda(actor.pemda),
                        other_rows=others, pagu=repo.pagu(actor.pemda, opd_kode, tahun), sumber=sumber)


def create(repo: Repository, actor: Actor, opd_kode: str, tahun: int, data: dict) -> dict:
    _editable(repo, actor, actor.pemda, opd_kode, tahun)
    row = validated(repo, actor, opd_kode, tahun, data, str(uuid.uuid4()))
    repo.insert_row(actor.pemda, row)
    repo.uow.emit(events.ROW_CREATED, row.id, row_data(row, 1), actor.pemda, tahun)
    return {**row_data(row, 1), "tahun": tahun}


def update(repo: Repository, actor: Actor, row_id: str, data: dict, expected_version: int | None) -> dict:
    current, version, pemda = repo.row(row_id, lock=True)
    _editable(repo, actor, pemda, current.opd, current.tahun)
    if expected_version is not None and expected_version != version:
        raise Conflict(f"Baris {row_id} versi {expected_version} sudah usang (versi sekarang {version})",
                       code="stale_version", current_version=version)
    row = validated(repo, actor, current.opd, current.tahun, data, current.id, sumber=current.sumber)
    version = repo.save_row(row, version)
    repo.uow.emit(events.ROW_UPDATED, row.id, row_data(row, version), actor.pemda, row.tahun)
    return {**row_data(row, version), "tahun": row.tahun}


def delete(repo: Repository, actor: Actor, row_id: str) -> dict:
    current, version, pemda = repo.row(row_id, lock=True)
    _editable(repo, actor, pemda, current.opd, current.tahun)
    ensure_row_removable(current)
    repo.delete_row(row_id)
    repo.uow.emit(events.ROW_DELETED, row_id, row_data(current, version), actor.pemda, current.tahun)
    return {"row_id": row_id, "deleted": True}
