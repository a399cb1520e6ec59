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


def test_refusals_are_expected_and_logged_as_one_info_line():
    """A refusal (403/404/409/422) is the caller's doing: nameko logs it as expected, and the JSON
    log turns that into one INFO line with the refusal and no traceback; a bug stays an ERROR."""
    import json
    import logging

    from eplanning_common.errors import Conflict, NotFound, ServiceError
    from eplanning_common.logs import ExpectedRefusals, JsonFormatter

    assert Rpc().expected_exceptions == (ServiceError,)
    assert isinstance(NotFound("x"), Rpc().expected_exceptions)
    assert not isinstance(ValueError("x"), Rpc().expected_exceptions)

    def record(level, msg, exc):
        try:
            raise exc
        except Exception:
            import sys
            return logging.LogRecord("nameko.containers", level, __file__, 1, msg,
                                     ("<WorkerContext musrenbang.get_usulan>", exc), sys.exc_info())

    refused = record(logging.WARNING, "(expected) error handling worker %s: %s",
                     NotFound("Usulan tidak ditemukan", code="usulan_not_found"))
    assert ExpectedRefusals().filter(refused)
    line = json.loads(JsonFormatter("musrenbang").format(refused))
    assert line["level"] == "INFO" and "exception" not in line
    assert line["message"] == "refused <WorkerContext musrenbang.get_usulan>"
    assert line["refusal"].startswith("NotFound: ") and "usulan_not_found" in line["refusal"]

    bug = record(logging.ERROR, "error handling worker %s: %s", KeyError("doc"))
    assert ExpectedRefusals().filter(bug)
    line = json.loads(JsonFormatter("musrenbang").format(bug))
    assert line["level"] == "ERROR" and "KeyError" in line["exception"]
    assert issubclass(Conflict, ServiceError)
