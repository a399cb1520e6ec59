"""`renja.get_row` against the real RabbitMQ and PostgreSQL: one row as create_row/update_row answer
it (the gateway's If-Match on PATCH /v1/renja/rows/{id} compares against it), read by its own OPD
or Bappeda, refused to another OPD, and not found across pemda."""
import json

import pytest
from nameko.containers import ServiceContainer
from nameko.exceptions import RemoteError

from renja.service import RenjaService

from . import support

pytestmark = pytest.mark.timeout(180)

PEMDA, OTHER, TAHUN = "12.21", "12.20", 2027
PUPR = "1.03.0.00.0.00.01.0000"
DINKES = "1.02.0.00.0.00.01.0000"
WHO = {
    "bappeda": {"sub": "u-bappeda", "role": "bappeda", "pemda": PEMDA},
    "pupr": {"sub": "u-pupr", "role": "opd", "pemda": PEMDA, "opd": PUPR},
    "dinkes": {"sub": "u-dinkes", "role": "opd", "pemda": PEMDA, "opd": DINKES},
    "bappeda_other": {"sub": "u-bappeda-1220", "role": "bappeda", "pemda": OTHER},
}


@pytest.fixture(scope="module")
def rpc(amqp_uri):
    url = support.service_database("renja", "getrow", PEMDA)
    container = ServiceContainer(RenjaService, {"AMQP_URI": amqp_uri, "DATABASE_URL": url, "max_workers": 10})
    container.start()
    proxies, opened = {}, []
    for name, identity in WHO.items():
        proxy = support.signed_proxy(amqp_uri, identity, timeout=30)
        proxies[name] = proxy.start()
        opened.append(proxy)
    yield proxies
    for proxy in opened:
        proxy.stop()
    container.stop()


def err(call, *args):
    with pytest.raises(RemoteError) as info:
        call(*args)
    return info.value.exc_type, json.loads(info.value.value)


def test_get_row_answers_as_create_and_update_do_and_is_scoped_to_the_own_opd(rpc):
    rpc["bappeda"].renja.import_opd("sipd-2027", f"kode,nama,bidang\n{PUPR},Dinas PUPR,1.03\n"
                                                 f"{DINKES},Dinas Kesehatan,1.02\n")
    rpc["bappeda"].renja.pin_cycle(TAHUN, "sipd-2027")
    rpc["bappeda"].renja.set_pagu(PUPR, TAHUN, "2000000000", "2000000000")
    data = {"sub_kegiatan": "1.03.06.2.01.0012", "target": "500", "pagu_n": "400000000", "pagu_n1": "450000000",
            "lokasi": ["12.21.07"], "sumber_dana": "DAU", "kelompok_sasaran": "Warga Kecamatan Barumun"}
    created = rpc["pupr"].renja.create_row(PUPR, TAHUN, data)

    assert rpc["pupr"].renja.get_row(created["row_id"]) == created  # version 1, tahun included
    assert rpc["bappeda"].renja.get_row(created["row_id"]) == created  # Bappeda reads every OPD

    updated = rpc["pupr"].renja.update_row(created["row_id"], {**data, "pagu_n": "500000000"}, 1)
    seen = rpc["pupr"].renja.get_row(created["row_id"])
    assert seen == updated and seen["version"] == 2 and seen["pagu_n"] == "500000000.00"

    kind, body = err(rpc["dinkes"].renja.get_row, created["row_id"])  # another OPD of the pemda
    assert kind == "Forbidden" and body["code"] == "forbidden"
    kind, body = err(rpc["bappeda_other"].renja.get_row, created["row_id"])  # another pemda: not revealed
    assert kind == "NotFound" and body["code"] == "row_not_found"
    kind, body = err(rpc["pupr"].renja.get_row, "00000000-0000-4000-8000-000000000000")
    assert kind == "NotFound" and body["code"] == "row_not_found"
