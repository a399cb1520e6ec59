"""Attachments under /v1/musrenbang (gateway.api.lampiran), through the real app with a FakeRpc for
the service: multipart parsing, the upload's own body limit (before reading), Idempotency-Key on a
multipart body, the served bytes and their headers, the OpenAPI document, the role lists."""
from __future__ import annotations

import base64
import hashlib
import uuid

import pytest

from gateway.api import lampiran as api
from gateway.api import openapi
from gateway.api.catalog import DOCUMENTED
from gateway.app import create_app
from gateway.exceptions import Conflict, PayloadTooLarge, UnsupportedMediaType, ValidationError
from gateway_fakes import SERVICES

from musrenbang import access, lampiran_content

UID = "3f6c1f0e-5d7b-4a43-9a53-2b8c9e1d4a10"
LID = "2f1c7a7e-8a54-5d0e-b3c1-6f2f0e4b9a10"
UPLOAD = f"/v1/musrenbang/usulan/{UID}/lampiran"
FILE = f"/v1/musrenbang/lampiran/{LID}"
JPEG = b"\xff\xd8\xff\xe0" + b"photo bytes" * 50
META = {"id": LID, "usulan_id": UID, "jenis": "foto", "content_type": "image/jpeg", "ukuran": len(JPEG),
        "sha256": hashlib.sha256(JPEG).hexdigest(), "lokasi_disimpan": False,
        "dibuat_pada": "2027-01-15T09:05:00+00:00"}
SCOPES = {"bappeda": {}, "operator_desa": {"wilayah": "12.21.01.2001"}, "operator_kecamatan": {"wilayah": "12.21.01"},
          "opd": {"opd": "1.03.0.00.0.00.01.0000"}, "anggota_dprd": {"anggota_id": "A-07"}, "admin": {}}


@pytest.fixture
def app(rpc, broker, auth, idempotency_store):
    return create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0,
                      max_body_bytes=1024, auth=auth, idempotency_store=idempotency_store, deps={})


@pytest.fixture
def as_role(make_user, bearer):
    made = {}

    def headers(role):
        if role not in made:
            make_user(role, role=role, **SCOPES[role])
            made[role] = bearer(role)
        return made[role]

    return headers


def multipart(parts: list[tuple[str, bytes, str | None]], boundary: str | None = None) -> tuple[bytes, str]:
    """(body, content type) of a multipart/form-data body; parts are (name, bytes, filename or None)."""
    boundary = boundary or "----eplanning" + uuid.uuid4().hex
    body = b""
    for name, data, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            body += b"Content-Type: application/pdf\r\n"  # what the client claims: never believed
        body += b"\r\n" + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload(client, headers, parts, boundary=None, **extra):
    body, content_type = multipart(parts, boundary)
    return client.simulate_post(UPLOAD, body=body, headers={**headers, "Content-Type": content_type, **extra})


def test_upload_sends_the_bytes_as_base64_and_answers_201_with_location(client, rpc, as_role):
    rpc.answers[("musrenbang", "add_lampiran")] = META
    result = upload(client, as_role("operator_desa"), [("file", JPEG, "laporan.pdf"), ("simpan_lokasi", b"true", None)])
    assert result.status_code == 201, result.text
    assert result.json == {**META, "url": FILE}
    assert result.headers["Location"].endswith(FILE)
    (service, method, args, kwargs), = [c for c in rpc.calls if c[1] == "add_lampiran"]
    assert args == (UID,) and base64.b64decode(kwargs["content_b64"]) == JPEG and kwargs["simpan_lokasi"] is True
    assert rpc.batches[-1] == api.UPLOAD_TIMEOUT_SECONDS  # longer than a JSON call's


def test_simpan_lokasi_defaults_to_false_and_only_true_or_false_is_accepted(client, rpc, as_role):
    rpc.answers[("musrenbang", "add_lampiran")] = META
    assert upload(client, as_role("operator_desa"), [("file", JPEG, "a.jpg")]).status_code == 201
    assert rpc.calls[-1][3]["simpan_lokasi"] is False
    calls = len(rpc.calls)
    refused = upload(client, as_role("operator_desa"), [("file", JPEG, "a.jpg"), ("simpan_lokasi", b"ya", None)])
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "simpan_lokasi"
    assert len(rpc.calls) == calls


