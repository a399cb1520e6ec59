"""/readyz against the four real services (in-process nameko containers on a throwaway vhost and
fresh databases) and the real broker: 503 naming a stopped service, 200 once it is back."""
import pytest
from falcon import testing

from eplanning_common.config import SERVICES
from eplanning_common.migrations import migrate
from gateway.app import create_app
from gateway.rpc import NamekoRpc
from musrenbang.service import MusrenbangService
from pokir.service import PokirService
from renja.service import RenjaService
from rkpd.service import RkpdService

from . import support

pytestmark = pytest.mark.timeout(120)

CLASSES = {"musrenbang": MusrenbangService, "pokir": PokirService, "renja": RenjaService, "rkpd": RkpdService}


@pytest.fixture(scope="module")
def service_dbs():
    urls = {}
    for service in SERVICES:
        urls[service] = support.fresh_database(f"eplanning_test_{service}")
        migrate(service, urls[service])
    return urls


@pytest.fixture
def gateway(amqp_uri):
    rpc = NamekoRpc(amqp_uri=amqp_uri, timeout=5)
    yield testing.TestClient(create_app(rpc=rpc, readiness_timeout=2))
    rpc.close()


def test_readyz_turns_503_naming_a_stopped_service_and_200_when_it_returns(service_dbs, start_container, gateway):
    containers = {name: start_container(CLASSES[name], service_dbs[name]) for name in SERVICES}
    ready = gateway.simulate_get("/readyz")
    assert ready.status_code == 200, ready.text
    assert set(ready.json["services"]) == set(SERVICES)

    containers["renja"].stop()
    down = gateway.simulate_get("/readyz")
    assert down.status_code == 503
    assert down.headers["content-type"].startswith("application/problem+json")
    assert down.json["unavailable"] == ["renja"]

    start_container(RenjaService, service_dbs["renja"])
    support.wait_for(lambda: gateway.simulate_get("/readyz").status_code == 200, timeout=20,
                     what="/readyz to recover")
    assert gateway.simulate_get("/healthz").status_code == 200
