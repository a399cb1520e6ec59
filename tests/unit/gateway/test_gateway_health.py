import falcon.testing

from gateway.app import create_app
from gateway.exceptions import RemoteServiceError, ServiceTimeout, ServiceUnavailable
from gateway.problems import PROBLEM_CONTENT_TYPE
from gateway_fakes import SERVICES


def test_healthz_answers_ok_without_touching_broker_or_services(client, rpc, broker):
    result = client.simulate_get("/healthz")

    assert result.status_code == 200
    assert result.json == {"status": "ok"}
    assert rpc.calls == [] and broker.checks == []


def test_readyz_is_200_with_per_service_detail_when_everything_answers(client, rpc):
    result = client.simulate_get("/readyz")

    assert result.status_code == 200
    assert result.json["status"] == "ok"
    assert result.json["broker"] == "up"
    assert set(result.json["services"]) == set(SERVICES)
    assert result.json["services"]["renja"] == {"status": "ok", "checks": {"database": True, "broker": True}}
    assert sorted(call[0] for call in rpc.calls) == sorted(SERVICES)
    assert all(call[1] == "health" for call in rpc.calls)


def test_readyz_does_not_leak_health_details_beyond_ok_flags(client):
    result = client.simulate_get("/readyz")

    assert "db.internal" not in result.text


def test_readyz_asks_all_services_in_one_batch_bounded_by_the_readiness_timeout(client, rpc):
    client.simulate_get("/readyz")

    assert len(rpc.batches) == 1
    assert 0 < rpc.batches[0] <= 2.0


def test_readyz_is_503_naming_exactly_the_service_that_timed_out(client, rpc):
    rpc.answers[("renja", "health")] = ServiceTimeout("renja", "health", 2.0)

    result = client.simulate_get("/readyz")

    assert result.status_code == 503
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body = result.json
    assert body["unavailable"] == ["renja"]
    assert body["broker"] == "up"
    assert body["services"]["renja"] == {"status": "down", "reason": "timeout"}
    assert body["services"]["pokir"]["status"] == "ok"
    assert "renja" in body["detail"]
    assert body["status"] == 503 and body["instance"] == "/readyz"


def test_readyz_names_every_service_that_is_down_and_why(client, rpc):
    rpc.answers[("pokir", "health")] = ServiceUnavailable("pokir", "health", "no instance is listening")
    rpc.answers[("rkpd", "health")] = RemoteServiceError("rkpd", "health", "OperationalError")
    rpc.answers[("musrenbang", "health")] = "not a health report"

    body = client.simulate_get("/readyz").json

    assert sorted(body["unavailable"]) == ["musrenbang", "pokir", "rkpd"]
    assert body["services"]["pokir"]["reason"] == "unavailable"
    assert body["services"]["rkpd"]["reason"] == "error"
    assert body["services"]["musrenbang"]["reason"] == "invalid_health_response"


def test_readyz_counts_a_degraded_service_as_up_but_shows_it(client, rpc):
    rpc.answers[("rkpd", "health")] = {"status": "degraded", "database": {"ok": False, "error": "x"}}

    result = client.simulate_get("/readyz")

    assert result.status_code == 200
    assert result.json["status"] == "degraded"
    assert result.json["services"]["rkpd"] == {"status": "degraded", "checks": {"database": False}}


def test_readyz_treats_a_service_reporting_another_status_as_down(client, rpc):
    rpc.answers[("pokir", "health")] = {"status": "down"}

    result = client.simulate_get("/readyz")

    assert result.status_code == 503
    assert result.json["unavailable"] == ["pokir"]


def test_readyz_is_503_with_broker_down_and_skips_the_rpcs(client, rpc, broker):
    broker.up = False

    result = client.simulate_get("/readyz")

    assert result.status_code == 503
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE
    assert result.json["broker"] == "down"
    assert sorted(result.json["unavailable"]) == sorted(SERVICES)
    assert "Broker" in result.json["detail"]
    assert rpc.calls == []
    assert broker.checks == [2.0]


def test_readyz_treats_a_crashing_broker_check_as_down(rpc):
    def explode(timeout):
        raise RuntimeError("boom")

    client = falcon.testing.TestClient(create_app(rpc=rpc, broker_check=explode, readiness_timeout=1.0))
    result = client.simulate_get("/readyz")

    assert result.status_code == 503
    assert result.json["broker"] == "down"
    assert "boom" not in result.text


def test_readyz_is_never_cached(client, rpc):
    assert client.simulate_get("/readyz").headers["cache-control"] == "no-store"
    rpc.answers[("renja", "health")] = ServiceTimeout("renja", "health", 2.0)
    assert client.simulate_get("/readyz").headers["cache-control"] == "no-store"
