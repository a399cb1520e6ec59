"""The RKPD of one pemda and plan year: wait for the three stage closes, prove completeness
(resync on a mismatch), assemble by itself, and let Bappeda promote it to the next stage."""
import logging

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from eplanning_common.errors import Conflict

from . import assembly, completeness, documents, facts
from .domain import PERMENDAGRI, content_hash, mark_stale, plan_assembly, promote
from .resync import resync
from .tables import cycle, rkpd_version, waiting

log = logging.getLogger(__name__)


def lock(uow, pemda: str, tahun: int) -> bool:
    return bool(uow.execute(sa.select(sa.func.pg_try_advisory_xact_lock(
        sa.func.hashtext(f"rkpd:{pemda}:{tahun}")))).scalar())


def order_of(uow, pemda: str, tahun: int) -> str | None:
    """The order the year follows: "permendagri_86_2017", "lama", or None (nothing said: played as
    the legacy order, which needs the three stage closes)."""
    return uow.execute(sa.select(cycle.c.tata_urutan).where(cycle.c.pemda == pemda,
                                                            cycle.c.tahun == tahun)).scalar()


def record_waiting(uow, pemda: str, tahun: int, reasons: list[str]) -> None:
    statement = pg_insert(waiting).values(pemda=pemda, tahun=tahun, reasons=reasons, checked_at=sa.func.now())
    uow.execute(statement.on_conflict_do_update(index_elements=["pemda", "tahun"],
                                                set_={"reasons": reasons, "checked_at": sa.func.now()}))


def complete_manifests(uow, amqp_uri: str, pemda: str, tahun: int) -> dict | None:
    """The three close manifests when every copy matches its manifest (after a resync if needed);
    else None, with what is missing recorded for `status`."""
    manifests = facts.closed_stages(uow, pemda, tahun)
    missing = [s for s in facts.STAGES if s not in manifests]
    if missing:
        record_waiting(uow, pemda, tahun, [f"menunggu penutupan tahap {s}" for s in missing])
        return None
    problems = []
    for stage_name in facts.STAGES:
        problem = completeness.check(uow, pemda, tahun, stage_name, manifests[stage_name])
        if problem:
            log.warning("copy does not match the close manifest; resyncing", extra={"stage": stage_name,
                                                                                    "problem": problem})
            resync(uow, amqp_uri, pemda, tahun, stage_name)
            problem = completeness.check(uow, pemda, tahun, stage_name, manifests[stage_name])
        if problem:
            problems.append(problem)
    if problems:
        record_waiting(uow, pemda, tahun, problems)
        return None
    record_waiting(uow, pemda, tahun, [])
    return manifests


def render_and_store(uow, store, emit, pemda, tahun, document, routing_key, extra=None) -> dict:
    previous = assembly.previous_document(uow, pemda, tahun)
    location, files = documents.render_and_put(store, document)
    changes = assembly.store(uow, pemda, tahun, document, previous, files, location,
                             published=routing_key == assembly.PUBLISHED)
    data = {"nomor": document["nomor_versi"], "versi": document["versi"], "content_hash": content_hash(document),
            "location": location, "files": files,
            "diff": None if changes is None else {"rows_added": len(changes["rows"]["added"]),
                                                  "rows_removed": len(changes["rows"]["removed"]),
                                                  "rows_changed": len(changes["rows"]["changed"])},
            **(extra or {})}
    emit(routing_key, f"{pemda}/{tahun}", data)
    if previous is not None:
        emit(assembly.SUPERSEDED, f"{pemda}/{tahun}",
             {"nomor": previous["nomor_versi"], "versi": previous["versi"], "content_hash": content_hash(previous),
              "location": documents.location(pemda, tahun, previous["nomor_versi"]),
              "superseded_by": document["nomor_versi"]})
    return data


def try_assemble(uow, store, amqp_uri: str, pemda: str, tahun: int) -> dict | None:
    """Assemble when everything is closed and complete and there is no current, fresh version."""
    if not lock(uow, pemda, tahun):
        return None  # another worker is on it
    if order_of(uow, pemda, tahun) == PERMENDAGRI:
        return None  # a calendar year: its versions come at the calendar's points (rkpd.calendar)
    manifests = complete_manifests(uow, amqp_uri, pemda, tahun)
    if manifests is None:
        return None
    history = assembly.history(uow, pemda, tahun)
    current = history[-1] if history else None
    if current is not None and (current.ditetapkan or not current.stale):
        return None
    plan = plan_assembly(history)
    document = assembly.build(uow, amqp_uri, pemda, tahun, plan.versi, plan.nomor, manifests)
    return render_and_store(uow, store, lambda key, subject, data: uow.emit(key, subject, data, pemda, tahun),
                             pemda, tahun, document, assembly.ASSEMBLED)


def promote_to(uow, store, amqp_uri: str, pemda: str, tahun: int, to: str) -> dict:
    """Bappeda moves the RKPD to the next stage (rancangan → rancangan akhir → penetapan): legacy years."""
    if order_of(uow, pemda, tahun) == PERMENDAGRI:
        raise Conflict("Tahun ini mengikuti kalender Permendagri 86/2017: versi RKPD disusun pada titik "
                       "kalendernya; penetapan lewat POST /v1/rkpd/{tahun}/penetapan", code="tata_urutan_baru")
    manifests = complete_manifests(uow, amqp_uri, pemda, tahun)
    if manifests is None:
        raise Conflict("RKPD belum dapat disusun: data tahapan belum lengkap", code="incomplete")
    plan = promote(assembly.history(uow, pemda, tahun), to)
    document = assembly.build(uow, amqp_uri, pemda, tahun, plan.versi, plan.nomor, manifests)
    return render_and_store(uow, store, lambda key, subject, data: uow.emit(key, subject, data, pemda, tahun),
                             pemda, tahun, document, assembly.PUBLISHED)


def mark_current_stale(uow, pemda: str, tahun: int, reason: str) -> None:
    history = assembly.history(uow, pemda, tahun)
    if not history or history[-1].ditetapkan or history[-1].stale:
        return
    mark_stale(history, reason)
    uow.execute(rkpd_version.update().where(rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun,
                                            rkpd_version.c.nomor == history[-1].nomor).values(stale_reason=reason))
