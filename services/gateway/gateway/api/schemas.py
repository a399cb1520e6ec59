"""JSON Schema (2020-12, the dialect of OpenAPI 3.1): small builders for the API table, and the
validation that turns schema violations into field-level errors (`FieldError`, rendered in
Bahasa Indonesia or English by `gateway.auth.messages`)."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Iterable, Mapping

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators

from eplanning_common.domainkit import text as text_rule
from eplanning_common.domainkit.moments import parse_aware

from ..auth.errors import FieldError, InputInvalid
from ..auth.messages import MESSAGES, register_messages

# -- builders -----------------------------------------------------------------------------------


def obj(properties: Mapping[str, dict], required: Iterable[str] = (), *, extra: bool = False,
        **more: Any) -> dict:
    """An object schema; unknown members are refused unless `extra`."""
    schema = {"type": "object", "properties": dict(properties), "additionalProperties": extra, **more}
    required = list(required)
    if required:
        schema["required"] = required
    return schema


def open_obj(description: str = "", **more: Any) -> dict:
    """An object whose members the service defines (documented, not constrained here)."""
    schema = {"type": "object", "additionalProperties": True, **more}
    if description:
        schema["description"] = description
    return schema


def arr(items: dict, **more: Any) -> dict:
    return {"type": "array", "items": items, **more}


def string(**more: Any) -> dict:
    return {"type": "string", **more}


#: the text kind of a string schema (`x-text`): "line" (the default: names, titles, places,
#: reasons), "multiline" (permasalahan, gagasan, catatan, narratives), "file" (a CSV file sent as a
#: JSON string: its line ends may be CRLF; each cell is checked by the import that reads it), or
#: "opaque" (a secret never shown or written anywhere: a password, a token)
TEXT_KIND = "x-text"
LINE, MULTILINE, FILE, OPAQUE = text_rule.LINE, text_rule.MULTILINE, "file", "opaque"


def multiline(**more: Any) -> dict:
    """Free text that may hold newlines (and tabs)."""
    return {"type": "string", TEXT_KIND: MULTILINE, **more}


def nullable(schema: dict) -> dict:
    kind = schema.get("type")
    if isinstance(kind, str):
        out = {**schema, "type": [kind, "null"]}
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
        return out
    return {"anyOf": [schema, {"type": "null"}]}


def integer(**more: Any) -> dict:
    return {"type": "integer", **more}


def boolean(**more: Any) -> dict:
    return {"type": "boolean", **more}


def enum(*values: str, **more: Any) -> dict:
    return {"type": "string", "enum": list(values), **more}


RUPIAH = integer(minimum=0, description="Rupiah, whole numbers")
TAHUN = integer(minimum=2000, maximum=2100, description="Tahun anggaran (the planned year)")
PEMDA = string(pattern=r"^[0-9]{2}\.[0-9]{2}$", description="Kode pemda Kemendagri, e.g. 12.21")
KECAMATAN = string(pattern=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}$", description="Kode kecamatan, e.g. 12.21.01")
DESA = string(pattern=r"^[0-9]{2}\.[0-9]{2}\.[0-9]{2}\.[0-9]{4}$",
              description="Kode desa/kelurahan, e.g. 12.21.01.2001")
DATETIME = string(format="date-time")
REASON = string(minLength=3, maxLength=2000, description="Alasan (recorded in the decision trail)")
CURSOR = string(maxLength=200, description="Opaque cursor from the previous page's next_cursor")


def page_of(item: dict) -> dict:
    return obj({"items": arr(item), "next_cursor": nullable(string())}, ["items", "next_cursor"])


HTTPS_URL_PATTERN = text_rule.HTTPS_URL_PATTERN
HTTPS_URL = string(format="uri", maxLength=2000, pattern=HTTPS_URL_PATTERN,
                   description="URL https:// lengkap (http:, javascript:, file:, data: ditolak)")


# -- the text rule (issue #18) ------------------------------------------------------------------

_TEXT_PATTERNS = {LINE: text_rule.LINE_PATTERN, MULTILINE: text_rule.MULTILINE_PATTERN, FILE: text_rule.FILE_PATTERN}
_KIND_OF_PATTERN = {pattern: kind for kind, pattern in _TEXT_PATTERNS.items()}
_CLOSED_FORMATS = frozenset({"date", "date-time", "uuid"})
_SUBSCHEMA = ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else", "contains",
              "unevaluatedItems", "unevaluatedProperties")
_SUBSCHEMAS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs")


def _open_pattern(pattern: str) -> bool:
    """Whether a pattern lets characters through that it does not list: it is not anchored at both
    ends, or it has a "." outside a class, a "\\S", "\\D", "\\W" or a "[^...]". A lookaround
    (`(?=.*[1-9])`) consumes nothing, so what it holds lets nothing through."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return True
    pattern = _without_lookarounds(pattern)
    escaped, in_class = False, False
    for i, char in enumerate(pattern):
        if escaped:
            escaped = False
            if char in "SDW":
                return True
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                return True
        elif char == "]":
            in_class = False
        elif char == "." and not in_class:
            return True
    return False


