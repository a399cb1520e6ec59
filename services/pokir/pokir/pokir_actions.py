"""Use cases on one pokir: create, edit, and every lifecycle step (submit to Setwan, recommend,
return, deliver to Bappeda, withdraw, dispose to an OPD, follow-up). One transaction each, with
its event; the domain checks who may act (a member and their staf ahli only on that member's
pokir; Setwan recommends and delivers; Bappeda disposes and records follow-up).

A create (and a reses, see setup_actions) may carry a `request_id` (the gateway passes the client's
Idempotency-Key): the id is then `uuid5(<namespace>, "<pemda>/<tahun>/<request_id>")`, the same on
any database, and a retry by the same author returns what the first call made (no second pokir,
no new event); someone else's request id is a Conflict `request_id_taken`."""
import uuid
from datetime import datetime

import sqlalchemy as sa

from eplanning_common.domainkit import request_ids
from eplanning_common.errors import Conflict, NotFound

from . import events
from .domain import (Actor, Lampiran, PokirInput, deliver_to_bappeda, dispose_to_opd, edit_pokir, find_overlaps,
                     mark_accommodated, mark_not_accommodated, new_pokir, recommend, return_for_revision,
                     review_pokir, submit_to_setwan, withdraw)
from .errors import field_error
from .repository import Repository
from .views import pokir_view

FIELDS = {"judul", "permasalahan", "usulan", "kamus_item_id", "volume", "desa", "reses_id", "lat", "lon", "alamat",
          "lampiran"}
LAMPIRAN_FIELDS = {"nama_berkas", "media_type", "ukuran", "sha256"}


def _input(data: dict) -> PokirInput:
    """Unknown fields are refused (no mass assignment): a client cannot send a cost or a member."""
    if not isinstance(data, dict):
        raise field_error("body", "Data pokir harus berupa objek JSON")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise field_error(unknown[0], f"Kolom {', '.join(unknown)} tidak dikenal (biaya dihitung oleh sistem)",
                          "unknown_field")
    lampiran = data.get("lampiran") or []
    if not isinstance(lampiran, list) or any(not isinstance(x, dict) or set(x) != LAMPIRAN_FIELDS for x in lampiran):
        raise field_error("lampiran", "Lampiran: daftar {nama_berkas, media_type, ukuran, sha256}")
    return PokirInput(judul=data.get("judul"), permasalahan=data.get("permasalahan"), usulan=data.get("usulan"),
                      kamus_item_id=data.get("kamus_item_id"), volume=data.get("volume"), desa=data.get("desa"),
                      reses_id=data.get("reses_id"), lat=data.get("lat"), lon=data.get("lon"),
                      alamat=data.get("alamat"), lampiran=tuple(Lampiran(**x) for x in lampiran))


def _context(repo: Repository, actor: Actor, tahun: int, data: PokirInput, anggota_id: str) -> dict:
    return {"register": repo.register(actor.pemda), "kamus": repo.kamus_items({data.kamus_item_id}),
            "reses": {r.id: r for r in repo.reses_of(anggota_id)}, "regions": repo.regions(actor.pemda),
            "window": repo.window(actor.pemda, tahun), "policy": repo.policy(actor.pemda, tahun)}


# -- request ids (idempotent creates) ----------------------------------------------------------
POKIR_NAMESPACE = uuid.UUID("c19b9e7d-835d-4538-a8df-a26c1d2643f6")  # fixed: ids must not change
RESES_NAMESPACE = uuid.UUID("e9012790-e111-41c0-ae80-73f55dae9b9f")


def checked_request_id(request_id: object) -> str:
    if not request_ids.is_valid(request_id):
        raise field_error("request_id", request_ids.INVALID_MESSAGE, request_ids.INVALID_CODE)
    return request_id


def id_for(namespace: uuid.UUID, pemda: str, tahun: int, request_id: str) -> str:
    """The id of what `request_id` creates in the cycle (pemda, tahun)."""
    return request_ids.derived_id(namespace, pemda, tahun, checked_request_id(request_id))


