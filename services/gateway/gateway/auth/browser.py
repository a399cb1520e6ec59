"""Sign-in for browsers (issue #14): the refresh token never reaches JavaScript.

* `POST /v1/auth/browser/login` (body as /v1/auth/login, the same rate limits) answers the access
  token, its lifetime and a CSRF token, and sets two cookies:
  `ep_refresh=<refresh token>; HttpOnly; SameSite=Strict; Path=/v1/auth/browser` (only these three
  routes ever receive it) and `ep_csrf=<random>; SameSite=Strict; Path=/` (readable by the app:
  the double-submit token). Both carry `Secure` when the request came over TLS, directly or, behind
  `GATEWAY_TRUSTED_PROXY_HOPS` trusted proxies, as `X-Forwarded-Proto: https`.
* `POST /v1/auth/browser/refresh` (no body) with `X-CSRF-Token` equal to the `ep_csrf` cookie:
  rotates the refresh token (the machinery of /v1/auth/refresh: reuse revokes the family) and
  both cookies, and answers as login. No refresh cookie: 401. A missing or different CSRF header:
  403 `csrf`, and nothing is rotated.
* `POST /v1/auth/browser/logout` with the CSRF header: revokes the session (its token family) and
  clears both cookies; 204. Without a refresh cookie there is nothing to revoke: 204, cookies cleared.

The access token lives in the app's memory only; after a reload the app calls refresh. A forged
cross-site request carries no cookie (SameSite=Strict) and cannot read `ep_csrf` to copy it into
the header (the same-origin policy): the two defences are independent.
"""
from __future__ import annotations

import hmac
import secrets

import falcon

from .errors import AuthError, FieldError, InputInvalid, InvalidRefreshToken
from .messages import register_messages
from .service import AuthService, TokenGrant
from .users import LOGIN
from .resources import client_address, read_json
from .validation import validate

PREFIX = "/v1/auth/browser"
REFRESH_COOKIE = "ep_refresh"
CSRF_COOKIE = "ep_csrf"
CSRF_HEADER = "X-CSRF-Token"

register_messages({
    "csrf": ("Token CSRF tidak ada atau tidak cocok: kirim header X-CSRF-Token berisi nilai cookie ep_csrf, "
             "atau masuk kembali.",
             "The CSRF token is missing or does not match: send the X-CSRF-Token header with the value of the "
             "ep_csrf cookie, or sign in again."),
})


class CsrfRefused(AuthError):
    """403: the double-submit token of a browser session is missing or wrong."""

    status = 403
    code = "csrf"


def over_tls(req: falcon.Request, trusted_proxy_hops: int) -> bool:
    """The request reached the gateway over TLS, or (behind trusted proxies) reached the outermost
    proxy over TLS: its `X-Forwarded-Proto` (the first value of a list) is https. Without trusted
    proxies the header is anyone's to send and is ignored."""
    if req.scheme == "https":
        return True
    if trusted_proxy_hops > 0:
        forwarded = (req.get_header("X-Forwarded-Proto") or "").split(",")[0].strip().lower()
        return forwarded == "https"
    return False


def _cookie(req: falcon.Request, name: str) -> str | None:
    values = req.get_cookie_values(name) or []
    return values[0] if values else None


class _Browser:
    public = True

    def __init__(self, auth: AuthService, trusted_proxy_hops: int = 0):
        self._auth = auth
        self._hops = trusted_proxy_hops

    def _answer(self, req: falcon.Request, resp: falcon.Response, grant: TokenGrant) -> None:
        secure = over_tls(req, self._hops)
        csrf = secrets.token_urlsafe(32)
        resp.set_cookie(REFRESH_COOKIE, grant.refresh_token, max_age=grant.refresh_expires_in, path=PREFIX,
                        secure=secure, http_only=True, same_site="Strict")
        resp.set_cookie(CSRF_COOKIE, csrf, max_age=grant.refresh_expires_in, path="/", secure=secure,
                        http_only=False, same_site="Strict")
        resp.media = {"access_token": grant.access_token, "token_type": "Bearer", "expires_in": grant.expires_in,
                      "csrf_token": csrf}

    def _clear(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Both cookies expired, with the attributes they were set with (Falcon's set_cookie drops
        a Max-Age of 0, and unset_cookie cannot say Secure or HttpOnly)."""
        secure = "; Secure" if over_tls(req, self._hops) else ""
        for name, path, http_only in ((REFRESH_COOKIE, PREFIX, "; HttpOnly"), (CSRF_COOKIE, "/", "")):
            resp.append_header("Set-Cookie", f"{name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; "
                                             f"Path={path}; SameSite=Strict{secure}{http_only}")

    def _check_csrf(self, req: falcon.Request) -> None:
        cookie, header = _cookie(req, CSRF_COOKIE), req.get_header(CSRF_HEADER)
        if not cookie or not header or not hmac.compare_digest(cookie.encode(), header.encode()):
            raise CsrfRefused()


def _no_store(resp: falcon.Response) -> None:
    resp.set_header("Cache-Control", "no-store")
    resp.set_header("Pragma", "no-cache")


class BrowserLogin(_Browser):
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _no_store(resp)
        data = validate(read_json(req), LOGIN)
        grant = self._auth.login(data["username"], data["password"], client_address(req, self._hops),
                                 pemda=data.get("pemda"))
        self._answer(req, resp, grant)


def _no_body(req: falcon.Request) -> None:
    if req.content_length:
        raise InputInvalid([FieldError("", "no_body")])


register_messages({"no_body": ("Permintaan ini tidak memakai isi (body).", "This request takes no body.")})


class BrowserRefresh(_Browser):
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _no_store(resp)
        _no_body(req)
        token = _cookie(req, REFRESH_COOKIE)
        if not token:
            raise InvalidRefreshToken()
        self._check_csrf(req)
        try:
            grant = self._auth.refresh(token)
        except InvalidRefreshToken:
            self._clear(req, resp)  # a dead session: the app signs in again
            raise
        self._answer(req, resp, grant)


class BrowserLogout(_Browser):
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        _no_store(resp)
        _no_body(req)
        token = _cookie(req, REFRESH_COOKIE)
        if token:
            self._check_csrf(req)
            self._auth.logout(token)
        self._clear(req, resp)
        resp.status = falcon.HTTP_204


def add_routes(app: falcon.App, auth: AuthService, trusted_proxy_hops: int = 0) -> None:
    app.add_route(PREFIX + "/login", BrowserLogin(auth, trusted_proxy_hops))
    app.add_route(PREFIX + "/refresh", BrowserRefresh(auth, trusted_proxy_hops))
    app.add_route(PREFIX + "/logout", BrowserLogout(auth, trusted_proxy_hops))
