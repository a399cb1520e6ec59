"""Renja rows: create, edit, delete — only while the OPD's renja is editable, within its ceiling.

A create may carry a `request_id` (the gateway passes the client's Idempotency-Key): the row id is
then `uuid5(ROW_REQUEST_NAMESPACE, "<pemda>/<tahun>/<request_id>")`, the same on any database, and
a retry returns the row the first call made (no second row, no new event). A row keeps no author,
only its OPD: a retry by any operator of that OPD gets the row; from another OPD, or once the row
was deleted, the request id is a Conflict `request_id_taken` (a deleted id is never reused:
downstream copies keep the deletion)."""
import uuid

import sqlalchemy as sa

from eplanning_common.domainkit import request_ids
from eplanning_common.errors import Conflict, NotFound
from eplanning_common.schema import outbox

from . import events
from .domain import Action, Actor, authorize, ensure_row_removable, ensure_rows_editable, validate_row
from .errors import field_error
from .events import row_data
from .repository import Repository


def stage_open(repo: Repository, pemda: str, tahun: int, opd_kode: str | None = None) -> None:
    """Conflict `stage_closed` once the Renja stage closed — unless a Perubahan RKPD reopened this
    OPD's renja (then only its renja status decides)."""
    if repo.cycle(pemda, tahun).closed_manifest is None:
        return
    if opd_kode is not None and repo.state(pemda, opd_kode, tahun)[0].perubahan:
        return
    raise Conflict(f"Tahap Renja {tahun} sudah ditutup", code="stage_closed")


def _editable(repo: Repository, actor: Actor, pemda: str, opd_kode: str, tahun: int) -> None:
    """Only the OPD's own operator, only while its renja is draft/returned and the stage open."""
    authorize(actor, Action.EDIT_ROWS, pemda=pemda, opd=opd_kode)
    stage_open(repo, actor.pemda, tahun, opd_kode)
    repo.lock_opd_year(actor.pemda, opd_kode, tahun)
    state, _ = repo.state(actor.pemda, opd_kode, tahun)
    ensure_rows_editable(state)


def validated(repo: Repository, actor: Actor, opd_kode: str, tahun: int, data, row_id: str, sumber=(), akomodasi=()):
    opd = repo.opd(actor.pemda, opd_kode)
    others = [r for r in repo.rows(actor.pemda, tahun, opd_kode) if r.id != row_id]
    return validate_row(data, row_id=row_id, opd=opd, tahun=tahun, pemda=actor.pemda,
                        nomenclature=repo.nomenclature(actor.pemda, tahun), in_pemda=repo.in_pemda(actor.pemda),
                        other_rows=others, pagu=repo.pagu(actor.pemda, opd_kode, tahun), sumber=sumber,
                        akomodasi=akomodasi)


# -- request ids (idempotent creates) ----------------------------------------------------------
ROW_REQUEST_NAMESPACE = uuid.UUID("4dc29b2c-ebca-499a-b12c-7cdf2a629bf2")  # fixed: ids must not change


def checked_request_id(request_id: object) -> str:
    if not request_ids.is_valid(request_id):
        raise field_error("request_id", request_ids.INVALID_MESSAGE, request_ids.INVALID_CODE)
    return request_id


def row_id_for(pemda: str, tahun: int, request_id: str) -> str:
    """The id of the row `request_id` creates in the cycle (pemda, tahun)."""
    return request_ids.derived_id(ROW_REQUEST_NAMESPACE, pemda, tahun, checked_request_id(request_id))


def _taken(detail: str) -> Conflict:
    return Conflict(f"request_id ini sudah dipakai: {detail}; gunakan request_id baru", code="request_id_taken")


def earlier_create(repo: Repository, actor: Actor, opd_kode: str, row_id: str) -> dict | None:
    """The row an earlier create with this request id made for this OPD (None: there is none)."""
    repo.uow.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("renja-row-request:" + row_id))))
    try:
        existing, version, pemda = repo.row(row_id)
    except NotFound:
        # the outbox keeps every event: a row.deleted of this id means the create ran, then the row went
        deleted = repo.uow.execute(sa.select(outbox.c.seq).where(
            outbox.c.routing_key == events.ROW_DELETED, outbox.c.envelope["subject"].astext == row_id).limit(1)).first()
        if deleted is not None:
            raise _taken(f"baris {row_id} yang dibuat dengannya sudah dihapus") from None
        return None
    if (pemda, existing.opd) != (actor.pemda, opd_kode):
        raise _taken("baris Renja OPD lain")
    return {**row_data(existing, version), "tahun": existing.tahun}


def create(repo: Repository, actor: Actor, opd_kode: str, tahun: int, data: dict,
           request_id: str | None = None) -> dict:
    row_id = str(uuid.uuid4())
    if request_id is not None:
        authorize(actor, Action.EDIT_ROWS, pemda=actor.pemda, opd=opd_kode)
        row_id = row_id_for(actor.pemda, tahun, request_id)
        done = earlier_create(repo, actor, opd_kode, row_id)
        if done is not None:
            return done  # a retry: the same row, unchanged, and no new event
    _editable(repo, actor, actor.pemda, opd_kode, tahun)
    row = validated(repo, actor, opd_kode, tahun, data, row_id)
    repo.insert_row(actor.pemda, row)
    repo.uow.emit(events.ROW_CREATED, row.id, row_data(row, 1), actor.pemda, tahun)
    return {**row_data(row, 1), "tahun": tahun}


def update(repo: Repository, actor: Actor, row_id: str, data: dict, expected_version: int | None) -> dict:
    current, version, pemda = repo.row(row_id, lock=True)
    _editable(repo, actor, pemda, current.opd, current.tahun)
    if expected_version is not None and expected_version != version:
        raise Conflict(f"Baris {row_id} versi {expected_version} sudah usang (versi sekarang {version})",
                       code="stale_version", current_version=version)
    row = validated(repo, actor, current.opd, current.tahun, data, current.id, sumber=current.sumber,
                    akomodasi=current.akomodasi)
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
