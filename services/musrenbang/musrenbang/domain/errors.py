"""Domain errors: the shared refusals (eplanning_common.domainkit.errors) and Musrenbang's own.
Messages are user-facing, in Bahasa Indonesia; codes are for machines."""
from __future__ import annotations

from eplanning_common.domainkit.errors import (DomainError, FieldError, ScheduleClosed,  # noqa: F401
                                               TransitionRefused, ValidationError, raise_if_any)


class ScheduleChangeRefused(DomainError):
    """A close-early / extend / reopen request does not fit the window's current state."""

    code = "schedule_change_refused"


class MergeRefused(DomainError):
    """Merging one usulan into another breaks a merge rule."""

    code = "merge_refused"
