"""The OpenAPI 3.1 document, generated from the operation table (`GET /v1/openapi.json`).

Authentication routes (hand-written resources in gateway.auth) are described by `AUTH_OPERATIONS`
in the same `Operation` form, without handlers, so that one test can check that every route the
app serves is documented."""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable

import falcon

from .binding import MAX_PAGE_SIZE, path_schemas, query_schemas
from .operation import Operation

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"}, "correlation_id": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "code": {"type": "string"}}}},
    },
    "additionalProperties": True,
}

_PARAM = re.compile(r"{(\w+)(?::(\w+))?}")


def openapi_path(path: str) -> str:
    """Falcon's `{tahun:int}` -> OpenAPI's `{tahun}`."""
    return _PARAM.sub(lambda m: "{" + m.group(1) + "}", path)


def _path_parameters(op: Operation) -> list[dict]:
    return [{"name": name, "in": "path", "required": True, "schema": schema}
            for name, schema in path_schemas(op).items()]


def _problem(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}}


# response headers, documented once (components/headers) and referred to by each answer that sets them
HEADERS = {
    "ETag": {"description": "The entity tag of the representation: send it as If-Match with the next change "
                            "(no GET needed after a create or update), or as If-None-Match to revalidate",
             "schema": {"type": "string"}},
    "Location": {"description": "The URL of the created resource", "schema": {"type": "string"}},
    "Link": {"description": "RFC 8288: `<...>; rel=\"next\"` names the next page", "schema": {"type": "string"}},
    "Idempotent-Replayed": {"description": "`true`: this is the stored answer of an earlier request with the same "
                                           "Idempotency-Key; nothing was done again",
                            "schema": {"type": "string", "enum": ["true"]}},
    "Cache-Control": {"description": "How long and by whom the answer may be cached", "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}},
    "Set-Cookie": {"description": "The browser session's cookies (ep_refresh, ep_csrf): see the operation",
                   "schema": {"type": "string"}},
}


def _header(name: str) -> dict:
    return {"$ref": f"#/components/headers/{name}"}


def success_headers(op: Operation) -> list[str]:
    """The headers a success answer of `op` carries (documented on it)."""
    names = []
    if op.method == "GET" or op.etag_read is not None:
        names.append("ETag")
    if op.status == 201:
        names.append("Location")
    if op.paged:
        names.append("Link")
    if op.idempotent:
        names.append("Idempotent-Replayed")
    if op.method == "GET":
        names.append("Cache-Control")
    if op.path.startswith("/v1/auth/browser/"):
        names.append("Set-Cookie")
    return names


def _operation(op: Operation, refs: Callable[[Any], Any] = lambda schema: schema) -> dict:
    doc: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary, "tags": [op.tag]}
    description = op.description
    if op.roles is not None:
        description = (description + "\n\n" if description else "") + "Roles: " + ", ".join(sorted(op.roles)) + \
            ". The service checks the caller's territory again."
        doc["security"] = [{"bearer": []}]
    else:
        doc["security"] = []
    if description:
        doc["description"] = description
    parameters = _path_parameters(op)
    for name, schema in query_schemas(op).items():
        parameters.append({"name": name, "in": "query", "required": name in op.required_query, "schema": schema})
    for name, schema in op.header_params.items():
        parameters.append({"name": name, "in": "header", "required": True, "schema": schema})
    if op.if_match:
        parameters.append({"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"},
                           "description": "The ETag of the representation this change is based on."})
    if op.idempotent:
        parameters.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{8,200}$"},
                           "description": "A retried request with the same key returns the first answer."})
    if op.method == "GET":
        parameters.append({"name": "If-None-Match", "in": "header", "required": False,
                           "schema": {"type": "string"}})
    if parameters:
        doc["parameters"] = parameters
    if op.body is not None:
        media: dict[str, Any] = {"schema": op.body}
        if op.example is not None:
            media["example"] = op.example
        doc["requestBody"] = {"required": True, "content": {"application/json": media}}
    elif op.form is not None:
        files = [name for name, schema in op.form.get("properties", {}).items() if schema.get("format") == "binary"]
        media = {"schema": op.form, "encoding": {name: {"contentType": "application/octet-stream"} for name in files}}
        doc["requestBody"] = {"required": True, "content": {op.body_media: media}}
    elif op.body_media is not None:
        media = {"schema": {"type": "string"}}
        if op.example is not None:
            media["example"] = op.example
        doc["requestBody"] = {"required": True, "content": {op.body_media: media}}

    ok: dict[str, Any] = {"description": "OK" if op.status != 201 else "Created"}
    if op.status != 204:
        content = {}
        for media_type in op.produces:
            if media_type == "application/json":
                entry: dict[str, Any] = {"schema": refs(op.response or {})}
                if op.response_example is not None:
                    entry["example"] = op.response_example
                content[media_type] = entry
            else:
                content[media_type] = {"schema": {"type": "string", "contentMediaType": media_type}}
                if not media_type.startswith("text/"):
                    content[media_type]["schema"]["format"] = "binary"
        ok["content"] = content
    headers = success_headers(op)
    if headers:
        ok["headers"] = {name: _header(name) for name in headers}
    responses: dict[str, Any] = {str(op.status): ok}
    if op.method == "GET":
        responses["304"] = {"description": "Not modified (If-None-Match)", "headers": {"ETag": _header("ETag")}}
    # any request can be unreadable: malformed JSON, an invalid header or request line (gunicorn
    # answers those itself, also as problem+json: gateway.gunicorn_errors)
    responses["400"] = _problem("The request cannot be read: malformed JSON body, invalid header or request line")
    takes_body = op.body is not None or op.body_media is not None
    if takes_body or parameters:
        responses["422"] = _problem("Invalid input, field by field (path and query parameters, body)")
    if takes_body:
        responses["413"] = _problem(f"The body is larger than the gateway accepts ({op.max_body_bytes} bytes)"
                                    if op.max_body_bytes else
                                    "The body is larger than the gateway accepts (GATEWAY_MAX_BODY_BYTES)")
        responses["415"] = _problem(f"The body is not {op.body_media or 'application/json'}")
    if op.header_params:
        responses["422"] = _problem("Invalid input, field by field")
    if op.roles is not None:
        responses["401"] = _problem("No valid access token")
        responses["403"] = _problem("The caller's role or territory does not allow this")
    if op.if_match:
        responses["412"] = _problem("If-Match is stale: nothing was changed")
        responses["428"] = _problem("If-Match is missing")
    if op.idempotent:
        responses["409"] = _problem("Conflict with the current state; or the same Idempotency-Key is still being "
                                    "processed (idempotency_in_progress), or was used by another user of the pemda "
                                    "for this kind of object (request_id_taken)")
    else:
        responses["409"] = _problem("Conflict with the current state")
    responses["404"] = _problem("Not found")
    for status, meaning in sorted(op.problems.items()):
        responses[str(status)] = _problem(meaning)
    if "429" in responses:
        responses["429"] = {**responses["429"], "headers": {"Retry-After": _header("Retry-After")}}
    responses["503"] = _problem("A service is unavailable")
    responses["504"] = _problem("A service did not answer in time")
    doc["responses"] = responses
    return doc


