"""Falcon glue for the operation table: one resource per path, one responder per method.

For each request: role check (the first of two: the service checks territory and role again) ->
query and body validation -> If-Match (updates) -> Idempotency-Key (POST) -> the handler -> the
answer, with an ETag on reads (`If-None-Match` -> 304) and a `Link: rel="next"` on pages.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import datetime, timezone
from typing import Any, Callable, Iterable
from urllib.parse import urlencode

import falcon

from ..auth.errors import AccessDenied, FieldError, InputInvalid, Unauthenticated
from ..auth.messages import preferred_language
from ..exceptions import Conflict
from . import idempotency
from .errors import (
    IdempotencyInProgress, IdempotencyKeyReused, PreconditionFailed, PreconditionRequired, UnsupportedMedia,
)
from .operation import FORM_MEDIA, Call, Created, FormFile, Operation, Raw
from .schemas import CURSOR, KECAMATAN, PEMDA, TAHUN, coerce_query, field_errors, text_errors, with_text_rule

log = logging.getLogger(__name__)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200  # larger limits are capped to this (documented on every paged operation)
LIMIT = {"type": "integer", "minimum": 1, "description": f"Page size, default {DEFAULT_PAGE_SIZE}, "
                                                          f"capped at {MAX_PAGE_SIZE}"}
PAGE_QUERY = {"cursor": with_text_rule(CURSOR), "limit": LIMIT}


# path parameters that mean the same everywhere; an operation adds its own (`Operation.path_params`)
PATH_PARAMS = {"tahun": TAHUN, "pemda": PEMDA, "kecamatan": KECAMATAN}
_PATH_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


def query_schemas(op: Operation) -> dict[str, dict]:
    return {**op.query, **(PAGE_QUERY if op.paged else {})}


def path_schemas(op: Operation) -> dict[str, dict]:
    """{name: JSON Schema} of every path parameter, in path order. A Falcon converter decides the
    type (`int`: integer, `uuid`: a UUID; a value it cannot convert does not match the route: 404),
    the schema the rest (a year's range, a code's pattern)."""
    schemas = {}
    for name, converter in _PATH_PARAM.findall(op.path):
        base = {"type": "integer"} if converter == "int" else (
            {"type": "string", "format": "uuid"} if converter == "uuid" else {"type": "string"})
        schemas[name] = {**base, **op.path_params.get(name, PATH_PARAMS.get(name, {}))}
    return schemas


def _path_errors(op: Operation, params: dict[str, Any]) -> list[FieldError]:
    """What the declared path schemas say of the (converted) values; the converters' own types
    (a uuid.UUID, an int) are already checked by the routing."""
    errors = []
    for name, schema in path_schemas(op).items():
        if name in params and (name in op.path_params or name in PATH_PARAMS):
            errors += field_errors(params[name], schema, name)
    return errors


def canonical_json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str).encode()


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 13.1: a list of entity tags or "*"; weak comparison (W/ ignored)."""
    if not header:
        return False
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*":
            return True
        if candidate.startswith("W/"):
            candidate = candidate[2:]
        if candidate == etag:
            return True
    return False


class Binding:
    """What every responder needs besides the operation."""

    def __init__(self, rpc: Any, idempotency_store: Any, clock: Callable[[], datetime] | None = None,
                 deps: dict[str, Any] | None = None):
        self.rpc = rpc
        self.idempotency = idempotency_store
        self.deps = dict(deps or {})
        self.clock = clock or (lambda: datetime.now(timezone.utc))


