"""The verified caller of the current request, for code that has no request at hand (the RPC
client's context factory). Set by `gateway.auth.middleware.Authenticated`, reset after each request.

An identity is a plain dict with exactly the keys the gateway signs for the services
(eplanning_common.identity_tokens): sub, role, pemda, wilayah, opd, anggota_id (the last three may
be None).
"""
from __future__ import annotations

from contextvars import ContextVar, Token
from typing import Any

from eplanning_common.identity_tokens import IDENTITY_KEYS  # one list: what a signed RPC identity carries

_identity: ContextVar[dict[str, Any] | None] = ContextVar("gateway_identity", default=None)


def get_identity() -> dict[str, Any] | None:
    identity = _identity.get()
    return dict(identity) if identity is not None else None


def set_identity(identity: dict[str, Any] | None) -> Token:
    return _identity.set({key: identity.get(key) for key in IDENTITY_KEYS} if identity else None)


def reset_identity(token: Token) -> None:
    _identity.reset(token)
