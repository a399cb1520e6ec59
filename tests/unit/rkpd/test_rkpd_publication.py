"""What is published (promoted versions only), the files read back from the document store over
RPC checked against their recorded SHA-256, and the chapter V open-data rows."""
import base64
import hashlib
import json

import pytest

from eplanning_common import errors as rpc
from eplanning_common.storage.memory import MemoryStore
from rkpd import documents, publication
from rkpd.domain import VERSIONS, content_hash, plan_assembly, promote, record_assembly
from rkpd.open_data import TABEL_V_COLUMNS, tabel_v_rows
from rkpd.render import canonical_json
from rkpd_builders import document, row

AWAL, RANCANGAN, AKHIR, PENETAPAN = VERSIONS


# -- what is published ---------------------------------------------------------------------------------


@pytest.mark.parametrize("history, published", [
    ([], []),
    ([(1, AWAL)], []),                                            # the automatic first assembly
    ([(1, AWAL), (2, AWAL), (3, AWAL)], []),                      # reassemblies are drafts too
    ([(1, AWAL), (2, RANCANGAN)], [2]),                           # Bappeda promoted
    ([(1, AWAL), (2, RANCANGAN), (3, RANCANGAN)], [2]),           # a reassembly after it is not published
    ([(1, AWAL), (2, AWAL), (3, RANCANGAN), (4, RANCANGAN), (5, AKHIR), (6, PENETAPAN)], [3, 5, 6]),
])
def test_only_promoted_versions_are_published(history, published):
    assert publication.published_numbers(history) == published


def test_the_rule_matches_how_the_domain_makes_versions():
    """Replaying the domain: every promote() changes the stage, every plan_assembly() keeps it."""
    history, promoted = (), []
    steps = ["assemble", "assemble", RANCANGAN, "assemble", AKHIR, "assemble", "assemble", PENETAPAN]
    for step in steps:
        plan = plan_assembly(history) if step == "assemble" else promote(history, step)
        if step != "assemble":
            promoted.append(plan.nomor)
        doc = document([row()], versi=plan.versi, nomor_versi=plan.nomor)
        history = record_assembly(history, doc)
    assert publication.published_numbers((v.nomor, v.versi) for v in history) == promoted == [3, 5, 8]


def test_file_entries_by_format_in_a_fixed_order():
    files = {"rkpd.pdf": {"sha256": "d" * 64, "bytes": 4}, "rkpd.json": {"sha256": "a" * 64, "bytes": 1}}
    assert publication.file_entries(files) == {
        "json": {"filename": "rkpd.json", "media_type": "application/json", "sha256": "a" * 64, "bytes": 1},
        "pdf": {"filename": "rkpd.pdf", "media_type": "application/pdf", "sha256": "d" * 64, "bytes": 4}}
    assert list(publication.file_entries({f: {"sha256": "0" * 64, "bytes": 0} for f in
                                          ("rkpd.pdf", "rkpd.html", "rkpd.xlsx", "rkpd.json")})) == \
        ["json", "xlsx", "html", "pdf"]


# -- files read back -------------------------------------------------------------------------------------


LOCATION = "rkpd/12.21/2027/v2"


