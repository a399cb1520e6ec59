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
    except domain.Forbidden as exc:
        raise rpc.Forbidden(exc.message, code=exc.code) from None
    except domain.TransitionRefused as exc:
        raise rpc.Conflict(exc.message, code=exc.code) from None


def field_error(field: str, message: str, code: str = "invalid") -> rpc.ValidationError:
    return rpc.ValidationError(message, errors=[{"field": field, "message": message, "code": code}])
