"""Cycle set-up: the DPRD register (CSV), the catalogue (CSV, same format as Musrenbang), the
pokir window, reses. Each refusal raises before anything is written."""
import uuid
from datetime import date, datetime

import sqlalchemy as sa

from eplanning_common.domainkit.moments import parse_aware
from eplanning_common.errors import Forbidden, ValidationError
from eplanning_common.reference import CsvUnreadable, parse_kamus_csv, read_csv

from . import events
from eplanning_common.jsoncodec import from_json, to_json
from .domain import (Actor, KamusItem, PaguPolicy, Reses, ResesInput, Role, money_text, new_reses, parse_policy,
                     parse_register_rows)
from .errors import field_error
from .pokir_actions import RESES_NAMESPACE, id_for, lock_request, request_id_taken
from .repository import Repository
from .tables import reses as reses_table


def _require(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        names = ", ".join(r.value for r in roles)
        raise Forbidden(f"Akses ditolak: hanya {names} yang boleh melakukan ini", code="role_refused")


def _rows(text, name: str) -> list[dict]:
    if not isinstance(text, str) or not text.strip():
        raise field_error(name, f"Berkas CSV {name} wajib diisi", "required")
    try:
        return read_csv(text)[1]
    except CsvUnreadable as exc:
        raise field_error(name, f"Berkas CSV {name}: {exc}", "csv_unreadable") from None


def import_register(repo: Repository, actor: Actor, periode: str, dapil_csv: str, anggota_csv: str,
                    staf_csv: str) -> dict:
    """All or nothing: any bad row imports nothing, and every bad row is reported."""
    _require(actor, Role.SETWAN, Role.BAPPEDA)
    register, errors = parse_register_rows(_rows(dapil_csv, "dapil"), _rows(anggota_csv, "anggota"),
                                           _rows(staf_csv, "staf_ahli"), pemda=actor.pemda, periode=periode,
                                           regions=repo.regions(actor.pemda))
    if errors:
        raise ValidationError(f"{len(errors)} kesalahan pada daftar DPRD; tidak ada yang diimpor",
                              code="csv_invalid", errors=errors)
    repo.save_register(register, actor.sub)
    return {"pemda": actor.pemda, "periode": periode, "dapil": len(register.dapil),
            "anggota": len(register.anggota), "staf_ahli": len(register.staf_ahli)}


def import_kamus(repo: Repository, actor: Actor, tahun: int, csv_text: str) -> dict:
    _require(actor, Role.BAPPEDA)
    rows, errors = parse_kamus_csv(csv_text, actor.pemda)
    if errors:
        raise ValidationError(f"{len(errors)} kesalahan pada CSV kamus usulan; tidak ada yang diimpor",
                              code="csv_invalid", errors=errors)
    repo.upsert_kamus([KamusItem(id=f"{actor.pemda}/{tahun}/{r['kode']}", tahun=tahun, pemda=actor.pemda, **r)
                       for r in rows])
    return {"pemda": actor.pemda, "tahun": tahun, "imported": len(rows)}


def _moment(value, field: str) -> datetime:
    moment = parse_aware(value)  # an offset beyond ±14:00 too: PostgreSQL would refuse it
    if moment is None:
        raise field_error(field, "Waktu harus ISO 8601 dengan zona waktu (selisih paling banyak ±14:00), "
                                 "mis. 2027-03-08T23:59:00+07:00")
    return moment


def set_window(repo: Repository, actor: Actor, tahun: int, opens_at: str, closes_at: str) -> dict:
    """Bappeda sets the window explicitly (else it follows Musrenbang's schedule)."""
    _require(actor, Role.BAPPEDA)
    opens, closes = _moment(opens_at, "opens_at"), _moment(closes_at, "closes_at")
    if closes <= opens:
        raise field_error("closes_at", "Batas waktu harus sesudah waktu buka")
    repo.set_window(actor.pemda, tahun, opens, closes, "bappeda")
    data = {"opens_at": opens.isoformat(), "closes_at": closes.isoformat(), "source": "bappeda"}
    repo.uow.emit(events.WINDOW_SET, f"{actor.pemda}/{tahun}", data, actor.pemda, tahun)
    return data


def policy_view(pemda: str, tahun: int, policy: PaguPolicy) -> dict:
    return {"pemda": pemda, "tahun": tahun,
            "pagu_per_anggota": {"aktif": policy.aktif,
                                 "jumlah": None if policy.jumlah is None else money_text(policy.jumlah)}}


def get_policy(repo: Repository, actor: Actor, tahun: int) -> dict:
    """The year's local policy (every role of the pemda may read it: members see their ceiling)."""
    return policy_view(actor.pemda, tahun, repo.policy(actor.pemda, tahun))


def set_policy(repo: Repository, actor: Actor, tahun: int, data: dict, at: datetime) -> dict:
    """Bappeda sets the year's per-member pokir ceiling (on with an amount, or off); audited with the
    policy before and after. Applies to pokir created or edited from now on (a pokir already made
    keeps its cost; its next edit is checked)."""
    _require(actor, Role.BAPPEDA)
    policy = parse_policy(data)
    repo.set_policy(actor.pemda, tahun, policy, actor.sub, at)
    view = policy_view(actor.pemda, tahun, policy)
    repo.uow.audit("pokir.kebijakan.set", {**view, "set_by": actor.sub, "set_at": at.isoformat()},
                   entity="kebijakan", subject=f"{actor.pemda}/{tahun}", pemda=actor.pemda, tahun=tahun)
    return view


def earlier_reses(repo: Repository, actor: Actor, reses_id: str) -> dict | None:
    """The reses an earlier call with this request id recorded (None: there is none). A reses keeps
    no author sub, only its member: the member and their staf ahli share it; another member's is a
    Conflict."""
    lock_request(repo, reses_id)
    row = repo.uow.execute(sa.select(reses_table.c.anggota_id, reses_table.c.doc)
                           .where(reses_table.c.id == reses_id)).first()
    if row is None:
        return None
    if not actor.anggota_id or row.anggota_id != actor.anggota_id:
        raise request_id_taken("reses")
    return to_json(from_json(Reses, row.doc))


def record_reses(repo: Repository, actor: Actor, tahun: int, data: dict, today: date,
                 request_id: str | None = None) -> dict:
    reses_id = str(uuid.uuid4())
    if request_id is not None:
        reses_id = id_for(RESES_NAMESPACE, actor.pemda, tahun, request_id)
        done = earlier_reses(repo, actor, reses_id)
        if done is not None:
            return done  # a retry: the same reses, and no new event
    allowed = {"tanggal", "tempat", "jumlah_peserta", "dapil", "catatan"}
    if not isinstance(data, dict) or set(data) - allowed:
        unknown = sorted(set(data) - allowed) if isinstance(data, dict) else ["body"]
        raise field_error(unknown[0], f"Kolom {', '.join(unknown)} tidak dikenal", "unknown_field")
    register = repo.register(actor.pemda)
    # absent required members are None, so that the domain names each of them (not a TypeError)
    given = ResesInput(**{"tanggal": None, "tempat": None, "jumlah_peserta": None, **data})
    reses = new_reses(given, reses_id=reses_id, actor=actor, register=register, today=today)
    repo.insert_reses(actor.pemda, reses)
    repo.uow.emit(events.RESES_RECORDED, reses.id,
                  {"reses_id": reses.id, "anggota_id": reses.anggota_id, "dapil": reses.dapil,
                   "tanggal": reses.tanggal.isoformat(), "tempat": reses.tempat,
                   "jumlah_peserta": reses.jumlah_peserta}, actor.pemda, tahun)
    return to_json(reses)
