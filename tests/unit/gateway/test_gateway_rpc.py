"""NamekoRpc against a fake standalone proxy that behaves like nameko's (no broker)."""
import socket
import time

import kombu.exceptions
import pytest
from nameko.exceptions import MethodNotFound, RemoteError, RpcTimeout, UnknownService, serialize

from eplanning_common.identity_tokens import IdentityRefused, IdentityVerifier
from eplanning_common.logs import reset_correlation_id, set_correlation_id
from gateway import rpc as rpc_module
from gateway.exceptions import (
    Conflict, Forbidden, NotFound, RemoteServiceError, ServiceTimeout, ServiceUnavailable, ValidationError,
)
from gateway.identity import reset_identity, set_identity
from gateway.rpc import NamekoRpc, broker_reachable


class FakeReply:
    def __init__(self, outcome):
        self.outcome = outcome
        self.resp_body = None

    def result(self):
        if isinstance(self.outcome, dict) and "error" in self.outcome:  # a remote error body
            self.resp_body = self.outcome
            error = self.outcome["error"]
            raise RemoteError(exc_type=error["exc_type"], value=error["value"])
        if isinstance(self.outcome, BaseException):
            raise self.outcome
        return self.outcome


class FakeProxy:
    """Like ClusterRpcProxy: copies context_data into each request, as nameko's headers do."""

    instances = []

    def __init__(self, config, context_data, timeout, answers, fail_start=None):
        self.config, self.context_data, self.timeout = config, context_data, timeout
        self.answers = answers
        self.fail_start = fail_start
        self.sent = []  # (service, method, args, kwargs, context copy)
        self.started = self.stopped = False
        FakeProxy.instances.append(self)

    def start(self):
        if self.fail_start:
            raise self.fail_start
        self.started = True
        return self

    def stop(self):
        self.stopped = True

    def __getitem__(self, service):
        proxy = self

        class Service:
            def __getattr__(self, method):
                class Method:
                    def call_async(self, *args, **kwargs):
                        proxy.sent.append((service, method, args, kwargs, dict(proxy.context_data)))
                        answer = proxy.answers.get((service, method), "ok")
                        if isinstance(answer, (UnknownService, kombu.exceptions.OperationalError)):
                            raise answer
                        return FakeReply(answer)
                return Method()
        return Service()


def remote(exc):
    return {"result": None, "error": serialize(exc)}


class ValidationErrorRemote(Exception):
    pass


ValidationErrorRemote.__name__ = "ValidationError"


@pytest.fixture
def answers():
    return {}


@pytest.fixture
def factory(answers):
    FakeProxy.instances = []
    state = {"fail_start": None}

    def make(config, context_data, timeout):
        return FakeProxy(config, context_data, timeout, answers, state["fail_start"])

    make.state = state
    return make


@pytest.fixture
def rpc(factory):
    return NamekoRpc("amqp://guest:guest@broker:5672/", timeout=5.0, proxy_factory=factory)


def test_the_proxy_is_created_lazily_once_and_reused(rpc):
    assert FakeProxy.instances == []

    assert rpc.call("renja", "get", 1) == "ok"
    assert rpc.call("pokir", "get", 2) == "ok"

    assert len(FakeProxy.instances) == 1
    proxy = FakeProxy.instances[0]
    assert proxy.config == {"AMQP_URI": "amqp://guest:guest@broker:5672/"}
    assert proxy.timeout == 5.0
    assert [s[:3] for s in proxy.sent] == [("renja", "get", (1,)), ("pokir", "get", (2,))]


def test_the_correlation_id_travels_in_the_context_and_does_not_outlive_the_call(rpc):
    token = set_correlation_id("req-42")
    try:
        rpc.call("renja", "get", pagu=10)
    finally:
        reset_correlation_id(token)
    rpc.call("renja", "get")

    proxy = FakeProxy.instances[0]
    assert proxy.sent[0][3] == {"pagu": 10}
    assert proxy.sent[0][4] == {"correlation_id": "req-42"}
    assert proxy.sent[1][4] == {}  # the next call does not inherit the previous request's context
    assert proxy.context_data == {}


