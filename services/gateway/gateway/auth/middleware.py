"""`Authenticated`: verifies the Bearer access token and sets `req.context.identity` (and the
identity ContextVar that the RPC client sends to the services). `require_roles`: a per-resource hook.

Secure by default: every resource under `/v1/` needs a valid token unless its class says
`public = True` (login, refresh, logout, and the health endpoints). A public resource ignores the
Authorization header entirely, so that a client holding an expired token can still refresh it.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import falcon

from ..identity import reset_identity, set_identity
from .errors import AccessDenied, Unauthenticated
from .users import ADMIN

PROTECTED_PREFIX = "/v1/"
# RFC 6750 2.1: "Bearer" 1*SP b64token
_BEARER = re.compile(r"bearer +([A-Za-z0-9\-._~+/]+=*)", re.IGNORECASE)


class Authenticated:
    def __init__(self, authenticate: Callable[[str], dict[str, Any]], protected_prefix: str = PROTECTED_PREFIX):
        self._authenticate = authenticate
        self._prefix = protected_prefix

    def process_resource(self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict) -> None:
        req.context.identity = None
        if resource is None or getattr(resource, "public", False):
            return
        header = req.get_header("Authorization")
        if header is None:
            if req.path.startswith(self._prefix):
                raise Unauthenticated("missing_token")
            return
        match = _BEARER.fullmatch(header.strip())
        if match is None:
            raise Unauthenticated("malformed_authorization")
        identity = self._authenticate(match.group(1))
        req.context.identity = identity
        req.context.identity_token = set_identity(identity)

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        token = req.context.get("identity_token")
        if token is not None:
            req.context.identity_token = None
            try:
                reset_identity(token)
            except ValueError:  # set in another context (cannot happen with sync workers)
                set_identity(None)


def require_roles(*roles: str):
    """Falcon `before` hook: the caller must be authenticated and have one of `roles`."""

    def hook(req: falcon.Request, resp: falcon.Response, resource: Any, params: dict) -> None:
        identity = req.context.get("identity")
        if not identity:
            raise Unauthenticated("missing_token")
        if identity.get("role") not in roles:
            raise AccessDenied("admin_only" if roles == (ADMIN,) else "forbidden")

    return hook
