"""Domain refusals -> RPC errors; who may call the RKPD's RPCs (Bappeda of the pemda)."""
from contextlib import contextmanager

from eplanning_common import errors as rpc

from . import domain


@contextmanager
def translated():
    try:
        yield
    except domain.ValidationError as exc:
        raise rpc.ValidationError(exc.message, code=exc.code, errors=exc.as_dicts()) from None
    except domain.TransitionRefused as exc:
        raise rpc.Conflict(exc.message, code=exc.code) from None


def require_bappeda(identity: dict | None) -> str:
    """The caller's pemda, if the caller is Bappeda; published documents are served by the gateway."""
    if not identity or identity.get("role") != "bappeda" or not identity.get("pemda"):
        raise rpc.Forbidden("Akses ditolak: hanya Bappeda", code="bappeda_only")
    return identity["pemda"]
