"""Reses: a member's recess meeting in the dapil, where pokir come from.

Rules: recorded by the member or their staf ahli; the dapil is the member's dapil (when the
input names one, it must be that one); tanggal is a date not after `today` (the service passes
today's date in the pemda's zone); tempat required; jumlah_peserta an integer > 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from eplanning_common.domainkit.text import LINE, MULTILINE, text_field_errors

from .access import Action, Actor, authorize
from .errors import FieldError, Forbidden, raise_if_any
from .register import DprdRegister

MAX_TEMPAT = 300
MAX_CATATAN = 2000


@dataclass(frozen=True)
class Reses:
    id: str
    anggota_id: str
    tanggal: date
    tempat: str
    dapil: str
    jumlah_peserta: int
    catatan: str | None = None


class ResesLookup(Protocol):
    """Anything that finds a reses by id (a dict satisfies it)."""

    def get(self, reses_id: str, /) -> Reses | None: ...


@dataclass(frozen=True)
class ResesInput:
    tanggal: object  # date or "YYYY-MM-DD"
    tempat: str | None
    jumlah_peserta: object
    dapil: str | None = None  # None: the member's dapil
    catatan: str | None = None


def _tanggal(raw: object, today: date) -> tuple[date | None, list[FieldError]]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, [FieldError("tanggal", "Tanggal reses wajib diisi", "required")]
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, str):
        try:
            raw = date.fromisoformat(raw.strip())
        except ValueError:
            return None, [FieldError("tanggal", "Tanggal reses harus berbentuk TTTT-BB-HH",
                                     "invalid")]
    if not isinstance(raw, date):
        return None, [FieldError("tanggal", "Tanggal reses tidak valid", "invalid")]
    if raw > today:
        return None, [FieldError("tanggal", f"Tanggal reses {raw.isoformat()} tidak boleh "
                                            f"setelah hari ini ({today.isoformat()})", "future")]
    return raw, []


def _peserta(raw: object) -> tuple[int | None, list[FieldError]]:
    field = "jumlah_peserta"
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if raw is None or isinstance(raw, bool) or not isinstance(raw, int):
        return None, [FieldError(field, "Jumlah peserta harus berupa bilangan bulat", "invalid")]
    if raw <= 0:
        return None, [FieldError(field, "Jumlah peserta harus lebih dari 0", "not_positive")]
    return raw, []


def _text(raw: str | None, field: str, label: str, required: bool, limit: int, kind: str = LINE
          ) -> tuple[str | None, list[FieldError]]:
    refused = text_field_errors(raw, field, label, kind)  # domainkit.text: what no output can hold
    if refused:
        return None, refused
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None, [FieldError(field, f"{label} wajib diisi", "required")] if required else []
    if len(text) > limit:
        return None, [FieldError(field, f"{label} paling banyak {limit} karakter", "too_long")]
    return text, []


def new_reses(data: ResesInput, *, reses_id: str, actor: Actor, register: DprdRegister,
              today: date) -> Reses:
    """A validated reses of the actor's member; ValidationError lists every problem."""
    anggota_id = actor.anggota_id or ""
    authorize(actor, Action.CREATE, register.pemda, anggota_id)
    anggota = register.find_anggota(anggota_id)
    if anggota is None:
        raise Forbidden(f"Anggota DPRD {anggota_id} tidak terdaftar pada periode "
                        f"{register.periode}", code="not_in_register")
    errors: list[FieldError] = []
    tanggal, found = _tanggal(data.tanggal, today)
    errors += found
    tempat, found = _text(data.tempat, "tempat", "Tempat reses", True, MAX_TEMPAT)
    errors += found
    peserta, found = _peserta(data.jumlah_peserta)
    errors += found
    catatan, found = _text(data.catatan, "catatan", "Catatan", False, MAX_CATATAN, MULTILINE)
    errors += found
    dapil = (data.dapil or "").strip() or anggota.dapil
    if dapil != anggota.dapil:
        errors.append(FieldError("dapil", f"Reses harus di dapil anggota ({anggota.dapil}), "
                                          f"bukan {dapil}", "outside_dapil"))
    raise_if_any(errors)
    return Reses(reses_id, anggota_id, tanggal, tempat or "", dapil, peserta or 0, catatan)
