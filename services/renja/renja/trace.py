"""Where an usulan or pokir went in Renja, for the gateway's trace: the inbox items made from it
(one per OPD it was routed to), each with its decision, and the renja rows that accommodate it.

Readable by any caller of the same pemda: the decisions and rows are plan content that ends up
in the published RKPD, and the gateway only asks after Musrenbang or Pokir allowed the caller to
see the source itself."""
from __future__ import annotations

import sqlalchemy as sa

from eplanning_common.errors import Forbidden, NotFound
from eplanning_common.jsoncodec import from_json, to_json

from .domain import InboxItem
from .events import inbox_data, row_data
from .repository import Repository
from .tables import inbox_item

SOURCES = ("musrenbang", "pokir")


def trace(repo: Repository, identity: dict | None, source: str, source_id: str) -> dict:
    pemda = (identity or {}).get("pemda")
    if not pemda or not (identity or {}).get("sub"):
        raise Forbidden("Akses ditolak: identitas pengguna tidak dikenal", code="unauthenticated")
    if source not in SOURCES or not isinstance(source_id, str) or not source_id:
        raise NotFound("Sumber tidak dikenal", code="source_not_found")
    rows = repo.uow.execute(
        sa.select(inbox_item.c.doc, inbox_item.c.status, inbox_item.c.version)
        .where(inbox_item.c.pemda == pemda, inbox_item.c.source == source, inbox_item.c.source_id == source_id)
        .order_by(inbox_item.c.seq)).all()
    items, row_ids = [], []
    for row in rows:
        item = from_json(InboxItem, row.doc)
        decision = None if item.decision is None else to_json(item.decision)
        items.append({**inbox_data(item), "status": row.status, "version": row.version, "decision": decision})
        row_id = (decision or {}).get("renja_row_id")
        if row_id and row_id not in row_ids:
            row_ids.append(row_id)
    renja_rows = []
    for row_id in row_ids:
        try:
            renja_row, version, row_pemda = repo.row(row_id)
        except NotFound:
            continue  # decided into a row that was later removed: the decision still says so
        if row_pemda == pemda:
            renja_rows.append(row_data(renja_row, version))
    return {"source": source, "source_id": source_id, "inbox": items, "rows": renja_rows}
