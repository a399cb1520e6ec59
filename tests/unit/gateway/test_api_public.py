"""/v1/public through the real app with a fake RPC: reachable without a token (a token sent is
ignored and no identity reaches the services), each operation makes the right public RPC, the
RKPD files are served byte for byte with the SHA-256 the metadata lists, CSV exports are
well-formed, and no answer carries personal data even when a service sends some along."""
from __future__ import annotations

import base64
import copy
import csv
import hashlib
import io
import json

import pytest

from gateway.api import public as api
from gateway.api import rkpd
from gateway.api.schemas import field_errors
from gateway.app import create_app
from gateway.exceptions import NotFound, ValidationError
from gateway.identity import get_identity
from gateway.problems import PROBLEM_CONTENT_TYPE
from gateway_fakes import SERVICES

# personal data the services hold (musrenbang: proposer, operators, address, coordinates, free
# text; pokir: contact data, staf ahli, notes; rkpd: server paths): sent along by the fakes below
PERSONAL = {
    "pengusul": {"nama": "Siti Aminah", "telepon": "081234567890", "nik": "1221014101800001",
                 "kelompok": "Kelompok Tani Maju"},
    "nama_pengusul": "Siti Aminah", "telepon": "081234567890", "nik": "1221014101800001",
    "email": "siti.aminah@example.org", "alamat": "Lorong Kenanga 7", "lat": "1.0123", "lon": "99.3456",
    "created_by": "op-desa-7f3a", "withdrawn_by": "op-desa-7f3a", "by": "op-kec-91bc", "sub": "user-5d2e",
    "user_id": "user-5d2e", "anggota_id": "A01-internal", "staf_ahli": "Dewi Lubis",
    "catatan": "Catatan Setwan rahasia",
    "permasalahan": "Rumah Pak Budi Harahap kebanjiran", "gagasan": "Drainase depan rumah Pak Budi Harahap",
    "location": "/srv/eplanning/var/rkpd/12.21/2027/v2",
}
SECRETS = ["Siti Aminah", "081234567890", "1221014101800001", "Kelompok Tani Maju", "siti.aminah@example.org",
           "Lorong Kenanga", "1.0123", "99.3456", "op-desa-7f3a", "op-kec-91bc", "user-5d2e", "A01-internal",
           "Dewi Lubis", "Catatan Setwan rahasia", "Budi Harahap", "/srv/eplanning"]


def with_personal(record: dict) -> dict:
    return {**copy.deepcopy(PERSONAL), **record}


TRACKED = {**copy.deepcopy(api.EX_TRACKED),
           "decisions": [with_personal(d) for d in api.EX_TRACKED["decisions"]],
           "tindak_lanjut": [with_personal(t) for t in api.EX_TRACKED["tindak_lanjut"]]}
TRACKED = with_personal(TRACKED)

JSON_BYTES = json.dumps({"schema": "eplanning.rkpd/1", "pemda": "12.21"}).encode()
PDF_BYTES = b"%PDF-1.7\n" + bytes(range(256)) * 20 + b"\n%%EOF"


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


CONTENT = {"json": JSON_BYTES, "xlsx": b"PK\x03\x04xlsx" + bytes(range(200)), "html": b"<html>RKPD</html>",
           "pdf": PDF_BYTES}


def stored_files():
    return {fmt: with_personal({"filename": rkpd.FORMATS[fmt][0], "media_type": rkpd.FORMATS[fmt][1],
                                "sha256": sha(CONTENT[fmt]), "bytes": len(CONTENT[fmt])}) for fmt in rkpd.FORMATS}


PUBLISHED = with_personal({"pemda": "12.21", "pemda_nama": "Padang Lawas", "tahun": 2027, "terkini": 4, "versi": [
    with_personal({"nomor": 2, "versi": "rancangan", "content_hash": "a" * 64, "ditetapkan": False,
                   "dipublikasikan_pada": "2026-04-02T08:00:00+00:00", "stale_reason": "rahasia",
                   "files": stored_files()}),
    with_personal({"nomor": 4, "versi": "rancangan akhir", "content_hash": sha(JSON_BYTES), "ditetapkan": False,
                   "dipublikasikan_pada": "2026-05-02T08:00:00+00:00", "files": stored_files()})]})


