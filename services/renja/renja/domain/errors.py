"""Domain errors. Messages are user-facing, in Bahasa Indonesia; codes are for machines."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field."""

    field: str
    message: str
    code: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "code": self.code}


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an imported file (the OPD register).

    `row` is the line number in the file, the header being line 1 (first data row = 2).
    """

    row: int
    field: str
    message: str
    code: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "field": self.field, "message": self.message, "code": self.code}


class DomainError(Exception):
    """Base of every refusal by the domain. `code` is stable, `message` is for people."""

    code = "domain_error"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class ValidationError(DomainError):
    """The input has field-level problems; carries ALL of them, not just the first."""

    code = "validation_error"

    def __init__(self, errors: Iterable[FieldError]):
        self.errors: tuple[FieldError, ...] = tuple(errors)
        if not self.errors:
            raise ValueError("ValidationError needs at least one FieldError")
        super().__init__("Data tidak valid: " + "; ".join(e.message for e in self.errors))

    def as_dicts(self) -> list[dict[str, str]]:
        return [e.as_dict() for e in self.errors]

    def fields(self) -> set[str]:
        return {e.field for e in self.errors}

    def codes_for(self, field: str) -> set[str]:
        return {e.code for e in self.errors if e.field == field}

    def messages_for(self, field: str) -> list[str]:
        return [e.message for e in self.errors if e.field == field]


class Forbidden(DomainError):
    """The actor may not do this (role, own OPD or pemda)."""

    code = "forbidden"


class TransitionRefused(DomainError):
    """The renja or inbox item is not in a state that allows this action."""

    code = "transition_refused"


def raise_if_any(errors: Iterable[FieldError]) -> None:
    errors = tuple(errors)
    if errors:
        raise ValidationError(errors)