_LOOKAROUND = re.compile(r"\(\?<?[=!]")


def _without_lookarounds(pattern: str) -> str:
    """`pattern` with every lookaround group cut out (escapes, classes and nested groups followed)."""
    out, i = [], 0
    while i < len(pattern):
        start = _LOOKAROUND.match(pattern, i)
        if start is None:
            step = 2 if pattern[i] == "\\" else 1
            out.append(pattern[i:i + step])
            i += step
            continue
        depth, i, in_class = 1, start.end(), False
        while i < len(pattern) and depth:
            char = pattern[i]
            if char == "\\":
                i += 1
            elif char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif not in_class and char == "(":
                depth += 1
            elif not in_class and char == ")":
                depth -= 1
            i += 1
    return "".join(out)


def _takes_text(schema: dict, names: bool) -> bool:
    kind = schema.get("type")
    if not (names or kind == "string" or (isinstance(kind, list) and "string" in kind)):
        return False
    if "enum" in schema or "const" in schema or schema.get(TEXT_KIND) == OPAQUE:
        return False
    if schema.get("format") in _CLOSED_FORMATS:
        return False
    pattern = schema.get("pattern")
    return pattern is None or _open_pattern(pattern)


def with_text_rule(schema: Any, *, names: bool = False) -> Any:
    """`schema` (a copy) with the text rule on every string it takes: the `pattern` of its kind
    (`x-text`, default one line), beside (`allOf`) a pattern of its own. Strings already closed
    (an enum, a date, a uuid, a code pattern of listed characters) are left as they are. One rule
    for every field: the Operation table applies it to every request schema, so the OpenAPI
    document shows it to clients and fuzzers, and the validator enforces it."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: with_text_rule(sub) for name, sub in value.items()}
        elif key in _SUBSCHEMA:
            out[key] = with_text_rule(value, names=key == "propertyNames")
        elif key in _SUBSCHEMAS and isinstance(value, list):
            out[key] = [with_text_rule(sub) for sub in value]
        else:
            out[key] = value
    if _takes_text(out, names):
        rule = _TEXT_PATTERNS[out.get(TEXT_KIND, LINE)]
        if out.get("pattern") == rule or any(sub.get("pattern") == rule for sub in out.get("allOf", [])):
            return out
        own = out.get("pattern")
        if own is None:
            out["pattern"] = rule
        elif own.startswith("^"):
            out["allOf"] = [*out.get("allOf", []), {"pattern": rule}]
        else:
            # an unanchored pattern of its own (`\\S`: not blank) goes beside the rule, not in front:
            # the same check, but a generator (schemathesis) then draws from the anchored rule and
            # seldom filters, instead of drawing any text around a non-space and filtering most
            own_check = {"pattern": own, **({"description": out["description"]} if "description" in out else {})}
            out["pattern"] = rule
            out["allOf"] = [*out.get("allOf", []), own_check]
    return out


register_messages({
    "line_break": ("Harus satu baris: baris baru tidak diizinkan.", "Must be one line: a line break is not allowed."),
    "url_https": ("Harus berupa URL https:// lengkap (http:, javascript:, file: dan data: ditolak).",
                  "Must be an absolute https:// URL (http:, javascript:, file: and data: are refused)."),
})


# -- validation ---------------------------------------------------------------------------------

_FORMATS = FormatChecker()
_RFC3339 = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
                      r"([Zz]|[+-][0-9]{2}:[0-9]{2})$")


@_FORMATS.checks("date-time")
def _date_time(instance: object) -> bool:
    """RFC 3339 (without needing jsonschema's optional rfc3339-validator), and what the services
    can store: a real date and time, an offset of at most ±14:00 (PostgreSQL refuses one beyond
    ±15:59: a fuzzed `+19:36` was a 500)."""
    if not isinstance(instance, str):
        return True
    return bool(_RFC3339.match(instance)) and parse_aware(instance.upper()) is not None


@lru_cache(maxsize=None)
def ecma_regex(pattern: str) -> re.Pattern:
    """A JSON Schema pattern (ECMA-262) as a Python regex: `$` outside a character class is the
    end of the text (Python's `$` also matches before a final newline: "12.21\\n" matched the
    pemda pattern, and "nama\\n" a one-line rule)."""
    out, escaped, in_class = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            out.append(r"\Z")
            continue
        out.append(char)
    return re.compile("".join(out))


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})


@lru_cache(maxsize=None)
def _validator(schema_json: str) -> Draft202012Validator:
    schema = json.loads(schema_json)
    Draft202012Validator.check_schema(schema)
    return _Validator(schema, format_checker=_FORMATS)


def validator(schema: dict) -> Draft202012Validator:
    """A cached validator per distinct schema (the schema itself is checked once, on first use)."""
    return _validator(json.dumps(schema, sort_keys=True))


def _field(path: Iterable[Any], prefix: str = "") -> str:
    out = prefix
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out


def field_errors(instance: Any, schema: dict, prefix: str = "") -> list[FieldError]:
    """Every violation of `schema` by `instance`, one FieldError each, ordered by field."""
    errors: list[FieldError] = []
    for error in validator(schema).iter_errors(instance):
        errors.extend(_translate(error, prefix))
    unique = {(e.field, e.code): e for e in errors}
    return sorted(unique.values(), key=lambda e: (e.field, e.code))


def check(instance: Any, schema: dict, prefix: str = "") -> Any:
    """`instance`, or InputInvalid naming every wrong field."""
    errors = field_errors(instance, schema, prefix)
    if errors:
        raise InputInvalid(errors)
    return instance


_TYPE_CODES = {"string": "type_string", "integer": "type_integer", "boolean": "type_boolean",
               "object": "type_object", "array": "type_array", "number": "type_number", "null": "not_null"}


def _translate(error, prefix: str) -> list[FieldError]:
    keyword = error.validator
    here = _field(error.absolute_path, prefix)
    value = error.validator_value
    if keyword == "required":
        missing = [name for name in value if isinstance(error.instance, dict) and name not in error.instance]
        return [FieldError(_field([*error.absolute_path, name], prefix), "required") for name in missing]
    if keyword == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = [name for name in error.instance if name not in allowed] if isinstance(error.instance, dict) else []
        return [FieldError(_field([*error.absolute_path, name], prefix), "unknown_field") for name in extra]
    if keyword == "type":
        kinds = value if isinstance(value, list) else [value]
        if error.instance is None:
            return [FieldError(here, "not_null")]
        return [FieldError(here, _TYPE_CODES.get(kinds[0], "invalid"))]
    if keyword == "enum":
        return [FieldError(here, "choice", {"choices": ", ".join(map(str, value))})]
    if keyword == "minLength":
        return [FieldError(here, "too_short", {"min": value})]
    if keyword == "maxLength":
        return [FieldError(here, "too_long", {"max": value})]
    if keyword in ("minimum", "exclusiveMinimum"):
        return [FieldError(here, "min_value", {"min": value})]
    if keyword in ("maximum", "exclusiveMaximum"):
        return [FieldError(here, "max_value", {"max": value})]
    if keyword == "minItems":
        return [FieldError(here, "too_few_items", {"min": value})]
    if keyword == "maxItems":
        return [FieldError(here, "too_many_items", {"max": value})]
    if keyword == "pattern":
        kind = _KIND_OF_PATTERN.get(value)
        if kind is not None:
            code = text_rule.text_problem(error.instance, kind) if kind != FILE else None
            return [FieldError(here, code or "invalid_character")]
        if value == HTTPS_URL_PATTERN:
            return [FieldError(here, "url_https")]
        example = error.schema.get("description", "")
        return [FieldError(here, "format_pattern", {"pattern": value, "hint": example})]
    if keyword == "format":
        code = "format_" + str(value).replace("-", "")
        return [FieldError(here, code if code in MESSAGES else "invalid", {})]
    if keyword == "minProperties":
        return [FieldError(here, "no_changes")]
    return [FieldError(here, "invalid")]


def _bad_text(text: str) -> bool:
    """A character no format can hold (NUL, a lone surrogate, U+FFFE/U+FFFF, a control character
    other than tab and line ends: `domainkit.text.refused_character`)."""
    return text_rule.refused_character(text) is not None


def text_errors(value: Any, prefix: str = "") -> list[FieldError]:
    """A field error for every string (member names too) no service could store or write out:
    the loosest text rule, on every string of a request whatever its schema (JSON allows
    `\\u0000` and an unpaired `\\ud83d`, which no schema pattern can refuse: issue #9). Each
    field's own rule (one line, multi-line) is its schema's `pattern` (`with_text_rule`)."""
    errors: list[FieldError] = []
    if isinstance(value, str):
        if _bad_text(value):
            errors.append(FieldError(prefix, "invalid_character"))
    elif isinstance(value, dict):
        for key, item in value.items():
            here = _field([key], prefix)
            if isinstance(key, str) and _bad_text(key):
                errors.append(FieldError(here, "invalid_character"))
            else:
                errors.extend(text_errors(item, here))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            errors.extend(text_errors(item, _field([index], prefix)))
    return errors


# -- query strings ------------------------------------------------------------------------------


def coerce_query(params: Mapping[str, Any], schemas: Mapping[str, dict]) -> tuple[dict[str, Any], list[FieldError]]:
    """Query strings to typed values per schema (integer, boolean, string); unknown names refused."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, raw in params.items():
        schema = schemas.get(name)
        if schema is None:
            errors.append(FieldError(name, "unknown_field"))
            continue
        if isinstance(raw, list):
            errors.append(FieldError(name, "repeated"))
            continue
        kind = schema.get("type")
        kind = kind[0] if isinstance(kind, list) else kind
        if kind == "integer":
            try:
                values[name] = int(raw)
            except ValueError:
                errors.append(FieldError(name, "type_integer"))
        elif kind == "boolean":
            lowered = raw.strip().lower()
            if lowered in ("true", "1"):
                values[name] = True
            elif lowered in ("false", "0"):
                values[name] = False
            else:
                errors.append(FieldError(name, "type_boolean"))
        else:
            values[name] = raw
    for name, value in values.items():
        errors.extend(field_errors(value, schemas[name], name))
    return values, errors