def public_file(fmt, nomor=4, versi="rancangan akhir", content=None):
    content = CONTENT[fmt] if content is None else content
    return with_personal({"pemda": "12.21", "tahun": 2027, "nomor": nomor, "versi": versi, "format": fmt,
                          "filename": rkpd.FORMATS[fmt][0], "media_type": rkpd.FORMATS[fmt][1],
                          "bytes": len(content), "sha256": sha(content),
                          "content_base64": base64.b64encode(content).decode()})


POKIR_ITEMS = [with_personal({**api.EX_POKIR["items"][0]}),
               with_personal({**api.EX_POKIR["items"][0], "id": "p-2", "judul": "Jalan, jembatan \"desa\"\nbaru",
                              "cost": "5000000.00", "status": "diakomodasi", "status_label": "Diakomodasi"})]
TABEL_V_ROWS = [with_personal({"tingkat": "opd", "kode": "1.03.0.00.0.00.01.0000", "uraian": "Dinas PUPR",
                               "opd": "1.03.0.00.0.00.01.0000", "row_id": "R-internal", "indikator": None,
                               "target_n": None, "satuan": None, "pagu_n": "100000000.00", "lokasi": None,
                               "sumber_dana": None, "prioritas_nasional": None, "prioritas_daerah": None,
                               "kelompok_sasaran": None, "target_n1": None, "pagu_n1": "0.00"}),
                with_personal({"tingkat": "sub_kegiatan", "kode": "1.03.06.2.01.0012", "uraian": "Drainase; saluran",
                               "opd": "1.03.0.00.0.00.01.0000", "row_id": "R-internal",
                               "indikator": "=HYPERLINK(\"http://x\")", "target_n": "150", "satuan": "meter",
                               "pagu_n": "100000000.00", "lokasi": "12.21.07; 12.21.08", "sumber_dana": "DAU",
                               "prioritas_nasional": "PN2", "prioritas_daerah": None, "kelompok_sasaran": "Warga",
                               "target_n1": None, "pagu_n1": "0.00"})]
USULAN_ROWS = [with_personal(row) for row in api.EX_OPEN_DATA["rows"]] + [with_personal({
    **api.EX_OPEN_DATA["rows"][0], "tracking_code": "8R5LN3YQ", "status_kabupaten": "ditolak",
    "status_musrenbang": "ditolak", "alasan_musrenbang": "+ bukan prioritas, dialihkan tahun depan",
    "keputusan_opd": None, "alasan_opd": None, "status_akhir": "ditolak",
    "alasan_akhir": "+ bukan prioritas, dialihkan tahun depan"})]
OPEN = {
    "tabel-v": ("rkpd", "public_open_data", {"dataset": "tabel-v", "pemda": "12.21", "tahun": 2027,
                                             "sumber": with_personal({"nomor": 4, "versi": "rancangan akhir",
                                                                      "content_hash": sha(JSON_BYTES)}),
                                             "columns": ["x"], "rows": TABEL_V_ROWS}),
    "usulan": ("musrenbang", "public_open_data", {"dataset": "usulan", "pemda": "12.21", "tahun": 2027,
                                                  "sumber": with_personal({"tahap": "musrenbang", "accepted_count": 1,
                                                                           "accepted_cost": "75000000.00"}),
                                                  "columns": ["x"], "rows": USULAN_ROWS}),
    "pokir": ("pokir", "public_register", POKIR_ITEMS),
}


@pytest.fixture
def app(rpc, broker, auth, idempotency_store):
    return create_app(rpc=rpc, broker_check=broker, services=SERVICES, readiness_timeout=2.0, max_body_bytes=1024,
                      auth=auth, idempotency_store=idempotency_store, deps={})


@pytest.fixture
def identities():
    return []


@pytest.fixture
def services(rpc, identities):
    """Every public RPC answered (with personal data along); each records the identity it saw."""

    def answer(value):
        def run(*args, **kwargs):
            identities.append(get_identity())
            return copy.deepcopy(value(*args) if callable(value) else value)
        return run

    rpc.answers.update({
        ("musrenbang", "track_usulan"): answer(TRACKED),
        ("rkpd", "public_rkpd"): answer(PUBLISHED),
        ("rkpd", "public_rkpd_file"): answer(lambda pemda, tahun, fmt, nomor=None: public_file(
            fmt, **({} if nomor is None else {"nomor": nomor, "versi": "rancangan"}))),
        ("pokir", "public_register"): answer(POKIR_ITEMS),
        ("rkpd", "public_open_data"): answer(OPEN["tabel-v"][2]),
        ("musrenbang", "public_open_data"): answer(OPEN["usulan"][2]),
    })
    return rpc


