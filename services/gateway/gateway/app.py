"""The WSGI application factory: `gunicorn 'gateway.app:create_app()'`.

Dependencies come in through the constructor (Falcon's examples/look style); the defaults are the
real ones built from the environment, tests pass fakes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import falcon

from eplanning_common import config
from eplanning_common.identity_tokens import IdentitySigner
from eplanning_common.service_grants import GATEWAY

from . import json_body, settings, web
from .api import binding, catalog, openapi
from .api.idempotency import SqlIdempotencyStore
from .api.openapi import OpenApiDocument
from .auth import resources as auth_resources
from .auth.middleware import Authenticated
from .auth.service import AuthService
from .auth.territory import TerritoryCheck
from .health import Health, Readiness
from .metrics import RequestMetrics
from .middleware import AccessLog, BodyLimit, CorrelationId
from .problems import handle_error
from .regions import default_index
from .rpc import NamekoRpc, broker_reachable


def create_app(
    rpc: Any = None,
    broker_check: Callable[[float], bool] | None = None,
    services: Sequence[str] = config.SERVICES,
    *,
    readiness_timeout: float | None = None,
    max_body_bytes: int | None = None,
    auth: AuthService | None = None,
    trusted_proxy_hops: int | None = None,
    idempotency_store: Any = None,
    deps: dict[str, Any] | None = None,
    territory: Any = None,
    web_dir: str | Path | None = None,
) -> falcon.App:
    """Build the gateway.

    rpc: an object with `call(service, method, *args, **kwargs)` and
        `call_many([(service, method, args, kwargs)], timeout)` (default: `NamekoRpc()`).
    broker_check: `f(timeout_seconds) -> bool` (default: the rpc's broker, else AMQP_URI).
    auth: the authentication service (default: `AuthService.from_env()`, on the gateway's own
        PostgreSQL database; nothing connects before the first request that needs it).
    trusted_proxy_hops: reverse proxies whose X-Forwarded-For is believed (GATEWAY_TRUSTED_PROXY_HOPS).
    idempotency_store: where Idempotency-Key answers are kept (default: the gateway database).
    deps: gateway-side stores handed to the operations (`call.deps`), e.g. {"webhooks": ...}.
    territory: checks that a user's desa/kecamatan, OPD or DPRD member exists (default: the region
        data and the services' registers through `rpc`: gateway.auth.territory).
    web_dir: the built web app served at `/` (default GATEWAY_WEB_DIR: gateway.web).
    """
    if rpc is None:  # the gateway's signing key is read now: a gateway without it does not start
        rpc = NamekoRpc(signer=IdentitySigner.from_keys_dir(GATEWAY))
    if broker_check is None:
        broker_check = rpc.broker_reachable if isinstance(rpc, NamekoRpc) else broker_reachable
    if readiness_timeout is None:
        readiness_timeout = config.readiness_timeout_seconds()
    if max_body_bytes is None:
        max_body_bytes = settings.max_body_bytes()
    if auth is None:
        auth = AuthService.from_env()
    if trusted_proxy_hops is None:
        trusted_proxy_hops = settings.trusted_proxy_hops()
    if idempotency_store is None:
        idempotency_store = SqlIdempotencyStore.from_url(settings.database_url())
    if deps is None:
        deps = default_deps()
    if territory is None:
        territory = TerritoryCheck(rpc, default_index())
    auth.users.territory = territory

    uploads = max((op.max_body_bytes or 0 for op in catalog.OPERATIONS), default=0)
    app = falcon.App(middleware=[CorrelationId(), RequestMetrics(), AccessLog(), BodyLimit(max_body_bytes, uploads),
                                 Authenticated(auth.authenticate)])
    # one handler for everything; registering HTTPError too replaces Falcon's own (not problem+json)
    app.add_error_handler(Exception, handle_error)
    app.add_error_handler(falcon.HTTPError, handle_error)
    json_body.install(app)  # JSON and merge-patch bodies, with a nesting limit

    app.add_route("/healthz", Health())
    app.add_route("/readyz", Readiness(rpc, broker_check, services, readiness_timeout))
    auth_resources.add_routes(app, auth, trusted_proxy_hops)
    catalog.check_unique(catalog.DOCUMENTED)
    binding.add_routes(app, binding.Binding(rpc, idempotency_store, deps=deps), catalog.OPERATIONS)
    app.add_route("/v1/openapi.json", OpenApiDocument(openapi.build(catalog.DOCUMENTED)))
    # every path no route takes: the web app (unknown /v1 paths stay 404 problems)
    web.add_sink(app, web_dir if web_dir is not None else settings.web_dir(), trusted_proxy_hops)
    return app


def default_deps() -> dict[str, Any]:
    """The gateway-side stores of the operations, on the gateway database (nothing connects yet)."""
    from .webhooks.store import WebhookStore

    return {"webhooks": WebhookStore.from_url(settings.database_url())}
