"""Gateway users: the record, the roles and the scope each role needs, and the input schemas.

A user's *scope* is what the services authorize objects against: `wilayah` (a desa or kecamatan
code) for the Musrenbang operators, `opd` for an OPD operator, `anggota_id` for a DPRD member and
their staf ahli. Every role acts within one `pemda`. A scope that does not belong to the role must
be empty (renja, for one, refuses a bappeda identity that carries an OPD).

`external_subject` (optional, unique) links the user to its subject at an external OpenID Connect
issuer (gateway.auth.oidc): such a token signs the user in with the role and scope recorded here.

Usernames are unique *per pemda* (issue #18, finding 9: a global namespace told an administrator
which names other pemdas use). A sign-in names the pemda (`pemda` beside `username`); without it
the name is looked up in the deployment's default pemda (GATEWAY_DEFAULT_PEMDA), or among the
`global_username` users: those that existed when usernames became per-pemda (migration 0006),
whose names were unique across pemdas then, so that they sign in as before.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from .errors import FieldError
from .messages import register_messages
from .validation import Bool, Int, Str

ROLES = ("bappeda", "operator_desa", "operator_kecamatan", "opd", "anggota_dprd", "staf_ahli", "setwan", "admin")
ADMIN = "admin"
SCOPE_FIELDS = ("wilayah", "opd", "anggota_id")

# role -> the scope field it needs (None: pemda-wide, no scope)
SCOPE_OF_ROLE: dict[str, str | None] = {
    "operator_desa": "wilayah",
    "operator_kecamatan": "wilayah",
    "opd": "opd",
    "anggota_dprd": "anggota_id",
    "staf_ahli": "anggota_id",
    "bappeda": None,
    "setwan": None,
    "admin": None,
}

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
PEMDA = re.compile(r"[0-9]{2}\.[0-9]{2}")
KECAMATAN = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}")
DESA = re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}")
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# an OIDC `sub` is at most 255 ASCII characters (OIDC Core 2); printable, no spaces
EXTERNAL_SUBJECT = re.compile(r"[\x21-\x7e]{1,255}")
PASSWORD_MIN, PASSWORD_MAX = 12, 128

register_messages({
    "format_external_subject": ("Subjek eksternal (OIDC): 1-255 karakter ASCII tanpa spasi.",
                                "An external (OIDC) subject is 1-255 printable ASCII characters, no spaces."),
    "external_subject_taken": ("Subjek eksternal ini sudah dipakai pengguna lain.",
                               "This external subject already belongs to another user."),
})


@dataclass(frozen=True)
class User:
    id: str
    username: str
    password_hash: str
    role: str
    pemda: str
    wilayah: str | None
    opd: str | None
    anggota_id: str | None
    active: bool
    created_at: datetime
    updated_at: datetime
    external_subject: str | None = None  # the user's subject at the external OIDC issuer (gateway.auth.oidc)
    global_username: bool = False  # signs in without a pemda too (existed before per-pemda usernames)

    def identity(self) -> dict[str, Any]:
        """What the services see of the caller (`worker_ctx.data["identity"]`)."""
        return {"sub": self.id, "role": self.role, "pemda": self.pemda, "wilayah": self.wilayah,
                "opd": self.opd, "anggota_id": self.anggota_id}

    def public(self) -> dict[str, Any]:
        """The output schema: a whitelist (never the password hash). `external_subject` only when set."""
        public = {"id": self.id, "username": self.username, "role": self.role, "pemda": self.pemda,
                  "wilayah": self.wilayah, "opd": self.opd, "anggota_id": self.anggota_id,
                  "active": self.active, "created_at": self.created_at.isoformat(),
                  "updated_at": self.updated_at.isoformat()}
        if self.external_subject is not None:
            public["external_subject"] = self.external_subject
        return public

    def replace(self, **changes: Any) -> "User":
        return User(**{**asdict(self), **changes})


# -- input schemas ---------------------------------------------------------------------------------

LOGIN = {
    "username": Str(required=True, max_len=64, lower=True),
    "password": Str(required=True, max_len=1024, strip=False),
    "pemda": Str(max_len=5, pattern=PEMDA, pattern_code="format_pemda"),  # default: GATEWAY_DEFAULT_PEMDA
}
REFRESH = {"refresh_token": Str(required=True, max_len=256)}
CHANGE_PASSWORD = {
    "current_password": Str(required=True, max_len=1024, strip=False),
    "new_password": Str(required=True, min_len=PASSWORD_MIN, max_len=PASSWORD_MAX, strip=False),
}
_SCOPES = {
    "wilayah": Str(nullable=True, max_len=13, pattern=re.compile(r"[0-9]{2}\.[0-9]{2}\.[0-9]{2}(\.[0-9]{4})?"),
                   pattern_code="format_kecamatan"),
    "opd": Str(nullable=True, max_len=64, pattern=CODE),
    "anggota_id": Str(nullable=True, max_len=64, pattern=CODE),
}
_EXTERNAL_SUBJECT = Str(nullable=True, max_len=255, pattern=EXTERNAL_SUBJECT, pattern_code="format_external_subject")
CREATE_USER = {
    "username": Str(required=True, min_len=3, max_len=64, lower=True, pattern=USERNAME,
                    pattern_code="format_username"),
    "password": Str(required=True, min_len=PASSWORD_MIN, max_len=PASSWORD_MAX, strip=False),
    "role": Str(required=True, choices=ROLES),
    "pemda": Str(max_len=5, pattern=PEMDA, pattern_code="format_pemda"),
    **_SCOPES,
    "active": Bool(),
    "external_subject": _EXTERNAL_SUBJECT,
}
UPDATE_USER = {
    "role": Str(choices=ROLES),
    **_SCOPES,
    "active": Bool(),
    "external_subject": _EXTERNAL_SUBJECT,
    "password": Str(min_len=PASSWORD_MIN, max_len=PASSWORD_MAX, strip=False),
}
LIST_USERS_QUERY = {
    "limit": Int(min=1, max=200),
    "offset": Int(min=0, max=1_000_000),
    "role": Str(choices=ROLES),
    "active": Bool(),
}


def scope_errors(role: str, pemda: str, scopes: dict[str, str | None]) -> list[FieldError]:
    """Why this role/scope combination is not a coherent identity (empty list: it is)."""
    needed = SCOPE_OF_ROLE[role]
    errors: list[FieldError] = []
    for name in SCOPE_FIELDS:
        value = scopes.get(name)
        if name == needed:
            if not value:
                errors.append(FieldError(name, "scope_required", {"role": role}))
        elif value:
            errors.append(FieldError(name, "scope_not_allowed", {"role": role}))
    wilayah = scopes.get("wilayah")
    if needed == "wilayah" and wilayah:
        pattern, code = (DESA, "format_desa") if role == "operator_desa" else (KECAMATAN, "format_kecamatan")
        if not pattern.fullmatch(wilayah):
            errors.append(FieldError("wilayah", code))
        elif not wilayah.startswith(pemda + "."):
            errors.append(FieldError("wilayah", "wilayah_outside_pemda", {"wilayah": wilayah, "pemda": pemda}))
    return errors


def password_errors(password: str, username: str, field: str = "password") -> list[FieldError]:
    if password.strip().lower() == username.lower():
        return [FieldError(field, "password_equals_username")]
    return []