def calls(rpc):
    return [(s, m, a) for s, m, a, _ in rpc.calls if m != "health"]


def op(operation_id):
    return next(o for o in api.OPERATIONS if o.operation_id == operation_id)


# every public operation, as requests a citizen sends
REQUESTS = {
    "public.trackUsulan": ["/v1/public/usulan/7Q4K-M2XP"],
    "public.getRkpd": ["/v1/public/rkpd/12.21/2027"],
    "public.getRkpdFile": [f"/v1/public/rkpd/12.21/2027/{fmt}" for fmt in rkpd.FORMATS]
    + ["/v1/public/rkpd/12.21/2027/pdf?nomor=2"],
    "public.getPokirRegister": ["/v1/public/pokir/12.21/2027"],
    "public.listOpenData": ["/v1/public/opendata/12.21/2027"],
    "public.getOpenData": [f"/v1/public/opendata/12.21/2027/{name}.{fmt}" for name in api.DATASETS
                           for fmt in api.OPEN_FORMATS],
}
ALL_URLS = [url for urls in REQUESTS.values() for url in urls]


def get(client, url, **kwargs):
    path, _, query = url.partition("?")
    return client.simulate_get(path, query_string=query or None, **kwargs)


def test_every_public_operation_is_public_under_v1_public_and_requested_here():
    assert {o.operation_id for o in api.OPERATIONS} == set(REQUESTS)
    assert all(o.roles is None and o.method == "GET" and o.path.startswith("/v1/public/") for o in api.OPERATIONS)


@pytest.mark.parametrize("url", ALL_URLS)
def test_reachable_without_a_token_and_no_identity_reaches_the_service(client, services, identities, url):
    result = get(client, url)
    assert result.status_code == 200, result.text
    assert all(i is None for i in identities)
    assert identities or url == "/v1/public/opendata/12.21/2027"  # the catalogue calls no service


