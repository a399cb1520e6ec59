"""The RKPD's rendered files over RPC, and what is published.

**Published** = every version announced with `rkpd.published.v1` (the `published` column):
in a legacy year every version Bappeda promoted (rancangan, rancangan akhir, penetapan), in a
calendar year the rancangan awal Bappeda published, the penetapan and every perubahan.
Automatic assemblies are Bappeda's working drafts (`rkpd.assembled.v1`). In a legacy year a
version is a promotion exactly when its stage name differs from the previous version's
(`published_numbers`, the rule migration 0006 used to fill the column for versions made
before it). A published version stays published when a later upstream change marks it stale:
it is what Bappeda released, and its files never change.

The gateway never reads the document store: files travel over RPC as base64 with their
SHA-256. Each file is read from the service's document store (`documents`) and checked against
the size and SHA-256 recorded when it was rendered; a file that changed in the store is refused
(`file_mismatch`), never served; one the store does not have is `file_missing`.
"""
from __future__ import annotations

import base64
import re
from typing import Iterable, Sequence

import sqlalchemy as sa

from eplanning_common import errors as rpc
from eplanning_common.storage import DocumentStore, ObjectCorrupt, ObjectMissing

from . import documents
from .documents import FORMATS
from .tables import rkpd_version

# base64 grows a file by 4/3; RabbitMQ refuses messages above 128 MiB by default
MAX_FILE_BYTES = 64 * 1024 * 1024
_PEMDA = re.compile(r"^[0-9]{2}\.[0-9]{2}$")


# -- pure rules --------------------------------------------------------------------------------


def published_numbers(history: Iterable[tuple[int, str]]) -> list[int]:
    """The nomor of every promoted version, given `(nomor, versi)` in nomor order."""
    out, previous = [], None
    for nomor, versi in history:
        if previous is not None and versi != previous:
            out.append(nomor)
        previous = versi
    return out


def file_entries(files: dict) -> dict[str, dict]:
    """`{fmt: {filename, media_type, sha256, bytes}}` from a version's stored `files`
    (`{"rkpd.json": {"sha256", "bytes"}, ...}`), in FORMATS order; formats not rendered are left out."""
    out = {}
    for fmt, (filename, media_type) in FORMATS.items():
        stored = (files or {}).get(filename)
        if stored:
            out[fmt] = {"filename": filename, "media_type": media_type, "sha256": stored["sha256"],
                        "bytes": stored["bytes"]}
    return out


def read_file(store: DocumentStore, location: str, files: dict, fmt: str) -> dict:
    """The file of format `fmt` of the version at `location`, checked against the recorded size
    and SHA-256: `{format, filename, media_type, bytes, sha256, content_base64}`."""
    check_format(fmt)
    filename, media_type = FORMATS[fmt]
    stored = (files or {}).get(filename)
    if not stored:
        raise rpc.NotFound(f"Berkas {filename} tidak ada pada versi ini", code="file_not_found")
    if stored["bytes"] > MAX_FILE_BYTES:
        raise rpc.Conflict(f"Berkas {filename} ({stored['bytes']} byte) terlalu besar untuk dikirim lewat RPC",
                           code="file_too_large")
    try:
        content = documents.read(store, location, filename, stored["sha256"])
    except ObjectMissing:
        raise rpc.Conflict(f"Berkas {filename} versi ini tidak ditemukan di penyimpanan", code="file_missing") from None
    except ObjectCorrupt:
        raise rpc.Conflict(f"Berkas {filename} tidak cocok dengan hash yang tercatat; tidak disajikan",
                           code="file_mismatch") from None
    return {"format": fmt, "filename": filename, "media_type": media_type, "bytes": len(content),
            "sha256": stored["sha256"], "content_base64": base64.b64encode(content).decode("ascii")}


def check_format(fmt: object) -> str:
    if fmt not in FORMATS:
        raise rpc.ValidationError("Format berkas RKPD: " + ", ".join(FORMATS), errors=[
            {"field": "fmt", "message": "Format yang dikenal: " + ", ".join(FORMATS), "code": "choice"}])
    return fmt  # type: ignore[return-value]


