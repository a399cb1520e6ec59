"""Pokir lifecycle. Every transition returns a new Pokir with one more HistoryEntry.

    draft --submit_to_setwan--> diajukan --recommend--> direkomendasikan
      ^                            |                          |
      +------return_for_revision---+--------------------------+
    direkomendasikan --deliver_to_bappeda--> disampaikan
    disampaikan / didisposisikan --dispose_to_opd--> didisposisikan (re-routing allowed)
    disampaikan / didisposisikan --mark_accommodated--> diakomodasi (final)
    disampaikan / didisposisikan --mark_not_accommodated--> tidak diakomodasi (final)
    draft / diajukan / direkomendasikan --withdraw--> ditarik (final)

Check order: authorization (Forbidden) -> pokir window, for submit only (ScheduleClosed) ->
status (TransitionRefused) -> fields (ValidationError). Optimistic versioning is the
service's job. Setwan and Bappeda acts are not bound to the pokir window.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from eplanning_common.domainkit.text import LINE, MULTILINE, text_field_errors

from .access import Action, Actor, authorize, can
from .deadline import PokirWindow, check_open, require_aware
from .errors import FieldError, TransitionRefused, raise_if_any
from .money import to_rupiah
from .pokir import Akomodasi, HistoryEntry, Pokir, PokirStatus, ReviewStatus
from .validation import ensure_same_cycle, volume_errors

S = PokirStatus
MAX_NOTE = 2000

ALLOWED_FROM: dict[Action, frozenset[PokirStatus]] = {
    Action.VIEW: frozenset(S),
    Action.EDIT: frozenset({S.DRAFT}),
    Action.SUBMIT: frozenset({S.DRAFT}),
    Action.WITHDRAW: frozenset({S.DRAFT, S.DIAJUKAN, S.DIREKOMENDASIKAN}),
    Action.RECOMMEND: frozenset({S.DIAJUKAN}),
    Action.RETURN: frozenset({S.DIAJUKAN, S.DIREKOMENDASIKAN}),
    Action.DELIVER: frozenset({S.DIREKOMENDASIKAN}),
    Action.DISPOSE: frozenset({S.DISAMPAIKAN, S.DIDISPOSISIKAN}),
    Action.ACCOMMODATE: frozenset({S.DISAMPAIKAN, S.DIDISPOSISIKAN}),
    Action.NOT_ACCOMMODATE: frozenset({S.DISAMPAIKAN, S.DIDISPOSISIKAN}),
    Action.REVIEW: frozenset({S.DISAMPAIKAN}),
}
_RULES = {
    Action.EDIT: "Hanya pokir berstatus draf yang dapat diubah",
    Action.SUBMIT: "Hanya pokir berstatus draf yang dapat diajukan ke Setwan",
    Action.WITHDRAW: "Pokir hanya dapat ditarik sebelum disampaikan ke Bappeda",
    Action.RECOMMEND: "Hanya pokir yang diajukan ke Setwan yang dapat direkomendasikan",
    Action.RETURN: "Hanya pokir yang diajukan atau direkomendasikan yang dapat dikembalikan",
    Action.DELIVER: "Hanya pokir yang sudah direkomendasikan Setwan yang dapat disampaikan "
                    "ke Bappeda",
    Action.DISPOSE: "Hanya pokir yang sudah disampaikan ke Bappeda dan belum diputuskan yang "
                    "dapat didisposisikan",
    Action.ACCOMMODATE: "Hanya pokir yang sudah disampaikan ke Bappeda dan belum diputuskan "
                        "yang dapat ditetapkan diakomodasi",
    Action.NOT_ACCOMMODATE: "Hanya pokir yang sudah disampaikan ke Bappeda dan belum "
                            "diputuskan yang dapat ditetapkan tidak diakomodasi",
    Action.REVIEW: "Hanya pokir yang sudah disampaikan ke Bappeda dan belum didisposisikan yang dapat dikaji",
}


def available_actions(actor: Actor, pokir: Pokir) -> frozenset[Action]:
    """What `actor` may do to `pokir` now, by role, ownership and status (not the deadline)."""
    return frozenset(a for a, statuses in ALLOWED_FROM.items()
                     if pokir.status in statuses and can(actor, a, pokir.pemda, pokir.anggota_id))


def _ensure_status(pokir: Pokir, action: Action) -> None:
    if pokir.status not in ALLOWED_FROM[action]:
        raise TransitionRefused(f"{_RULES[action]} (status sekarang: {pokir.status.label})",
                                code="invalid_status")


def _note(note: str | None, field: str, label: str, required: bool) -> tuple[str | None,
                                                                                list[FieldError]]:
    """A note or catatan (several lines allowed), a reason or a code (one line), under the text
    rule (domainkit.text)."""
    refused = text_field_errors(note, field, label, MULTILINE if field in ("note", "catatan") else LINE)
    if refused:
        return None, refused
    text = note.strip() if isinstance(note, str) else ""
    if not text:
        return None, [FieldError(field, f"{label} wajib diisi", "required")] if required else []
    if len(text) > MAX_NOTE:
        return None, [FieldError(field, f"{label} paling banyak {MAX_NOTE} karakter",
                                 "too_long")]
    return text, []


def _begin(pokir: Pokir, actor: Actor, action: Action, at: datetime) -> None:
    authorize(actor, action, pokir.pemda, pokir.anggota_id)
    require_aware(at)


def _move(pokir: Pokir, actor: Actor, at: datetime, action: str, to: PokirStatus,
          note: str | None, **changes: object) -> Pokir:
    entry = HistoryEntry(action, actor.sub, actor.role.value, at, pokir.status, to, note)
    return replace(pokir, status=to, history=pokir.history + (entry,), **changes)


def submit_to_setwan(pokir: Pokir, *, actor: Actor, window: PokirWindow, at: datetime,
                     note: str | None = None) -> Pokir:
    """draft -> diajukan, by the member or their staf ahli, only inside the pokir window."""
    _begin(pokir, actor, Action.SUBMIT, at)
    ensure_same_cycle(window, pokir.pemda, pokir.tahun)
    check_open(window, at)
    _ensure_status(pokir, Action.SUBMIT)
    text, errors = _note(note, "note", "Catatan", False)
    raise_if_any(errors)
    return _move(pokir, actor, at, "diajukan", S.DIAJUKAN, text)


def recommend(pokir: Pokir, *, actor: Actor, at: datetime, catatan: str) -> Pokir:
    """diajukan -> direkomendasikan, by Setwan, with its recommendation (required)."""
    _begin(pokir, actor, Action.RECOMMEND, at)
    _ensure_status(pokir, Action.RECOMMEND)
    text, errors = _note(catatan, "catatan", "Catatan rekomendasi Setwan", True)
    raise_if_any(errors)
    return _move(pokir, actor, at, "direkomendasikan", S.DIREKOMENDASIKAN, text,
                 catatan_setwan=text)


def return_for_revision(pokir: Pokir, *, actor: Actor, at: datetime, catatan: str) -> Pokir:
    """diajukan / direkomendasikan -> draft ("dikembalikan"), by Setwan, with a required note
    telling the member what to fix."""
    _begin(pokir, actor, Action.RETURN, at)
    _ensure_status(pokir, Action.RETURN)
    text, errors = _note(catatan, "catatan", "Catatan pengembalian", True)
    raise_if_any(errors)
    return _move(pokir, actor, at, "dikembalikan", S.DRAFT, text, catatan_setwan=text)


def deliver_to_bappeda(pokir: Pokir, *, actor: Actor, at: datetime,
                       note: str | None = None) -> Pokir:
    """direkomendasikan -> disampaikan, by Setwan."""
    _begin(pokir, actor, Action.DELIVER, at)
    _ensure_status(pokir, Action.DELIVER)
    text, errors = _note(note, "note", "Catatan", False)
    raise_if_any(errors)
    return _move(pokir, actor, at, "disampaikan", S.DISAMPAIKAN, text)


def withdraw(pokir: Pokir, *, actor: Actor, at: datetime, reason: str | None = None) -> Pokir:
    """draft / diajukan / direkomendasikan -> ditarik, by the member only (not staf ahli)."""
    _begin(pokir, actor, Action.WITHDRAW, at)
    _ensure_status(pokir, Action.WITHDRAW)
    text, errors = _note(reason, "reason", "Alasan penarikan", False)
    raise_if_any(errors)
    return _move(pokir, actor, at, "ditarik", S.DITARIK, text)


def dispose_to_opd(pokir: Pokir, *, actor: Actor, at: datetime, opd: str,
                   note: str | None = None) -> Pokir:
    """disampaikan / didisposisikan -> didisposisikan to `opd`, by Bappeda. The first disposal
    needs Bappeda's `layak` review (domain.review): an unreviewed or `tidak_layak` pokir never
    reaches an OPD. Re-routing to another OPD is allowed; to the same OPD again is refused."""
    _begin(pokir, actor, Action.DISPOSE, at)
    _ensure_status(pokir, Action.DISPOSE)
    if pokir.status is S.DISAMPAIKAN and not (pokir.review is not None and pokir.review.status is ReviewStatus.LAYAK):
        raise TransitionRefused("Pokir belum dikaji Bappeda dan dinyatakan layak; kaji dulu (POST "
                                ".../review) sebelum didisposisikan ke OPD", code="not_reviewed")
    target, errors = _note(opd, "opd", "OPD tujuan", True)
    if target and pokir.status is S.DIDISPOSISIKAN and target == pokir.disposisi_opd:
        errors.append(FieldError("opd", f"Pokir sudah didisposisikan ke OPD {target}",
                                 "unchanged"))
    text, found = _note(note, "note", "Catatan", False)
    raise_if_any(errors + found)
    return _move(pokir, actor, at, "didisposisikan", S.DIDISPOSISIKAN, text,
                 disposisi_opd=target)


ACCOMMODATION_MODES = ("baris_baru", "tambah", "sudah_tercakup")


def mark_accommodated(pokir: Pokir, *, actor: Actor, at: datetime, opd: str,
                      renja_row_id: str, volume: object, cost: object,
                      note: str | None = None, mode: str | None = None) -> Pokir:
    """disampaikan / didisposisikan -> diakomodasi in a Renja row (opd, row id, the volume and
    the money the Renja decision attributes to the pokir). Only the Renja decision naming an
    existing row leads here (the service relays it; no caller asks for it). A disposed pokir is
    accommodated by the OPD it was disposed to. `mode` (Renja's accommodation mode): with
    `sudah_tercakup` the row already covers the pokir and the attributed money may be 0."""
    _begin(pokir, actor, Action.ACCOMMODATE, at)
    _ensure_status(pokir, Action.ACCOMMODATE)
    target, errors = _note(opd, "opd", "OPD", True)
    if target and pokir.status is S.DIDISPOSISIKAN and target != pokir.disposisi_opd:
        errors.append(FieldError("opd", f"Pokir didisposisikan ke OPD {pokir.disposisi_opd}, "
                                        f"bukan {target}", "wrong_opd"))
    row_id, found = _note(renja_row_id, "renja_row_id", "Baris Renja", True)
    errors += found
    renja_volume, found = volume_errors(volume, None)
    errors += found
    renja_cost = None
    try:
        renja_cost = to_rupiah(cost)
        if renja_cost < 0 or (renja_cost == 0 and mode != "sudah_tercakup"):
            errors.append(FieldError("cost", "Biaya Renja harus lebih dari 0", "not_positive"))
    except ValueError:
        errors.append(FieldError("cost", "Biaya Renja harus berupa angka rupiah (paling banyak "
                                         "2 desimal)", "invalid"))
    if mode is not None and mode not in ACCOMMODATION_MODES:
        errors.append(FieldError("mode", f"Mode akomodasi harus salah satu dari: {', '.join(ACCOMMODATION_MODES)}",
                                 "invalid"))
    text, found = _note(note, "note", "Catatan", False)
    raise_if_any(errors + found)
    akomodasi = Akomodasi(target or "", row_id or "", renja_volume, renja_cost, mode)
    return _move(pokir, actor, at, "diakomodasi", S.DIAKOMODASI, text, akomodasi=akomodasi)


def mark_not_accommodated(pokir: Pokir, *, actor: Actor, at: datetime, reason: str) -> Pokir:
    """disampaikan / didisposisikan -> tidak diakomodasi, with a required reason."""
    _begin(pokir, actor, Action.NOT_ACCOMMODATE, at)
    _ensure_status(pokir, Action.NOT_ACCOMMODATE)
    text, errors = _note(reason, "reason", "Alasan tidak diakomodasi", True)
    raise_if_any(errors)
    return _move(pokir, actor, at, "tidak diakomodasi", S.TIDAK_DIAKOMODASI, text,
                 alasan_tidak_diakomodasi=text)
