"""Domain errors: the shared refusals (eplanning_common.domainkit.errors) and Renja's own.
Messages are user-facing, in Bahasa Indonesia; codes are for machines."""
from __future__ import annotations

from dataclasses import dataclass

from eplanning_common.domainkit.errors import (DomainError, FieldError, Forbidden,  # noqa: F401
                                               TransitionRefused, ValidationError, raise_if_any)


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
