"""Reads: one usulan, paginated filtered listing, the public tracking lookup, the schedule."""
from eplanning_common.errors import NotFound

from .access import BAPPEDA, DESA, Caller, require_pemda, require_usulan_access
from .codec import schedule_to_dict
from .domain import normalize_tracking_code, public_view
from .errors import field_error
from .follow_up import follow_ups
from .repository import Repository
from .tables import usulan
from .views import usulan_view

MAX_PAGE = 100
FILTERS = {"kecamatan", "desa", "status", "status_kecamatan", "status_kabupaten", "opd", "kamus_kode"}


def get_usulan(repo: Repository, caller: Caller, usulan_id: str) -> dict:
    u, version = repo.usulan(usulan_id)
    require_usulan_access(caller, u.pemda, u.desa)
    return {**usulan_view(u, version, repo.lampiran(u.id)), "tindak_lanjut": follow_ups(repo, u.id)}


def list_usulan(repo: Repository, caller: Caller, tahun: int, filters: dict | None, cursor: str | None,
                limit: int | None) -> dict:
    require_pemda(caller, caller.pemda)
    filters = filters or {}
    if not isinstance(filters, dict) or set(filters) - FILTERS:
        raise field_error("filters", f"Filter yang dikenal: {', '.join(sorted(FILTERS))}", "unknown_field")
    if limit is None:
        limit = 50
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise field_error("limit", f"limit harus 1..{MAX_PAGE}")
    try:
        after = int(cursor) if cursor not in (None, "") else None
    except (TypeError, ValueError):
        raise field_error("cursor", "cursor tidak valid") from None
    where = [usulan.c.pemda == caller.pemda, usulan.c.tahun == tahun]
    if caller.role == DESA:
        where.append(usulan.c.desa == caller.wilayah)
    elif caller.role != BAPPEDA:
        where.append(usulan.c.kecamatan == caller.wilayah)
    for key, value in sorted(filters.items()):
        where.append(getattr(usulan.c, key) == str(value))
    rows = repo.list_usulan(where, after, limit + 1)
    page = rows[:limit]
    return {
        "items": [usulan_view(u, version, lampiran) for _, u, version, lampiran in page],
        "next_cursor": str(page[-1][0]) if len(rows) > limit else None,
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
