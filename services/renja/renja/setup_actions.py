"""Set-up by Bappeda: the OPD register (CSV), the cycle's pinned nomenclature version, ceilings."""
from eplanning_common.errors import Conflict, ValidationError
from eplanning_common.reference import CsvUnreadable, read_csv

from . import events
from .domain import Action, Actor, authorize, set_pagu
from .domain.opd import parse_opd_rows
from .errors import field_error
from .repository import Repository


def import_opd(repo: Repository, actor: Actor, versi: str, csv_text: str) -> dict:
    """All or nothing; `bidang` checked against the nomenclature version `versi`."""
    authorize(actor, Action.SET_PAGU, pemda=actor.pemda)
    if not isinstance(csv_text, str) or not csv_text.strip():
        raise field_error("csv", "Berkas CSV OPD wajib diisi", "required")
    known = repo.known_bidang(versi)
    if not known:
        raise field_error("versi", f"Versi nomenklatur {versi} belum dimuat", "unknown_version")
    try:
        records = read_csv(csv_text)[1]
    except CsvUnreadable as exc:
        raise field_error("csv", str(exc), "csv_unreadable") from None
    opds, errors = parse_opd_rows(records, known_bidang=known)
    if errors:
        raise ValidationError(f"{len(errors)} kesalahan pada CSV OPD; tidak ada yang diimpor", code="csv_invalid",
                              errors=errors)
    repo.save_opds(actor.pemda, opds)
    return {"pemda": actor.pemda, "imported": len(opds)}


def pin_cycle(repo: Repository, actor: Actor, tahun: int, versi: str) -> dict:
    """Pin the plan year to one nomenclature version (changeable only before any row exists)."""
    authorize(actor, Action.SET_PAGU, pemda=actor.pemda)
    if versi not in repo.nomenclature_versions():
        raise field_error("versi", f"Versi nomenklatur {versi} belum dimuat", "unknown_version")
    if repo.has_rows(actor.pemda, tahun):
        raise Conflict(f"Siklus {tahun} sudah punya baris Renja; versi nomenklatur tidak dapat diganti",
                       code="cycle_in_use")
    repo.pin_cycle(actor.pemda, tahun, versi)
    return {"pemda": actor.pemda, "tahun": tahun, "versi": versi}


def set_ceiling(repo: Repository, actor: Actor, opd: str, tahun: int, pagu_n, pagu_n1) -> dict:
    p = set_pagu(actor=actor, pemda=actor.pemda, opd=opd, tahun=tahun, pagu_n=pagu_n, pagu_n1=pagu_n1,
                 opds=set(repo.opds(actor.pemda)))
    repo.save_pagu(actor.pemda, p)
    data = {"opd": p.opd, "pagu_n": str(p.pagu_n), "pagu_n1": str(p.pagu_n1)}
    repo.uow.emit(events.PAGU_SET, f"{actor.pemda}/{tahun}/{opd}", data, actor.pemda, tahun)
    return data
