"""Attachments of an usulan end to end: the real gateway under gunicorn, the real Musrenbang
service on a fresh database, real RabbitMQ and PostgreSQL. A desa operator uploads a photo
(multipart), the kecamatan operator reads it back with its EXIF stripped, another desa's
operator is refused, an idempotent retry makes one attachment, the bytes live in the service's
own database, the public tracking page shows none, once the desa window closed nothing can be
removed, and the OPD an usulan was routed to reads its attachments once the stage closed."""
from __future__ import annotations

import hashlib
import io
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image

from eplanning_common.config import data_dir

from . import gateway_stack as stack
from .support import service_database

pytestmark = pytest.mark.timeout(300)

TAHUN = 2027
ROUTED_TAHUN = 2028  # a cycle of its own, taken to its stage close
DESA_A, DESA_B, KEC_A = "12.21.07.1001", "12.21.02.2001", "12.21.07"
USERS = {"bappeda": ("bappeda", {}), "desa_a": ("operator_desa", {"wilayah": DESA_A}),
         "desa_b": ("operator_desa", {"wilayah": DESA_B}), "kec_a": ("operator_kecamatan", {"wilayah": KEC_A}),
         "kec_b": ("operator_kecamatan", {"wilayah": "12.21.02"}),
         "opd_pupr": ("opd", {"opd": "1.03.0.00.0.00.01.0000"}),
         "opd_dinkes": ("opd", {"opd": "1.02.0.00.0.00.01.0000"})}


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (1200, 900), (40, 140, 60))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Samsung"
    exif[ExifTags.Base.BodySerialNumber] = "R58M-SERIAL-77"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (1.0, 7.0, 24.0), 3: "E", 4: (99.0, 39.0, 4.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


PHOTO = _photo_with_gps()


def multipart(parts, boundary=None):
    boundary = boundary or "b" + uuid.uuid4().hex
    body = b""
    for name, data, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture(scope="module")
def gateway(amqp_uri, tmp_path_factory):
    suffix = "lamp" + uuid.uuid4().hex[:6]
    # renja: its OPD register names the OPDs users may be made for
    containers = stack.start_services(amqp_uri, suffix, names=("musrenbang", "renja"))
    gw = stack.start_gateway(amqp_uri, suffix, tmp_path_factory.mktemp("gateway"))
    gw.musrenbang_db = service_database("musrenbang", suffix)
    try:
        admin = gw.login("admin", stack.ADMIN_PASSWORD)
        for username, (role, scope) in USERS.items():
            if role == "opd":
                continue
            gw.create_user(admin, username.replace("_", "."), role, **scope)
            gw.tokens[username] = gw.login(username.replace("_", "."))
        ok(call(gw, "bappeda", "PUT", "/v1/renja/opd?versi=sipd-2027",
                raw=(data_dir() / "demo" / "opd_12.21.csv").read_bytes(), content_type="text/csv"))
        for username, (role, scope) in USERS.items():
            if role == "opd":
                gw.create_user(admin, username.replace("_", "."), role, **scope)
                gw.tokens[username] = gw.login(username.replace("_", "."))
        for tahun in (TAHUN, ROUTED_TAHUN):
            open_cycle(gw, tahun)
        yield gw
    finally:
        stack.stop_gateway(gw)
        stack.stop_services(containers)


def open_cycle(gw, tahun):
    """The kamus and a schedule whose three windows are open now."""
    now = datetime.now(timezone.utc)
    windows = [{"level": lv, "opens_at": (now - timedelta(days=1)).isoformat(),
                "closes_at": (now + timedelta(days=5)).isoformat()} for lv in ("desa", "kecamatan", "kabupaten")]
    kamus = (data_dir() / "demo" / "kamus_usulan_12.21_2027.csv").read_bytes()
    ok(call(gw, "bappeda", "PUT", f"/v1/musrenbang/{tahun}/kamus", raw=kamus, content_type="text/csv"))
    ok(call(gw, "bappeda", "PUT", f"/v1/musrenbang/{tahun}/schedule", {"windows": windows}), 201)


def call(gw, who, method, path, body=None, **kwargs):
    return gw.request(method, path, body, token=gw.tokens[who] if who else None, **kwargs)


def ok(answer, status=200):
    assert answer.status == status, (answer.status, answer.body[:2000])
    return answer.json


def new_usulan(gw, desa=DESA_A, who="desa_a", tahun=TAHUN):
    kamus = ok(call(gw, "bappeda", "GET", f"/v1/musrenbang/{tahun}/kamus"))["items"][0]
    return ok(call(gw, who, "POST", f"/v1/musrenbang/{tahun}/usulan", {
        "desa": desa, "kamus_item_id": kamus["id"], "volume": "10", "permasalahan": "Jalan rusak",
        "gagasan": "Perbaikan jalan desa", "pengusul": {"nama": "Kelompok Tani", "telepon": "0812"}}), 201)


def upload(gw, who, usulan_id, parts, key=None, boundary=None):
    body, content_type = multipart(parts, boundary)
    return call(gw, who, "POST", f"/v1/musrenbang/usulan/{usulan_id}/lampiran", raw=body,
                content_type=content_type, headers={"Idempotency-Key": key} if key else None)


def stored_objects(gw) -> dict[str, bytes]:
    engine = sa.create_engine(gw.musrenbang_db)
    try:
        with engine.connect() as conn:
            return {r.key: bytes(r.content) for r in conn.execute(sa.text("select key, content from stored_object"))}
    finally:
        engine.dispose()


def test_a_photo_goes_in_stripped_and_comes_back_to_those_who_may_see_the_usulan(gateway):
    gw = gateway
    usulan = new_usulan(gw)
    answer = upload(gw, "desa_a", usulan["id"], [("file", PHOTO, "lokasi.pdf")])  # the name lies; the bytes decide
    added = ok(answer, 201)
    assert (added["jenis"], added["content_type"], added["lokasi_disimpan"]) == ("foto", "image/jpeg", False)
    assert answer.headers["location"] == added["url"] == f"/v1/musrenbang/lampiran/{added['id']}"

    # the kecamatan operator reads it back: a JPEG without any EXIF, the digest that was announced
    served = call(gw, "kec_a", "GET", added["url"])
    assert served.status == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["cache-control"].startswith("private")
    assert served.headers["content-disposition"].startswith("inline;")
    assert hashlib.sha256(served.body).hexdigest() == added["sha256"] and len(served.body) == added["ukuran"]
    image = Image.open(io.BytesIO(served.body))
    assert image.format == "JPEG" and dict(image.getexif()) == {}
    assert b"R58M-SERIAL-77" not in served.body and b"Samsung" not in served.body

    # the bytes are in the service's own database, under the attachment's key
    objects = stored_objects(gw)
    assert [objects[k] for k in objects if k.endswith("/" + added["id"])] == [served.body]

    listed = ok(call(gw, "bappeda", "GET", f"/v1/musrenbang/usulan/{usulan['id']}/lampiran"))
    assert [item["id"] for item in listed["items"]] == [added["id"]]

    # refused: another desa's operator, another kecamatan, an OPD it was never routed to
    for who in ("desa_b", "kec_b", "opd_pupr"):
        assert call(gw, who, "GET", added["url"]).status == 403, who
        assert call(gw, who, "GET", f"/v1/musrenbang/usulan/{usulan['id']}/lampiran").status == 403, who
    # and another desa's operator cannot attach to it, nor remove it
    assert upload(gw, "desa_b", usulan["id"], [("file", PHOTO, "x.jpg")]).status == 403
    assert call(gw, "desa_b", "DELETE", added["url"]).status == 403
    assert call(gw, "kec_a", "GET", added["url"]).status == 200  # still there

    # the public tracking page shows no attachment
    public = call(gw, None, "GET", f"/v1/public/usulan/{usulan['tracking_code']}")
    assert public.status == 200
    assert b"lampiran" not in public.body and added["id"].encode() not in public.body


def test_simpan_lokasi_keeps_the_gps_position_only(gateway):
    gw = gateway
    usulan = new_usulan(gw)
    added = ok(upload(gw, "desa_a", usulan["id"], [("file", PHOTO, "a.jpg"), ("simpan_lokasi", b"true", None)]), 201)
    assert added["lokasi_disimpan"] is True
    served = call(gw, "desa_a", "GET", added["url"]).body
    exif = Image.open(io.BytesIO(served)).getexif()
    assert set(exif) == {ExifTags.IFD.GPSInfo}
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)[2] == (1.0, 7.0, 24.0)
    assert b"R58M-SERIAL-77" not in served


