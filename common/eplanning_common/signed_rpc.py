"""A standalone RPC proxy that signs the caller's identity for every call (RKPD's upstream reads,
scripts, tests). The gateway does the same in gateway.rpc.

    with signed_rpc_proxy(amqp_uri, signer, identity, timeout=10) as rpc:
        rpc.musrenbang.list_usulan(2027)          # a fresh token, aud = "musrenbang", per call

nameko copies the proxy's context data into the headers of each request when it is published, so
the token (addressed to the target service, valid for `timeout` seconds) is put there just before
each publish; a bare `identity` is never sent.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Mapping

from nameko.standalone.rpc import ClusterRpcProxy

from .identity_tokens import IdentitySigner
from .logs import CONTEXT_KEY, get_correlation_id, new_correlation_id

TOKEN_KEY = "identity_token"  # the context key (AMQP header nameko.identity_token) of the signed identity
IDENTITY_KEY = "identity"     # what a service puts in its worker context once the token is verified


class _Method:
    def __init__(self, signed: "SignedCluster", service: str, method: str):
        self._signed, self._service, self._method = signed, service, method

    def call_async(self, *args: Any, **kwargs: Any):
        self._signed.stamp(self._service)
        return getattr(self._signed.cluster[self._service], self._method).call_async(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any):
        return self.call_async(*args, **kwargs).result()


class _Service:
    def __init__(self, signed: "SignedCluster", service: str):
        self._signed, self._service = signed, service

    def __getattr__(self, method: str) -> _Method:
        if method.startswith("_"):
            raise AttributeError(method)
        return _Method(self._signed, self._service, method)


class SignedCluster:
    """`cluster.<service>.<method>(...)` like nameko's, each call carrying its own token."""

    def __init__(self, cluster, context: dict, signer: IdentitySigner | None, identity: Mapping[str, Any] | None,
                 ttl: float):
        self.cluster, self.context, self.signer, self.identity, self.ttl = cluster, context, signer, identity, ttl

    def stamp(self, service: str) -> None:
        self.context.pop(IDENTITY_KEY, None)
        if self.signer is None or not self.identity:
            self.context.pop(TOKEN_KEY, None)
            return
        cid = self.context.setdefault(CONTEXT_KEY, get_correlation_id() or new_correlation_id())
        self.context[TOKEN_KEY] = self.signer.sign(self.identity, service, cid, self.ttl)

    def __getattr__(self, service: str) -> _Service:
        if service.startswith("_"):
            raise AttributeError(service)
        return _Service(self, service)

    def __getitem__(self, service: str) -> _Service:
        return _Service(self, service)


class SignedRpcProxy:
    """nameko's ClusterRpcProxy (start/stop, or a context manager) whose calls carry `identity`
    signed by `signer` (no identity or no signer: anonymous, for public methods). `context`: more
    context data (a correlation id)."""

    def __init__(self, amqp_uri: str, signer: IdentitySigner | None, identity: Mapping[str, Any] | None, *,
                 timeout: float, context: Mapping[str, Any] | None = None):
        self._data = dict(context or {})
        self._proxy = ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=timeout, context_data=self._data)
        self._signer, self._identity, self._timeout = signer, dict(identity) if identity else None, timeout

    def start(self) -> SignedCluster:
        return SignedCluster(self._proxy.start(), self._data, self._signer, self._identity, self._timeout)

    def stop(self) -> None:
        self._proxy.stop()

    def __enter__(self) -> SignedCluster:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


@contextmanager
def signed_rpc_proxy(amqp_uri: str, signer: IdentitySigner | None, identity: Mapping[str, Any] | None, *,
                     timeout: float, context: Mapping[str, Any] | None = None) -> Iterator[SignedCluster]:
    """`with signed_rpc_proxy(...) as rpc:` a started SignedRpcProxy."""
    with SignedRpcProxy(amqp_uri, signer, identity, timeout=timeout, context=context) as cluster:
        yield cluster
