"""The whole API table: every operation the gateway serves under /v1 (and the documented
hand-written routes). Routes, OpenAPI and the authorization matrix are all built from this."""
from __future__ import annotations

from . import aggregate, lampiran, musrenbang, pokir, public, renja, rkpd, webhooks, wilayah
from .auth_doc import AUTH_OPERATIONS
from .operation import Operation

# served through gateway.api.binding
OPERATIONS: list[Operation] = [
    *musrenbang.OPERATIONS, *lampiran.OPERATIONS, *pokir.OPERATIONS, *renja.OPERATIONS, *rkpd.OPERATIONS,
    *aggregate.OPERATIONS, *public.OPERATIONS, *wilayah.OPERATIONS, *webhooks.OPERATIONS,
]

# everything in the OpenAPI document
DOCUMENTED: list[Operation] = [*AUTH_OPERATIONS, *OPERATIONS]


def check_unique(operations: list[Operation]) -> None:
    ids = [op.operation_id for op in operations]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"operationId declared twice: {dupes}")
    routes = [(op.method, op.path) for op in operations]
    dupes = sorted({r for r in routes if routes.count(r) > 1})
    if dupes:
        raise ValueError(f"route declared twice: {dupes}")
