"""The refusals every domain shares. Messages are for people (Bahasa Indonesia), codes for
machines; a ValidationError carries every field problem at once, not just the first."""
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


class DomainError(Exception):
    """Base of every refusal by a domain. `code` is stable, `message` is for people."""

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
    """The actor may not do this to this object (role, ownership, territory or pemda)."""

    code = "forbidden"


class TransitionRefused(DomainError):
    """The object is not in a state that allows this action."""

    code = "transition_refused"


class ScheduleClosed(DomainError):
    """The action falls outside its window (not yet open, or already closed)."""

    code = "schedule_closed"


def raise_if_any(errors: Iterable[FieldError]) -> None:
    errors = tuple(errors)
    if errors:
        raise ValidationError(errors)
