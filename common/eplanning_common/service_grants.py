"""Who may sign an RPC identity, and what a service acting on its own authority may call.

The one table both the services' identity check (eplanning_common.identity_tokens) and the broker's
permissions (eplanning_common.rabbitmq_definitions: the topic routing keys RKPD may publish) are
built from, so the two cannot disagree.

- `gateway` signs the people it authenticated (any user role; never a service identity).
- `rkpd` signs only its own service identity `service:rkpd` (role `service_rkpd`) for a pemda, and
  the stage services accept it only for the reads RKPD's assembly and resync make
  (rkpd.assembly, rkpd.resync): with Bappeda's read scope in that pemda, nothing else.
"""
from __future__ import annotations

from dataclasses import dataclass, field

GATEWAY = "gateway"


@dataclass(frozen=True)
class ServiceIdentity:
    issuer: str                      # the component holding the signing key (<issuer>.key)
    sub: str
    role: str
    acts_as: str                     # the user role whose scope the grants are read with
    grants: dict[str, tuple[str, ...]] = field(default_factory=dict)  # service -> RPC methods

    def routing_keys(self) -> tuple[str, ...]:
        """`<service>.<method>` of every call it may make (nameko-rpc routing keys)."""
        return tuple(f"{service}.{method}" for service, methods in self.grants.items() for method in methods)


SERVICE_IDENTITIES: dict[str, ServiceIdentity] = {
    "rkpd": ServiceIdentity(
        issuer="rkpd", sub="service:rkpd", role="service_rkpd", acts_as="bappeda",
        grants={"musrenbang": ("list_usulan",),
                "pokir": ("list_pokir", "public_register"),
                "renja": ("list_opd", "list_rows")}),
}

ISSUERS: tuple[str, ...] = (GATEWAY, *(spec.issuer for spec in SERVICE_IDENTITIES.values()))
