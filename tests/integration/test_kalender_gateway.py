"""The planning calendar and the Musrenbang RKPD forum through the real gateway (gunicorn) and the
Musrenbang service: problem+json with field errors, roles, refusals."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from . import gateway_stack as stack

pytestmark = pytest.mark.timeout(300)

TAHUN = 2043
USERS = {"bappeda": ("bappeda", {}), "setwan": ("setwan", {}), "kec_a": ("operator_kecamatan", {"wilayah": "12.21.07"}),
         "opd_pupr": ("opd", {"opd": "1.03.0.00.0.00.01.0000"}), "a01": ("anggota_dprd", {"anggota_id": "A01"})}


@pytest.fixture(scope="module")
def gw(amqp_uri, tmp_path_factory):
    suffix = "kal" + uuid.uuid4().hex[:6]
    containers = stack.start_services(amqp_uri, suffix)
    gateway = stack.start_gateway(amqp_uri, suffix, tmp_path_factory.mktemp("gateway"))
    try:
        admin = gateway.login("admin", stack.ADMIN_PASSWORD)
        # OPD and DPRD users once the registers hold them (the gateway refuses an unknown scope)
        gateway.tokens.update(stack.create_users(gateway, admin, USERS, name=lambda key: key.replace("_", ".")))
        yield gateway
    finally:
        stack.stop_gateway(gateway)
        for container in containers:
            container.stop()


def call(gw, who, method, path, body=None, **kwargs):
    return gw.request(method, path, body, token=gw.tokens[who], **kwargs)


def steps(now: datetime) -> list[dict]:
    d = timedelta(days=1)
    windows = {"rancangan_awal": (-30 * d, -25 * d), "renja_draft": (-25 * d, 2 * d), "desa": (-2 * d, d),
               "kecamatan": (-d, d), "forum_pd": (-d, 2 * d), "pokir": (-10 * d, None),
               "musrenbang_rkpd": (9 * d, 12 * d), "penetapan": (12 * d, 15 * d), "renja_final": (15 * d, 20 * d)}
    return [{"step": step, "opens_at": (now + o).isoformat(timespec="seconds"),
             **({"closes_at": (now + c).isoformat(timespec="seconds")} if c is not None else {})}
            for step, (o, c) in windows.items()]


def problem(answer, status: int) -> dict:
    assert answer.status == status, (answer.status, answer.body[:2000])
    assert answer.headers["content-type"] == "application/problem+json"
    return answer.json


def test_calendar_endpoints_through_the_gateway(gw):
    now = datetime.now(timezone(timedelta(hours=7))).replace(microsecond=0)
    path = f"/v1/kalender/{TAHUN}"

    # the gateway's schema: an unknown step, a missing opens_at
    bad = steps(now)
    bad[0]["step"] = "musrenbang_provinsi"
    del bad[1]["opens_at"]
    fields = {e["field"] for e in problem(call(gw, "bappeda", "PUT", path, {"steps": bad}), 422)["errors"]}
    assert {"steps[0].step", "steps[1].opens_at"} <= fields
    # the service's order rules: Forum PD closing after Musrenbang RKPD makes Musrenbang RKPD close too early
    late = steps(now)
    late[4]["closes_at"] = (now + timedelta(days=13)).isoformat()
    errors = problem(call(gw, "bappeda", "PUT", path, {"steps": late}), 422)["errors"]
    assert [e["field"] for e in errors] == ["steps[6].closes_at"] and errors[0]["code"] == "before_dependency"
    assert call(gw, "kec_a", "PUT", path, {"steps": steps(now)}).status == 403
    assert call(gw, "bappeda", "GET", path).status == 404  # nothing was set by the refusals

    made = call(gw, "bappeda", "PUT", path, {"steps": steps(now)})
    assert made.status == 201, made.body
    for who in ("opd_pupr", "a01", "kec_a"):  # every role of the pemda reads the calendar
        seen = call(gw, who, "GET", path)
        assert seen.status == 200, (who, seen.body)
    calendar = seen.json
    assert calendar["tata_urutan"] == "permendagri_86_2017"
    labels = {s["step"]: s["label"] for s in calendar["steps"]}
    assert labels["musrenbang_rkpd"] == "Musrenbang RKPD Kabupaten"

    # changes: the reason is required, an extension breaking the order is refused on closes_at
    assert problem(call(gw, "bappeda", "POST", f"{path}/desa/close_early", {}), 422)["errors"][0]["field"] == "reason"
    errors = problem(call(gw, "bappeda", "POST", f"{path}/forum_pd/extend",
                          {"reason": "OPD terlambat", "closes_at": (now + timedelta(days=14)).isoformat()}), 422)
    assert [e["field"] for e in errors["errors"]] == ["closes_at"]
    assert problem(call(gw, "bappeda", "POST", f"{path}/musrenbang_kota/extend",
                        {"reason": "x", "closes_at": now.isoformat()}), 422)["errors"][0]["field"] == "step"
    assert call(gw, "opd_pupr", "POST", f"{path}/desa/close_early", {"reason": "bukan pemiliknya"}).status == 403
    closed = call(gw, "bappeda", "POST", f"{path}/desa/close_early", {"reason": "Semua desa selesai"})
    assert closed.status == 200, closed.body
    assert closed.json["history"][-1]["step"] == "desa"
    assert {s["step"]: s["state"] for s in closed.json["steps"]}["desa"] == "closed"

    # the Musrenbang RKPD forum: field errors, and its close refused while Forum PD and pokir are open
    forum = f"/v1/musrenbang/{TAHUN}/forum-rkpd"
    bad_forum = {"tempat": "Aula Bappeda", "tanggal": "2026-13-40", "peserta": [{"nama": "A", "unsur": "lsm"}],
                 "kesepakatan": [{"jenis": "prioritas", "uraian": "Infrastruktur"}]}
    fields = {e["field"] for e in problem(call(gw, "bappeda", "POST", forum, bad_forum), 422)["errors"]}
    assert {"tanggal", "peserta[0].unsur"} <= fields
    good = {**bad_forum, "tanggal": "2026-03-18", "peserta": [{"nama": "Kepala Bappeda", "unsur": "bappeda"}]}
    recorded = call(gw, "bappeda", "POST", forum, good)
    assert recorded.status == 200, recorded.body
    assert call(gw, "a01", "GET", forum).json["forum_ref"] == f"BA-MUSRENBANG-RKPD/12.21/{TAHUN}"
    refused = problem(call(gw, "bappeda", "POST", forum + "/close"), 409)
    assert refused["code"] == "dependencies_open"
    assert call(gw, "kec_a", "POST", forum + "/close").status == 403
    assert problem(call(gw, "bappeda", "GET", forum + "/berita-acara"), 404)["code"] == "not_closed"
