"""Input schemas: a handful of field specs and one `validate()` that refuses unknown fields
(no mass assignment) and reports every problem field by field (`InputInvalid`)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from eplanning_common.domainkit.text import refused_character

from .errors import FieldError, InputInvalid


@dataclass(frozen=True)
class Str:
    required: bool = False
    nullable: bool = False
    min_len: int = 1
    max_len: int = 256
    pattern: re.Pattern | None = None
    pattern_code: str = "format_code"
    choices: tuple[str, ...] | None = None
    lower: bool = False
    strip: bool = True


@dataclass(frozen=True)
class Bool:
    required: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class Int:
    required: bool = False
    nullable: bool = False
    min: int | None = None
    max: int | None = None


Spec = Str | Bool | Int


def validate(data: Any, schema: Mapping[str, Spec]) -> dict[str, Any]:
    """The fields of `data` (a JSON object) cleaned by `schema`; absent optional fields stay absent.

    Raises InputInvalid listing every unknown, missing or malformed field.
    """
    if not isinstance(data, dict):
        raise InputInvalid([FieldError("", "not_object")])
    errors: list[FieldError] = []
    for name in data:
        if name not in schema:
            errors.append(FieldError(str(name), "unknown_field"))
    clean: dict[str, Any] = {}
    for name, spec in schema.items():
        if name not in data:
            if spec.required:
                errors.append(FieldError(name, "required"))
            continue
        value, error = _clean(data[name], spec, name)
        if error is not None:
            errors.append(error)
        else:
            clean[name] = value
    if errors:
        raise InputInvalid(errors)
    return clean


def validate_query(params: Mapping[str, Any], schema: Mapping[str, Spec]) -> dict[str, Any]:
    """Like `validate`, for query parameters: the values are strings, converted per spec."""
    errors: list[FieldError] = []
    converted: dict[str, Any] = {}
    for name, raw in params.items():
        if name not in schema:
            errors.append(FieldError(name, "unknown_field"))
            continue
        if isinstance(raw, list):
            errors.append(FieldError(name, "repeated"))
            continue
        spec = schema[name]
        if isinstance(spec, Int):
            try:
                converted[name] = int(raw, 10)
            except ValueError:
                errors.append(FieldError(name, "type_integer"))
        elif isinstance(spec, Bool):
            lowered = raw.strip().lower()
            if lowered in ("true", "1"):
                converted[name] = True
            elif lowered in ("false", "0"):
                converted[name] = False
            else:
                errors.append(FieldError(name, "type_boolean"))
        else:
            converted[name] = raw
    if errors:
        raise InputInvalid(errors)
    return validate(converted, schema)


def _clean(value: Any, spec: Spec, name: str) -> tuple[Any, FieldError | None]:
    if value is None:
        return (None, None) if spec.nullable else (None, FieldError(name, "not_null"))
    if isinstance(spec, Bool):
        if not isinstance(value, bool):
            return None, FieldError(name, "type_boolean")
        return value, None
    if isinstance(spec, Int):
        if isinstance(value, bool) or not isinstance(value, int):
            return None, FieldError(name, "type_integer")
        if spec.min is not None and value < spec.min:
            return None, FieldError(name, "min_value", {"min": spec.min})
        if spec.max is not None and value > spec.max:
            return None, FieldError(name, "max_value", {"max": spec.max})
        return value, None
    if not isinstance(value, str):
        return None, FieldError(name, "type_string")
    # NUL, a lone surrogate (the database cannot take them: issue #9), U+FFFE/U+FFFF or a control
    # character other than tab and line ends (no output format can: issue #18)
    if refused_character(value) is not None:
        return None, FieldError(name, "invalid_character")
    if spec.strip:
        value = value.strip()
    if spec.lower:
        value = value.lower()
    if len(value) < spec.min_len:
        return None, FieldError(name, "required" if not value else "too_short", {"min": spec.min_len})
    if len(value) > spec.max_len:
        return None, FieldError(name, "too_long", {"max": spec.max_len})
    if spec.choices is not None and value not in spec.choices:
        return None, FieldError(name, "choice", {"choices": ", ".join(spec.choices)})
    if spec.pattern is not None and not spec.pattern.fullmatch(value):
        return None, FieldError(name, spec.pattern_code)
    return value, None
