"""Domain errors: the shared refusals (eplanning_common.domainkit.errors). Messages are
user-facing, in Bahasa Indonesia; codes are stable and for machines. Programming errors of the
caller (floats as money, duplicate ids, malformed codes, a corrupted version history) raise
ValueError / TypeError."""
from eplanning_common.domainkit.errors import (DomainError, FieldError, TransitionRefused,  # noqa: F401
                                               ValidationError, raise_if_any)
