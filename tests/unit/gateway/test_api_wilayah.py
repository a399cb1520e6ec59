"""GET /v1/public/wilayah/{pemda} (issue #14): the region tree of a pemda with names, from the
project's region data, public, cacheable (ETag, 304, Cache-Control); unknown pemda -> 404 problem."""
from __future__ import annotations

import csv

import pytest

from eplanning_common.config import data_dir
from gateway.regions import RegionIndex


@pytest.fixture(scope="module")
def padang_lawas_rows():
    with open(data_dir() / "wilayah_indonesia.csv", encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh) if row["kode"] == "12.21" or row["kode"].startswith("12.21.")]


def test_the_tree_of_a_pemda_has_every_kecamatan_and_desa_of_the_data_with_names(client, padang_lawas_rows):
    result = client.simulate_get("/v1/public/wilayah/12.21")
    assert result.status_code == 200, result.text
    body = result.json
    assert body["pemda"] == {"kode": "12.21", "nama": "Kabupaten Padang Lawas"}
    expected_kec = {r["kode"]: r["nama"] for r in padang_lawas_rows if r["tingkat"] == "kecamatan"}
    expected_desa = {r["kode"]: r["nama"] for r in padang_lawas_rows if r["tingkat"] == "desa_kelurahan"}
    assert {k["kode"]: k["nama"] for k in body["kecamatan"]} == expected_kec
    got_desa = {d["kode"]: d["nama"] for k in body["kecamatan"] for d in k["desa"]}
    assert got_desa == expected_desa and len(got_desa) == 304
    for kecamatan in body["kecamatan"]:
        assert all(d["kode"].startswith(kecamatan["kode"] + ".") for d in kecamatan["desa"])
        assert [d["kode"] for d in kecamatan["desa"]] == sorted(d["kode"] for d in kecamatan["desa"])
    assert [k["kode"] for k in body["kecamatan"]] == sorted(expected_kec)
    sosopan = next(k for k in body["kecamatan"] if k["kode"] == "12.21.01")
    assert sosopan["nama"] == "Sosopan"
    assert {"kode": "12.21.01.2001", "nama": "Pagaranbira Jae"} in sosopan["desa"]


def test_it_is_public_cacheable_and_revalidated_with_its_etag(client):
    first = client.simulate_get("/v1/public/wilayah/12.21", headers={"Authorization": "Bearer not-even-a-token"})
    assert first.status_code == 200
    assert first.headers["cache-control"] == "public, max-age=86400"
    etag = first.headers["etag"]
    again = client.simulate_get("/v1/public/wilayah/12.21", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.text == ""
    assert again.headers["etag"] == etag
    other = client.simulate_get("/v1/public/wilayah/32.73")
    assert other.status_code == 200 and other.headers["etag"] != etag
    assert other.json["pemda"]["kode"] == "32.73"


@pytest.mark.parametrize("pemda", ["12.99", "99.99"])
def test_an_unknown_pemda_is_a_404_problem(client, pemda):
    result = client.simulate_get(f"/v1/public/wilayah/{pemda}")
    assert result.status_code == 404
    assert result.headers["content-type"].startswith("application/problem+json")
    assert result.json["code"] == "pemda_not_found" and pemda in result.json["detail"]


@pytest.mark.parametrize("pemda", ["12", "12.21.01", "abc"])
def test_a_malformed_pemda_is_a_422_naming_the_field(client, pemda):
    result = client.simulate_get(f"/v1/public/wilayah/{pemda}")
    assert result.status_code == 422
    assert [e["field"] for e in result.json["errors"]] == ["pemda"]


def test_the_document_names_the_answer_wilayah(client):
    doc = client.simulate_get("/v1/openapi.json").json
    op = doc["paths"]["/v1/public/wilayah/{pemda}"]["get"]
    assert op["security"] == [] and op["operationId"] == "public.getWilayah"
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Wilayah"}
    assert "404" in op["responses"] and "304" in op["responses"]


def test_the_index_reads_only_the_block_of_the_pemda_and_knows_its_codes(tmp_path):
    path = tmp_path / "wilayah.csv"
    path.write_text("kode,nama,tingkat\n11,Aceh,provinsi\n11.01,Kabupaten A,kabupaten_kota\n"
                    "11.01.01,Kec \"Satu\",kecamatan\n11.01.01.2001,\"Desa, Koma\",desa_kelurahan\n"
                    "11.02,Kabupaten B,kabupaten_kota\n11.02.01,Kec B,kecamatan\n", encoding="utf-8")
    index = RegionIndex(path)
    tree = index.tree("11.01")
    assert tree.as_json() == {"pemda": {"kode": "11.01", "nama": "Kabupaten A"}, "kecamatan": [
        {"kode": "11.01.01", "nama": 'Kec "Satu"', "desa": [{"kode": "11.01.01.2001", "nama": "Desa, Koma"}]}]}
    assert index.exists("11.01.01.2001") and index.exists("11.02.01")
    assert not index.exists("11.01.01.2002") and not index.exists("11.01") and not index.exists("11.03.01")
    assert index.tree("11") is None and index.tree("11.03") is None
