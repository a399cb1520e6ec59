"""OpenAPI entries of the routes served by hand-written resources (gateway.auth, gateway.health).

They use the `Operation` form so that the document and the every-route-is-documented test need
no second format; their handlers are never called (the Falcon resources in gateway.auth serve them).
"""
from __future__ import annotations

from ..auth.users import PASSWORD_MAX, PASSWORD_MIN, ROLES
from .operation import ADMIN, ALL_ROLES, PUBLIC, Operation
from .schemas import OPAQUE, PEMDA, TEXT_KIND, arr, boolean, enum, integer, nullable, obj, open_obj, string


def _SAME(call, answer):  # pragma: no cover - documentation only: the answer is the GET's representation
    return answer


def _served_elsewhere(call):  # pragma: no cover - documentation only
    raise NotImplementedError("served by a gateway.auth resource")


GRANT = obj({"access_token": string(), "token_type": enum("Bearer"), "expires_in": integer(),
             "refresh_token": string(), "refresh_expires_in": integer()},
            ["access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in"])
IDENTITY = obj({"sub": string(), "role": enum(*ROLES), "pemda": PEMDA, "wilayah": nullable(string()),
                "opd": nullable(string()), "anggota_id": nullable(string())}, ["sub", "role", "pemda"])
USER = obj({"id": string(format="uuid"), "username": string(), "role": enum(*ROLES), "pemda": PEMDA,
            "wilayah": nullable(string()), "opd": nullable(string()), "anggota_id": nullable(string()),
            "active": boolean(), "created_at": string(format="date-time"), "updated_at": string(format="date-time"),
            "external_subject": string(description="The user's subject at the external OIDC issuer (shown when set)")},
           ["id", "username", "role", "pemda", "active"])
SCOPES = {"wilayah": nullable(string(maxLength=13)), "opd": nullable(string(maxLength=64)),
          "anggota_id": nullable(string(maxLength=64))}
EXTERNAL_SUBJECT = {"external_subject": nullable(string(minLength=1, maxLength=255,
                                                        description="Subject claim at the external OIDC issuer"))}
SECRET = {TEXT_KIND: OPAQUE}  # never shown or written out: no text rule beyond the gateway's own
PASSWORD = string(minLength=PASSWORD_MIN, maxLength=PASSWORD_MAX, **SECRET)
REFRESH = obj({"refresh_token": string(maxLength=256, **SECRET)}, ["refresh_token"])
BROWSER_GRANT = obj({"access_token": string(), "token_type": enum("Bearer"), "expires_in": integer(),
                     "csrf_token": string(description="The double-submit token: send it as X-CSRF-Token to "
                                                      "/v1/auth/browser/refresh and /logout (also in the ep_csrf "
                                                      "cookie)")},
                    ["access_token", "token_type", "expires_in", "csrf_token"],
                    description="The refresh token is not here: it is in the HttpOnly ep_refresh cookie")
CSRF_HEADER = {"X-CSRF-Token": string(maxLength=256, description="The value of the ep_csrf cookie", **SECRET)}
BROWSER_COOKIES = ("Sets `ep_refresh` (the refresh token; HttpOnly, SameSite=Strict, Path=/v1/auth/browser) and "
                   "`ep_csrf` (the CSRF token, readable by the app; SameSite=Strict, Path=/), both `Secure` when "
                   "the request came over TLS (or X-Forwarded-Proto: https from a trusted proxy). The access "
                   "token is kept in memory only; after a reload the app calls /v1/auth/browser/refresh.")
EXAMPLE_GRANT = {"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.sig", "token_type": "Bearer", "expires_in": 900,
                 "refresh_token": "r1.8f3c0d", "refresh_expires_in": 604800}


def _doc(method, path, operation_id, summary, roles, **more) -> Operation:
    return Operation(method, path, operation_id, summary, more.pop("tag", "auth"), roles, _served_elsewhere, **more)


