"""Reads: one usulan, paginated filtered listing, the public tracking lookup, the schedule.

Listing is keyset-paginated on a total order: the sort key, then `seq` (the insertion sequence,
unique) as the tie-break, both in the same direction, so "-x" is exactly the reverse of "x" and a
page never repeats or skips a row when rows with equal keys straddle a page boundary. The cursor
carries the last row's (sort key, seq) and the sort it was made for; a cursor of another sort is
refused. The default sort (`created_at`) keeps the plain-`seq` cursor of earlier versions.
"""
import base64
import binascii
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from eplanning_common.errors import NotFound

from .access import BAPPEDA, DESA, Caller, require_pemda, require_usulan_access
from .codec import schedule_to_dict
from .domain import normalize_tracking_code, public_view
from .errors import field_error
from .follow_up import follow_ups
from .repository import Repository
from .tables import usulan
from .views import usulan_view

MAX_PAGE = 200  # the gateway's page cap (gateway.api.binding.MAX_PAGE_SIZE)
FILTERS = {"kecamatan", "desa", "status", "status_kecamatan", "status_kabupaten", "opd", "kamus_kode"}


@dataclass(frozen=True)
class SortOrder:
    """One listing order: `column` is the table column sorted on before `seq` (None: `seq` alone)."""

    name: str
    column: str | None
    descending: bool = False


def _both_ways(name: str, column: str | None) -> dict[str, SortOrder]:
    return {name: SortOrder(name, column), f"-{name}": SortOrder(f"-{name}", column, descending=True)}


# created_at: creation order, i.e. the insertion sequence (usulan created in the same instant by
# concurrent requests keep the order in which they were stored); current_cost: the cost after the
# latest decision (the `cost` column); desa: the desa code (so kecamatan by kecamatan, too).
SORTS: dict[str, SortOrder] = {**_both_ways("created_at", None), **_both_ways("current_cost", "cost"),
                               **_both_ways("desa", "desa")}
DEFAULT_SORT = "created_at"
CURSOR_PREFIX = "c1."


def parse_sort(sort) -> SortOrder:
    if sort in (None, ""):
        return SORTS[DEFAULT_SORT]
    found = SORTS.get(sort) if isinstance(sort, str) else None
    if found is None:
        raise field_error("sort", f"Urutan yang dikenal: {', '.join(SORTS)}", "unknown_sort")
    return found


def encode_cursor(order: SortOrder, key, seq: int) -> str:
    """The cursor after the row (key, seq); the default order keeps the plain seq of earlier versions."""
    if order.name == DEFAULT_SORT:
        return str(seq)
    packed = json.dumps([order.name, None if key is None else str(key), seq], separators=(",", ":"))
    return CURSOR_PREFIX + base64.urlsafe_b64encode(packed.encode()).decode().rstrip("=")


def _bad_cursor():
    return field_error("cursor", "cursor tidak valid atau dibuat untuk urutan lain", "invalid_cursor")


def decode_cursor(order: SortOrder, cursor) -> tuple | None:
    """None (first page), (seq,) for a seq-only order, or (key, seq); a field error otherwise."""
    if cursor in (None, ""):
        return None
    if not isinstance(cursor, str):
        raise _bad_cursor()
    if order.name == DEFAULT_SORT:
        if not cursor.isascii() or not cursor.isdigit():
            raise _bad_cursor()
        return (int(cursor),)
    if not cursor.startswith(CURSOR_PREFIX):
        raise _bad_cursor()
    body = cursor[len(CURSOR_PREFIX):]
    try:
        name, key, seq = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, TypeError, binascii.Error):
        raise _bad_cursor() from None
    if name != order.name or isinstance(seq, bool) or not isinstance(seq, int):
        raise _bad_cursor()
    if order.column is None:
        return (seq,)
    if not isinstance(key, str):
        raise _bad_cursor()
    if order.column == "cost":
        try:
            key = Decimal(key)
        except InvalidOperation:
            raise _bad_cursor() from None
        if not key.is_finite():
            raise _bad_cursor()
    return (key, seq)


def get_usulan(repo: Repository, caller: Caller, usulan_id: str) -> dict:
    u, version = repo.usulan(usulan_id)
    require_usulan_access(caller, u.pemda, u.desa)
    return {**usulan_view(u, version, repo.lampiran(u.id), caller.role), "tindak_lanjut": follow_ups(repo, u.id)}


def list_usulan(repo: Repository, caller: Caller, tahun: int, filters: dict | None, cursor: str | None,
                limit: int | None, sort: str | None = None) -> dict:
    require_pemda(caller, caller.pemda)
    filters = filters or {}
    if not isinstance(filters, dict) or set(filters) - FILTERS:
        raise field_error("filters", f"Filter yang dikenal: {', '.join(sorted(FILTERS))}", "unknown_field")
    if limit is None:
        limit = 50
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise field_error("limit", f"limit harus 1..{MAX_PAGE}")
    order = parse_sort(sort)
    after = decode_cursor(order, cursor)
    where = [usulan.c.pemda == caller.pemda, usulan.c.tahun == tahun]
    if caller.role == DESA:
        where.append(usulan.c.desa == caller.wilayah)
    elif caller.role != BAPPEDA:
        where.append(usulan.c.kecamatan == caller.wilayah)
    for key, value in sorted(filters.items()):
        where.append(getattr(usulan.c, key) == str(value))
    column = None if order.column is None else usulan.c[order.column]
    rows = repo.list_usulan(where, limit + 1, column, order.descending, after)
    page = rows[:limit]
    last = page[-1] if page else None
    return {
        "items": [usulan_view(u, version, lampiran, caller.role) for _, _, u, version, lampiran in page],
        "next_cursor": encode_cursor(order, last[1], last[0]) if len(rows) > limit else None,
    }


def public_lookup(repo: Repository, tracking_code: str) -> dict:
    """No login: status and reasons at every level, never personal data."""
    code = normalize_tracking_code(tracking_code) if isinstance(tracking_code, str) else None
    u = repo.usulan_by_tracking_code(code) if code else None
    if u is None or u.status.value == "draft":
        raise NotFound("Kode lacak tidak ditemukan", code="tracking_code_not_found")
    return {**public_view(u, repo.regions_for({u.desa})).as_dict(), "tindak_lanjut": follow_ups(repo, u.id, public=True)}


def get_schedule(repo: Repository, caller: Caller, tahun: int) -> dict:
    require_pemda(caller, caller.pemda)
    schedule, version, manifest = repo.schedule(caller.pemda, tahun)
    return {**schedule_to_dict(schedule), "version": version, "closed": manifest is not None, "manifest": manifest}
