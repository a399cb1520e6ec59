"""Bappeda's narrative of the RKPD chapters (I-IV, VI, VII; chapter V is the table): read and
replace one chapter, with optimistic concurrency.

A chapter never edited reads as the default text of the year's template (`bawaan: true`,
version 0). Every replacement names the version it was made from (`expected_version`, the
gateway's If-Match); a replacement made from an older version is refused (`stale_version`) and
changes nothing, so two staff editing the same chapter cannot silently overwrite each other. Each
accepted replacement is in the audit log, before and after. It takes effect in the next assembly.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from eplanning_common.domainkit.text import MULTILINE, text_field_errors
from eplanning_common import errors as rpc
from eplanning_common.wilayah import wilayah

from .domain import default_narrative
from .tables import narrative

CHAPTERS = (1, 2, 3, 4, 6, 7)


def _check_bab(bab) -> None:
    if isinstance(bab, bool) or bab not in CHAPTERS:
        raise rpc.ValidationError("Bab narasi: 1, 2, 3, 4, 6 atau 7 (bab V adalah tabel)",
                                  errors=[{"field": "bab", "message": "Bab tidak dapat diedit", "code": "invalid"}])


def _check_sections(sections) -> None:
    if not isinstance(sections, list) or not sections or any(
            not isinstance(x, dict) or set(x) != {"judul", "teks"} or not isinstance(x["judul"], str)
            or not isinstance(x["teks"], str) or not x["judul"].strip() for x in sections):
        raise rpc.ValidationError("Bagian narasi: daftar {judul, teks}", errors=[
            {"field": "sections", "message": "Isi daftar {judul, teks}", "code": "invalid"}])
    refused = [e.as_dict() for i, x in enumerate(sections)  # domainkit.text: judul one line, teks several
               for e in (text_field_errors(x["judul"], f"sections[{i}].judul", "Judul")
                         + text_field_errors(x["teks"], f"sections[{i}].teks", "Teks", MULTILINE))]
    if refused:
        raise rpc.ValidationError("Bagian narasi berisi teks yang tidak diizinkan", errors=refused)


def _stale(expected, current) -> rpc.Conflict:
    return rpc.Conflict(f"Narasi versi {expected} sudah usang (versi sekarang {current})", code="stale_version")


def get_narrative(uow, pemda: str, tahun: int, bab) -> dict:
    _check_bab(bab)
    row = uow.execute(sa.select(narrative.c.sections, narrative.c.version).where(
        narrative.c.pemda == pemda, narrative.c.tahun == tahun, narrative.c.bab == str(bab))).first()
    if row is not None:
        return {"bab": bab, "sections": row.sections, "version": row.version, "bawaan": False}
    name = uow.execute(sa.select(wilayah.c.nama).where(wilayah.c.kode == pemda)).scalar() or pemda
    sections = [{"judul": s.judul, "teks": s.teks} for s in default_narrative(name, tahun)[bab]]
    return {"bab": bab, "sections": sections, "version": 0, "bawaan": True}


def set_narrative(uow, pemda: str, tahun: int, bab, sections, expected_version: int | None = None) -> dict:
    """Replace chapter `bab`'s sections. `expected_version`: the version the edit was made from
    (0: the default text); None replaces whatever is there (callers without a read: tools)."""
    _check_bab(bab)
    _check_sections(sections)
    if expected_version is not None and (isinstance(expected_version, bool) or not isinstance(expected_version, int)
                                         or expected_version < 0):
        raise rpc.ValidationError("expected_version: bilangan bulat >= 0", errors=[
            {"field": "expected_version", "message": "Versi harus bilangan bulat >= 0", "code": "invalid"}])
    key = (narrative.c.pemda == pemda, narrative.c.tahun == tahun, narrative.c.bab == str(bab))
    current = uow.execute(sa.select(narrative.c.version).where(*key).with_for_update()).scalar()
    have = current or 0
    if expected_version is not None and expected_version != have:
        raise _stale(expected_version, have)
    statement = pg_insert(narrative).values(pemda=pemda, tahun=tahun, bab=str(bab), sections=sections, version=1)
    statement = statement.on_conflict_do_update(
        index_elements=["pemda", "tahun", "bab"],
        set_={"sections": statement.excluded.sections, "version": narrative.c.version + 1},
        where=narrative.c.version == have,  # another first edit inserted meanwhile: stale
    ).returning(narrative.c.version)
    version = uow.execute(statement).scalar()
    if version is None:
        raise _stale(have, "lebih baru")
    after = {"bab": bab, "sections": sections, "version": version, "bawaan": False}
    uow.audit("rkpd.narrative.replaced", after, entity="narrative", subject=f"{pemda}/{tahun}/{bab}", pemda=pemda,
              tahun=tahun)
    return after
