"""HTTP resources of authentication (/v1/auth/...) and user administration (/v1/admin/users).

Thin: read and validate the input (unknown fields refused), call the service, shape the output
(whitelisted fields). Errors are raised as `gateway.auth.errors` types; `gateway.problems` renders them.
"""
from __future__ import annotations

from typing import Any

import falcon

from .errors import FieldError, InputInvalid
from .middleware import require_roles
from .service import AuthService, UserAdmin
from .users import ADMIN, CHANGE_PASSWORD, CREATE_USER, LIST_USERS_QUERY, LOGIN, REFRESH, UPDATE_USER
from .validation import validate, validate_query

DEFAULT_PAGE_SIZE = 50


def read_json(req: falcon.Request) -> Any:
    """The JSON body (malformed JSON is Falcon's 400, too deeply nested JSON gateway.json_body's;
    another content type Falcon's 415)."""
    body = req.get_media(default_when_empty=None)
    if body is None:
        raise InputInvalid([FieldError("", "not_object")])
    return body


def client_address(req: falcon.Request, trusted_proxy_hops: int) -> str | None:
    """The client's address: the peer, or, behind `trusted_proxy_hops` reverse proxies that each
    append to X-Forwarded-For, the entry the outermost trusted proxy appended."""
    if trusted_proxy_hops > 0:
        forwarded = [hop.strip() for hop in (req.get_header("X-Forwarded-For") or "").split(",") if hop.strip()]
        if forwarded:
            return forwarded[-trusted_proxy_hops] if len(forwarded) >= trusted_proxy_hops else forwarded[0]
    return req.remote_addr


def _user_answer(resp: falcon.Response, user) -> None:
    """A user, with its ETag (the same for GET, the create's 201 and an update's 200)."""
    from ..api.binding import canonical_json, etag_of

    body = user.public()
    resp.media = body
    resp.etag = etag_of(canonical_json(body))


def _no_store(resp: falcon.Response) -> None:
    resp.set_header("Cache-Control", "no-store")
    resp.set_header("Pragma", "no-cache")


class Login:
    public = True

    def __init__(self, auth: AuthService, trusted_proxy_hops: int = 0):
        self._auth = auth
        self._hops = trusted_proxy_hops

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _no_store(resp)
        data = validate(read_json(req), LOGIN)
        grant = self._auth.login(data["username"], data["password"], client_address(req, self._hops),
                                 pemda=data.get("pemda"))
        resp.media = grant.as_dict()


class Refresh:
    public = True

    def __init__(self, auth: AuthService):
        self._auth = auth

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _no_store(resp)
        data = validate(read_json(req), REFRESH)
        resp.media = self._auth.refresh(data["refresh_token"]).as_dict()


class Logout:
    public = True

    def __init__(self, auth: AuthService):
        self._auth = auth

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _no_store(resp)
        data = validate(read_json(req), REFRESH)
        self._auth.logout(data["refresh_token"])
        resp.status = falcon.HTTP_204


class Me:
    """The caller's identity, as the services will see it."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _no_store(resp)
        resp.media = {"identity": req.context.identity}


class Password:
    def __init__(self, auth: AuthService, trusted_proxy_hops: int = 0):
        self._auth = auth
        self._hops = trusted_proxy_hops

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _no_store(resp)
        data = validate(read_json(req), CHANGE_PASSWORD)
        grant = self._auth.change_password(req.context.identity, data["current_password"], data["new_password"],
                                           client_address(req, self._hops))
        resp.media = grant.as_dict()


@falcon.before(require_roles(ADMIN))
class AdminUsers:
    def __init__(self, admin: UserAdmin):
        self._admin = admin

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        _no_store(resp)
        query = validate_query(req.params, LIST_USERS_QUERY)
        limit, offset = query.get("limit", DEFAULT_PAGE_SIZE), query.get("offset", 0)
        users, total = self._admin.list(req.context.identity, role=query.get("role"), active=query.get("active"),
                                        limit=limit, offset=offset)
        resp.media = {"items": [user.public() for user in users], "total": total, "limit": limit, "offset": offset}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _no_store(resp)
        user = self._admin.create(req.context.identity, validate(read_json(req), CREATE_USER))
        resp.status = falcon.HTTP_201
        resp.location = f"/v1/admin/users/{user.id}"
        _user_answer(resp, user)


@falcon.before(require_roles(ADMIN))
class AdminUser:
    def __init__(self, admin: UserAdmin):
        self._admin = admin

    def on_get(self, req: falcon.Request, resp: falcon.Response, user_id) -> None:
        _no_store(resp)
        _user_answer(resp, self._admin.get(req.context.identity, str(user_id)))

    def on_patch(self, req: falcon.Request, resp: falcon.Response, user_id) -> None:
        """Merge-patch (RFC 7396): role, wilayah, opd, anggota_id, active, password."""
        _no_store(resp)
        data = validate(read_json(req), UPDATE_USER)
        _user_answer(resp, self._admin.update(req.context.identity, str(user_id), data))


def add_routes(app: falcon.App, auth: AuthService, trusted_proxy_hops: int = 0) -> None:
    app.add_route("/v1/auth/login", Login(auth, trusted_proxy_hops))
    app.add_route("/v1/auth/refresh", Refresh(auth))
    app.add_route("/v1/auth/logout", Logout(auth))
    app.add_route("/v1/auth/me", Me())
    from . import browser  # (it uses this module's helpers)

    browser.add_routes(app, auth, trusted_proxy_hops)
    app.add_route("/v1/auth/password", Password(auth, trusted_proxy_hops))
    app.add_route("/v1/admin/users", AdminUsers(auth.users))
    app.add_route("/v1/admin/users/{user_id:uuid}", AdminUser(auth.users))
