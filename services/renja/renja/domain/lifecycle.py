"""Lifecycle of one OPD's renja for one plan year. Every transition returns a new RenjaState
with one more HistoryEntry (who, role, when, from, to, note).

    draft / dikembalikan --submit_renja (OPD)--> diajukan
    diajukan --verify_renja (Bappeda)--> diverifikasi
    diajukan / diverifikasi --return_renja (Bappeda, note required)--> dikembalikan
    diverifikasi --finalize_renja (Bappeda)--> final   (only when the rows agree with the RKPD
                                                        penetapan: penetapan.py, checked by the service)
    any --open_for_perubahan (RKPD perubahan naming this OPD)--> dikembalikan (editable again)

Rows (and accommodating inbox items into rows) can change only in draft / dikembalikan
(`ensure_rows_editable`). Submitting needs at least one row and the OPD's totals within its
ceiling (N and N+1). Check order: Forbidden -> TransitionRefused -> ValidationError.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from .access import Action, Actor, authorize, can
from .errors import TransitionRefused, raise_if_any
from .money import format_rupiah
from .pagu import OpdTotals
from .texts import MULTILINE, require_aware, text_field


class RenjaStatus(str, Enum):
    DRAFT = "draft"
    DIAJUKAN = "diajukan"  # submitted by the OPD to Bappeda
    DIVERIFIKASI = "diverifikasi"  # verified by Bappeda
    DIKEMBALIKAN = "dikembalikan"  # returned by Bappeda with notes; the OPD edits again
    FINAL = "final"  # fixed by Bappeda

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


S = RenjaStatus
STATUS_LABELS = {S.DRAFT: "Draf", S.DIAJUKAN: "Diajukan ke Bappeda",
                 S.DIVERIFIKASI: "Diverifikasi Bappeda", S.DIKEMBALIKAN: "Dikembalikan Bappeda",
                 S.FINAL: "Final"}
EDITABLE = frozenset({S.DRAFT, S.DIKEMBALIKAN})

ALLOWED_FROM: dict[Action, frozenset[RenjaStatus]] = {
    Action.VIEW: frozenset(S),
    Action.SNAPSHOT: frozenset(S),
    Action.EDIT_ROWS: EDITABLE,
    Action.DECIDE_INBOX: frozenset(S),  # accommodating also needs EDITABLE (it changes a row)
    Action.SUBMIT: EDITABLE,
    Action.VERIFY: frozenset({S.DIAJUKAN}),
    Action.RETURN: frozenset({S.DIAJUKAN, S.DIVERIFIKASI}),
    Action.FINALIZE: frozenset({S.DIVERIFIKASI}),
}
_RULES = {
    Action.EDIT_ROWS: "Baris Renja hanya dapat diubah saat berstatus draf atau dikembalikan",
    Action.SUBMIT: "Renja hanya dapat diajukan dari status draf atau dikembalikan",
    Action.VERIFY: "Hanya Renja yang sudah diajukan yang dapat diverifikasi",
    Action.RETURN: "Hanya Renja yang diajukan atau diverifikasi yang dapat dikembalikan",
    Action.FINALIZE: "Hanya Renja yang sudah diverifikasi yang dapat ditetapkan final",
}


@dataclass(frozen=True)
class HistoryEntry:
    action: str
    by: str
    role: str
    at: datetime
    from_status: RenjaStatus | None
    to_status: RenjaStatus
    note: str | None = None


@dataclass(frozen=True)
class RenjaState:
    """The status of one OPD's renja for one plan year (the rows live beside it)."""

    pemda: str
    opd: str
    tahun: int
    status: RenjaStatus = RenjaStatus.DRAFT
    history: tuple[HistoryEntry, ...] = ()
    catatan: str | None = None  # Bappeda's latest return note, shown to the OPD
    perubahan: str | None = None  # an open Perubahan RKPD for this OPD (its reason), until final again

    @property
    def rows_editable(self) -> bool:
        return self.status in EDITABLE


def new_renja(*, pemda: str, opd: str, tahun: int) -> RenjaState:
    return RenjaState(pemda, opd, tahun)


def _ensure_status(state: RenjaState, action: Action) -> None:
    if state.status not in ALLOWED_FROM[action]:
        raise TransitionRefused(f"{_RULES[action]} (status sekarang: {state.status.label})",
                                code="invalid_status")


