"""eplanning_common.rpc: a reply the broker cannot take (RabbitMQ restarting) is logged, not fatal
to the container; any other error in the result handler still is."""
from unittest.mock import Mock

import kombu.exceptions
import pytest
from nameko.rpc import Rpc as NamekoRpc

from eplanning_common.rpc import Rpc, rpc


def entrypoint(side_effect):
    ep = Rpc()
    ep.method_name = "create_usulan"
    ep.rpc_consumer = Mock(handle_result=Mock(side_effect=side_effect))
    return ep


@pytest.mark.parametrize("error", [kombu.exceptions.OperationalError("[Errno 111] ECONNREFUSED"),
                                   ConnectionResetError(104, "Connection reset by peer")])
def test_a_reply_lost_to_the_broker_does_not_raise(error, caplog):
    ep = entrypoint(error)
    assert ep.handle_result("message", "worker_ctx", {"id": 1}, None) == ({"id": 1}, None)
    ep.rpc_consumer.handle_result.assert_called_once_with("message", {"id": 1}, None)
    assert "was not sent" in caplog.text


def test_a_sent_reply_passes_through():
    ep = entrypoint(None)
    ep.rpc_consumer.handle_result.side_effect = None
    ep.rpc_consumer.handle_result.return_value = ("r", None)
    assert ep.handle_result("message", "worker_ctx", "r", None) == ("r", None)


def test_other_errors_still_raise():
    with pytest.raises(ValueError):
        entrypoint(ValueError("a bug")).handle_result("message", "worker_ctx", None, None)


def test_the_services_use_it():
    assert issubclass(Rpc, NamekoRpc)
    from musrenbang import service as m
    from pokir import service as p
    from renja import service as r
    from rkpd import service as k

    for module in (m, p, r, k):
        assert module.rpc is rpc, module.__name__
