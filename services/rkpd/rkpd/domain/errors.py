"""Domain errors (the same shapes as the stage services; a small copy kept in step by
convention: rkpd imports no other service's package). Messages are user-facing, in Bahasa
Indonesia; codes are stable and for machines. Programming errors of the caller (floats as money,
duplicate ids, malformed codes, a corrupted version history) raise ValueError / TypeError."""
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

    def codes_for(self, field: str) -> set[str]:
        return {e.code for e in self.errors if e.field == field}


class TransitionRefused(DomainError):
    """The RKPD version history does not allow this step (final, out of order, conflict)."""

    code = "transition_refused"
