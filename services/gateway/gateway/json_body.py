"""JSON request bodies: Falcon's JSON handler with a nesting limit, for every route that reads one.

`json.loads` recurses once per nesting level: a body of 50,000 `[` (50 KB, well inside the body
limit) ends in RecursionError, which Falcon does not count as malformed JSON, so it used to be a
500 with a traceback in the log (issue #18, finding 7). A body nested deeper than `MAX_DEPTH`
levels is refused instead: 400 problem+json with code `json_too_deep`, logged as the request's one
access line. No request body of the API comes anywhere near the limit; what passes it is shallow
enough for every later step (validation, the RPC payload, the services) to walk it recursively.
"""
from __future__ import annotations

import json
from typing import Any

import falcon

from .auth.errors import AuthError
from .auth.messages import register_messages

MAX_DEPTH = 32
MEDIA_TYPES = (falcon.MEDIA_JSON, "application/merge-patch+json")

register_messages({
    "json_too_deep": ("Struktur JSON terlalu dalam: paling banyak {max_depth} tingkat objek/daftar bersarang.",
                      "The JSON is nested too deeply: at most {max_depth} levels of objects/arrays."),
})


class JsonTooDeep(AuthError):
    """400: the body nests objects/arrays deeper than MAX_DEPTH."""

    status = 400
    code = "json_too_deep"

    def __init__(self) -> None:
        super().__init__(max_depth=MAX_DEPTH)


def loads(text: str) -> Any:
    """`json.loads`, refusing (JsonTooDeep) what nests deeper than MAX_DEPTH. Malformed JSON
    raises ValueError as before (Falcon's 400)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooDeep() from None
    if nesting_exceeds(value, MAX_DEPTH):
        raise JsonTooDeep()
    return value


def nesting_exceeds(value: Any, limit: int) -> bool:
    """Whether `value` nests dicts/lists more than `limit` levels deep (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def install(app: falcon.App) -> None:
    """Read `application/json` and JSON merge patches (RFC 7396) with `loads`."""
    handler = falcon.media.JSONHandler(loads=loads)
    for media_type in MEDIA_TYPES:
        app.req_options.media_handlers[media_type] = handler
