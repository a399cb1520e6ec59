"""The verified caller (from the gateway's RPC context) as a domain Actor."""
from eplanning_common.errors import Forbidden

from .domain import Actor, Role


def actor_from(identity: dict | None) -> Actor:
    if not identity or not identity.get("sub") or not identity.get("pemda"):
        raise Forbidden("Akses ditolak: identitas pengguna tidak dikenal", code="unauthenticated")
    try:
        return Actor(identity["sub"], Role(identity.get("role")), identity["pemda"], identity.get("opd"))
    except ValueError as exc:
        raise Forbidden(f"Akses ditolak: {exc}", code="unknown_role") from None
