"""An RKPD version's files in the document store (in-memory fake): keyed by version and SHA-256,
with their media types, and refused if they changed between rendering and storing."""
import hashlib

import pytest

from eplanning_common.storage import ObjectMissing
from eplanning_common.storage.memory import MemoryStore
from rkpd import documents


def rendered(tmp_path, contents):
    files = {}
    for name, content in contents.items():
        (tmp_path / name).write_bytes(content)
        files[name] = {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
    return files


def test_each_file_is_put_under_its_version_and_digest_with_its_media_type(tmp_path):
    store = MemoryStore()
    files = rendered(tmp_path, {"rkpd.pdf": b"%PDF-1.7 x", "rkpd.json": b"{}"})
    where = documents.location("12.21", 2027, 3)
    documents.put_files(store, where, tmp_path, files)
    pdf = files["rkpd.pdf"]["sha256"]
    assert store.list("rkpd/12.21/2027/v3/") == sorted([f"rkpd/12.21/2027/v3/{pdf}/rkpd.pdf",
                                                        f"rkpd/12.21/2027/v3/{files['rkpd.json']['sha256']}/rkpd.json"])
    assert store.head(f"rkpd/12.21/2027/v3/{pdf}/rkpd.pdf").media_type == "application/pdf"
    assert documents.read(store, where, "rkpd.pdf", pdf) == b"%PDF-1.7 x"
    with pytest.raises(ObjectMissing):
        documents.read(store, documents.location("12.21", 2027, 4), "rkpd.pdf", pdf)


def test_a_file_changed_after_rendering_is_not_stored(tmp_path):
    store = MemoryStore()
    files = rendered(tmp_path, {"rkpd.html": b"<p>a</p>"})
    (tmp_path / "rkpd.html").write_bytes(b"<p>b</p>")
    with pytest.raises(RuntimeError, match="changed between rendering and storing"):
        documents.put_files(store, "rkpd/12.21/2027/v1", tmp_path, files)
    assert store.list() == []


def test_only_folders_are_legacy_locations():
    assert documents.is_legacy("/srv/eplanning/var/rkpd/12.21/2027/v2")
    assert not documents.is_legacy(documents.location("12.21", 2027, 2))