@pytest.mark.parametrize("url", ALL_URLS)
def test_a_token_is_ignored_valid_or_not(client, services, identities, make_user, bearer, url):
    make_user("bappeda1")
    for headers in (bearer("bappeda1"), {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic x"}):
        result = get(client, url, headers=headers)
        assert result.status_code == 200, (headers, result.text)
    assert all(i is None for i in identities)
    assert identities or url == "/v1/public/opendata/12.21/2027"


# -- personal data --------------------------------------------------------------------------------


def test_no_public_answer_carries_the_personal_data_the_services_sent_along(client, services):
    seen = []
    for url in ALL_URLS:
        result = get(client, url)
        assert result.status_code == 200
        seen.append(result.content.decode("utf-8", "replace") + json.dumps(dict(result.headers)))
    text = "\n".join(seen)
    for secret in SECRETS:
        assert secret not in text, secret
    for key in ("pengusul", "telepon", "nik", "email", "alamat", "created_by", "anggota_id", "user_id",
                "location", "stale_reason", "row_id", "permasalahan", "gagasan"):
        assert f'"{key}"' not in text, key


def test_the_scanner_would_see_personal_data_if_it_got_through(client, services):
    """The check above is not vacuous: the fakes do send the secrets to the gateway."""
    sent = json.dumps([TRACKED, PUBLISHED, POKIR_ITEMS, OPEN["tabel-v"][2], OPEN["usulan"][2]])
    assert all(secret in sent for secret in SECRETS)


# -- usulan tracking --------------------------------------------------------------------------------


def test_tracking_answers_status_reasons_and_follow_up(client, services):
    result = client.simulate_get("/v1/public/usulan/7Q4K-M2XP")
    assert result.status_code == 200
    assert calls(services) == [("musrenbang", "track_usulan", ("7Q4K-M2XP",))]
    assert result.json == api.EX_TRACKED
    assert field_errors(result.json, op("public.trackUsulan").response) == []


@pytest.mark.parametrize("code", ["ab", "x" * 40, "ABC%24DEF", "ABCD_EFGH"])
def test_a_malformed_tracking_code_is_422_before_any_call(client, services, code):
    result = client.simulate_get(f"/v1/public/usulan/{code}")
    assert result.status_code == 422 and result.json["errors"][0]["field"] == "tracking_code"
    assert calls(services) == []


def test_an_unknown_tracking_code_is_404(client, services):
    services.answers[("musrenbang", "track_usulan")] = NotFound("musrenbang", "track_usulan", "NotFound", {
        "detail": "Kode lacak tidak ditemukan", "code": "tracking_code_not_found"})
    result = client.simulate_get("/v1/public/usulan/ZZZZZZZZ")
    assert result.status_code == 404 and result.json["code"] == "tracking_code_not_found"
    assert result.headers["content-type"] == PROBLEM_CONTENT_TYPE


# -- the published RKPD --------------------------------------------------------------------------------


def test_the_published_rkpd_lists_versions_with_hashes_and_public_urls(client, services):
    result = client.simulate_get("/v1/public/rkpd/12.21/2027")
    assert result.status_code == 200
    assert calls(services) == [("rkpd", "public_rkpd", ("12.21", 2027))]
    body = result.json
    assert field_errors(body, op("public.getRkpd").response) == []
    assert (body["terkini"], [v["nomor"] for v in body["versi"]]) == (4, [2, 4])
    newest = body["versi"][-1]
    assert newest["files"]["pdf"] == {
        "format": "pdf", "filename": "rkpd.pdf", "media_type": "application/pdf", "sha256": sha(PDF_BYTES),
        "bytes": len(PDF_BYTES), "url": "http://falconframework.org/v1/public/rkpd/12.21/2027/pdf?nomor=4"}


@pytest.mark.parametrize("fmt", list(rkpd.FORMATS))
def test_each_file_hashes_to_the_sha256_the_metadata_advertises(client, services, fmt):
    listed = client.simulate_get("/v1/public/rkpd/12.21/2027").json["versi"][-1]["files"][fmt]
    path, _, query = listed["url"].removeprefix("http://falconframework.org").partition("?")
    result = client.simulate_get(path, query_string=query)
    assert result.status_code == 200
    assert result.content == CONTENT[fmt] and len(result.content) == listed["bytes"]
    assert sha(result.content) == listed["sha256"] == result.headers["x-content-sha256"]
    raw = hashlib.sha256(result.content).digest()
    assert result.headers["repr-digest"] == f"sha-256=:{base64.b64encode(raw).decode()}:"
    assert result.headers["etag"] == f'"{listed["sha256"][:32]}"'
    assert result.headers["content-type"] == rkpd.FORMATS[fmt][1]
    assert f"rkpd_12.21_2027_v4.{fmt}" in result.headers["content-disposition"]
    assert ("rkpd", "public_rkpd_file", ("12.21", 2027, fmt, 4)) in calls(services)


def test_the_json_files_sha256_is_the_documents_content_hash(client, services):
    listed = client.simulate_get("/v1/public/rkpd/12.21/2027").json["versi"][-1]
    result = client.simulate_get("/v1/public/rkpd/12.21/2027/json")
    assert sha(result.content) == listed["content_hash"]


def test_without_nomor_the_newest_published_file(client, services):
    result = client.simulate_get("/v1/public/rkpd/12.21/2027/pdf")
    assert result.status_code == 200 and result.headers["x-rkpd-nomor"] == "4"
    assert calls(services) == [("rkpd", "public_rkpd_file", ("12.21", 2027, "pdf", None))]


def test_nothing_published_is_404_and_an_unpublished_version_too(client, services):
    services.answers[("rkpd", "public_rkpd")] = NotFound("rkpd", "public_rkpd", "NotFound", {
        "detail": "RKPD 12.21 2027 belum dipublikasikan", "code": "rkpd_not_published"})
    services.answers[("rkpd", "public_rkpd_file")] = NotFound("rkpd", "public_rkpd_file", "NotFound", {
        "detail": "RKPD 12.21 2027 versi 1 tidak dipublikasikan", "code": "rkpd_not_published"})
    for url in ("/v1/public/rkpd/12.21/2027", "/v1/public/rkpd/12.21/2027/pdf"):
        result = client.simulate_get(url)
        assert result.status_code == 404 and result.json["code"] == "rkpd_not_published"
    result = client.simulate_get("/v1/public/rkpd/12.21/2027/pdf", query_string="nomor=1")
    assert result.status_code == 404


def test_bytes_that_do_not_match_their_sha256_are_not_served(client, services):
    tampered = public_file("pdf")
    tampered["content_base64"] = base64.b64encode(PDF_BYTES + b"x").decode()
    services.answers[("rkpd", "public_rkpd_file")] = tampered
    result = client.simulate_get("/v1/public/rkpd/12.21/2027/pdf")
    assert result.status_code == 502 and b"%PDF" not in result.content


@pytest.mark.parametrize("url, field", [("/v1/public/rkpd/1221/2027", "pemda"), ("/v1/public/rkpd/12.21/1999", "tahun"),
                                        ("/v1/public/rkpd/xx/2027/pdf", "pemda"),
                                        ("/v1/public/pokir/12.2/2027", "pemda"),
                                        ("/v1/public/opendata/12.21/2200/usulan.csv", "tahun"),
                                        ("/v1/public/opendata/12-21/2027", "pemda")])
def test_a_malformed_pemda_or_year_is_422_before_any_call(client, services, url, field):
    result = client.simulate_get(url)
    assert result.status_code == 422 and [e["field"] for e in result.json["errors"]] == [field]
    assert calls(services) == []


@pytest.mark.parametrize("url", ["/v1/public/rkpd/12.21/2027/docx", "/v1/public/rkpd/12.21/2027/pdf?nomor=0"])
def test_an_unknown_format_or_bad_nomor_is_refused_before_any_call(client, services, url):
    assert get(client, url).status_code in (404, 422)
    assert calls(services) == []


# -- the pokir register --------------------------------------------------------------------------------


def test_the_pokir_register_of_a_pemda_and_year(client, services):
    result = client.simulate_get("/v1/public/pokir/12.21/2027")
    assert result.status_code == 200
    assert calls(services) == [("pokir", "public_register", ("12.21", 2027))]
    assert result.json["items"][0] == api.EX_POKIR["items"][0]
    assert field_errors(result.json, op("public.getPokirRegister").response) == []


# -- open data ------------------------------------------------------------------------------------------


def test_the_catalogue_lists_every_dataset_with_its_urls(client, services):
    result = client.simulate_get("/v1/public/opendata/12.21/2027")
    assert result.status_code == 200 and calls(services) == []
    assert field_errors(result.json, op("public.listOpenData").response) == []
    assert [d["dataset"] for d in result.json["datasets"]] == list(api.DATASETS)
    usulan = result.json["datasets"][1]
    assert usulan["formats"]["csv"] == "http://falconframework.org/v1/public/opendata/12.21/2027/usulan.csv"
    assert usulan["columns"] == list(api.USULAN_ROW["properties"])


@pytest.mark.parametrize("name", list(api.DATASETS))
def test_the_json_export_keeps_only_the_datasets_columns(client, services, name):
    service, method, _ = OPEN[name]
    result = client.simulate_get(f"/v1/public/opendata/12.21/2027/{name}.json")
    assert result.status_code == 200
    assert calls(services)[0][:2] == (service, method) and calls(services)[0][2][:2] == ("12.21", 2027)
    body = result.json
    assert field_errors(body, op("public.getOpenData").response) == []
    columns = list(api.DATASETS[name][1]["properties"])
    assert body["columns"] == columns and body["dataset"] == name
    assert all(list(row) == columns for row in body["rows"])
    assert len(body["rows"]) == {"tabel-v": 2, "usulan": 2, "pokir": 2}[name]


@pytest.mark.parametrize("name", list(api.DATASETS))
def test_the_csv_export_is_rfc4180_with_the_same_rows_as_the_json(client, services, name):
    as_json = client.simulate_get(f"/v1/public/opendata/12.21/2027/{name}.json").json
    result = client.simulate_get(f"/v1/public/opendata/12.21/2027/{name}.csv")
    assert result.status_code == 200
    assert result.headers["content-type"].startswith("text/csv")
    assert f"{name}_12.21_2027.csv" in result.headers["content-disposition"]
    assert result.content.endswith(b"\r\n") and not result.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(result.content.decode("utf-8"), newline=""), strict=True))
    assert table[0] == as_json["columns"]
    assert len(table) == 1 + len(as_json["rows"])
    assert all(len(line) == len(table[0]) for line in table)
    for line, row in zip(table[1:], as_json["rows"]):
        expected = [api.csv_cell(row[c]) for c in as_json["columns"]]
        assert line == expected
        # text survives exactly (commas, quotes, newlines), except the formula guard's apostrophe
        assert [v.removeprefix("'") if isinstance(row[c], str) and row[c][:1] in "=+@" else v
                for v, c in zip(line, as_json["columns"])] == ["" if row[c] is None else str(row[c])
                                                               for c in as_json["columns"]]