def check_cycle(pemda: object, tahun: object) -> None:
    """Public callers name the pemda and year themselves: check both."""
    errors = []
    if not isinstance(pemda, str) or not _PEMDA.fullmatch(pemda):
        errors.append({"field": "pemda", "message": "Kode pemda, misalnya 12.21", "code": "format_pattern"})
    if isinstance(tahun, bool) or not isinstance(tahun, int) or not 2000 <= tahun <= 2100:
        errors.append({"field": "tahun", "message": "Tahun 2000..2100", "code": "invalid"})
    if errors:
        raise rpc.ValidationError("Pemda atau tahun tidak valid", errors=errors)


def _check_nomor(nomor: object) -> None:
    if nomor is not None and (isinstance(nomor, bool) or not isinstance(nomor, int) or nomor < 1):
        raise rpc.ValidationError("Nomor versi tidak valid", errors=[
            {"field": "nomor", "message": "Nomor versi: bilangan bulat >= 1", "code": "invalid"}])


# -- reads -------------------------------------------------------------------------------------


def _history(uow, pemda: str, tahun: int) -> Sequence:
    return uow.execute(sa.select(rkpd_version.c.nomor, rkpd_version.c.versi, rkpd_version.c.content_hash,
                                 rkpd_version.c.location, rkpd_version.c.files, rkpd_version.c.ditetapkan,
                                 rkpd_version.c.published, rkpd_version.c.created_at)
                       .where(rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun)
                       .order_by(rkpd_version.c.nomor)).all()


def _not_published(pemda: str, tahun: int) -> rpc.NotFound:
    return rpc.NotFound(f"RKPD {pemda} {tahun} belum dipublikasikan", code="rkpd_not_published")


def published_rows(uow, pemda: str, tahun: int) -> list:
    return [r for r in _history(uow, pemda, tahun) if r.published]


def _published_row(uow, pemda: str, tahun: int, nomor: int | None):
    rows = published_rows(uow, pemda, tahun)
    if nomor is not None:
        rows = [r for r in rows if r.nomor == nomor]
    if not rows:
        raise _not_published(pemda, tahun) if nomor is None else rpc.NotFound(
            f"RKPD {pemda} {tahun} versi {nomor} tidak dipublikasikan", code="rkpd_not_published")
    return rows[-1]


def published(uow, pemda: str, tahun: int) -> dict:
    """Public: every published version of the RKPD of `pemda` for `tahun`, newest last, with the
    SHA-256 of each file. NotFound (`rkpd_not_published`) when nothing is published."""
    check_cycle(pemda, tahun)
    rows = published_rows(uow, pemda, tahun)
    if not rows:
        raise _not_published(pemda, tahun)
    name = uow.execute(sa.select(rkpd_version.c.document["pemda_nama"].astext).where(
        rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun,
        rkpd_version.c.nomor == rows[-1].nomor)).scalar()
    return {"pemda": pemda, "pemda_nama": name or pemda, "tahun": tahun, "terkini": rows[-1].nomor,
            "versi": [{"nomor": r.nomor, "versi": r.versi, "content_hash": r.content_hash,
                       "ditetapkan": r.ditetapkan, "dipublikasikan_pada": r.created_at.isoformat(),
                       "files": file_entries(r.files)} for r in rows]}


def published_file(uow, store: DocumentStore, pemda: str, tahun: int, fmt: str, nomor: int | None = None) -> dict:
    """Public: one file of a published version (the newest one when `nomor` is None)."""
    check_cycle(pemda, tahun)
    check_format(fmt)
    _check_nomor(nomor)
    row = _published_row(uow, pemda, tahun, nomor)
    return {"pemda": pemda, "tahun": tahun, "nomor": row.nomor, "versi": row.versi,
            **read_file(store, row.location, row.files, fmt)}


def document_file(uow, store: DocumentStore, pemda: str, tahun: int, nomor: int | None, fmt: str) -> dict:
    """Bappeda: one file of any version (the newest one when `nomor` is None)."""
    check_format(fmt)
    _check_nomor(nomor)
    rows = _history(uow, pemda, tahun)
    if nomor is not None:
        rows = [r for r in rows if r.nomor == nomor]
    if not rows:
        raise rpc.NotFound(f"RKPD {pemda} {tahun} belum disusun" if nomor is None
                           else f"RKPD {pemda} {tahun} versi {nomor} tidak ada", code="rkpd_not_found")
    row = rows[-1]
    return {"pemda": pemda, "tahun": tahun, "nomor": row.nomor, "versi": row.versi,
            **read_file(store, row.location, row.files, fmt)}
