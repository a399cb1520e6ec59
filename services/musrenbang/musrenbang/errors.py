"""Domain refusals -> the RPC errors the gateway maps to HTTP (see eplanning_common.errors)."""
from contextlib import contextmanager

from eplanning_common import errors as rpc

from . import domain


@contextmanager
def translated():
    try:
        yield
    except domain.ValidationError as exc:
        raise rpc.ValidationError(exc.message, code=exc.code, errors=exc.as_dicts()) from None
    except domain.DependenciesOpen as exc:
        raise rpc.Conflict(exc.message, code=exc.code, steps=[s.value for s in exc.steps]) from None
    except (domain.ScheduleClosed, domain.ScheduleChangeRefused, domain.TransitionRefused, domain.MergeRefused) as exc:
        raise rpc.Conflict(exc.message, code=exc.code) from None


def refuse_text(*groups) -> None:
    """Raise one ValidationError naming every field a text rule refused (groups of domainkit
    FieldErrors: `domainkit.text.text_field_errors`, `url_field_errors`)."""
    errors = [e.as_dict() for group in groups for e in group]
    if errors:
        raise rpc.ValidationError("Data tidak valid: " + "; ".join(e["message"] for e in errors), errors=errors)


def field_error(field: str, message: str, code: str = "invalid") -> rpc.ValidationError:
    return rpc.ValidationError(message, errors=[{"field": field, "message": message, "code": code}])
