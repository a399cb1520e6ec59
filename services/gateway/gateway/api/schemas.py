"""JSON Schema (2020-12, the dialect of OpenAPI 3.1): small builders for the API table, and the
validation that turns schema violations into field-level errors (`FieldError`, rendered in
Bahasa Indonesia or English by `gateway.auth.messages`)."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Iterable, Mapping

from jsonschema import Draft202012Validator, FormatChecker

from eplanning_common.domainkit.moments import parse_aware

from ..auth.errors import FieldError, InputInvalid
from ..auth.messages import MESSAGES

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
def _validator(schema_json: str) -> Draft202012Validator:
    schema = json.loads(schema_json)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=_FORMATS)


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
        example = error.schema.get("description", "")
        return [FieldError(here, "format_pattern", {"pattern": value, "hint": example})]
    if keyword == "format":
        code = "format_" + str(value).replace("-", "")
        return [FieldError(here, code if code in MESSAGES else "invalid", {})]
    if keyword == "minProperties":
        return [FieldError(here, "no_changes")]
    return [FieldError(here, "invalid")]


_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def _bad_text(text: str) -> bool:
    """NUL (PostgreSQL text and jsonb cannot hold it) or a lone surrogate (not encodable as UTF-8)."""
    return _BAD_TEXT.search(text) is not None


def text_errors(value: Any, prefix: str = "") -> list[FieldError]:
    """A field error for every string (member names too) no service could store; JSON allows both
    `\\u0000` and an unpaired `\\ud83d`, so a schema cannot refuse them (issue #9: a 500 each)."""
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