def test_csv_quotes_separators_and_guards_formulas():
    data = api.to_csv(["a", "b", "c", "d"], [{"a": 'Jalan, "desa"\nbaru', "b": "=1+2", "c": None, "d": "-"},
                                             {"a": "-5.50", "b": "@SUM(A1)", "c": 7, "d": "+62 812"}])
    assert data == ('a,b,c,d\r\n"Jalan, ""desa""\nbaru",\'=1+2,,-\r\n'
                    "-5.50,'@SUM(A1),7,'+62 812\r\n").encode()


@pytest.mark.parametrize("url", ["/v1/public/opendata/12.21/2027/penduduk.csv",
                                 "/v1/public/opendata/12.21/2027/usulan.xml", "/v1/public/opendata/12.21/2027/usulan"])
def test_an_unknown_dataset_or_format_is_404_before_any_call(client, services, url):
    assert client.simulate_get(url).status_code == 404
    assert calls(services) == []


@pytest.mark.parametrize("name, code", [("usulan", "not_published"), ("tabel-v", "rkpd_not_published"),
                                        ("pokir", "not_found")])
def test_unpublished_data_is_404(client, services, name, code):
    service, method, _ = OPEN[name]
    services.answers[(service, method)] = NotFound(service, method, "NotFound", {"detail": "belum", "code": code})
    for fmt in api.OPEN_FORMATS:
        result = client.simulate_get(f"/v1/public/opendata/12.21/2027/{name}.{fmt}")
        assert result.status_code == 404 and result.json["code"] == code