def test_the_verified_identity_travels_only_signed_per_call_and_does_not_outlive_the_request(rpc):
    identity = {"sub": "u-9", "role": "operator_desa", "pemda": "12.21", "wilayah": "12.21.01.2001",
                "opd": None, "anggota_id": None}
    cid = set_correlation_id("req-7")
    token = set_identity(identity)
    try:
        # one batch to two services: each request carries its own token, addressed to its service
        rpc.call_many([("musrenbang", "list_usulan", (), {}), ("pokir", "list_pokir", (), {})])
    finally:
        reset_identity(token)
        reset_correlation_id(cid)
    rpc.call("musrenbang", "list_usulan")

    proxy = FakeProxy.instances[0]
    verifier = IdentityVerifier.from_keys_dir()
    for (service, method, _, _, context) in proxy.sent[:2]:
        assert set(context) == {"correlation_id", "identity_token"}  # never a bare identity
        verified = verifier.verify(context["identity_token"], service, method, "req-7")
        assert verified.identity == identity and verified.issuer == "gateway"
        with pytest.raises(IdentityRefused, match="wrong_audience"):
            verifier.verify(context["identity_token"], "renja", method, "req-7")
    assert proxy.sent[0][4]["identity_token"] != proxy.sent[1][4]["identity_token"]
    assert proxy.sent[2][4] == {}
    assert proxy.context_data == {}


def test_a_custom_context_factory_adds_to_the_context(factory):
    rpc = NamekoRpc("amqp://x", timeout=1.0, proxy_factory=factory,
                    context_factory=lambda: {"correlation_id": "c", "identity": {"sub": "u1", "role": "bappeda",
                                                                                 "pemda": "12.21"}})
    rpc.call("renja", "get")

    sent = FakeProxy.instances[0].sent[0][4]
    assert sent["correlation_id"] == "c" and "identity" not in sent
    assert IdentityVerifier.from_keys_dir().verify(sent["identity_token"], "renja", "get", "c").identity["sub"] == "u1"


def test_an_rpc_timeout_becomes_service_timeout_and_the_proxy_is_replaced(rpc, answers):
    answers[("renja", "slow")] = RpcTimeout(5.0)

    with pytest.raises(ServiceTimeout) as caught:
        rpc.call("renja", "slow")
    assert rpc.call("renja", "get") == "ok"

    assert caught.value.service == "renja" and caught.value.timeout == 5.0
    assert len(FakeProxy.instances) == 2 and FakeProxy.instances[0].stopped


def test_a_broker_that_refuses_the_connection_makes_service_unavailable_then_recovers(rpc, factory):
    factory.state["fail_start"] = kombu.exceptions.OperationalError("[Errno 111] Connection refused")

    with pytest.raises(ServiceUnavailable) as caught:
        rpc.call("pokir", "get")
    factory.state["fail_start"] = None
    assert rpc.call("pokir", "get") == "ok"

    assert caught.value.service == "pokir"
    assert len(FakeProxy.instances) == 2


@pytest.mark.parametrize("lost", [ConnectionResetError("reset"), socket.error("broken pipe"),
                                  RuntimeError("This consumer has been disconnected")])
def test_a_connection_lost_while_waiting_makes_service_unavailable_and_replaces_the_proxy(rpc, answers, lost):
    answers[("rkpd", "get")] = lost

    with pytest.raises(ServiceUnavailable):
        rpc.call("rkpd", "get")

    assert FakeProxy.instances[0].stopped


def test_no_listening_instance_makes_service_unavailable(rpc, answers):
    answers[("rkpd", "get")] = UnknownService("rkpd")

    with pytest.raises(ServiceUnavailable):
        rpc.call("rkpd", "get")


def test_a_remote_validation_error_carries_its_field_errors(rpc, answers):
    exc = ValidationErrorRemote({"detail": "Data tidak valid.",
                                 "errors": [{"field": "pagu", "message": "Pagu harus positif.", "code": "min"}]})
    answers[("renja", "save")] = remote(exc)

    with pytest.raises(ValidationError) as caught:
        rpc.call("renja", "save", {})

    assert caught.value.detail == "Data tidak valid."
    assert caught.value.errors == [{"field": "pagu", "message": "Pagu harus positif.", "code": "min"}]


