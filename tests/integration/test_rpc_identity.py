"""Issue #18, finding 1: services believe no identity they cannot verify (real RabbitMQ and PostgreSQL).

Each of the four services is called straight over the broker, as anyone holding broker credentials
could, with a made-up Bappeda identity: bare (as the gateway used to send it), or with a token that
is signed by a key the services do not trust, expired, or addressed to another service. Each call
is refused (Forbidden) before any worker runs, and logged as one security event. Controls: the same
call with a token the gateway's key signed for that service and this request is answered.

RKPD's own service identity is accepted only for the reads its resync makes.
"""
from __future__ import annotations

import json
import logging
import time
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from eplanning_common.identity_tokens import IdentitySigner, key_id
from musrenbang.service import MusrenbangService
from pokir.service import PokirService
from renja.service import RenjaService
from rkpd.service import RkpdService

from . import support

pytestmark = pytest.mark.timeout(180)

PEMDA, TAHUN = "12.21", 2027
BAPPEDA = {"sub": "u-forged", "role": "bappeda", "pemda": PEMDA}
SERVICES = {"musrenbang": MusrenbangService, "pokir": PokirService, "renja": RenjaService, "rkpd": RkpdService}
# a read each service answers for Bappeda (the call a forged identity would use to read data)
READS = {"musrenbang": ("list_usulan", (TAHUN,)), "pokir": ("list_pokir", (TAHUN,)),
         "renja": ("list_opd", ()), "rkpd": ("status", (TAHUN,))}


@pytest.fixture(scope="module")
def services(amqp_uri):
    containers = []
    for name, cls in SERVICES.items():
        url = support.service_database(name, "rpcid", PEMDA)
        container = ServiceContainer(cls, {"AMQP_URI": amqp_uri, "DATABASE_URL": url, "max_workers": 4})
        container.start()
        containers.append(container)
    yield
    for container in containers:
        container.stop()


def token(key, claims: dict, kid: str) -> str:
    return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})


def claims(audience: str, rid: str, *, iat: int | None = None, ttl: int = 10, iss: str = "gateway", **identity):
    iat = int(time.time()) if iat is None else iat
    return {**BAPPEDA, **identity, "iss": iss, "aud": audience, "rid": rid, "iat": iat, "exp": iat + ttl}


def raw_call(amqp_uri, service, method, args, context):
    """A request published with exactly this context data (AMQP headers nameko.*), as an attacker would."""
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=15, context_data=dict(context)) as proxy:
        return getattr(proxy[service], method)(*args)


def refused(amqp_uri, service, method, args, context) -> dict:
    with pytest.raises(RemoteError) as caught:
        raw_call(amqp_uri, service, method, args, context)
    assert caught.value.exc_type == "Forbidden", caught.value
    return json.loads(caught.value.value)


def forgeries(service: str):
    """name -> context data of a forged call to `service` (each also carries the bare identity)."""
    gateway = IdentitySigner.from_keys_dir("gateway")
    real_key = gateway._key
    stranger = Ed25519PrivateKey.generate()
    rid = uuid.uuid4().hex
    base = {"correlation_id": rid, "identity": BAPPEDA}
    other = next(s for s in SERVICES if s != service)
    return {
        "unsigned": base,
        "wrong_key": {**base, "identity_token": token(stranger, claims(service, rid), key_id(stranger.public_key()))},
        "wrong_key_claiming_the_gateway_kid": {**base, "identity_token": token(stranger, claims(service, rid),
                                                                               gateway.kid)},
        "expired": {**base, "identity_token": token(real_key, claims(service, rid, iat=int(time.time()) - 60),
                                                    gateway.kid)},
        "wrong_audience": {**base, "identity_token": token(real_key, claims(other, rid), gateway.kid)},
        "other_request": {**base, "identity_token": token(real_key, claims(service, "another-request"),
                                                          gateway.kid)},
    }


REASONS = {"unsigned": "missing", "wrong_key": "unknown_key", "wrong_key_claiming_the_gateway_kid": "bad_signature",
           "expired": "expired", "wrong_audience": "wrong_audience", "other_request": "request_mismatch"}


@pytest.mark.parametrize("service", list(SERVICES))
def test_a_forged_identity_is_refused_by_every_service_and_logged(amqp_uri, services, service, caplog):
    method, args = READS[service]
    caplog.set_level(logging.WARNING, logger="eplanning.security")
    for name, context in forgeries(service).items():
        caplog.clear()
        body = refused(amqp_uri, service, method, args, context)
        assert body["code"] == ("unauthenticated" if name == "unsigned" else "invalid_identity"), name
        events = [r for r in caplog.records if r.name == "eplanning.security"]
        assert len(events) == 1, (name, [r.getMessage() for r in events])
        assert events[0].reason == REASONS[name] and events[0].target == f"{service}.{method}", name
        if "identity_token" in context:  # the token is never logged (nor any part of its signature)
            assert context["identity_token"].rsplit(".", 1)[1][:20] not in json.dumps(vars(events[0]), default=str)
    # control: the gateway's signature for this service and this request is believed
    with support.signed_proxy(amqp_uri, BAPPEDA, timeout=15) as rpc:
        getattr(rpc[service], method)(*args)


def test_a_valid_token_wins_over_a_bare_identity_sent_beside_it(amqp_uri, services):
    operator = {"sub": "u-desa", "role": "operator_desa", "pemda": PEMDA, "wilayah": "12.21.07.1001"}
    rid = uuid.uuid4().hex
    signed = IdentitySigner.from_keys_dir("gateway").sign(operator, "musrenbang", rid, 10)
    body = refused(amqp_uri, "musrenbang", "close_stage", (TAHUN,),  # Bappeda's; an operator is refused
                   {"correlation_id": rid, "identity_token": signed, "identity": BAPPEDA})
    assert body["code"] == "bappeda_only"


def test_public_reads_need_no_token_but_a_bad_one_is_still_refused(amqp_uri, services):
    assert raw_call(amqp_uri, "musrenbang", "health", (), {})["service"] == "musrenbang"
    forged = forgeries("musrenbang")["wrong_key"]
    assert refused(amqp_uri, "musrenbang", "health", (), forged)["code"] == "invalid_identity"


def test_rkpd_service_identity_reads_only_what_its_resync_needs(amqp_uri, services):
    service_identity = {"sub": "service:rkpd", "role": "service_rkpd", "pemda": PEMDA}
    with support.signed_proxy(amqp_uri, service_identity, issuer="rkpd", timeout=15) as rkpd:
        assert rkpd.musrenbang.list_usulan(TAHUN, None, None, 100)["items"] == []
        assert rkpd.renja.list_rows(TAHUN, None, None, 100)["items"] == []
        for service, method, args in (("musrenbang", "get_usulan", ("x",)), ("musrenbang", "close_stage", (TAHUN,)),
                                      ("renja", "set_pagu", ("1.03.0.00.0.00.01.0000", TAHUN, "1", "1")),
                                      ("rkpd", "status", (TAHUN,))):
            with pytest.raises(RemoteError) as caught:
                getattr(rkpd[service], method)(*args)
            assert caught.value.exc_type == "Forbidden", (service, method)
            assert json.loads(caught.value.value)["code"] == "invalid_identity", (service, method)
    # and the gateway cannot hand out the service identity
    with support.signed_proxy(amqp_uri, service_identity, timeout=15) as gateway:
        with pytest.raises(RemoteError) as caught:
            gateway.musrenbang.list_usulan(TAHUN)
        assert caught.value.exc_type == "Forbidden"
