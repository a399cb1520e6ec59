"""Reads of the RKPD: what is closed and what it waits for, the versions, one document."""
import sqlalchemy as sa

from eplanning_common.errors import NotFound

from . import assembly, facts
from .tables import cycle, forum_close, perubahan, rkpd_version, stage, waiting

PERMENDAGRI = "permendagri_86_2017"


def status(uow, pemda: str, tahun: int) -> dict:
    # the version first: a reopen marks it stale and deletes the close in one transaction, so
    # reading the closes after the version never shows a stale version beside a stale close
    history = assembly.history(uow, pemda, tahun)
    current = history[-1] if history else None
    closed = facts.closed_stages(uow, pemda, tahun)
    row = uow.execute(sa.select(waiting.c.reasons, waiting.c.checked_at).where(
        waiting.c.pemda == pemda, waiting.c.tahun == tahun)).first()
    order = uow.execute(sa.select(cycle.c.tata_urutan).where(cycle.c.pemda == pemda, cycle.c.tahun == tahun)).scalar()
    if order == PERMENDAGRI:
        waits = row.reasons if row else []
    else:  # closes are read live; what the last completeness check found is shown once all have closed
        waits = [f"menunggu penutupan tahap {s}" for s in facts.STAGES if s not in closed] or (
            row.reasons if row else [])
    return {"pemda": pemda, "tahun": tahun, "tata_urutan": order or "lama",
            "tahap": {s: {"ditutup": s in closed, "manifest": closed.get(s)} for s in facts.STAGES},
            "kalender": _calendar(uow, pemda, tahun, history) if order == PERMENDAGRI else None,
            "menunggu": waits,
            "versi_terkini": None if current is None else {"nomor": current.nomor, "versi": current.versi,
                                                           "content_hash": current.hash, "stale": current.stale,
                                                           "alasan_stale": current.alasan_stale,
                                                           "ditetapkan": current.ditetapkan}}


def _calendar(uow, pemda: str, tahun: int, history) -> dict:
    """Where a calendar year stands: the OPDs with a ceiling and whose Forum PD closed, Musrenbang
    RKPD's close, the version of each calendar point, an open perubahan."""
    ceilings = facts.ceilings(uow, pemda, tahun)
    covered = {opd for (opds,) in uow.execute(sa.select(forum_close.c.opds).where(
        forum_close.c.pemda == pemda, forum_close.c.tahun == tahun)) for opd in opds}
    musrenbang = uow.execute(sa.select(sa.func.count()).select_from(stage).where(
        stage.c.pemda == pemda, stage.c.tahun == tahun, stage.c.stage == "musrenbang")).scalar()
    opened = uow.execute(sa.select(perubahan.c.nomor_dasar, perubahan.c.opds, perubahan.c.alasan).where(
        perubahan.c.pemda == pemda, perubahan.c.tahun == tahun, perubahan.c.nomor_versi.is_(None))).first()
    latest = {}
    for v in history:
        latest[v.versi] = v.nomor
    return {"forum_pd": [{"opd": opd, "ditutup": opd in covered} for opd in sorted(ceilings)],
            "musrenbang_rkpd_ditutup": bool(musrenbang),
            "versi": {versi: latest.get(versi) for versi in ("rancangan awal", "rancangan", "rancangan akhir",
                                                             "penetapan", "perubahan")},
            "perubahan_terbuka": None if opened is None else {
                "nomor_versi_dasar": opened.nomor_dasar, "opds": opened.opds, "alasan": opened.alasan}}


def calendar_waiting(uow) -> list[tuple[str, int]]:
    """Calendar years whose last look found something missing: look again (events in flight)."""
    rows = uow.execute(sa.select(waiting.c.pemda, waiting.c.tahun).select_from(
        waiting.join(cycle, sa.and_(cycle.c.pemda == waiting.c.pemda, cycle.c.tahun == waiting.c.tahun)))
        .where(cycle.c.tata_urutan == PERMENDAGRI, sa.func.jsonb_array_length(waiting.c.reasons) > 0)).all()
    return [(r.pemda, r.tahun) for r in rows]


def versions(uow, pemda: str, tahun: int) -> list[dict]:
    rows = uow.execute(sa.select(rkpd_version.c.nomor, rkpd_version.c.versi, rkpd_version.c.content_hash,
                                 rkpd_version.c.location, rkpd_version.c.files, rkpd_version.c.diff,
                                 rkpd_version.c.stale_reason, rkpd_version.c.ditetapkan, rkpd_version.c.published,
                                 rkpd_version.c.created_at)
                       .where(rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun)
                       .order_by(rkpd_version.c.nomor)).all()
    return [{"nomor": r.nomor, "versi": r.versi, "content_hash": r.content_hash, "location": r.location,
             "files": r.files, "diff": r.diff, "stale_reason": r.stale_reason, "ditetapkan": r.ditetapkan,
             "dipublikasikan": r.published, "created_at": r.created_at.isoformat()} for r in rows]


def document(uow, pemda: str, tahun: int, nomor: int | None) -> dict:
    query = sa.select(rkpd_version.c.document, rkpd_version.c.files, rkpd_version.c.location).where(
        rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun)
    query = query.where(rkpd_version.c.nomor == nomor) if nomor is not None else query.order_by(
        rkpd_version.c.nomor.desc()).limit(1)
    row = uow.execute(query).first()
    if row is None:
        raise NotFound(f"RKPD {pemda} {tahun} belum disusun", code="rkpd_not_found")
    return {"document": row.document, "files": row.files, "location": row.location}


def waiting_cycles(uow) -> list[tuple[str, int]]:
    """Cycles whose three stages are closed but whose RKPD is missing or stale."""
    rows = uow.execute(sa.select(stage.c.pemda, stage.c.tahun).group_by(stage.c.pemda, stage.c.tahun)
                       .having(sa.func.count() == len(facts.STAGES))
                       .where(~sa.exists().where(cycle.c.pemda == stage.c.pemda, cycle.c.tahun == stage.c.tahun,
                                                 cycle.c.tata_urutan == PERMENDAGRI))).all()
    out = []
    for pemda, tahun in rows:
        history = assembly.history(uow, pemda, tahun)
        if not history or (history[-1].stale and not history[-1].ditetapkan):
            out.append((pemda, tahun))
    return out