def lock_request(repo: Repository, object_id: str) -> None:
    """Serialize creates of one id until the transaction ends (two concurrent retries: one inserts,
    the other then finds it)."""
    repo.uow.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("pokir-request:" + object_id))))


def request_id_taken(what: str) -> Conflict:
    return Conflict(f"request_id ini sudah dipakai untuk {what} pengguna lain; gunakan request_id baru",
                    code="request_id_taken")


def earlier_pokir(repo: Repository, actor: Actor, pokir_id: str) -> dict | None:
    """The view of the pokir an earlier create with this request id made by the same author
    (`created_by`: the member or the staf ahli who made it); None: there is none."""
    lock_request(repo, pokir_id)
    try:
        existing, version = repo.pokir(pokir_id)
    except NotFound:
        return None
    if existing.created_by != actor.sub:
        raise request_id_taken("pokir")
    return pokir_view(existing, version)


def create(repo: Repository, actor: Actor, tahun: int, data: dict, at: datetime,
           request_id: str | None = None) -> dict:
    pokir_id = str(uuid.uuid4())
    if request_id is not None:
        pokir_id = id_for(POKIR_NAMESPACE, actor.pemda, tahun, request_id)
        done = earlier_pokir(repo, actor, pokir_id)
        if done is not None:
            return done  # a retry: the same pokir, unchanged, and no new event
    raw = _input(data)
    anggota_id = actor.anggota_id or ""
    repo.lock_member(anggota_id)
    p = new_pokir(raw, pokir_id=pokir_id, tahun=tahun, actor=actor, at=at,
                  committed=repo.committed_cost(anggota_id, tahun), **_context(repo, actor, tahun, raw, anggota_id))
    repo.insert_pokir(p)
    repo.uow.emit(events.CREATED, p.id, events.pokir_data(p, 1), p.pemda, p.tahun)
    return pokir_view(p, 1)


def edit(repo: Repository, actor: Actor, pokir_id: str, data: dict, expected_version: int | None,
         at: datetime) -> dict:
    raw = _input(data)
    current, version = repo.pokir(pokir_id, lock=True)
    _check_version(pokir_id, version, expected_version)
    repo.lock_member(current.anggota_id)
    p = edit_pokir(current, raw, actor=actor, at=at,
                   committed=repo.committed_cost(current.anggota_id, current.tahun, exclude_id=current.id),
                   **_context(repo, actor, current.tahun, raw, current.anggota_id))
    version = repo.save_pokir(p, version)
    repo.uow.emit(events.UPDATED, p.id, events.pokir_data(p, version), p.pemda, p.tahun)
    return pokir_view(p, version)


CALLER_ACTIONS = ("submit", "recommend", "return", "deliver", "withdraw", "dispose", "not_accommodate")


def transition(repo: Repository, actor: Actor, pokir_id: str, action: str, params: dict | None,
               expected_version: int | None, at: datetime) -> dict:
    """action: submit | recommend | return | deliver | withdraw | dispose | not_accommodate.
    "accommodate" is no caller's act: a pokir becomes diakomodasi only from Renja's decision naming
    an existing row (facts.follow_renja_decision)."""
    params = params or {}
    if action == "accommodate":
        raise field_error("action", "Pokir ditetapkan diakomodasi hanya oleh keputusan OPD di Renja yang menyebut "
                                    "baris Renja-nya; minta OPD memutuskan pokir ini di kotak masuk Renja",
                          "accommodated_by_renja")
    if action not in CALLER_ACTIONS:
        raise field_error("action", f"Aksi harus salah satu dari: {', '.join(CALLER_ACTIONS)}")
    if not isinstance(params, dict):
        raise field_error("params", "Parameter aksi berupa objek")
    current, version = repo.pokir(pokir_id, lock=True)
    _check_version(pokir_id, version, expected_version)
    p = apply(repo, actor, current, action, params, at)
    version = repo.save_pokir(p, version)
    repo.uow.emit(events.BY_ACTION[action], p.id, events.pokir_data(p, version), p.pemda, p.tahun)
    return pokir_view(p, version)


