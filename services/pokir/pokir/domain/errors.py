"""Domain errors: the shared refusals (eplanning_common.domainkit.errors) and Pokir's own.
Messages are user-facing, in Bahasa Indonesia; codes are for machines."""
from __future__ import annotations

from dataclasses import dataclass

from eplanning_common.domainkit.errors import (DomainError, FieldError, Forbidden, ScheduleClosed,  # noqa: F401
                                               TransitionRefused, ValidationError, raise_if_any)


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an imported file (e.g. the DPRD register CSVs).

    `row` is the line number in the file, the header being line 1 (first data row = 2).
    """

    file: str
    row: int
    field: str
    message: str
    code: str

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "row": self.row, "field": self.field,
                "message": self.message, "code": self.code}


class NotPublic(DomainError):
    """The pokir has not been delivered to Bappeda yet, so it is not in the public register."""

    code = "not_public"
