"""The services' `@rpc` entrypoint: nameko's, except that a reply that cannot be published (the
broker went away between the request and the answer: a RabbitMQ restart) no longer kills the
container.

nameko 2.14 lets the publish error escape the worker's result handler, which takes the whole
container (and so the `nameko run` process, and under honcho the whole local stack) down. Here it is
logged instead: the request message is not acked, so the broker requeues it when the connection
drops; the caller (the gateway) times out and its client retries with the same Idempotency-Key,
and the handlers are idempotent. Found by tests/chaos/chaos.py (RabbitMQ restarted mid-cycle).
"""
from __future__ import annotations

import logging

import amqp.exceptions
import kombu.exceptions
from nameko.rpc import Rpc as _NamekoRpc

from .errors import ServiceError

log = logging.getLogger(__name__)

REPLY_ERRORS = (kombu.exceptions.OperationalError, amqp.exceptions.RecoverableConnectionError,
                amqp.exceptions.ConnectionError, ConnectionError, OSError)


class Rpc(_NamekoRpc):
    """Also: the refusals of eplanning_common.errors are `expected_exceptions` (caused by the caller,
    not a fault of the service), so they are logged as one INFO line (eplanning_common.logs)."""

    def __init__(self, expected_exceptions=(ServiceError,), **kwargs):
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)

    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except REPLY_ERRORS as exc:
            log.warning("the reply of %s was not sent (broker unreachable: %s); the request is redelivered "
                        "and the caller retries", getattr(self, "method_name", "?"), exc)
            return result, exc_info


rpc = Rpc.decorator