FROM_CONTRACT = "from the contract"


def build(operations: Iterable[Operation], *, title: str = "E-Planning API", version: str = "1.0.0",
          server: str = "/", webhooks: tuple[dict, dict] | None | str = FROM_CONTRACT) -> dict[str, Any]:
    """`webhooks`: (the `webhooks` section, the schemas it refers to); by default those of
    contracts/asyncapi.yaml (gateway.api.openapi_webhooks; none when it cannot be found); None: none."""
    if webhooks == FROM_CONTRACT:
        from .openapi_webhooks import from_contract

        webhooks = from_contract()
    from .components import COMPONENTS, References

    refs = References({"Problem": PROBLEM_SCHEMA, **COMPONENTS})
    paths: dict[str, dict] = {}
    tags = []
    for op in operations:
        paths.setdefault(openapi_path(op.path), {})[op.method.lower()] = _operation(op, refs)
        if op.tag not in tags:
            tags.append(op.tag)
    doc = {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": title, "version": version,
            "description": "The public API of the E-Planning platform (Musrenbang, Pokir, Renja, RKPD). Errors are "
                           "application/problem+json (RFC 9457), in Bahasa Indonesia, or English with "
                           f"`Accept-Language: en`. Pages are cursor based, at most {MAX_PAGE_SIZE} items.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": server}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {
            "schemas": refs.schemas(),
            "headers": HEADERS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
    if webhooks is not None:
        sections, schemas = webhooks
        clash = set(schemas) & set(doc["components"]["schemas"])
        if clash:
            raise ValueError(f"webhook schemas clash with the API's: {sorted(clash)}")
        doc["webhooks"] = sections
        doc["components"]["schemas"].update(schemas)
        doc["tags"].append({"name": "webhook deliveries", "description": "What the platform POSTs to a partner's "
                            "webhook URL (services/gateway/README.md, Partner integration)"})
    return doc


class OpenApiDocument:
    public = True

    def __init__(self, document: dict[str, Any]):
        self._document = document

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self._document
        resp.set_header("Cache-Control", "public, max-age=300")