@pytest.mark.parametrize("parts,field", [
    ([("simpan_lokasi", b"true", None)], "file"),
    ([("file", JPEG, "a.jpg"), ("nama", b"x", None)], "nama"),
    ([("file", JPEG, "a.jpg"), ("file", JPEG, "b.jpg")], "file"),
])
def test_a_form_without_its_file_or_with_unknown_or_repeated_parts_is_refused(client, rpc, as_role, parts, field):
    result = upload(client, as_role("operator_desa"), parts)
    assert result.status_code == 422, result.text
    assert field in {e["field"] for e in result.json["errors"]}
    assert not [c for c in rpc.calls if c[1] == "add_lampiran"]


def test_a_json_body_is_415(client, rpc, as_role):
    result = client.simulate_post(UPLOAD, json={"file": "x"}, headers=as_role("operator_desa"))
    assert result.status_code == 415
    assert result.headers["Content-Type"] == "application/problem+json"


def test_a_body_that_is_not_multipart_is_a_400(client, as_role):
    result = client.simulate_post(UPLOAD, body=b"not multipart at all", headers={
        **as_role("operator_desa"), "Content-Type": "multipart/form-data; boundary=xyz"})
    assert result.status_code == 400
    assert result.headers["Content-Type"] == "application/problem+json"


def test_the_upload_may_exceed_the_json_body_limit_but_not_its_own(client, rpc, as_role):
    rpc.answers[("musrenbang", "add_lampiran")] = META
    big = JPEG + b"x" * 5000  # the app's JSON limit here is 1024 bytes
    assert upload(client, as_role("operator_desa"), [("file", big, "a.jpg")]).status_code == 201
    # elsewhere the JSON limit still holds
    result = client.simulate_post("/v1/musrenbang/2027/usulan", body=b"{" + b" " * 2000 + b"}",
                                  headers={**as_role("operator_desa"), "Content-Type": "application/json"})
    assert result.status_code == 413


