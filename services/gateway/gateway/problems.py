"""RFC 9457 problem details: every error the gateway answers is `application/problem+json`.

`Problem` is raised by gateway code for an HTTP error of its own making. `handle_error` is the one
error handler: it looks the exception up in `ERROR_TABLE` (the single error -> HTTP mapping),
and answers 500 for anything unknown, without echoing the exception: that goes to the log, with
the correlation id, and the client gets the correlation id to quote.
"""
from __future__ import annotations

import json
import logging
from typing import Any

import falcon

from eplanning_common.logs import get_correlation_id

from .auth.errors import AuthError, InputInvalid, RateLimited
from .auth.messages import MESSAGES, preferred_language, text, title
from .exceptions import (
    Conflict, DatabaseUnavailable, Forbidden, NotFound, PayloadTooLarge, RemoteServiceError, RemoteUnavailable,
    ServiceTimeout, ServiceUnavailable, UnsupportedMediaType, ValidationError,
)

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:eplanning:problem:"

# status -> (type slug, title, default detail); titles and details are user-facing: Bahasa Indonesia
STATUS_TEXT: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "Permintaan tidak valid", "Permintaan tidak dapat diproses."),
    401: ("unauthenticated", "Belum terautentikasi", "Silakan masuk terlebih dahulu."),
    403: ("forbidden", "Akses ditolak", "Anda tidak berhak melakukan tindakan ini."),
    404: ("not-found", "Tidak ditemukan", "Data atau alamat yang diminta tidak ditemukan."),
    405: ("method-not-allowed", "Metode tidak diizinkan", "Metode HTTP ini tidak didukung untuk alamat ini."),
    406: ("not-acceptable", "Format tidak didukung", "Format respons yang diminta tidak tersedia."),
    409: ("conflict", "Konflik", "Permintaan bertentangan dengan keadaan data saat ini."),
    412: ("precondition-failed", "Prasyarat gagal", "Data sudah berubah sejak Anda membacanya."),
    411: ("length-required", "Panjang isi diperlukan", "Header Content-Length wajib diisi."),
    413: ("payload-too-large", "Isi permintaan terlalu besar", "Ukuran isi permintaan melebihi batas."),
    415: ("unsupported-media-type", "Jenis konten tidak didukung", "Jenis konten permintaan tidak didukung."),
    422: ("validation", "Data tidak valid", "Data yang dikirim tidak valid."),
    428: ("precondition-required", "Prasyarat diperlukan", "Permintaan ini memerlukan header If-Match."),
    429: ("too-many-requests", "Terlalu banyak permintaan", "Terlalu banyak permintaan; coba lagi nanti."),
    500: ("internal", "Kesalahan internal", "Terjadi kesalahan pada server. Sebutkan correlation_id ini bila melapor."),
    503: ("service-unavailable", "Layanan tidak tersedia", "Layanan sedang tidak tersedia; coba lagi nanti."),
    504: ("service-timeout", "Layanan tidak merespons", "Layanan tidak merespons tepat waktu; coba lagi nanti."),
}


# status -> (title, detail) in English, for `Accept-Language: en`
STATUS_TEXT_EN: dict[int, tuple[str, str]] = {
    400: ("Bad request", "The request cannot be processed."),
    401: ("Not authenticated", "Please sign in first."),
    403: ("Forbidden", "You may not do this."),
    404: ("Not found", "The requested data or address does not exist."),
    405: ("Method not allowed", "This HTTP method is not supported at this address."),
    406: ("Not acceptable", "The requested response format is not available."),
    409: ("Conflict", "The request conflicts with the current state of the data."),
    411: ("Length required", "The Content-Length header is required."),
    412: ("Precondition failed", "The data changed since you read it."),
    413: ("Payload too large", "The request body is larger than allowed."),
    415: ("Unsupported media type", "The request's content type is not supported."),
    422: ("Invalid data", "The submitted data is invalid."),
    428: ("Precondition required", "This request needs an If-Match header."),
    429: ("Too many requests", "Too many requests; try again later."),
    500: ("Internal error", "Something went wrong on the server. Quote this correlation_id when reporting it."),
    503: ("Service unavailable", "The service is unavailable right now; try again later."),
    504: ("Service timeout", "The service did not answer in time; try again later."),
}


