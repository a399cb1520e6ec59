"""An usulan's (or pokir's) place in the latest RKPD version, for the gateway's trace: its annex
record (final status and reason) and the chapter V lines of the renja rows that accommodate it.

Readable by any caller of the pemda (the gateway asks only after Musrenbang allowed the caller to
see the usulan); the lines are read with SQL/JSON path queries, not by loading the document."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from eplanning_common import errors as rpc

from .tables import rkpd_version

ANNEX = {"usulan": "$.lampiran.usulan[*] ? (@.id == $id)", "pokir": "$.lampiran.pokir[*] ? (@.id == $id)"}
LINES = "$.tabel_v.baris[*] ? (@.row_id == $row)"


def trace(uow, identity: dict | None, tahun: int, kind: str, source_id: str, row_ids: list) -> dict:
    pemda = (identity or {}).get("pemda")
    if not pemda or not (identity or {}).get("sub"):
        raise rpc.Forbidden("Akses ditolak: identitas pengguna tidak dikenal", code="unauthenticated")
    if kind not in ANNEX or not isinstance(source_id, str) or not isinstance(row_ids, list):
        raise rpc.ValidationError("kind: usulan atau pokir; source_id: teks; row_ids: daftar",
                                  errors=[{"field": "kind", "message": "usulan atau pokir", "code": "invalid"}])
    version = uow.execute(
        sa.select(rkpd_version.c.nomor, rkpd_version.c.versi, rkpd_version.c.content_hash,
                  rkpd_version.c.stale_reason, rkpd_version.c.ditetapkan)
        .where(rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun)
        .order_by(rkpd_version.c.nomor.desc()).limit(1)).first()
    if version is None:
        return {"versi": None, "lampiran": None, "baris": []}
    where = [rkpd_version.c.pemda == pemda, rkpd_version.c.tahun == tahun, rkpd_version.c.nomor == version.nomor]
    annex = uow.execute(sa.select(sa.func.jsonb_path_query_first(
        rkpd_version.c.document, sa.text(f"'{ANNEX[kind]}'::jsonpath"),
        sa.literal({"id": source_id}, JSONB))).where(*where)).scalar()
    lines = []
    for row_id in [r for r in row_ids if isinstance(r, str)]:
        found = uow.execute(sa.select(sa.func.jsonb_path_query(
            rkpd_version.c.document, sa.text(f"'{LINES}'::jsonpath"),
            sa.literal({"row": row_id}, JSONB))).where(*where)).scalars().all()
        lines.extend(found)
    return {"versi": {"nomor": version.nomor, "versi": version.versi, "content_hash": version.content_hash,
                      "stale": version.stale_reason is not None, "ditetapkan": version.ditetapkan},
            "lampiran": annex, "baris": lines}