def ensure_rows_editable(state: RenjaState) -> None:
    """TransitionRefused unless rows may change (draft / dikembalikan)."""
    _ensure_status(state, Action.EDIT_ROWS)


def available_actions(actor: Actor, state: RenjaState) -> frozenset[Action]:
    """What `actor` may do to `state` now, by role, own OPD and status."""
    return frozenset(a for a, statuses in ALLOWED_FROM.items()
                     if state.status in statuses
                     and can(actor, a, pemda=state.pemda, opd=state.opd))


def _begin(state: RenjaState, actor: Actor, action: Action, at: datetime) -> None:
    authorize(actor, action, pemda=state.pemda, opd=state.opd)
    require_aware(at, "at")
    _ensure_status(state, action)


def _move(state: RenjaState, actor: Actor, at: datetime, action: str, to: RenjaStatus,
          note: str | None, **changes: object) -> RenjaState:
    entry = HistoryEntry(action, actor.sub, actor.role.value, at, state.status, to, note)
    return replace(state, status=to, history=state.history + (entry,), **changes)


def submit_renja(state: RenjaState, *, actor: Actor, at: datetime, totals: OpdTotals,
                 note: str | None = None) -> RenjaState:
    """draft / dikembalikan -> diajukan, by the OPD's operator; `totals` = opd_totals of the
    OPD's rows against its ceiling."""
    _begin(state, actor, Action.SUBMIT, at)
    if (totals.opd, totals.tahun) != (state.opd, state.tahun):
        raise ValueError("Total bukan milik Renja ini")
    if totals.rows == 0:
        raise TransitionRefused("Renja belum berisi baris; tidak dapat diajukan",
                                code="empty_renja")
    if not totals.within_ceiling:
        over = []
        if totals.sisa_n < 0:
            over.append(f"pagu N lebih {format_rupiah(-totals.sisa_n)}")
        if totals.sisa_n1 < 0:
            over.append(f"pagu N+1 lebih {format_rupiah(-totals.sisa_n1)}")
        raise TransitionRefused(f"Total Renja OPD {state.opd} melebihi pagu indikatif ("
                                + "; ".join(over) + "); sesuaikan sebelum diajukan",
                                code="above_ceiling")
    text, errors = text_field(note, "note", "Catatan", required=False, kind=MULTILINE)
    raise_if_any(errors)
    return _move(state, actor, at, "diajukan", S.DIAJUKAN, text)


def verify_renja(state: RenjaState, *, actor: Actor, at: datetime,
                 note: str | None = None) -> RenjaState:
    """diajukan -> diverifikasi, by Bappeda."""
    _begin(state, actor, Action.VERIFY, at)
    text, errors = text_field(note, "note", "Catatan", required=False, kind=MULTILINE)
    raise_if_any(errors)
    return _move(state, actor, at, "diverifikasi", S.DIVERIFIKASI, text)


def return_renja(state: RenjaState, *, actor: Actor, at: datetime, note: str) -> RenjaState:
    """diajukan / diverifikasi -> dikembalikan, by Bappeda, with what to fix (required)."""
    _begin(state, actor, Action.RETURN, at)
    text, errors = text_field(note, "note", "Catatan pengembalian", kind=MULTILINE)
    raise_if_any(errors)
    return _move(state, actor, at, "dikembalikan", S.DIKEMBALIKAN, text, catatan=text)


def finalize_renja(state: RenjaState, *, actor: Actor, at: datetime,
                   note: str | None = None) -> RenjaState:
    """diverifikasi -> final, by Bappeda."""
    _begin(state, actor, Action.FINALIZE, at)
    text, errors = text_field(note, "note", "Catatan", required=False, kind=MULTILINE)
    raise_if_any(errors)
    return _move(state, actor, at, "final", S.FINAL, text, perubahan=None)


def open_for_perubahan(state: RenjaState, *, by: str, at: datetime, alasan: str) -> RenjaState:
    """Perubahan RKPD opened for this OPD (by Bappeda, through the RKPD service): its renja becomes
    editable again (-> dikembalikan, with the reason as the note); an OPD already editable stays so,
    marked. Recorded in the history as `perubahan`."""
    require_aware(at, "at")
    note = f"Perubahan RKPD: {alasan}"
    to = state.status if state.status in EDITABLE else S.DIKEMBALIKAN
    entry = HistoryEntry("perubahan", by, "bappeda", at, state.status, to, note)
    return replace(state, status=to, history=state.history + (entry,), catatan=note, perubahan=alasan)
