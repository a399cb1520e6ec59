"""The services' `@rpc` entrypoint: nameko's, except that a reply that cannot be published (the
broker went away between the request and the answer: a RabbitMQ restart) no longer kills the
container.

nameko 2.14 lets the publish error escape the worker's result handler, which takes the whole
container (and so the `nameko run` process, and under honcho the whole local stack) down. Here it is
logged instead: the request message is not acked, so the broker requeues it when the connection
drops; the caller (the gateway) times out and its client retries with the same Idempotency-Key,
and the handlers are idempotent. Found by tests/chaos/chaos.py (RabbitMQ restarted mid-cycle).

It also checks who is calling, before any worker runs (issue #18: broker credentials are not an
identity). A request's identity is only believed when it comes as a signed token (context data
`identity_token`, see eplanning_common.identity_tokens) that verifies against the keys the service
trusts, is addressed to this service, is still valid and names this request's correlation id; the
verified identity is then put in the worker context as `identity` (CallerIdentity, the audit actor).
A bare `identity` sent with the request is dropped, never read. Refused, before anything runs and
logged as one security event (logger `eplanning.security`): a present token that does not verify,
and no token at all on an entrypoint that is not `@rpc(public=True)` (health and the public
transparency reads, which need no identity).
"""
from __future__ import annotations

import logging

import amqp.exceptions
import kombu.exceptions
from nameko.extensions import SharedExtension
from nameko.rpc import Rpc as _NamekoRpc

from .errors import Forbidden, ServiceError
from .identity_tokens import IdentityRefused, IdentityVerifier
from .logs import CONTEXT_KEY
from .signed_rpc import IDENTITY_KEY, TOKEN_KEY

log = logging.getLogger(__name__)
security_log = logging.getLogger("eplanning.security")

REPLY_ERRORS = (kombu.exceptions.OperationalError, amqp.exceptions.RecoverableConnectionError,
                amqp.exceptions.ConnectionError, ConnectionError, OSError)


class IdentityCheck(SharedExtension):
    """One verifier per container, its keyring read at start (RPC_IDENTITY_KEYS_DIR): a service
    without the public keys does not start."""

    def setup(self):
        self.verifier = IdentityVerifier.from_keys_dir()


class Rpc(_NamekoRpc):
    """Also: the refusals of eplanning_common.errors are `expected_exceptions` (caused by the caller,
    not a fault of the service), so they are logged as one INFO line (eplanning_common.logs).
    `public=True`: the entrypoint needs no identity (a token, if sent, must still verify)."""

    identity_check = IdentityCheck()

    def __init__(self, expected_exceptions=(ServiceError,), public=False, **kwargs):
        self.public = public
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)

    def unpack_message_headers(self, message):
        """The context data of the request, with `identity` only if a token proved it. Raising here
        makes nameko's RPC consumer answer the caller with the error; no worker is started."""
        data = super().unpack_message_headers(message)
        data.pop(IDENTITY_KEY, None)  # never believed
        token = data.pop(TOKEN_KEY, None)
        service = self.container.service_name
        if token is None:
            if self.public:
                return data
            self._refuse(service, "missing", data)
        try:
            verified = self.identity_check.verifier.verify(token, service, self.method_name, data.get(CONTEXT_KEY))
        except IdentityRefused as exc:
            self._refuse(service, exc.reason, data, issuer=exc.issuer, kid=exc.kid)
        data[IDENTITY_KEY] = verified.identity
        return data

    def _refuse(self, service, reason, data, issuer=None, kid=None):
        security_log.warning("rpc identity refused", extra={
            "security_event": "rpc_identity_refused", "reason": reason, "target": f"{service}.{self.method_name}",
            "issuer": issuer, "kid": (kid or "")[:64] or None,
            "correlation_id": str(data.get(CONTEXT_KEY) or "")[:64] or None})
        if reason == "missing":
            raise Forbidden("Akses ditolak: identitas pengguna tidak dikenal", code="unauthenticated")
        raise Forbidden("Akses ditolak: identitas pemanggil tidak sah", code="invalid_identity")

    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except REPLY_ERRORS as exc:
            log.warning("the reply of %s was not sent (broker unreachable: %s); the request is redelivered "
                        "and the caller retries", getattr(self, "method_name", "?"), exc)
            return result, exc_info


rpc = Rpc.decorator
