"""The metrics' pure parts with fakes: settings, what the consumer counts, entrypoint outcomes,
the outbox collector when the database is away, the gateway middleware's labels."""
import sys

import falcon
import pytest
from falcon import testing
from prometheus_client import REGISTRY

from eplanning_common import config
from eplanning_common.errors import ServiceError
from eplanning_common.metrics.backlog import OutboxBacklog
from eplanning_common.metrics.exporter import entrypoint_kind, outcome_of
from eplanning_common.rpc import Rpc
from gateway import settings
from gateway.metrics import RequestMetrics
from gateway.webhooks import metrics as webhook_metrics

from .test_poison_checks import FakeMessage, failed_with, wired


def sample(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize("raw, port", [(None, None), ("", None), ("  ", None), ("0", 0), ("9101", 9101)])
def test_metrics_port_is_off_unless_set(monkeypatch, raw, port):
    monkeypatch.delenv("METRICS_PORT", raising=False)
    assert config.metrics_port(raw) == port


@pytest.mark.parametrize("raw", ["metrics", "70000", "-1"])
def test_a_bad_metrics_port_is_refused_naming_the_variable(raw):
    with pytest.raises(ValueError, match="METRICS_PORT must be a port number"):
        config.metrics_port(raw)


def test_the_metrics_address_is_this_machine_unless_set(monkeypatch):
    monkeypatch.delenv("METRICS_ADDR", raising=False)
    assert config.metrics_addr() == "127.0.0.1"
    monkeypatch.setenv("METRICS_ADDR", "0.0.0.0")
    assert config.metrics_addr() == "0.0.0.0"


@pytest.mark.parametrize("raw, parsed", [("", None), ("127.0.0.1:9100", ("127.0.0.1", 9100)),
                                         (":9100", ("0.0.0.0", 9100)), ("[::1]:9100", ("::1", 9100))])
def test_the_gateway_metrics_listener_setting(monkeypatch, raw, parsed):
    monkeypatch.setenv("GATEWAY_METRICS_BIND", raw)
    assert settings.metrics_bind() == parsed


@pytest.mark.parametrize("raw", ["9100", "localhost:port", "host:99999"])
def test_a_bad_gateway_metrics_listener_is_refused(monkeypatch, raw):
    monkeypatch.setenv("GATEWAY_METRICS_BIND", raw)
    with pytest.raises(ValueError, match="GATEWAY_METRICS_BIND must be HOST:PORT"):
        settings.metrics_bind()


QUEUE = "q.renja.musrenbang.usulan.routed.v1"


def test_the_consumer_counts_retries_then_the_dead_letter_then_a_poison_message():
    retried, exhausted, poison = (sample("eplanning_events_retried_total", service="renja", queue=QUEUE),
                                  sample("eplanning_events_dead_lettered_total", service="renja", queue=QUEUE,
                                         reason="exhausted"),
                                  sample("eplanning_events_dead_lettered_total", service="renja", queue=QUEUE,
                                         reason="poison"))
    h = wired()
    for attempt in (1, 2, 3):  # max_attempts 3: two retries, then parked
        failed_with(h, FakeMessage({"x-eplanning-attempt": attempt}))
    h.handle_message("not an event", FakeMessage())
    assert sample("eplanning_events_retried_total", service="renja", queue=QUEUE) - retried == 2
    assert sample("eplanning_events_dead_lettered_total", service="renja", queue=QUEUE, reason="exhausted") \
        - exhausted == 1
    assert sample("eplanning_events_dead_lettered_total", service="renja", queue=QUEUE, reason="poison") - poison == 1


def test_a_message_that_could_not_be_parked_is_not_counted_as_dead_lettered():
    before = sample("eplanning_events_dead_lettered_total", service="renja", queue=QUEUE, reason="poison")
    h = wired(fail=True)
    h.handle_message("not an event", FakeMessage())
    assert h.queue_consumer.requeued
    assert sample("eplanning_events_dead_lettered_total", service="renja", queue=QUEUE, reason="poison") == before


def test_an_applied_event_is_counted_as_consumed():
    before = sample("eplanning_events_consumed_total", service="renja", queue=QUEUE)
    wired().handle_message_processed(FakeMessage())
    assert sample("eplanning_events_consumed_total", service="renja", queue=QUEUE) - before == 1


def _exc_info(exc):
    try:
        raise exc
    except Exception:
        return sys.exc_info()


def test_an_entrypoint_outcome_is_ok_refused_or_error():
    rpc = Rpc()
    assert entrypoint_kind(rpc) == "rpc" and entrypoint_kind(object()) == "other"
    assert entrypoint_kind(wired()) == "event"
    assert outcome_of(rpc, None) == "ok"
    assert outcome_of(rpc, _exc_info(ServiceError("no"))) == "refused"
    assert outcome_of(rpc, _exc_info(RuntimeError("boom"))) == "error"
    assert outcome_of(wired(), _exc_info(ServiceError("no"))) == "error"  # a handler has no refusals


class BrokenEngine:
    def begin(self):
        raise OSError("connection refused")


def test_an_unreadable_outbox_reports_only_that_it_could_not_be_read():
    families = OutboxBacklog(BrokenEngine(), "renja").collect()
    assert [(f.name, [s.value for s in f.samples]) for f in families] == [("eplanning_outbox_scrape_ok", [0])]


def test_a_webhook_attempt_is_counted_by_result_and_what_it_left_the_delivery_in():
    def counts():
        return (sample("eplanning_webhook_attempts_total", result="failed"),
                sample("eplanning_webhook_deliveries_total", outcome="dead"),
                sample("eplanning_webhook_subscriptions_paused_by_worker_total"))

    before = counts()
    webhook_metrics.record_attempt(ok=False, duration_ms=120, status="dead", paused=True)
    assert [a - b for a, b in zip(counts(), before)] == [1, 1, 1]


class Thing:
    def on_get(self, req, resp, thing_id):
        resp.media = {"id": thing_id}

    def on_post(self, req, resp, thing_id):
        raise falcon.HTTPInternalServerError()


def test_the_gateway_counts_by_route_template_never_the_raw_path():
    app = falcon.App(middleware=[RequestMetrics()])
    app.add_route("/test-metrics/things/{thing_id}", Thing())
    client = testing.TestClient(app)
    route = "/test-metrics/things/{thing_id}"
    before = (sample("eplanning_http_requests_total", route=route, method="GET", status="200"),
              sample("eplanning_http_requests_total", route=route, method="POST", status="500"),
              sample("eplanning_http_requests_total", route="(unmatched)", method="GET", status="404"),
              sample("eplanning_http_request_duration_seconds_count", route=route, method="GET"))
    for thing in ("a1", "b2", "c3"):
        assert client.simulate_get(f"/test-metrics/things/{thing}").status_code == 200
    assert client.simulate_post("/test-metrics/things/a1").status_code == 500
    assert client.simulate_get("/test-metrics/nothing-here").status_code == 404
    after = (sample("eplanning_http_requests_total", route=route, method="GET", status="200"),
             sample("eplanning_http_requests_total", route=route, method="POST", status="500"),
             sample("eplanning_http_requests_total", route="(unmatched)", method="GET", status="404"),
             sample("eplanning_http_request_duration_seconds_count", route=route, method="GET"))
    assert [a - b for a, b in zip(after, before)] == [3, 1, 1, 3]
    assert sample("eplanning_http_requests_total", route="/test-metrics/things/a1", method="GET", status="200") == 0
    with pytest.warns(Warning):  # wsgiref's validator dislikes the method too
        answer = client.simulate_request("BREW", route.replace("{thing_id}", "x"))
    assert sample("eplanning_http_requests_total", route=route, method="OTHER", status=str(answer.status_code)) == 1


class FixedBacklog(OutboxBacklog):
    def __init__(self, service, pending):
        super().__init__(None, service)
        self.pending = pending

    def read(self):
        return self.pending, 0.0, 0


def test_several_containers_in_one_process_expose_each_family_once_with_all_their_samples():
    from eplanning_common.metrics.exporter import ScrapeSources

    sources = ScrapeSources()
    musrenbang, renja = FixedBacklog("musrenbang", 3), FixedBacklog("renja", 5)
    sources.add(musrenbang)
    sources.add(renja)
    families = {f.name: f for f in sources.collect()}
    assert len(families) == 4
    assert {s.labels["service"]: s.value for s in families["eplanning_outbox_pending"].samples} == \
        {"musrenbang": 3, "renja": 5}
    sources.remove(renja)
    assert [s.labels["service"] for s in {f.name: f for f in sources.collect()}["eplanning_outbox_pending"].samples] \
        == ["musrenbang"]