AUTH_OPERATIONS = [
    _doc("GET", "/healthz", "health.live", "Liveness: the gateway process answers", PUBLIC, tag="health",
         response=obj({"status": string()}, ["status"], extra=True)),
    _doc("GET", "/readyz", "health.ready", "Readiness: broker and every service answer (503 names what is down)",
         PUBLIC, tag="health", response=open_obj()),
    _doc("POST", "/v1/auth/login", "auth.login", "Sign in: an access token and a refresh token", PUBLIC,
         body=obj({"username": string(maxLength=64), "password": string(maxLength=1024, **SECRET),
                   "pemda": {**PEMDA, "description": "The user's pemda: usernames are unique per pemda. Default: "
                                                     "the deployment's default pemda (GATEWAY_DEFAULT_PEMDA); "
                                                     "users from before per-pemda usernames may omit it"}},
                  ["username", "password"]),
         example={"username": "operator.sosopan", "password": "kata-sandi-rahasia", "pemda": "12.21"},
         response=GRANT, response_example=EXAMPLE_GRANT,
         problems={401: "Wrong username or password, or the user is inactive (invalid_credentials)",
                   429: "Too many failed logins for this user from this address, or from all addresses: "
                        "wait Retry-After seconds"}),
    _doc("POST", "/v1/auth/refresh", "auth.refresh", "Rotate the refresh token; a new access token", PUBLIC,
         body=REFRESH, example={"refresh_token": "r1.8f3c0d"}, response=GRANT, response_example=EXAMPLE_GRANT,
         problems={401: "The refresh token is unknown, expired, revoked or was already used "
                        "(invalid_refresh_token: its whole family is revoked)"}),
    _doc("POST", "/v1/auth/logout", "auth.logout", "Revoke the refresh token (and its rotations)", PUBLIC,
         body=REFRESH, example={"refresh_token": "r1.8f3c0d"}, status=204),
    _doc("POST", "/v1/auth/browser/login", "auth.browserLogin",
         "Sign in a browser: an access token, the refresh token in an HttpOnly cookie", PUBLIC,
         body=obj({"username": string(maxLength=64), "password": string(maxLength=1024, **SECRET),
                   "pemda": PEMDA}, ["username", "password"]),
         example={"username": "desa.12.21.01.2001", "password": "kata-sandi-rahasia", "pemda": "12.21"},
         response=BROWSER_GRANT, description=BROWSER_COOKIES + " Rate limits as /v1/auth/login.",
         response_example={"access_token": "eyJhbGciOiJIUzI1NiJ9.e30.sig", "token_type": "Bearer",
                           "expires_in": 900, "csrf_token": "pX3w9c0Rk2o"},
         problems={401: "Wrong username or password, or the user is inactive (invalid_credentials)",
                   429: "Too many failed logins for this user from this address, or from all addresses: "
                        "wait Retry-After seconds"}),
    _doc("POST", "/v1/auth/browser/refresh", "auth.browserRefresh",
         "Rotate the browser's refresh cookie; a new access token", PUBLIC, header_params=CSRF_HEADER,
         response=BROWSER_GRANT, description="No body. The ep_refresh cookie and the X-CSRF-Token header (equal "
                                             "to the ep_csrf cookie) are required; both cookies are rotated. "
                                             + BROWSER_COOKIES,
         problems={401: "No refresh cookie, or its token is unknown, expired, revoked or already used "
                        "(invalid_refresh_token; the cookies are cleared)",
                   403: "X-CSRF-Token is missing or differs from the ep_csrf cookie (csrf): nothing was rotated"}),
    _doc("POST", "/v1/auth/browser/logout", "auth.browserLogout",
         "Sign a browser out: the session is revoked and both cookies cleared", PUBLIC, header_params=CSRF_HEADER,
         status=204, description="No body. With a refresh cookie, X-CSRF-Token must equal the ep_csrf cookie. "
                                 "Idempotent: without a cookie there is nothing to revoke (204).",
         problems={403: "X-CSRF-Token is missing or differs from the ep_csrf cookie (csrf): nothing was revoked"}),
    _doc("GET", "/v1/auth/me", "auth.me", "The caller's identity as the services see it", ALL_ROLES,
         response=obj({"identity": IDENTITY}, ["identity"])),
    _doc("POST", "/v1/auth/password", "auth.changePassword", "Change one's password (other sessions end)",
         ALL_ROLES, body=obj({"current_password": string(maxLength=1024, **SECRET), "new_password": PASSWORD},
                             ["current_password", "new_password"]),
         example={"current_password": "kata-sandi-lama", "new_password": "kata-sandi-baru-panjang"},
         response=GRANT,
         problems={429: "Too many wrong current passwords for this user (from this address, or from all): "
                        "wait Retry-After seconds"}),
    _doc("GET", "/v1/admin/users", "admin.listUsers", "Users of the administrator's pemda", frozenset({ADMIN}),
         tag="admin", query={"limit": integer(minimum=1, maximum=200), "offset": integer(minimum=0),
                             "role": enum(*ROLES), "active": boolean()},
         response=obj({"items": arr(USER), "total": integer(), "limit": integer(), "offset": integer()},
                      ["items", "total", "limit", "offset"])),
    _doc("POST", "/v1/admin/users", "admin.createUser", "Create a user with a role and its territory scope",
         frozenset({ADMIN}), tag="admin", status=201,
         body=obj({"username": string(minLength=3, maxLength=64), "password": PASSWORD, "role": enum(*ROLES),
                   "pemda": PEMDA, **SCOPES, **EXTERNAL_SUBJECT, "active": boolean()},
                  ["username", "password", "role"]),
         example={"username": "operator.sosopan", "password": "kata-sandi-rahasia", "role": "operator_kecamatan",
                  "wilayah": "12.21.01"},
         response=USER, etag_read=_SAME,
         problems={409: "The username is taken in the administrator's pemda (username_taken); usernames are "
                        "unique per pemda, so another pemda's users are neither visible nor in the way",
                   422: "Invalid input, field by field; a wilayah, opd or anggota_id that does not exist in the "
                        "pemda (wilayah_unknown, opd_unknown, anggota_unknown)"}),
    _doc("GET", "/v1/admin/users/{user_id:uuid}", "admin.getUser", "One user", frozenset({ADMIN}), tag="admin",
         response=USER),
    _doc("PATCH", "/v1/admin/users/{user_id:uuid}", "admin.updateUser",
         "Merge-patch a user: role, scope, active, password (revokes their sessions)", frozenset({ADMIN}),
         tag="admin", body=obj({"role": enum(*ROLES), **SCOPES, **EXTERNAL_SUBJECT, "active": boolean(),
                                "password": PASSWORD}),
         example={"active": False}, response=USER, etag_read=_SAME,
         problems={422: "Invalid input, field by field; a changed wilayah, opd or anggota_id that does not exist "
                        "in the pemda (wilayah_unknown, opd_unknown, anggota_unknown)"}),
    _doc("GET", "/v1/openapi.json", "meta.openapi", "This document", PUBLIC, tag="meta", response=open_obj()),
]