@pytest.fixture
def version():
    """A version's four files in the in-memory document store, as documents.put_files leaves them."""
    contents = {"rkpd.json": b'{"a":1}', "rkpd.xlsx": b"PK\x03\x04" + bytes(range(256)),
                "rkpd.html": "<p>Rencana Kerja</p>".encode(), "rkpd.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"}
    store, files = MemoryStore(), {}
    for name, content in contents.items():
        files[name] = {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
        store.put(documents.key(LOCATION, name, files[name]["sha256"]), content, documents.MEDIA_TYPES[name])
    return store, files, contents


@pytest.mark.parametrize("fmt", list(publication.FORMATS))
def test_a_file_comes_back_as_base64_with_its_sha256(version, fmt):
    store, files, contents = version
    got = publication.read_file(store, LOCATION, files, fmt)
    filename, media_type = publication.FORMATS[fmt]
    content = base64.b64decode(got["content_base64"])
    assert content == contents[filename]
    assert got == {"format": fmt, "filename": filename, "media_type": media_type, "bytes": len(content),
                   "sha256": hashlib.sha256(content).hexdigest(), "content_base64": got["content_base64"]}
    json.dumps(got)  # travels over nameko's JSON serializer


def test_a_file_changed_in_the_store_is_refused(version):
    store, files, _ = version
    store.corrupt(documents.key(LOCATION, "rkpd.pdf", files["rkpd.pdf"]["sha256"]),
                  b"%PDF-1.7\n%\xe2\xe3\xcf\xd4\n")  # same size, one byte differs
    with pytest.raises(rpc.Conflict) as info:
        publication.read_file(store, LOCATION, files, "pdf")
    assert info.value.payload["code"] == "file_mismatch"


def test_a_row_recording_another_digest_than_the_store_holds_is_refused(version):
    store, files, _ = version
    forged = {**files, "rkpd.pdf": {**files["rkpd.pdf"], "sha256": files["rkpd.json"]["sha256"]}}
    with pytest.raises(rpc.Conflict) as info:
        publication.read_file(store, LOCATION, forged, "pdf")
    assert info.value.payload["code"] == "file_missing"  # keys carry the digest: nothing under it


def test_a_file_the_store_does_not_have_is_refused(version):
    store, files, _ = version
    with pytest.raises(rpc.Conflict) as info:
        publication.read_file(store, "rkpd/12.21/2027/v9", files, "html")
    assert info.value.payload["code"] == "file_missing"


def test_a_file_too_large_for_rpc_is_refused_without_reading_it(version):
    store, files, _ = version
    files = {**files, "rkpd.xlsx": {**files["rkpd.xlsx"], "bytes": publication.MAX_FILE_BYTES + 1}}
    with pytest.raises(rpc.Conflict) as info:
        publication.read_file(store, LOCATION, files, "xlsx")
    assert info.value.payload["code"] == "file_too_large"


def test_a_format_not_rendered_or_unknown(version):
    store, files, _ = version
    with pytest.raises(rpc.NotFound):
        publication.read_file(store, LOCATION, {k: v for k, v in files.items() if k != "rkpd.pdf"}, "pdf")
    with pytest.raises(rpc.ValidationError) as info:
        publication.read_file(store, LOCATION, files, "../rkpd.json")
    assert info.value.payload["errors"][0]["field"] == "fmt"


@pytest.mark.parametrize("pemda, tahun, fields", [
    ("12.21", 2027, []), ("1221", 2027, ["pemda"]), (None, 2027, ["pemda"]), ("12.21", "2027", ["tahun"]),
    ("12.21", True, ["tahun"]), ("12.21/../x", 1999, ["pemda", "tahun"])])
def test_public_callers_name_a_valid_pemda_and_year(pemda, tahun, fields):
    if not fields:
        publication.check_cycle(pemda, tahun)
        return
    with pytest.raises(rpc.ValidationError) as info:
        publication.check_cycle(pemda, tahun)
    assert [e["field"] for e in info.value.payload["errors"]] == fields


def test_the_json_files_sha256_is_the_content_hash():
    doc = document([row()])
    assert hashlib.sha256(canonical_json(doc)).hexdigest() == content_hash(doc)


# -- open data ----------------------------------------------------------------------------------------


def test_tabel_v_rows_are_the_chapter_v_lines_flattened():
    doc = document([row("r1", lokasi=("12.21.02", "12.21.01"), prioritas_nasional=("PN 5", "PN 1")),
                    row("r2", pagu_n="250000.50")])
    rows = tabel_v_rows(doc)
    lines = doc["tabel_v"]["baris"]
    assert len(rows) == len(lines) and all(list(r) == list(TABEL_V_COLUMNS) for r in rows)
    assert [(r["tingkat"], r["kode"], r["pagu_n"]) for r in rows] == [(x["tingkat"], x["kode"], x["pagu_n"])
                                                                       for x in lines]
    leaf = next(r for r in rows if r["tingkat"] == "sub_kegiatan" and r["pagu_n"] == "1000000.00")
    assert leaf["lokasi"] == "12.21.01; 12.21.02" and leaf["prioritas_nasional"] == "PN 1; PN 5"
    header = rows[0]
    assert header["tingkat"] == "opd" and header["lokasi"] == "" and header["pagu_n"] == "1250000.50"
    assert all(not isinstance(v, (list, dict)) for r in rows for v in r.values())
    assert "row_id" not in TABEL_V_COLUMNS