class Problem(Exception):
    """An HTTP error answered as problem+json. `extensions` become extra members of the body."""

    def __init__(self, status: int, detail: str | None = None, /, *, title: str | None = None,
                 type_slug: str | None = None, headers: dict[str, str] | None = None, **extensions: Any):
        slug, default_title, default_detail = STATUS_TEXT.get(int(status), ("error", "Kesalahan", ""))
        self.status = int(status)
        self.title = title or default_title
        self.detail = detail or default_detail
        self.type = TYPE_PREFIX + (type_slug or slug)
        self.headers = dict(headers or {})
        self.extensions = extensions
        super().__init__(f"{self.status} {self.title}")

    def to_dict(self, req: falcon.Request) -> dict[str, Any]:
        body = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": req.path,
        }
        cid = get_correlation_id() or req.context.get("correlation_id")
        if cid:
            body["correlation_id"] = cid
        for key, value in self.extensions.items():
            body.setdefault(key, value)
        return body

    def english(self, detail: str | None = None) -> "Problem":
        """This problem for an English-speaking client: the title and, unless given, the generic
        detail of the status in English; the Indonesian detail stays in `detail_id`."""
        title_en, detail_en = STATUS_TEXT_EN.get(self.status, (self.title, self.detail))
        if self.extensions.get("language") == "en":
            return self
        translated = Problem(self.status, detail or detail_en, title=title_en, headers=self.headers,
                             **self.extensions)
        translated.type = self.type
        if detail is None and self.detail != detail_en:
            translated.extensions.setdefault("detail_id", self.detail)
        translated.extensions["language"] = "en"
        return translated

    def render(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = self.status
        for name, value in self.headers.items():
            resp.set_header(name, value)
        language = self.extensions.pop("language", None) or "id"
        resp.set_header("Content-Language", language)
        resp.content_type = PROBLEM_CONTENT_TYPE
        body = self.to_dict(req)
        text = json.dumps(body, ensure_ascii=False)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate the client sent (in a member name): escape it
            text = json.dumps(body)
        resp.text = text


def _validation(ex: ValidationError, req: falcon.Request) -> Problem:
    errors = ex.errors
    if preferred_language(req.get_header("Accept-Language")) == "en":
        # a field error whose code the gateway knows gets its English text; others keep the service's
        errors = [{**e, "message": text(e["code"], "en")} if e["code"] in MESSAGES else e for e in errors]
    return Problem(422, ex.detail, errors=errors, **_service_extensions(ex))


# members of a problem the gateway sets itself; a service cannot override them
_RESERVED = {"type", "title", "status", "detail", "instance", "correlation_id", "errors", "message", "language"}


def _service_extensions(ex: RemoteServiceError) -> dict[str, Any]:
    """What a service sent beside its detail (a machine `code`, the usulan still undecided, the
    window that is closed...): user-facing by contract, passed on as problem extension members."""
    return {key: value for key, value in ex.payload.items() if key not in _RESERVED and isinstance(key, str)}


def _remote_status(status: int):
    def make(ex: RemoteServiceError, req: falcon.Request) -> Problem:
        return Problem(status, ex.detail, **_service_extensions(ex))

    return make


def _unavailable(ex: ServiceUnavailable, req: falcon.Request) -> Problem:
    return Problem(503, f"Layanan {ex.service} sedang tidak tersedia; coba lagi nanti.",
                   headers={"Retry-After": "5"}, service=ex.service)


def _remote_unavailable(ex: RemoteUnavailable, req: falcon.Request) -> Problem:
    log.warning("%s.%s could not reach its database (%s)", ex.service, ex.method, ex.exc_type)
    return Problem(503, f"Layanan {ex.service} sementara tidak dapat mengakses basis datanya; coba lagi.",
                   headers={"Retry-After": "2"}, service=ex.service)


def _timeout(ex: ServiceTimeout, req: falcon.Request) -> Problem:
    return Problem(504, f"Layanan {ex.service} tidak merespons tepat waktu; coba lagi nanti.",
                   service=ex.service)


def _database(ex: DatabaseUnavailable, req: falcon.Request) -> Problem:
    return Problem(503, "Basis data gateway sedang tidak tersedia; coba lagi nanti.",
                   headers={"Retry-After": "5"})


WWW_AUTHENTICATE = 'Bearer realm="eplanning"'


def _auth(ex: AuthError, req: falcon.Request) -> Problem:
    """Authentication and user-administration errors, in the client's language (id, or en)."""
    language = preferred_language(req.get_header("Accept-Language"))
    headers = {"Content-Language": language, "Cache-Control": "no-store"}
    extensions: dict[str, Any] = {"code": ex.code}
    if ex.status == 401:  # RFC 6750 3
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE + (
            ', error="invalid_token"' if ex.code == "invalid_token" else "")
    if isinstance(ex, RateLimited):
        headers["Retry-After"] = str(ex.retry_after)
        extensions["retry_after"] = ex.retry_after
    if isinstance(ex, InputInvalid):
        extensions["errors"] = [{"field": e.field, "message": text(e.code, language, **e.params), "code": e.code}
                                for e in ex.errors]
    return Problem(ex.status, text(ex.code, language, **ex.params), title=title(ex.status, language),
                   headers=headers, language=language, **extensions)


# THE error -> HTTP table. First isinstance match wins; put subclasses before their bases.
# A remote error not listed (RemoteServiceError itself) falls through to the 500 below.
ERROR_TABLE: tuple[tuple[type[Exception], Any], ...] = (
    (ValidationError, _validation),
    (RemoteUnavailable, _remote_unavailable),
    (NotFound, _remote_status(404)),
    (Forbidden, _remote_status(403)),
    (Conflict, _remote_status(409)),
    (PayloadTooLarge, _remote_status(413)),
    (UnsupportedMediaType, _remote_status(415)),
    (ServiceTimeout, _timeout),
    (ServiceUnavailable, _unavailable),
    (AuthError, _auth),
    (DatabaseUnavailable, _database),
)


def to_problem(ex: Exception, req: falcon.Request) -> Problem:
    if isinstance(ex, Problem):
        return ex
    if isinstance(ex, falcon.HTTPError):
        status = ex.status_code
        detail = ex.description or (ex.title if STATUS_TEXT.get(status) is None else None)
        return Problem(status, detail, headers=dict(ex.headers or {}))
    for exc_type, make in ERROR_TABLE:
        if isinstance(ex, exc_type):
            if isinstance(ex, (ServiceTimeout, ServiceUnavailable, DatabaseUnavailable)):
                log.warning("%s on %s %s: %s", type(ex).__name__, req.method, req.path, ex)
            return make(ex, req)
    extra = {"error_type": type(ex).__name__}
    if isinstance(ex, RemoteServiceError):
        extra.update(remote_service=ex.service, remote_method=ex.method,
                     remote_exc_type=ex.exc_type, remote_detail=ex.detail)
    log.error("unhandled error on %s %s", req.method, req.path, exc_info=ex, extra=extra)
    return Problem(500)


def handle_error(req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict) -> None:
    """Falcon error handler for Exception (and so for everything, HTTPError included)."""
    problem = to_problem(ex, req)
    if problem.extensions.get("language") is None and preferred_language(req.get_header("Accept-Language")) == "en":
        problem = problem.english()
    problem.render(req, resp)