def test_an_idempotent_retry_creates_one_attachment(gateway):
    gw = gateway
    usulan = new_usulan(gw)
    key = "lampiran-" + uuid.uuid4().hex
    first = upload(gw, "desa_a", usulan["id"], [("file", PHOTO, "a.jpg")], key=key, boundary="one")
    again = upload(gw, "desa_a", usulan["id"], [("file", PHOTO, "a.jpg")], key=key, boundary="two")
    assert first.status == again.status == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json["id"] == first.json["id"]
    listed = ok(call(gw, "desa_a", "GET", f"/v1/musrenbang/usulan/{usulan['id']}/lampiran"))
    assert [item["id"] for item in listed["items"]] == [first.json["id"]]


@pytest.mark.parametrize("content,status,code", [
    (b"PK\x03\x04 a word document", 415, "unsupported_type"),
    (PHOTO[: len(PHOTO) // 2], 422, "image_unreadable"),
    (b"%PDF-1.4 broken", 422, "pdf_unreadable"),
])
def test_refused_content_is_a_problem_that_says_what_to_do_and_keeps_nothing(gateway, content, status, code):
    gw = gateway
    usulan = new_usulan(gw)
    before = stored_objects(gw)
    answer = upload(gw, "desa_a", usulan["id"], [("file", content, "foto.jpg")])
    assert answer.status == status, answer.body
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json["code"] == code
    assert "lalu kirim" in answer.json["detail"] or "Lampirkan" in answer.json["detail"]  # what to do next
    assert stored_objects(gw) == before
    assert ok(call(gw, "desa_a", "GET", f"/v1/musrenbang/usulan/{usulan['id']}/lampiran"))["items"] == []


def test_a_pdf_is_kept_byte_for_byte_and_removed_while_editable(gateway):
    from pypdf import PdfWriter

    gw = gateway
    usulan = new_usulan(gw)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    added = ok(upload(gw, "desa_a", usulan["id"], [("file", out.getvalue(), "proposal.jpg")]), 201)
    assert (added["jenis"], added["content_type"]) == ("dokumen", "application/pdf")
    served = call(gw, "kec_a", "GET", added["url"])
    assert served.body == out.getvalue() and served.headers["content-disposition"].startswith("attachment;")

    assert call(gw, "desa_a", "DELETE", added["url"]).status == 204
    assert call(gw, "desa_a", "GET", added["url"]).status == 404
    assert not [k for k in stored_objects(gw) if k.endswith("/" + added["id"])]  # the bytes went too

    # the audit trail: who added and removed what, as for every other usulan change; no bytes, no name
    engine = sa.create_engine(gw.musrenbang_db)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("select action, actor, after::text as after from audit_log "
                                        "where subject = :s order by seq"), {"s": usulan["id"]}).all()
    finally:
        engine.dispose()
    trail = [(r.action, r.actor.get("sub")) for r in rows if "lampiran" in r.action]
    assert [action for action, _ in trail] == ["usulan.lampiran_added.v1", "usulan.lampiran_removed.v1"]
    assert all(sub for _, sub in trail)
    assert all("proposal" not in r.after and added["id"] in r.after for r in rows if "lampiran" in r.action)


def test_nothing_is_removed_or_added_after_the_desa_forum_closed(gateway):
    gw = gateway
    usulan = new_usulan(gw)
    added = ok(upload(gw, "desa_a", usulan["id"], [("file", PHOTO, "a.jpg")]), 201)
    ok(call(gw, "bappeda", "POST", f"/v1/musrenbang/{TAHUN}/schedule/changes",
            {"kind": "close_early", "level": "desa", "reason": "Musrenbang desa selesai"}))
    try:
        refused = call(gw, "desa_a", "DELETE", added["url"])
        assert refused.status == 409, refused.body
        assert refused.headers["content-type"] == "application/problem+json"
        assert upload(gw, "desa_a", usulan["id"], [("file", PHOTO, "b.jpg")]).status == 409
        assert call(gw, "kec_a", "GET", added["url"]).status == 200  # still there, still readable
    finally:  # reopen for the other tests of the module (any order)
        later = (datetime.now(timezone.utc) + timedelta(days=5)).isoformat()
        ok(call(gw, "bappeda", "POST", f"/v1/musrenbang/{TAHUN}/schedule/changes",
                {"kind": "reopen", "level": "desa", "closes_at": later, "reason": "Dibuka lagi untuk uji"}))


def test_a_retry_replaces_the_bytes_an_attempt_left_when_its_commit_failed(gateway):
    from eplanning_common.storage.postgres import PostgresStore
    from musrenbang.domain.lampiran import storage_key
    from musrenbang.lampiran_actions import NAMESPACE

    gw = gateway
    usulan = new_usulan(gw)
    key = "lampiran-orphan-" + uuid.uuid4().hex
    lampiran_id = str(uuid.uuid5(NAMESPACE, f"12.21/{TAHUN}/{usulan['id']}/{key}"))
    engine = sa.create_engine(gw.musrenbang_db)
    try:  # what a first attempt leaves when the put succeeded and the commit did not
        PostgresStore(engine).put(storage_key("12.21", TAHUN, usulan["id"], lampiran_id), b"left over", "image/jpeg")
    finally:
        engine.dispose()
    added = ok(upload(gw, "desa_a", usulan["id"], [("file", PHOTO, "a.jpg")], key=key), 201)
    assert added["id"] == lampiran_id
    served = call(gw, "desa_a", "GET", added["url"])
    assert served.status == 200 and hashlib.sha256(served.body).hexdigest() == added["sha256"]


def decide(gw, who, usulan_id, level):
    current = call(gw, who, "GET", f"/v1/musrenbang/usulan/{usulan_id}")
    ok(call(gw, who, "POST", f"/v1/musrenbang/usulan/{usulan_id}/decisions", {"level": level, "status": "diterima"},
            headers={"If-Match": current.headers["etag"]}))


def test_the_opd_an_usulan_was_routed_to_reads_its_attachments_once_the_stage_closed(gateway):
    gw = gateway
    usulan = new_usulan(gw, tahun=ROUTED_TAHUN)
    assert usulan["kamus_item"]["opd"] == USERS["opd_pupr"][1]["opd"]
    added = ok(upload(gw, "desa_a", usulan["id"], [("file", PHOTO, "a.jpg")]), 201)
    assert call(gw, "opd_pupr", "GET", added["url"]).status == 403  # not routed yet

    decide(gw, "desa_a", usulan["id"], "desa")
    decide(gw, "kec_a", usulan["id"], "kecamatan")
    ok(call(gw, "kec_a", "POST", f"/v1/musrenbang/{ROUTED_TAHUN}/kecamatan/{KEC_A}/close",
            {"tanggal": "2027-02-10", "tempat": "Aula Kantor Camat", "jumlah_peserta": 40}))
    decide(gw, "bappeda", usulan["id"], "kabupaten")
    assert call(gw, "opd_pupr", "GET", added["url"]).status == 403  # accepted, but the stage is open
    ok(call(gw, "bappeda", "POST", f"/v1/musrenbang/{ROUTED_TAHUN}/close"))

    served = call(gw, "opd_pupr", "GET", added["url"])
    assert served.status == 200 and hashlib.sha256(served.body).hexdigest() == added["sha256"]
    listed = ok(call(gw, "opd_pupr", "GET", f"/v1/musrenbang/usulan/{usulan['id']}/lampiran"))
    assert [item["id"] for item in listed["items"]] == [added["id"]]
    assert call(gw, "opd_dinkes", "GET", added["url"]).status == 403  # another OPD
    # an OPD reads attachments only: the usulan itself stays behind the gateway's role check
    assert call(gw, "opd_pupr", "GET", f"/v1/musrenbang/usulan/{usulan['id']}").status == 403
    # decided and closed: nothing changes any more
    assert call(gw, "desa_a", "DELETE", added["url"]).status == 409