ALLOWED_PARAMS = {"submit": {"note"}, "recommend": {"catatan"}, "return": {"catatan"}, "deliver": {"note"},
                  "withdraw": {"reason"}, "dispose": {"opd", "note"},
                  "accommodate": {"opd", "renja_row_id", "volume", "cost", "note", "mode"},
                  "not_accommodate": {"reason"}}


def apply(repo: Repository, actor: Actor, p, action: str, params: dict, at: datetime):
    unknown = sorted(set(params) - ALLOWED_PARAMS[action])
    if unknown:
        raise field_error(unknown[0], f"Parameter {', '.join(unknown)} tidak dikenal untuk aksi {action}",
                          "unknown_field")
    if action == "submit":
        return submit_to_setwan(p, actor=actor, window=repo.window(p.pemda, p.tahun), at=at, **params)
    if action == "recommend":
        return recommend(p, actor=actor, at=at, catatan=params.get("catatan"))
    if action == "return":
        return return_for_revision(p, actor=actor, at=at, catatan=params.get("catatan"))
    if action == "deliver":
        return deliver_to_bappeda(p, actor=actor, at=at, **params)
    if action == "withdraw":
        return withdraw(p, actor=actor, at=at, **params)
    if action == "dispose":
        return dispose_to_opd(p, actor=actor, at=at, opd=params.get("opd"), note=params.get("note"))
    if action == "accommodate":
        return mark_accommodated(p, actor=actor, at=at, opd=params.get("opd"), renja_row_id=params.get("renja_row_id"),
                                 volume=params.get("volume"), cost=params.get("cost"), note=params.get("note"),
                                 mode=params.get("mode"))
    return mark_not_accommodated(p, actor=actor, at=at, reason=params.get("reason"))


def _check_version(pokir_id: str, version: int, expected: int | None) -> None:
    if expected is not None and expected != version:
        raise Conflict(f"Pokir {pokir_id} versi {expected} sudah usang (versi sekarang {version})",
                       code="stale_version", current_version=version)


REVIEW_FIELDS = {"status", "kajian", "catatan"}


def overlap_ids(repo: Repository, p) -> set[str]:
    """The Musrenbang usulan this service flags as overlapping `p` (domain.overlaps)."""
    return {pair.usulan_id for pair in find_overlaps([p], repo.usulan_refs({(p.desa, p.kamus_item.kode)}))}


def review(repo: Repository, actor: Actor, pokir_id: str, data: dict, expected_version: int | None,
           at: datetime) -> dict:
    """Bappeda's kajian of a delivered pokir (domain.review): `layak` lets Bappeda dispose it to an
    OPD, `tidak_layak` ends it as tidak diakomodasi. Publishes pokir.reviewed.v1 (and, when the
    review ended it, pokir.not_accommodated.v1 with the pokir, as any other end of a pokir)."""
    if not isinstance(data, dict):
        raise field_error("body", "Kajian berupa objek JSON: status, kajian, catatan")
    unknown = sorted(set(data) - REVIEW_FIELDS)
    if unknown:
        raise field_error(unknown[0], f"Kolom {', '.join(unknown)} tidak dikenal", "unknown_field")
    current, version = repo.pokir(pokir_id, lock=True)
    _check_version(pokir_id, version, expected_version)
    p = review_pokir(current, actor=actor, at=at, status=data.get("status"), kajian=data.get("kajian"),
                     catatan=data.get("catatan"), overlap_ids=overlap_ids(repo, current))
    version = repo.save_pokir(p, version)
    repo.uow.emit(events.REVIEWED, p.id, events.reviewed_data(p, version), p.pemda, p.tahun)
    if p.status is not current.status:  # tidak_layak ended it: its follow-up status, as every other end
        repo.uow.emit(events.NOT_ACCOMMODATED, p.id, events.pokir_data(p, version), p.pemda, p.tahun)
    return pokir_view(p, version)
