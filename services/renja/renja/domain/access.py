"""Who may do what to a renja (pure): roles, own OPD, pemda.

* every actor acts only inside its own pemda;
* an `opd` operator (`Actor.opd` = the OPD code) reads and works on its own OPD only: edits
  the renja rows, decides the inbox items routed to it, submits the renja, takes snapshots;
* `bappeda` reads every OPD of the pemda, sets the ceilings (pagu indikatif), verifies,
  returns and finalizes renja, takes snapshots and closes the stage. Bappeda does not edit an
  OPD's rows nor decide its inbox (those are the OPD's own decisions), and an OPD operator can
  never verify, return, finalize or set a ceiling;
* the Forum Perangkat Daerah: an OPD records and closes its own; when the pemda chose one joint
  forum, Bappeda chairs it (records and closes it) and sets that choice.

`can` answers "is this actor allowed" (who); whether the renja's status allows the action is
the lifecycle's question.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .errors import Forbidden


class Role(str, Enum):
    OPD = "opd"
    BAPPEDA = "bappeda"


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: `sub` from the token; `opd` (the OPD code) for an operator."""

    sub: str
    role: Role
    pemda: str
    opd: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.sub, str) or not self.sub.strip():
            raise ValueError("Actor.sub wajib diisi")
        if not isinstance(self.pemda, str) or not self.pemda.strip():
            raise ValueError("Actor.pemda wajib diisi")
        object.__setattr__(self, "role", Role(self.role))
        if self.role is Role.OPD and not self.opd:
            raise ValueError("Peran opd wajib punya kode OPD")
        if self.role is Role.BAPPEDA and self.opd is not None:
            raise ValueError("Peran bappeda tidak mewakili satu OPD")


class Action(str, Enum):
    VIEW = "view"
    EDIT_ROWS = "edit_rows"
    DECIDE_INBOX = "decide_inbox"
    SUBMIT = "submit"
    SNAPSHOT = "snapshot"
    VERIFY = "verify"
    RETURN = "return"
    FINALIZE = "finalize"
    SET_PAGU = "set_pagu"
    CLOSE_STAGE = "close_stage"
    FORUM_PD = "forum_pd"  # record and close the OPD's own Forum Perangkat Daerah
    FORUM_PD_GABUNGAN = "forum_pd_gabungan"  # record and close the joint forum (Bappeda chairs)
    SET_KEBIJAKAN = "set_kebijakan"  # the pemda's settings (per-OPD or joint forum)


VERBS = {
    Action.VIEW: "melihat Renja",
    Action.EDIT_ROWS: "mengubah baris Renja",
    Action.DECIDE_INBOX: "memutuskan usulan/pokir di kotak masuk",
    Action.SUBMIT: "mengajukan Renja",
    Action.SNAPSHOT: "mengambil salinan Renja",
    Action.VERIFY: "memverifikasi Renja",
    Action.RETURN: "mengembalikan Renja",
    Action.FINALIZE: "menetapkan Renja final",
    Action.SET_PAGU: "menetapkan pagu indikatif",
    Action.CLOSE_STAGE: "menutup tahap Renja",
    Action.FORUM_PD: "mencatat dan menutup Forum Perangkat Daerah",
    Action.FORUM_PD_GABUNGAN: "mencatat dan menutup Forum Perangkat Daerah gabungan",
    Action.SET_KEBIJAKAN: "menetapkan pengaturan Forum Perangkat Daerah",
}

_OPD, _BAPPEDA = frozenset({Role.OPD}), frozenset({Role.BAPPEDA})
_BOTH = frozenset(Role)
ALLOWED_ROLES: dict[Action, frozenset[Role]] = {
    Action.VIEW: _BOTH,
    Action.EDIT_ROWS: _OPD,
    Action.DECIDE_INBOX: _OPD,
    Action.SUBMIT: _OPD,
    Action.SNAPSHOT: _BOTH,
    Action.VERIFY: _BAPPEDA,
    Action.RETURN: _BAPPEDA,
    Action.FINALIZE: _BAPPEDA,
    Action.SET_PAGU: _BAPPEDA,
    Action.CLOSE_STAGE: _BAPPEDA,
    Action.FORUM_PD: _OPD,
    Action.FORUM_PD_GABUNGAN: _BAPPEDA,
    Action.SET_KEBIJAKAN: _BAPPEDA,
}
ROLE_LABELS = {Role.OPD: "operator OPD", Role.BAPPEDA: "Bappeda"}


def refusal(actor: Actor, action: Action, *, pemda: str, opd: str | None = None) -> str | None:
    """Why `actor` may not do `action` on the renja of `opd` in `pemda`; None if allowed.
    `opd` is None for pemda-wide acts (closing the stage, lists of every OPD)."""
    action = Action(action)
    verb = VERBS[action]
    if actor.pemda != pemda:
        return f"Anda tidak berwenang {verb} pemda lain"
    roles = ALLOWED_ROLES[action]
    if actor.role not in roles:
        if action in (Action.EDIT_ROWS, Action.DECIDE_INBOX, Action.FORUM_PD):
            return f"Hanya operator OPD pemilik yang dapat {verb}"
        who = " atau ".join(ROLE_LABELS[r] for r in Role if r in roles)
        return f"Hanya {who} yang dapat {verb}"
    if actor.role is Role.OPD and (opd is None or actor.opd != opd):
        return f"Anda hanya dapat {verb} milik OPD Anda sendiri"
    return None


def can(actor: Actor, action: Action, *, pemda: str, opd: str | None = None) -> bool:
    return refusal(actor, action, pemda=pemda, opd=opd) is None


def authorize(actor: Actor, action: Action, *, pemda: str, opd: str | None = None) -> None:
    """Raise Forbidden (message in Bahasa Indonesia) unless `actor` may do `action`."""
    reason = refusal(actor, action, pemda=pemda, opd=opd)
    if reason is not None:
        raise Forbidden(reason, code="forbidden")