def test_a_remote_validation_error_with_message_and_list_args(rpc, answers):
    exc = ValidationErrorRemote("Data tidak valid.", [{"field": "judul", "message": "Wajib.", "code": "required"}])
    answers[("renja", "save")] = remote(exc)

    with pytest.raises(ValidationError) as caught:
        rpc.call("renja", "save", {})

    assert caught.value.detail == "Data tidak valid."
    assert caught.value.errors[0]["field"] == "judul"


@pytest.mark.parametrize("name, local", [("NotFound", NotFound), ("Forbidden", Forbidden), ("Conflict", Conflict)])
def test_remote_domain_errors_map_to_local_types_with_their_message(rpc, answers, name, local):
    remote_cls = type(name, (Exception,), {})
    answers[("pokir", "get")] = remote(remote_cls("Pesan untuk pengguna."))

    with pytest.raises(local) as caught:
        rpc.call("pokir", "get")

    assert caught.value.exc_type == name
    assert caught.value.detail == "Pesan untuk pengguna."


def test_an_unknown_remote_error_stays_generic(rpc, answers):
    answers[("pokir", "get")] = remote(KeyError("secret"))

    with pytest.raises(RemoteServiceError) as caught:
        rpc.call("pokir", "get")

    assert type(caught.value) is RemoteServiceError
    assert caught.value.exc_type == "KeyError"


def test_a_method_that_does_not_exist_is_a_generic_remote_error(rpc, answers):
    answers[("pokir", "nope")] = MethodNotFound("nope")

    with pytest.raises(RemoteServiceError) as caught:
        rpc.call("pokir", "nope")

    assert caught.value.exc_type == "MethodNotFound"


def test_call_many_returns_each_outcome_in_order_from_one_proxy(rpc, answers):
    answers[("renja", "health")] = RpcTimeout(1.0)
    answers[("pokir", "health")] = {"status": "ok"}

    outcomes = rpc.call_many([("pokir", "health", (), {}), ("renja", "health", (), {}),
                              ("rkpd", "health", (), {})], timeout=1.5)

    assert outcomes[0] == {"status": "ok"}
    assert isinstance(outcomes[1], ServiceTimeout) and outcomes[1].timeout == 1.5
    assert outcomes[2] == "ok"
    assert len(FakeProxy.instances[0].sent) == 3


def test_a_broker_lost_mid_batch_is_not_retried_for_every_call(rpc, answers):
    answers[("pokir", "health")] = kombu.exceptions.OperationalError("connection lost")

    outcomes = rpc.call_many([("pokir", "health", (), {}), ("renja", "health", (), {})])

    assert all(isinstance(o, ServiceUnavailable) for o in outcomes)
    assert [s[0] for s in FakeProxy.instances[0].sent] == ["pokir"]


def test_the_reply_wait_is_what_is_left_of_the_deadline_never_zero():
    deadline = rpc_module._Deadline()
    consumer = rpc_module._reply_listener_cls(deadline, 7.0)(timeout=7.0).queue_consumer

    assert consumer.timeout == 7.0
    deadline.at = time.monotonic() + 2.0
    assert 1.5 < consumer.timeout <= 2.0
    deadline.at = time.monotonic() - 1.0
    assert 0 < consumer.timeout <= 0.01


def test_broker_reachable_is_false_quickly_on_a_closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()

    assert broker_reachable(1.0, f"amqp://guest:guest@127.0.0.1:{port}/") is False
    assert time.monotonic() - started < 1.5


def test_the_timeout_must_be_positive():
    with pytest.raises(ValueError):
        NamekoRpc("amqp://x", timeout=0)


def test_publish_retries_are_bounded_so_a_dead_broker_fails_fast():
    class Publisher:
        retry_policy = {"max_retries": 3}

    class MethodProxy:
        publisher = Publisher()

    method_proxy = MethodProxy()
    rpc_module._bound_publish_retries(method_proxy)

    assert method_proxy.publisher.retry_policy["max_retries"] == 1
    assert method_proxy.publisher.retry_policy["interval_start"] == 0
