"""Small helpers for free-text fields and timestamps (shared by the modules of this domain)."""
from __future__ import annotations

from datetime import datetime

# re-exported for the domain's modules
from eplanning_common.domainkit.text import LINE, MULTILINE, text_field_errors  # noqa: F401

from .errors import FieldError

MAX_TEXT = 2000


def text_field(raw: object, field: str, label: str, *, required: bool = True,
               max_len: int = MAX_TEXT, kind: str = LINE) -> tuple[str | None, list[FieldError]]:
    """Stripped text, or None with the problem: missing (when required), not text, too long, or
    what the text rule of `kind` refuses (domainkit.text: LINE by default, MULTILINE for notes)."""
    refused = text_field_errors(raw, field, label, kind)
    if refused:
        return None, refused
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            return None, [FieldError(field, f"{label} wajib diisi", "required")]
        return None, []
    if not isinstance(raw, str):
        return None, [FieldError(field, f"{label} harus berupa teks", "invalid")]
    text = raw.strip()
    if len(text) > max_len:
        return None, [FieldError(field, f"{label} paling banyak {max_len} karakter", "too_long")]
    return text, []


def require_aware(moment: datetime, name: str = "waktu") -> datetime:
    """Timestamps are timezone-aware datetimes (a programming error otherwise)."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} harus datetime dengan zona waktu")
    return moment
