"""Who may do what to a pokir (pure): roles, ownership, pemda.

* every actor acts only inside its own pemda;
* `anggota_dprd` and `staf_ahli` act for one member (`Actor.anggota_id`): they see, create,
  edit and submit only that member's pokir (and record that member's reses);
  withdrawing is the member's own act: a staf ahli may not withdraw;
* `setwan` reads every pokir of the pemda, recommends or returns it, delivers it to Bappeda;
* `bappeda` reads every pokir of the pemda, reviews each delivered pokir (kajian: layak /
  tidak_layak, domain.review) and disposes a `layak` one to an OPD, and may record a pokir as not
  accommodated. "Diakomodasi" is recorded only on Renja's behalf, when the service relays the
  OPD's decision naming a Renja row (facts.follow_renja_decision); no caller can ask for it.

`can_*` answer "is this actor allowed" (who); whether the pokir's status allows the action
is the lifecycle's question (see `lifecycle.available_actions` for both at once).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .errors import Forbidden


class Role(str, Enum):
    ANGGOTA_DPRD = "anggota_dprd"
    STAF_AHLI = "staf_ahli"
    SETWAN = "setwan"
    BAPPEDA = "bappeda"


MEMBER_ROLES = frozenset({Role.ANGGOTA_DPRD, Role.STAF_AHLI})


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: `sub` from the token, `anggota_id` for anggota/staf ahli
    (the member a staf ahli works for)."""

    sub: str
    role: Role
    pemda: str
    anggota_id: str | None = None

    def __post_init__(self) -> None:
        if not self.sub or not str(self.sub).strip():
            raise ValueError("Actor.sub wajib diisi")
        object.__setattr__(self, "role", Role(self.role))
        if self.role in MEMBER_ROLES and not self.anggota_id:
            raise ValueError(f"Peran {self.role.value} wajib punya anggota_id")
        if self.role not in MEMBER_ROLES and self.anggota_id is not None:
            raise ValueError(f"Peran {self.role.value} tidak mewakili anggota DPRD")


class Action(str, Enum):
    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    RECOMMEND = "recommend"
    RETURN = "return"
    DELIVER = "deliver"
    DISPOSE = "dispose"
    ACCOMMODATE = "accommodate"
    NOT_ACCOMMODATE = "not_accommodate"
    REVIEW = "review"


VERBS = {
    Action.VIEW: "melihat", Action.CREATE: "membuat", Action.EDIT: "mengubah",
    Action.SUBMIT: "mengajukan", Action.WITHDRAW: "menarik",
    Action.RECOMMEND: "merekomendasikan", Action.RETURN: "mengembalikan",
    Action.DELIVER: "menyampaikan ke Bappeda", Action.DISPOSE: "mendisposisikan",
    Action.ACCOMMODATE: "menetapkan akomodasi",
    Action.NOT_ACCOMMODATE: "menetapkan tidak diakomodasi",
    Action.REVIEW: "mengkaji",
}

# Which roles may perform each action; OWN_ONLY roles only on their own member's pokir.
ALLOWED_ROLES: dict[Action, frozenset[Role]] = {
    Action.VIEW: frozenset(Role),
    Action.CREATE: MEMBER_ROLES,
    Action.EDIT: MEMBER_ROLES,
    Action.SUBMIT: MEMBER_ROLES,
    Action.WITHDRAW: frozenset({Role.ANGGOTA_DPRD}),
    Action.RECOMMEND: frozenset({Role.SETWAN}),
    Action.RETURN: frozenset({Role.SETWAN}),
    Action.DELIVER: frozenset({Role.SETWAN}),
    Action.DISPOSE: frozenset({Role.BAPPEDA}),
    Action.ACCOMMODATE: frozenset({Role.BAPPEDA}),
    Action.NOT_ACCOMMODATE: frozenset({Role.BAPPEDA}),
    Action.REVIEW: frozenset({Role.BAPPEDA}),
}
ROLE_LABELS = {Role.ANGGOTA_DPRD: "anggota DPRD", Role.STAF_AHLI: "staf ahli",
               Role.SETWAN: "Setwan", Role.BAPPEDA: "Bappeda"}


def refusal(actor: Actor, action: Action, pemda: str, anggota_id: str) -> str | None:
    """Why `actor` may not do `action` to a pokir of (pemda, anggota_id); None if allowed."""
    action = Action(action)
    verb = VERBS[action]
    if actor.pemda != pemda:
        return f"Anda tidak berwenang {verb} pokir pemda lain"
    roles = ALLOWED_ROLES[action]
    if actor.role not in roles:
        if action is Action.WITHDRAW and actor.role is Role.STAF_AHLI:
            return "Hanya anggota DPRD pemilik pokir yang dapat menarik pokir"
        who = " atau ".join(ROLE_LABELS[r] for r in Role if r in roles)
        return f"Hanya {who} yang dapat {verb} pokir"
    if actor.role in MEMBER_ROLES and actor.anggota_id != anggota_id:
        return f"Anda hanya dapat {verb} pokir anggota DPRD yang Anda wakili"
    return None


def can(actor: Actor, action: Action, pemda: str, anggota_id: str) -> bool:
    return refusal(actor, action, pemda, anggota_id) is None


def authorize(actor: Actor, action: Action, pemda: str, anggota_id: str) -> None:
    """Raise Forbidden (message in Bahasa Indonesia) unless `actor` may do `action`."""
    reason = refusal(actor, action, pemda, anggota_id)
    if reason is not None:
        raise Forbidden(reason, code="forbidden")


def _target(pokir) -> tuple[str, str]:
    return pokir.pemda, pokir.anggota_id


def can_view(actor: Actor, pokir) -> bool:
    return can(actor, Action.VIEW, *_target(pokir))


def can_create(actor: Actor, pemda: str, anggota_id: str) -> bool:
    return can(actor, Action.CREATE, pemda, anggota_id)


def can_edit(actor: Actor, pokir) -> bool:
    return can(actor, Action.EDIT, *_target(pokir))


def can_submit(actor: Actor, pokir) -> bool:
    return can(actor, Action.SUBMIT, *_target(pokir))


def can_withdraw(actor: Actor, pokir) -> bool:
    return can(actor, Action.WITHDRAW, *_target(pokir))


def can_recommend(actor: Actor, pokir) -> bool:
    """Recommend or return (both are the Setwan's review)."""
    return can(actor, Action.RECOMMEND, *_target(pokir))


def can_deliver(actor: Actor, pokir) -> bool:
    return can(actor, Action.DELIVER, *_target(pokir))


def can_follow_up(actor: Actor, pokir) -> bool:
    """Disposisi, diakomodasi, tidak diakomodasi."""
    return can(actor, Action.DISPOSE, *_target(pokir))
