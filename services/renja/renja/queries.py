"""Reads: rows (filtered, paginated; one by id), per-OPD totals against ceilings, the inbox, the OPDs."""
from eplanning_common.errors import NotFound
from eplanning_common.jsoncodec import to_json

from .domain import Action, Actor, Role, authorize, opd_totals
from .errors import field_error
from .events import inbox_data, row_data
from .repository import Repository
from .tables import inbox_item, renja_row

MAX_PAGE = 100


def _page(cursor, limit):
    limit = 50 if limit is None else limit
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise field_error("limit", f"limit harus 1..{MAX_PAGE}")
    try:
        return (int(cursor) if cursor not in (None, "") else None), limit
    except (TypeError, ValueError):
        raise field_error("cursor", "cursor tidak valid") from None


def _scope(actor: Actor, opd: str | None) -> str | None:
    """An OPD operator reads their own OPD only; Bappeda any (or all)."""
    if actor.role is Role.OPD:
        authorize(actor, Action.VIEW, pemda=actor.pemda, opd=opd or actor.opd)
        return actor.opd
    authorize(actor, Action.VIEW, pemda=actor.pemda, opd=opd)
    return opd


def list_rows(repo: Repository, actor: Actor, tahun: int, filters: dict | None, cursor, limit) -> dict:
    filters = dict(filters or {})
    if set(filters) - {"opd", "sub_kegiatan"}:
        raise field_error("filters", "Filter yang dikenal: opd, sub_kegiatan", "unknown_field")
    after, limit = _page(cursor, limit)
    opd = _scope(actor, filters.get("opd"))
    where = [renja_row.c.pemda == actor.pemda, renja_row.c.tahun == tahun]
    if opd:
        where.append(renja_row.c.opd == opd)
    if filters.get("sub_kegiatan"):
        where.append(renja_row.c.sub_kegiatan == str(filters["sub_kegiatan"]))
    rows = repo.list_rows(where, after, limit + 1)
    page = rows[:limit]
    return {"items": [row_data(r, v) for _, r, v in page], "next_cursor": str(page[-1][0]) if len(rows) > limit else None}


def get_row(repo: Repository, actor: Actor, row_id: str) -> dict:
    """One row as create_row/update_row answer it (with its version and tahun). A row of another
    pemda is not found (its existence is not revealed); an OPD operator reads its own OPD's rows."""
    row, version, pemda = repo.row(row_id)
    if pemda != actor.pemda:
        raise NotFound(f"Baris Renja {row_id} tidak ditemukan", code="row_not_found")
    authorize(actor, Action.VIEW, pemda=pemda, opd=row.opd)
    return {**row_data(row, version), "tahun": row.tahun}


def totals(repo: Repository, actor: Actor, tahun: int) -> list[dict]:
    """Per OPD: totals of its rows against its ceilings, and the renja status."""
    scope = _scope(actor, None)
    ceilings = repo.all_pagu(actor.pemda, tahun)
    states = repo.states(actor.pemda, tahun)
    rows = repo.rows(actor.pemda, tahun)
    out = []
    for kode in sorted(repo.opds(actor.pemda)):
        if scope and kode != scope or kode not in ceilings:
            continue
        t = opd_totals([r for r in rows if r.opd == kode], ceilings[kode])
        out.append({"opd": kode, "status": states[kode].status.value if kode in states else "draft",
                    "rows": t.rows, "total_n": str(t.total_n), "pagu_n": str(t.pagu_n), "sisa_n": str(t.sisa_n),
                    "total_n1": str(t.total_n1), "pagu_n1": str(t.pagu_n1), "sisa_n1": str(t.sisa_n1)})
    return out


def inbox(repo: Repository, actor: Actor, tahun: int, opd: str | None, status: str | None, cursor, limit) -> dict:
    after, limit = _page(cursor, limit)
    opd = _scope(actor, opd)
    where = [inbox_item.c.pemda == actor.pemda, inbox_item.c.tahun == tahun]
    if opd:
        where.append(inbox_item.c.opd == opd)
    if status:
        where.append(inbox_item.c.status == str(status))
    items = repo.inbox(where, after, limit + 1)
    page = items[:limit]
    return {"items": [{**inbox_data(i), "status": i.status.value, "version": v,
                       "decision": None if i.decision is None else to_json(i.decision)} for _, i, v in page],
            "next_cursor": str(page[-1][0]) if len(items) > limit else None}


def opd_codes(repo: Repository, pemda: str) -> list[str]:
    """The codes of the pemda's OPD register, sorted (public: OPD codes and names are published)."""
    return sorted(repo.opds(pemda))


def list_opd(repo: Repository, actor: Actor) -> list[dict]:
    authorize(actor, Action.VIEW, pemda=actor.pemda, opd=actor.opd)
    return [to_json(o) for o in repo.opds(actor.pemda).values()]
