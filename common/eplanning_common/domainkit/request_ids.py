"""Request ids: the client's Idempotency-Key, carried to a create so that its retry finds what the
first attempt made. The object's id is derived from it, the same on every database:
`uuid5(<the kind's fixed namespace>, "<pemda>/<tahun>/<request_id>")`. Pure."""
from __future__ import annotations

import re
import uuid

PATTERN = re.compile(r"[A-Za-z0-9._:-]{8,200}")  # the gateway's Idempotency-Key format
INVALID_MESSAGE = ("request_id berisi 8-200 karakter A-Z, a-z, 0-9, titik, titik dua, garis bawah atau "
                   "tanda hubung")
INVALID_CODE = "invalid_format"


def is_valid(request_id: object) -> bool:
    return isinstance(request_id, str) and PATTERN.fullmatch(request_id) is not None


def derived_id(namespace: uuid.UUID, pemda: str, tahun: int, request_id: str) -> str:
    """The id of what `request_id` creates in the cycle (pemda, tahun); `request_id` must be valid."""
    if not is_valid(request_id):
        raise ValueError(INVALID_MESSAGE)
    return str(uuid.uuid5(namespace, f"{pemda}/{tahun}/{request_id}"))
