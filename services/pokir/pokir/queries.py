"""Reads: one pokir (with its Musrenbang overlaps), filtered listing, overlaps, the public register."""
from eplanning_common.errors import NotFound

from .domain import Action, Actor, authorize, find_overlaps, public_register, public_view
from .domain.access import MEMBER_ROLES
from .errors import field_error
from .repository import Repository
from .tables import pokir as pokir_table
from .views import pokir_view

MAX_PAGE = 100
FILTERS = {"status", "anggota_id", "kecamatan", "desa", "kamus_kode"}


def _overlaps(repo: Repository, pokirs) -> dict[str, list[dict]]:
    refs = repo.usulan_refs({(p.desa, p.kamus_item.kode) for p in pokirs})
    texts = {r.usulan_id: r.text for r in refs}
    found: dict[str, list[dict]] = {}
    for pair in find_overlaps(pokirs, refs):
        found.setdefault(pair.pokir_id, []).append({"usulan_id": pair.usulan_id, "tracking_code": pair.tracking_code,
                                                    "gagasan": texts[pair.usulan_id], "score": pair.score,
                                                    "reason": pair.reason})
    return found


def get_pokir(repo: Repository, actor: Actor, pokir_id: str) -> dict:
    p, version = repo.pokir(pokir_id)
    authorize(actor, Action.VIEW, p.pemda, p.anggota_id)
    return pokir_view(p, version, _overlaps(repo, [p]).get(p.id, []))


def list_pokir(repo: Repository, actor: Actor, tahun: int, filters: dict | None, cursor, limit) -> dict:
    filters = filters or {}
    if not isinstance(filters, dict) or set(filters) - FILTERS:
        raise field_error("filters", f"Filter yang dikenal: {', '.join(sorted(FILTERS))}", "unknown_field")
    limit = 50 if limit is None else limit
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise field_error("limit", f"limit harus 1..{MAX_PAGE}")
    try:
        after = int(cursor) if cursor not in (None, "") else None
    except (TypeError, ValueError):
        raise field_error("cursor", "cursor tidak valid") from None
    where = [pokir_table.c.pemda == actor.pemda, pokir_table.c.tahun == tahun]
    if actor.role in MEMBER_ROLES:  # a member and their staf ahli: that member's pokir only
        where.append(pokir_table.c.anggota_id == actor.anggota_id)
    for key, value in sorted(filters.items()):
        where.append(getattr(pokir_table.c, key) == str(value))
    rows = repo.list_pokir(where, after, limit + 1)
    page = rows[:limit]
    overlaps = _overlaps(repo, [p for _, p, _ in page])
    return {"items": [pokir_view(p, v, overlaps.get(p.id, [])) for _, p, v in page],
            "next_cursor": str(page[-1][0]) if len(rows) > limit else None}


def overlaps(repo: Repository, actor: Actor, tahun: int) -> list[dict]:
    """Every pokir of the cycle that duplicates a Musrenbang usulan, both shown (planners' view)."""
    pokirs = [p for p in repo.pokir_of_cycle(actor.pemda, tahun)
              if actor.role not in MEMBER_ROLES or p.anggota_id == actor.anggota_id]
    found = _overlaps(repo, pokirs)
    by_id = {p.id: p for p in pokirs}
    return [{"pokir_id": pid, "judul": by_id[pid].judul, "usulan_pokir": by_id[pid].usulan,
             "anggota_id": by_id[pid].anggota_id,
             "desa": by_id[pid].desa, "kamus_kode": by_id[pid].kamus_item.kode, "usulan": pairs}
            for pid, pairs in sorted(found.items())]


def public_pokir(repo: Repository, pemda: str, tahun: int) -> list[dict]:
    """No login: delivered pokir with member, fraksi, dapil, title, location, amount, status."""
    register = repo.register(pemda)
    return [v.as_dict() for v in public_register(repo.pokir_of_cycle(pemda, tahun), register, repo.regions(pemda))]


def public_one(repo: Repository, pokir_id: str) -> dict:
    p, _ = repo.pokir(pokir_id)
    return public_view(p, repo.register(p.pemda), repo.regions(p.pemda)).as_dict()


def register_view(repo: Repository, actor: Actor) -> dict:
    """The current DPRD register: dapil, members (name, fraksi, dapil, pagu), staf ahli links.
    Contact data stays inside the service."""
    reg = repo.register(actor.pemda)
    return {"pemda": reg.pemda, "periode": reg.periode,
            "dapil": [{"kode": d.kode, "nama": d.nama, "kecamatan": list(d.kecamatan)} for d in reg.dapil],
            "anggota": [{"id": a.id, "nama": a.nama, "fraksi": a.fraksi, "dapil": a.dapil,
                         "pagu": None if a.pagu is None else str(a.pagu)} for a in reg.anggota],
            "staf_ahli": [{"id": s.id, "nama": s.nama, "anggota_id": s.anggota_id} for s in reg.staf_ahli]}


def anggota_ids(repo: Repository, pemda: str) -> list[str]:
    """The ids of the members of the pemda's current DPRD register, sorted; [] before it is imported
    (members are public office holders: their ids and names are in the public register too)."""
    try:
        reg = repo.register(pemda)
    except NotFound:
        return []
    return sorted(a.id for a in reg.anggota)