class PathResource:
    """All operations of one path. `public` (read by the Authenticated middleware) when every
    operation of the path is public."""

    def __init__(self, binding: Binding, operations: Iterable[Operation]):
        self._binding = binding
        self.operations = {op.method: op for op in operations}
        self.public = all(op.public for op in self.operations.values())
        # read by middleware.BodyLimit: a path with a file upload accepts that operation's larger body
        limits = [op.max_body_bytes for op in self.operations.values() if op.max_body_bytes]
        self.max_body_bytes = max(limits) if limits else None
        for method, op in self.operations.items():
            setattr(self, "on_" + method.lower(), self._responder(op))

    def _responder(self, op: Operation):
        def responder(req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
            respond(self._binding, op, req, resp, params)

        responder.__name__ = "on_" + op.method.lower()
        responder.__doc__ = op.summary
        return responder


def add_routes(app: falcon.App, binding: Binding, operations: Iterable[Operation]) -> None:
    by_path: dict[str, list[Operation]] = {}
    for op in operations:
        by_path.setdefault(op.path, []).append(op)
    for path, ops in by_path.items():
        methods = [op.method for op in ops]
        if len(set(methods)) != len(methods):
            raise ValueError(f"{path}: a method is declared twice")
        app.add_route(path, PathResource(binding, ops))


# -- the request pipeline -----------------------------------------------------------------------


def respond(binding: Binding, op: Operation, req: falcon.Request, resp: falcon.Response,
            params: dict[str, Any]) -> None:
    identity = req.context.get("identity")
    if not op.public:
        if not identity:
            raise Unauthenticated("missing_token")
        if not op.allows(identity.get("role")):
            raise AccessDenied("forbidden")

    # text no service could store (NUL, a lone surrogate) is refused wherever it comes from
    errors = text_errors({k: v for k, v in params.items() if isinstance(v, str)}) + _path_errors(op, params)
    text_refused = text_errors(req.params)
    query, query_errors = coerce_query(req.params, query_schemas(op))
    errors += text_refused + query_errors
    errors += [FieldError(name, "required") for name in sorted(op.required_query - set(query))]
    if op.paged:
        query["limit"] = min(query.get("limit", DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE)

    body, raw_body, form = None, None, None
    if op.body_media == FORM_MEDIA:
        if (req.content_type or "").split(";")[0].strip().lower() != FORM_MEDIA:
            raise UnsupportedMedia(media=FORM_MEDIA)
        form, form_errors = read_form(req, op)
        errors += form_errors
    elif op.body is not None:
        body = req.get_media(default_when_empty=None)
        if body is None:
            errors.append(FieldError("", "not_object"))
        else:
            errors += text_errors(body) + field_errors(body, op.body)
    elif op.body_media is not None:
        if (req.content_type or "").split(";")[0].strip().lower() != op.body_media:
            raise UnsupportedMedia(media=op.body_media)
        raw_body = req.bounded_stream.read()
        if op.body_media.startswith("text/") and _bad_file_text(raw_body):  # no format can hold it
            errors.append(FieldError("body", "invalid_character"))
    if errors:
        raise InputInvalid(list({(e.field, e.code): e for e in errors}.values()))

    key = req.get_header("Idempotency-Key") if op.idempotent else None
    call = Call(rpc=binding.rpc, identity=identity, params=params, query=query, body=body, raw_body=raw_body,
                form=form, language=preferred_language(req.get_header("Accept-Language")),
                base_url=req.prefix, deps=binding.deps, request_id=key)

    if op.if_match:
        _check_if_match(op, call, req.get_header("If-Match"))

    if key is not None:
        _idempotent(binding, op, call, req, resp, key)
    else:
        _run(op, call, req, resp)


def is_file_part(schema: dict) -> bool:
    return schema.get("format") == "binary"


def read_form(req: falcon.Request, op: Operation) -> tuple[dict[str, Any], list[FieldError]]:
    """The parts of a multipart/form-data body: file parts (schema `format: binary`) as FormFile,
    the others as text; then the form is checked against `op.form` (a file counts as a string
    there): required parts, no unknown part, no part twice, the text rule and enums of text parts.
    A body that is not well-formed multipart is Falcon's 400."""
    from falcon.media.multipart import MultipartFormHandler, MultipartParseOptions

    properties = op.form.get("properties", {})
    options = MultipartParseOptions()
    options.max_body_part_count = len(properties) + 2
    options.max_body_part_headers_size = 8192
    handler = MultipartFormHandler(options)
    parts: dict[str, Any] = {}
    errors: list[FieldError] = []
    for part in handler.deserialize(req.bounded_stream, req.content_type, req.content_length):
        name = part.name or ""
        if name in parts:
            errors.append(FieldError(name, "duplicate_part"))
            part.stream.read()
            continue
        if is_file_part(properties.get(name, {})):
            parts[name] = FormFile(part.stream.read(), part.filename or None,
                                   part.content_type)
            continue
        raw = part.stream.read()
        try:
            parts[name] = raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(FieldError(name, "invalid_character"))
            parts[name] = ""
    shown = {name: ("" if isinstance(value, FormFile) else value) for name, value in parts.items()}
    errors += text_errors({n: v for n, v in shown.items() if not isinstance(parts[n], FormFile)})
    errors += field_errors(shown, op.form)
    return parts, errors


def form_fingerprint(form: dict[str, Any]) -> bytes:
    """What identifies a form for Idempotency-Key: its fields and the SHA-256 of each file (not the
    multipart framing: a client's retry draws a new boundary)."""
    return canonical_json({name: ({"sha256": hashlib.sha256(value.data).hexdigest()}
                                  if isinstance(value, FormFile) else value)
                           for name, value in sorted(form.items())})


def _bad_file_text(raw: bytes) -> bool:
    """A text file (a CSV import) holding what no format can: NUL, a control character other than
    tab and line ends, U+FFFE/U+FFFF (its cells are checked again, one line each, by the import).
    Bytes that are not UTF-8 are the handler's to refuse (with its own message)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return b"\x00" in raw
    return text_errors(text) != []


def _check_if_match(op: Operation, call: Call, if_match: str | None) -> None:
    if not if_match:
        raise PreconditionRequired()
    current = op.current(call)
    if not _etag_matches(if_match, etag_of(canonical_json(current))):
        raise PreconditionFailed()
    call.before = current
    version = current.get("version") if isinstance(current, dict) else None
    call.expected_version = version if isinstance(version, int) else None


def _run(op: Operation, call: Call, req: falcon.Request, resp: falcon.Response) -> None:
    try:
        result = op.handler(call)
    except Conflict as exc:
        if op.if_match and exc.payload.get("code") == "stale_version":
            raise PreconditionFailed() from exc  # changed between our read and the write
        raise
    _render(op, result, call, req, resp)


def _render(op: Operation, result: Any, call: Call, req: falcon.Request, resp: falcon.Response) -> None:
    if isinstance(result, Raw):
        resp.status = op.status
        resp.content_type = result.content_type
        for name, value in result.headers.items():
            resp.set_header(name, value)
        if result.filename:
            resp.downloadable_as = result.filename
        resp.data = result.body
        if req.method == "GET":
            _etag(req, resp, result.body, op.public)
        return
    if isinstance(result, Created):
        resp.status = falcon.HTTP_201
        resp.location = result.location
        result = result.body
    else:
        resp.status = op.status
    if op.status == 204:
        return
    body = json.dumps(result, ensure_ascii=False, default=str).encode()
    resp.content_type = falcon.MEDIA_JSON
    resp.data = body
    if op.paged and isinstance(result, dict) and result.get("next_cursor"):
        next_query = {**{k: v for k, v in req.params.items() if k not in ("cursor", "limit")},
                      "limit": call.query["limit"], "cursor": result["next_cursor"]}
        resp.append_link(f"{req.path}?{urlencode(next_query)}", "next")
    if req.method == "GET":
        _etag(req, resp, canonical_json(result), op.public)
    elif op.etag_read is not None:
        _answer_etag(op, call, result, resp)


def same_state(answer: Any, representation: Any) -> bool:
    """The answer of a write and the GET's representation describe the same state: every member
    both hold is equal (a GET may add members, e.g. the follow-ups of an usulan, and an answer may
    hold what a GET never shows, e.g. a webhook secret)."""
    if not isinstance(answer, dict) or not isinstance(representation, dict):
        return canonical_json(answer) == canonical_json(representation)
    shared = set(answer) & set(representation)
    return bool(shared) and all(canonical_json(answer[k]) == canonical_json(representation[k]) for k in shared)


def _answer_etag(op: Operation, call: Call, result: Any, resp: falcon.Response) -> None:
    """The ETag a GET of the written resource would give, on the write's answer (201/200)."""
    try:
        representation = op.etag_read(call, result)
    except Exception:  # the write is done: a failed read only costs the client a GET
        log.warning("no ETag for the answer of %s: the resource could not be read back", op.operation_id,
                    exc_info=True)
        return
    if same_state(result, representation):
        resp.etag = etag_of(canonical_json(representation))


def _etag(req: falcon.Request, resp: falcon.Response, representation: bytes, public: bool = False) -> None:
    etag = resp.etag or etag_of(representation)  # a handler may name its own (a file's hash)
    resp.etag = etag
    if resp.get_header("Cache-Control") is None:  # revalidate with If-None-Match
        resp.set_header("Cache-Control", "public, no-cache" if public else "private, no-cache")
    if _etag_matches(req.get_header("If-None-Match"), etag):
        resp.status = falcon.HTTP_304
        resp.data = None
        resp.text = None
        resp.content_type = None  # RFC 9110 15.4.5: no content, so no content type
        resp.downloadable_as = None


def _idempotent(binding: Binding, op: Operation, call: Call, req: falcon.Request, resp: falcon.Response,
                key: str) -> None:
    if not idempotency.KEY_PATTERN.fullmatch(key):
        raise InputInvalid([FieldError("Idempotency-Key", "idempotency_key_format")])
    owner = (call.identity or {}).get("sub") or "public"
    if call.form is not None:
        body = form_fingerprint(call.form)
    else:
        body = canonical_json(call.body) if call.body is not None else (call.raw_body or b"")
    fp = idempotency.fingerprint(req.method, req.path, req.query_string or "", body)
    now = binding.clock()
    stored = binding.idempotency.claim(owner, key, fp, now, now - idempotency.STALE_AFTER, now - idempotency.TTL)
    if stored is not None:
        if stored.fingerprint != fp:
            raise IdempotencyKeyReused()
        if stored.state != "done":
            raise IdempotencyInProgress()
        resp.status = stored.status
        for name, value in (stored.headers or {}).items():
            resp.set_header(name, value)
        resp.set_header("Idempotent-Replayed", "true")
        resp.data = stored.body
        return
    try:
        _run(op, call, req, resp)
    except Exception as exc:
        from ..problems import to_problem

        problem = to_problem(exc, req)
        if problem.status >= 500:
            binding.idempotency.release(owner, key)  # unknown outcome: let the retry run again
            raise
        # a refusal is an answer too: the retry gets the same refusal
        problem = problem.english() if call.language == "en" else problem
        problem.render(req, resp)
        binding.idempotency.complete(owner, key, problem.status,
                                     idempotency.headers_to_keep({"Content-Type": resp.content_type, **resp.headers}),
                                     resp.data or (resp.text or "").encode(), binding.clock())
        return
    binding.idempotency.complete(owner, key, int(str(resp.status).split()[0]),
                                 idempotency.headers_to_keep({"Content-Type": resp.content_type, **resp.headers}),
                                 resp.data or b"", binding.clock())
