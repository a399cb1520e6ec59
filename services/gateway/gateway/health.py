"""Liveness (`/healthz`) and readiness (`/readyz`) of the gateway.

/healthz: the process answers. /readyz: the broker is reachable AND every service answers its
`health` RPC within the readiness timeout (all calls concurrent, one deadline for the lot).
A service reporting `"degraded"` counts as up, and is shown as such.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Sequence

import falcon

from .exceptions import ServiceTimeout, ServiceUnavailable
from .problems import Problem

log = logging.getLogger(__name__)

UP_STATUSES = ("ok", "degraded")


class Health:
    public = True  # never asks for a token (gateway.auth.middleware)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.set_header("Cache-Control", "no-store")
        resp.media = {"status": "ok"}


class Readiness:
    public = True

    def __init__(self, rpc: Any, broker_check: Callable[[float], bool], services: Sequence[str],
                 timeout: float):
        self._rpc = rpc
        self._broker_check = broker_check
        self._services = tuple(services)
        self._timeout = float(timeout)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.set_header("Cache-Control", "no-store")
        deadline = time.monotonic() + self._timeout

        if not self._broker_up():
            raise Problem(
                503, "Broker pesan (RabbitMQ) tidak dapat dihubungi; layanan tidak dapat dijangkau.",
                headers={"Cache-Control": "no-store"},
                broker="down", unavailable=list(self._services),
                services={name: {"status": "unreachable"} for name in self._services},
            )

        services = self._check_services(max(deadline - time.monotonic(), 0.001))
        unavailable = [name for name, state in services.items() if state["status"] not in UP_STATUSES]
        if unavailable:
            raise Problem(
                503, "Layanan berikut tidak tersedia: " + ", ".join(unavailable) + ".",
                headers={"Cache-Control": "no-store"},
                broker="up", unavailable=unavailable, services=services,
            )
        degraded = any(state["status"] == "degraded" for state in services.values())
        resp.media = {"status": "degraded" if degraded else "ok", "broker": "up", "services": services}

    def _broker_up(self) -> bool:
        try:
            return bool(self._broker_check(self._timeout))
        except Exception:
            log.exception("broker check failed")
            return False

    def _check_services(self, timeout: float) -> dict[str, dict[str, Any]]:
        try:
            outcomes = self._rpc.call_many([(name, "health", (), {}) for name in self._services],
                                           timeout=timeout)
        except Exception:
            log.exception("readiness rpc failed")
            outcomes = [ServiceUnavailable(name, "health", "gateway error") for name in self._services]
        return {name: _service_state(outcome) for name, outcome in zip(self._services, outcomes)}


def _service_state(outcome: Any) -> dict[str, Any]:
    """What /readyz shows of one service: status, the ok-flag of each sub-check, or why it is down."""
    if isinstance(outcome, ServiceTimeout):
        return {"status": "down", "reason": "timeout"}
    if isinstance(outcome, ServiceUnavailable):
        return {"status": "down", "reason": "unavailable"}
    if isinstance(outcome, BaseException):
        return {"status": "down", "reason": "error"}
    if not isinstance(outcome, dict) or not isinstance(outcome.get("status"), str):
        return {"status": "down", "reason": "invalid_health_response"}
    if outcome["status"] not in UP_STATUSES:
        return {"status": "down", "reason": "reported_unhealthy"}
    state: dict[str, Any] = {"status": outcome["status"]}
    # only booleans leave the building: a sub-check's details may name hosts or carry error text
    checks = {key: bool(value["ok"]) for key, value in outcome.items()
              if isinstance(value, dict) and "ok" in value}
    if checks:
        state["checks"] = checks
    return state