def test_an_oversized_upload_is_refused_from_its_content_length_before_any_read(client, rpc, as_role):
    class Unreadable:
        def read(self, *args):
            raise AssertionError("the body was read")

        readline = readlines = read

        def __iter__(self):
            return self

    result = client.simulate_post(UPLOAD, headers={
        **as_role("operator_desa"), "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(api.MAX_UPLOAD_BODY_BYTES + 1)}, body=b"", extras={"wsgi.input": Unreadable()})
    assert result.status_code == 413
    assert result.json["max_bytes"] == api.MAX_UPLOAD_BODY_BYTES
    assert not [c for c in rpc.calls if c[1] == "add_lampiran"]


def test_a_file_over_the_largest_kept_size_is_refused_before_the_rpc(client, rpc, as_role):
    result = upload(client, as_role("operator_desa"), [("file", b"%PDF-" + b"0" * api.MAX_FILE_BYTES, "a.pdf")])
    assert result.status_code == 413
    assert "10 MB" in result.json["detail"]
    assert not [c for c in rpc.calls if c[1] == "add_lampiran"]


@pytest.mark.parametrize("error,status", [
    (PayloadTooLarge("musrenbang", "add_lampiran", "PayloadTooLarge",
                     {"detail": "Foto 9,0 MB melebihi batas 8 MB.", "code": "file_too_large"}), 413),
    (UnsupportedMediaType("musrenbang", "add_lampiran", "UnsupportedMediaType",
                          {"detail": "Jenis berkas tidak didukung", "code": "unsupported_type"}), 415),
    (ValidationError("musrenbang", "add_lampiran", "ValidationError",
                     {"detail": "Foto rusak", "code": "image_unreadable",
                      "errors": [{"field": "file", "message": "Foto rusak", "code": "image_unreadable"}]}), 422),
    (Conflict("musrenbang", "add_lampiran", "Conflict", {"detail": "sudah 10", "code": "lampiran_limit"}), 409),
])
def test_the_services_refusals_are_problems_with_its_message(client, rpc, as_role, error, status):
    rpc.answers[("musrenbang", "add_lampiran")] = error
    result = upload(client, as_role("operator_desa"), [("file", JPEG, "a.jpg")])
    assert result.status_code == status
    assert result.headers["Content-Type"] == "application/problem+json"
    assert result.json["detail"] == error.payload["detail"] and result.json["code"] == error.payload["code"]


def test_a_retry_with_the_same_key_and_a_new_boundary_replays_the_first_answer(client, rpc, as_role):
    made = []
    rpc.answers[("musrenbang", "add_lampiran")] = lambda *a, **k: made.append(k) or META
    headers = {**as_role("operator_desa"), "Idempotency-Key": "lampiran-retry-0001"}
    first = upload(client, headers, [("file", JPEG, "a.jpg")], boundary="first-boundary")
    again = upload(client, headers, [("file", JPEG, "foto.jpg")], boundary="another-boundary")
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json == first.json
    assert len(made) == 1 and made[0]["request_id"] == "lampiran-retry-0001"
    other = upload(client, headers, [("file", JPEG + b"!", "a.jpg")])  # other bytes, same key
    assert other.status_code == 422 and len(made) == 1


def test_the_file_is_served_with_its_type_and_safe_headers(client, rpc, as_role):
    rpc.answers[("musrenbang", "get_lampiran")] = {"lampiran": META, "content_b64": base64.b64encode(JPEG).decode()}
    result = client.simulate_get(FILE, headers=as_role("operator_kecamatan"))
    assert result.status_code == 200
    assert result.content == JPEG
    assert result.headers["Content-Type"] == "image/jpeg"
    assert result.headers["X-Content-Type-Options"] == "nosniff"
    assert result.headers["Cache-Control"].startswith("private")
    assert result.headers["Content-Disposition"] == f'inline; filename="lampiran-{LID}.jpg"'
    assert result.headers["Repr-Digest"] == "sha-256=:" + base64.b64encode(hashlib.sha256(JPEG).digest()).decode() + ":"
    etag = result.headers["ETag"]
    again = client.simulate_get(FILE, headers={**as_role("operator_kecamatan"), "If-None-Match": etag})
    assert again.status_code == 304


def test_a_pdf_is_served_as_a_download(client, rpc, as_role):
    pdf = b"%PDF-1.7 ..."
    rpc.answers[("musrenbang", "get_lampiran")] = {
        "lampiran": {**META, "jenis": "dokumen", "content_type": "application/pdf"},
        "content_b64": base64.b64encode(pdf).decode()}
    result = client.simulate_get(FILE, headers=as_role("bappeda"))
    assert result.headers["Content-Type"] == "application/pdf"
    assert result.headers["Content-Disposition"].startswith("attachment;")


def test_list_adds_the_url_and_delete_is_204(client, rpc, as_role):
    rpc.answers[("musrenbang", "list_lampiran")] = {"items": [META]}
    rpc.answers[("musrenbang", "delete_lampiran")] = META
    listed = client.simulate_get(UPLOAD, headers=as_role("opd"))
    assert listed.status_code == 200 and listed.json == {"items": [{**META, "url": FILE}]}
    deleted = client.simulate_delete(FILE, headers=as_role("operator_desa"))
    assert deleted.status_code == 204 and deleted.content == b""
    assert rpc.calls[-1][1:3] == ("delete_lampiran", (LID,))


@pytest.mark.parametrize("role", ["anggota_dprd", "admin"])
def test_roles_that_never_see_usulan_are_refused_by_the_gateway(client, rpc, as_role, role):
    assert client.simulate_get(FILE, headers=as_role(role)).status_code == 403
    assert upload(client, as_role(role), [("file", JPEG, "a.jpg")]).status_code == 403
    assert not [c for c in rpc.calls if "lampiran" in c[1]]


def test_the_public_has_no_way_to_the_files(client):
    assert client.simulate_get(FILE).status_code == 401
    assert client.simulate_get(UPLOAD).status_code == 401


def test_gateway_roles_are_the_services(client):
    assert api.WRITERS == {access.DESA}
    assert api.READERS == set(access.LAMPIRAN_READERS)


def test_the_gateway_limits_are_the_services():
    assert (api.MAX_FOTO_BYTES, api.MAX_DOKUMEN_BYTES) == (lampiran_content.MAX_FOTO_BYTES,
                                                           lampiran_content.MAX_DOKUMEN_BYTES)


def test_openapi_documents_the_multipart_body_and_the_binary_answer():
    doc = openapi.build(DOCUMENTED, webhooks=None)
    post = doc["paths"]["/v1/musrenbang/usulan/{usulan_id}/lampiran"]["post"]
    form = post["requestBody"]["content"]["multipart/form-data"]
    assert form["schema"]["required"] == ["file"] and form["schema"]["properties"]["file"]["format"] == "binary"
    assert set(form["encoding"]) == {"file"}
    assert {"413", "415", "422"} <= set(post["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in post["parameters"])
    get = doc["paths"]["/v1/musrenbang/lampiran/{lampiran_id}"]["get"]
    assert set(get["responses"]["200"]["content"]) == {"image/jpeg", "application/pdf"}
    assert get["responses"]["200"]["content"]["image/jpeg"]["schema"]["format"] == "binary"
