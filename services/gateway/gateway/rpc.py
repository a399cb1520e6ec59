"""RPC from the gateway to the nameko services.

One nameko standalone `ClusterRpcProxy` per process, created lazily (so never before gunicorn
forks), recreated after a connection error or a timeout, guarded by a lock (the proxy is not
thread-safe; gunicorn runs sync workers, so the lock is never contended there).

Every call has a deadline. nameko's polling reply consumer waits `timeout` seconds per socket
read, restarting the wait whenever another reply arrives; the reply listener below computes that
timeout from one deadline instead, so N concurrent calls together wait at most the timeout.

Context (the correlation id and the verified identity) travels in the AMQP headers: the
dict handed to the proxy as `context_data` is the worker context's `data`, which nameko copies
into the headers of each request, so it is refreshed from `context_factory()` before every batch
and emptied after it (nothing from one request can leak into the next).

The identity is never sent as it is: the gateway signs it for each call (issue #18), as a token
addressed to the target service, naming the request's correlation id and valid for the call's
timeout (eplanning_common.identity_tokens), with the gateway's private key (RPC_IDENTITY_KEYS_DIR/
gateway.key, read by create_app at start). The token is put in the context just before each
call is published, since `call_many` may address several services in one batch.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from typing import Any, Callable, Iterable, Mapping, Sequence

import amqp.exceptions
import kombu.exceptions
from kombu import Connection
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.exceptions import BadRequest, RemoteError, RpcTimeout, UnknownService
from nameko.standalone.rpc import ClusterRpcProxy, PollingQueueConsumer, SingleThreadedReplyListener

from eplanning_common import config
from eplanning_common.identity_tokens import IdentitySigner
from eplanning_common.logs import CONTEXT_KEY, get_correlation_id, new_correlation_id
from eplanning_common.service_grants import GATEWAY
from eplanning_common.signed_rpc import IDENTITY_KEY, TOKEN_KEY

from .exceptions import (
    REMOTE_ERRORS, Conflict, Forbidden, GatewayError, NotFound, RemoteServiceError, ServiceTimeout,
    ServiceUnavailable, ValidationError,
)
from .identity import get_identity

__all__ = [
    "NamekoRpc", "broker_reachable", "Call",
    "GatewayError", "ServiceTimeout", "ServiceUnavailable", "RemoteServiceError",
    "ValidationError", "NotFound", "Forbidden", "Conflict",
]

log = logging.getLogger(__name__)

# (service, method, args, kwargs)
Call = tuple[str, str, Sequence[Any], Mapping[str, Any]]

# What a lost or refused broker connection looks like, from kombu, py-amqp or the socket.
CONNECTION_ERRORS = (OSError, kombu.exceptions.KombuError, amqp.exceptions.AMQPError)

# Never hand the socket a zero timeout: py-amqp would make it non-blocking, the read would raise
# BlockingIOError, and nameko's consumer would retry that forever.
_MIN_WAIT = 0.001


class _Deadline:
    """A monotonic deadline shared between NamekoRpc and its reply consumer."""

    def __init__(self):
        self.at: float | None = None

    def remaining(self) -> float | None:
        if self.at is None:
            return None
        return max(self.at - time.monotonic(), _MIN_WAIT)


def _reply_listener_cls(deadline: _Deadline, default_timeout: float):
    """A reply listener whose socket wait is whatever is left until `deadline`."""

    class DeadlineQueueConsumer(PollingQueueConsumer):
        @property
        def timeout(self):
            remaining = deadline.remaining()
            return default_timeout if remaining is None else remaining

        @timeout.setter
        def timeout(self, value):  # set by PollingQueueConsumer.__init__; the deadline wins
            pass

    class DeadlineReplyListener(SingleThreadedReplyListener):
        def __init__(self, timeout=None):
            super().__init__(timeout=timeout)
            self.queue_consumer = DeadlineQueueConsumer(timeout=timeout)

    return DeadlineReplyListener


def default_context() -> dict[str, Any]:
    """The context of the current request: its correlation id and, when the request carried a
    verified access token, the caller's `identity` (sub, role, pemda, wilayah, opd, anggota_id).
    NamekoRpc sends the identity only signed, as a per-call token."""
    context: dict[str, Any] = {}
    cid = get_correlation_id()
    if cid:
        context[CONTEXT_KEY] = cid
    identity = get_identity()
    if identity is not None:
        context["identity"] = identity
    return context


class NamekoRpc:
    """Calls nameko services; raises the exception types of `gateway.exceptions`.

    `call(service, method, *args, **kwargs)` -> result, or raises.
    `call_many(calls, timeout)` -> one result or exception instance per call, in order; the calls
    are all published first, then their replies collected, within one deadline.
    `broker_reachable(timeout)` -> bool.
    `close()` stops the proxy (it is recreated on the next call).
    `signer`: signs the caller's identity (default: the gateway's key from RPC_IDENTITY_KEYS_DIR,
    read when first needed; the webhooks readiness check calls only `health` and needs no key).
    """

    def __init__(
        self,
        amqp_uri: str | None = None,
        timeout: float | None = None,
        *,
        context_factory: Callable[[], Mapping[str, Any]] = default_context,
        proxy_factory: Callable[..., Any] | None = None,
        signer: IdentitySigner | None = None,
    ):
        self.amqp_uri = amqp_uri or config.amqp_uri()
        self.timeout = float(timeout if timeout is not None else config.rpc_timeout_seconds())
        if self.timeout <= 0:
            raise ValueError("the RPC timeout must be positive")
        self._context_factory = context_factory
        self._signer = signer  # None: gateway.key is read at the first call that carries an identity
        self._proxy_factory = proxy_factory or self._nameko_proxy
        self._probe_broker = proxy_factory is None
        self._context: dict[str, Any] = {}  # handed to the proxy once, refreshed per call
        self._deadline = _Deadline()
        self._lock = threading.Lock()
        self._standalone = None  # the ClusterRpcProxy (start/stop)
        self._cluster = None  # what start() returned: cluster[service].method.call_async(...)
        self._pid = None

    # -- public ---------------------------------------------------------------------------------

    def call(self, service: str, method: str, /, *args: Any, **kwargs: Any) -> Any:
        (outcome,) = self.call_many([(service, method, args, kwargs)])
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def call_many(self, calls: Iterable[Call], timeout: float | None = None) -> list[Any]:
        calls = [(s, m, tuple(a or ()), dict(k or {})) for s, m, a, k in calls]
        timeout = self.timeout if timeout is None else max(float(timeout), _MIN_WAIT)
        with self._lock:
            self._context.clear()
            self._context.update(self._context_factory() or {})
            identity = self._context.pop(IDENTITY_KEY, None)  # sent only signed, per call (_stamp)
            if identity:
                self._context.setdefault(CONTEXT_KEY, new_correlation_id())
            self._deadline.at = time.monotonic() + timeout
            broken = False
            try:
                try:
                    cluster = self._get_cluster()
                except CONNECTION_ERRORS as exc:
                    log.warning("rpc proxy could not connect to the broker: %s", exc)
                    broken = True
                    return [ServiceUnavailable(s, m, "broker") for s, m, _, _ in calls]

                pending = []
                for service, method, args, kwargs in calls:
                    if broken:  # the broker went away mid-batch: do not retry it once per call
                        pending.append(ServiceUnavailable(service, method, "broker"))
                        continue
                    try:
                        method_proxy = getattr(cluster[service], method)
                        _bound_publish_retries(method_proxy)
                        self._stamp(identity, service, timeout)
                        pending.append(method_proxy.call_async(*args, **kwargs))
                    except UnknownService:
                        pending.append(ServiceUnavailable(service, method, "no instance is listening"))
                    except CONNECTION_ERRORS as exc:
                        log.warning("rpc publish to %s.%s failed: %s", service, method, exc)
                        broken = True
                        pending.append(ServiceUnavailable(service, method, "broker"))

                outcomes = []
                for (service, method, _, _), reply in zip(calls, pending):
                    if isinstance(reply, GatewayError):
                        outcomes.append(reply)
                        continue
                    try:
                        outcomes.append(reply.result())
                    except RpcTimeout:
                        broken = True  # late replies and a possibly dead socket go with the proxy
                        outcomes.append(ServiceTimeout(service, method, timeout))
                    except RemoteError as exc:
                        outcomes.append(_remote_error(service, method, exc, reply))
                    except BadRequest as exc:  # MethodNotFound, IncorrectSignature: a gateway bug
                        outcomes.append(RemoteServiceError(service, method, type(exc).__name__,
                                                           {"message": str(exc)}))
                    except (RuntimeError, *CONNECTION_ERRORS) as exc:
                        # RuntimeError: nameko's "consumer has been disconnected/stopped"
                        log.warning("rpc reply from %s.%s lost: %r", service, method, exc)
                        broken = True
                        outcomes.append(ServiceUnavailable(service, method, "broker"))
                return outcomes
            finally:
                self._deadline.at = None
                self._context.clear()
                if broken:
                    self._reset()

    def _stamp(self, identity: Mapping[str, Any] | None, service: str, timeout: float) -> None:
        """The token for the next publish: the identity signed for `service` (aud), or none."""
        if identity:
            if self._signer is None:
                self._signer = IdentitySigner.from_keys_dir(GATEWAY)
            self._context[TOKEN_KEY] = self._signer.sign(identity, service, self._context[CONTEXT_KEY], timeout)
        else:
            self._context.pop(TOKEN_KEY, None)

    def broker_reachable(self, timeout: float) -> bool:
        return broker_reachable(timeout, self.amqp_uri)

    def close(self) -> None:
        with self._lock:
            self._reset()

    # -- proxy lifecycle ------------------------------------------------------------------------

    def _nameko_proxy(self, nameko_config, context_data, timeout):
        return ClusterRpcProxy(
            nameko_config, context_data=context_data, timeout=timeout,
            reply_listener_cls=_reply_listener_cls(self._deadline, timeout),
        )

    def _get_cluster(self):
        if self._standalone is not None and self._pid != os.getpid():
            # inherited across a fork: the socket belongs to the parent, do not touch it
            self._standalone = self._cluster = None
        if self._cluster is None:
            # nameko's consumer would sleep 2 s between two connection attempts: probe first
            if self._probe_broker and not broker_reachable(self._deadline.remaining() or self.timeout,
                                                           self.amqp_uri):
                raise kombu.exceptions.OperationalError("broker unreachable")
            standalone = self._proxy_factory(
                {AMQP_URI_CONFIG_KEY: self.amqp_uri}, self._context, self.timeout)
            self._cluster = standalone.start()
            self._standalone = standalone
            self._pid = os.getpid()
        return self._cluster

    def _reset(self) -> None:
        standalone, self._standalone, self._cluster = self._standalone, None, None
        if standalone is not None and self._pid == os.getpid():
            try:
                standalone.stop()
            except Exception:  # the connection is usually what broke; nothing left to save
                log.debug("stopping the rpc proxy failed", exc_info=True)


# nameko retries a failed publish 3 times, 1 s apart, whatever the RPC timeout: once is enough
# (it reconnects a pooled connection the broker dropped); a broker that is down fails fast.
PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}


def _bound_publish_retries(method_proxy: Any) -> None:
    publisher = getattr(method_proxy, "publisher", None)
    if publisher is not None and hasattr(publisher, "retry_policy"):
        publisher.retry_policy = PUBLISH_RETRY_POLICY


def _remote_error(service: str, method: str, exc: RemoteError, reply: Any) -> RemoteServiceError:
    cls = REMOTE_ERRORS.get(exc.exc_type or "", RemoteServiceError)
    return cls(service, method, exc.exc_type or "RemoteError", _remote_payload(exc, reply))


def _remote_payload(exc: RemoteError, reply: Any) -> dict[str, Any]:
    """What the service sent with its error, as `{detail?, errors?, ...}`.

    nameko's RemoteError keeps only `str(exc)`; the reply body still has the raised exception's
    args, so a service may raise `ValidationError({"detail": ..., "errors": [...]})`, or
    `ValidationError("pesan", [{"field", "message", "code"}, ...])`, or a JSON object string.
    """
    body = getattr(reply, "resp_body", None)
    error = body.get("error") if isinstance(body, dict) else None
    args = error.get("exc_args") if isinstance(error, dict) else None
    args = list(args) if isinstance(args, (list, tuple)) else []

    if args and isinstance(args[0], dict):
        return dict(args[0])
    if args and isinstance(args[0], list) and all(isinstance(e, dict) for e in args[0]):
        return {"detail": exc.value, "errors": args[0]}
    if args and isinstance(args[0], str):
        parsed = _json_object(args[0])
        if parsed is not None:
            return parsed
        payload: dict[str, Any] = {"detail": args[0]}
        if len(args) > 1 and isinstance(args[1], list):
            payload["errors"] = args[1]
        return payload
    parsed = _json_object(exc.value)
    if parsed is not None:
        return parsed
    return {"detail": exc.value} if exc.value else {}


def _json_object(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str) or not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def broker_reachable(timeout: float, amqp_uri: str | None = None) -> bool:
    """Whether an AMQP connection to the broker opens within `timeout` seconds (one attempt)."""
    timeout = max(float(timeout), _MIN_WAIT)
    try:
        with Connection(amqp_uri or config.amqp_uri(), connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=0, timeout=timeout)
        return True
    except CONNECTION_ERRORS as exc:
        log.warning("broker unreachable: %s", exc)
        return False
