"""`Operation`: one row of the API table, and `Call`: what a handler receives.

An operation is declared once and used four ways: Falcon routes it (`binding`), its JSON Schemas
validate the request (`schemas`), `openapi` documents it, and the tests read its `roles` to build
the authorization matrix. Handlers are plain functions `handler(call) -> result` that turn the
HTTP request into RPC calls; the services authorize again (the gateway's role check is the first
of two).

A result is JSON-serialisable data (a dict or list), or a `Raw` (bytes with a content type: CSV,
XLSX, PDF), or a `Created` (201 with a Location).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

# every role of domain.md, as the gateway's users carry them (gateway.auth.users.ROLES)
BAPPEDA, DESA, KECAMATAN, OPD, ANGGOTA, STAF_AHLI, SETWAN, ADMIN = (
    "bappeda", "operator_desa", "operator_kecamatan", "opd", "anggota_dprd", "staf_ahli", "setwan", "admin")
ALL_ROLES = frozenset({BAPPEDA, DESA, KECAMATAN, OPD, ANGGOTA, STAF_AHLI, SETWAN, ADMIN})
PUBLIC = None  # roles=PUBLIC: no login
FORM_MEDIA = "multipart/form-data"


@dataclass(frozen=True)
class Raw:
    """A non-JSON answer (CSV, XLSX, PDF, HTML, Markdown)."""

    body: bytes
    content_type: str
    filename: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FormFile:
    """A file part of a multipart/form-data body. `filename` and `content_type` are what the client
    said: never trusted for what the bytes are."""

    data: bytes
    filename: str | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class Created:
    """201 Created with `Location`, the body the service returned."""

    body: Any
    location: str


@dataclass
class Call:
    """The validated request, as a handler sees it."""

    rpc: Any  # NamekoRpc: call(service, method, *args, **kwargs), call_many(calls, timeout)
    identity: dict[str, Any] | None
    params: dict[str, Any]  # path parameters (converted: tahun is an int)
    query: dict[str, Any]  # validated query parameters (defaults applied)
    body: Any  # the validated JSON body, or None
    raw_body: bytes | None = None  # for operations that take a file (text/csv)
    form: dict[str, Any] | None = None  # multipart/form-data: {name: FormFile | str} (binding.read_form)
    expected_version: int | None = None  # from If-Match, for updates
    before: Any = None  # the representation If-Match was checked against (`current`), for updates
    # the Idempotency-Key of an idempotent operation (None without one): create handlers pass it on
    # as the RPC's request_id, so the service itself makes the same object for the same key
    request_id: str | None = None
    language: str = "id"
    base_url: str = ""
    deps: Mapping[str, Any] = field(default_factory=dict)  # gateway-side stores (e.g. "webhooks")

    def request_kwargs(self) -> dict[str, str]:
        """`{"request_id": key}` for a create RPC when the request carried an Idempotency-Key, else
        `{}` (the RPC's default: a random id)."""
        return {} if self.request_id is None else {"request_id": self.request_id}


@dataclass(frozen=True)
class Operation:
    """One route × method of the API.

    method, path: HTTP method and Falcon URI template (`/v1/musrenbang/{tahun:int}/usulan`).
    operation_id: unique, also the OpenAPI operationId (`musrenbang.createUsulan`).
    roles: the roles the gateway lets through (frozenset), or PUBLIC (None): no login at all.
    handler: `f(call) -> result` (see the module doc).
    body: JSON Schema of the JSON body (None: no body); every string in it (and in `query` and
        `path_params`) gets the text rule of its kind (`schemas.with_text_rule`); `body_media`:
        another request media type
        (e.g. "text/csv") taken raw into `call.raw_body`; "multipart/form-data" parsed into
        `call.form` (`form`: the JSON Schema of its parts, for validation and OpenAPI).
    max_body_bytes: this operation's own body limit (a file upload), instead of GATEWAY_MAX_BODY_BYTES;
        refused with 413 before the body is read.
    path_params: {name: JSON Schema} of path parameters beyond the common ones (`tahun`, `pemda`,
        `kecamatan`: binding.PATH_PARAMS); checked before the handler runs (422) and documented.
    query: {name: JSON Schema}; `required_query`: the names that must be given.
    response: JSON Schema of the success body (or None for a non-JSON answer, then `produces`).
    status: the success status (200, 201, 202 or 204).
    paged: the answer is `{items, next_cursor}`: `cursor`/`limit` query parameters are added, the
        limit capped, and a `Link: <...>; rel="next"` header set.
    if_match: an update of a versioned object: `If-Match` is required; `current(call)` returns
        the object as the matching GET shows it (its ETag is compared, its `version` handed over).
    idempotent: POST that honours `Idempotency-Key`.
    etag_read: for a write that answers with a resource: `f(call, answer)` -> the resource as its
        GET shows it (by default, for an `if_match` update, `as_read_before`: the answer over what
        `current` showed before the write). The answer then carries that representation's ETag, so
        the next If-Match needs no GET. Should the two ever differ, the ETag only fails to match
        (a 412, never a lost update): an ETag is the hash of a whole representation.
    example / response_example: documented in OpenAPI, and checked against the schemas by a test.
    problems: {status: meaning} of error answers beyond those every operation of its kind documents
        (e.g. 401 and 429 of a public login).
    """

    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    roles: frozenset[str] | None
    handler: Callable[[Call], Any]
    body: dict[str, Any] | None = None
    body_media: str | None = None
    form: dict[str, Any] | None = None
    max_body_bytes: int | None = None
    path_params: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    query: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    header_params: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # documented request headers
    required_query: frozenset[str] = frozenset()
    response: dict[str, Any] | None = None
    produces: tuple[str, ...] = ("application/json",)
    status: int = 200
    paged: bool = False
    if_match: bool = False
    current: Callable[[Call], Any] | None = None
    idempotent: bool = False
    etag_read: Callable[[Call, Any], Any] | None = None
    example: Any = None
    response_example: Any = None
    description: str = ""
    problems: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self):
        # one text rule for every string a request carries (schemas.with_text_rule): validated and
        # documented alike
        from .schemas import with_text_rule

        object.__setattr__(self, "body", with_text_rule(self.body))
        object.__setattr__(self, "query", {name: with_text_rule(s) for name, s in self.query.items()})
        object.__setattr__(self, "path_params", {name: with_text_rule(s) for name, s in self.path_params.items()})
        if self.if_match and self.current is None:
            raise ValueError(f"{self.operation_id}: if_match needs current()")
        if (self.form is not None) != (self.body_media == FORM_MEDIA):
            raise ValueError(f"{self.operation_id}: a form schema goes with body_media {FORM_MEDIA}")
        if self.etag_read is None and self.if_match and self.response is not None and self.method != "GET":
            object.__setattr__(self, "etag_read", as_read_before)
        if self.method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            raise ValueError(f"{self.operation_id}: method {self.method}")

    @property
    def public(self) -> bool:
        return self.roles is None

    def allows(self, role: str | None) -> bool:
        return self.roles is None or role in self.roles


def read_by_id(get: Callable[[Call], Any], param: str, member: str = "id") -> Callable[[Call, Any], Any]:
    """An `etag_read` for a create: `get` (the GET handler) for the object the answer names
    (`answer[member]` as the path parameter `param`)."""

    def read(call: Call, answer: Any) -> Any:
        return get(replace(call, params={**call.params, param: answer[member]}, query={}, body=None))

    return read


def as_read_before(call: Call, answer: Any) -> Any:
    """The representation after an update, as the GET shows it: the members of the one before
    (`call.before`), each taken from the answer where it holds it (a GET may add members the
    write does not answer with, e.g. an usulan's follow-ups)."""
    if not isinstance(answer, dict) or not isinstance(call.before, dict):
        return answer
    return {name: answer.get(name, value) for name, value in call.before.items()}