def test_a_service_refusing_the_input_is_422(client, services):
    services.answers[("musrenbang", "public_open_data")] = ValidationError(
        "musrenbang", "public_open_data", "ValidationError",
        {"detail": "Pemda atau tahun tidak valid", "errors": [{"field": "pemda", "message": "x", "code": "invalid"}]})
    assert client.simulate_get("/v1/public/opendata/12.21/2027/usulan.json").status_code == 422


# -- projection ------------------------------------------------------------------------------------------


def test_projection_keeps_only_declared_members_at_every_depth():
    schema = api.obj({"a": api.string(), "b": api.arr(api.obj({"c": api.string()}, ["c"])),
                      "d": api.nullable(api.obj({"e": api.string()}))})
    value = {"a": "1", "x": "secret", "b": [{"c": "2", "y": "secret"}], "d": {"e": "3", "z": "secret"}}
    assert api.project(value, schema) == {"a": "1", "b": [{"c": "2"}], "d": {"e": "3"}}
    assert api.project({"a": {"nested": "secret"}}, schema) == {"a": None}
    assert api.project({"d": None}, schema) == {"d": None}


def _open_objects(schema, where="$"):
    """Places in a schema where an object may carry members the schema does not name."""
    found = []
    if isinstance(schema, dict):
        if schema.get("type") == "object" or "properties" in schema:
            if schema.get("additionalProperties", True) is not False or not schema.get("properties"):
                found.append(where)
        for key, sub in schema.items():
            if isinstance(sub, dict):
                found += _open_objects(sub, f"{where}.{key}")
            elif isinstance(sub, list):
                found += [p for i, s in enumerate(sub) for p in _open_objects(s, f"{where}.{key}[{i}]")]
    return found


@pytest.mark.parametrize("operation", [o for o in api.OPERATIONS if o.response is not None],
                         ids=lambda o: o.operation_id)
def test_every_public_answer_schema_names_all_its_members(operation):
    """The projection is a whitelist only if no public schema lets undeclared members through."""
    assert _open_objects(operation.response) == []
