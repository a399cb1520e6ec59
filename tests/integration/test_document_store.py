"""The storage port's contract, run against every adapter: the real PostgreSQL (a fresh
database), a real S3 API server (moto's, a subprocess on 127.0.0.1) and the in-memory fake the
unit tests use. Write once, read back checked, a changed object refused, a missing one named."""
import hashlib

import pytest
import sqlalchemy as sa

from eplanning_common.storage import InvalidKey, ObjectConflict, ObjectCorrupt, ObjectMissing, StoredObject
from eplanning_common.storage.memory import MemoryStore
from eplanning_common.storage.postgres import PostgresStore, create_table
from eplanning_common.storage.s3 import S3Store

from . import support
from .s3_server import s3_server

pytestmark = pytest.mark.timeout(120)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40
KEY = "rkpd/12.21/2027/v1/" + hashlib.sha256(PDF).hexdigest() + "/rkpd.pdf"


class Backend:
    """A store and a way to change its bytes behind its back (bit rot, an operator, an attacker)."""

    def __init__(self, store, corrupt, drop=lambda key: None):
        self.store, self.corrupt, self.drop = store, corrupt, drop


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    with s3_server(tmp_path_factory.mktemp("moto")) as server:
        yield server


@pytest.fixture(scope="module")
def pg_engine():
    engine = sa.create_engine(support.fresh_database("eplanning_test_document_store"))
    with engine.begin() as conn:
        create_table(conn)
    yield engine
    engine.dispose()


@pytest.fixture(params=["postgres", "s3", "memory"])
def backend(request):
    if request.param == "postgres":
        engine = request.getfixturevalue("pg_engine")
        with engine.begin() as conn:
            conn.execute(sa.text("truncate stored_object"))

        def corrupt(key, content):
            with engine.begin() as conn:
                conn.execute(sa.text("update stored_object set content = :c where key = :k"), {"c": content, "k": key})
        return Backend(PostgresStore(engine), corrupt)
    if request.param == "s3":
        server = request.getfixturevalue("s3")
        bucket = server.new_bucket()
        client = server.client()
        store = S3Store(client, bucket, prefix="eplanning")

        def corrupt(key, content):  # the same metadata, other bytes
            head = client.head_object(Bucket=bucket, Key="eplanning/" + key)
            client.put_object(Bucket=bucket, Key="eplanning/" + key, Body=content, Metadata=head["Metadata"])
        return Backend(store, corrupt)
    store = MemoryStore()
    return Backend(store, store.corrupt)


def test_put_then_get_gives_the_same_bytes_and_the_recorded_digest(backend):
    stored = backend.store.put(KEY, PDF, "application/pdf")
    assert stored == StoredObject(KEY, hashlib.sha256(PDF).hexdigest(), len(PDF), "application/pdf")
    assert backend.store.head(KEY) == stored
    assert backend.store.get(KEY) == PDF
    assert backend.store.get(KEY, sha256=stored.sha256) == PDF


def test_the_same_content_again_is_a_no_op_and_other_content_is_refused(backend):
    first = backend.store.put(KEY, PDF, "application/pdf")
    assert backend.store.put(KEY, PDF, "application/pdf") == first
    with pytest.raises(ObjectConflict):
        backend.store.put(KEY, PDF + b"x", "application/pdf")
    assert backend.store.get(KEY, sha256=first.sha256) == PDF  # untouched


@pytest.mark.parametrize("change", ["same size", "truncated", "appended"])
def test_an_object_changed_behind_the_store_is_refused(backend, change):
    stored = backend.store.put(KEY, PDF, "application/pdf")
    changed = {"same size": PDF[:-1] + b"\x00", "truncated": PDF[:100], "appended": PDF + b"%%EOF"}[change]
    backend.corrupt(KEY, changed)
    with pytest.raises(ObjectCorrupt) as info:
        backend.store.get(KEY, sha256=stored.sha256)
    assert KEY in str(info.value)
    with pytest.raises(ObjectCorrupt):
        backend.store.get(KEY)  # also without the caller's record: the store's own digest


def test_a_digest_the_caller_recorded_differently_is_refused(backend):
    backend.store.put(KEY, PDF, "application/pdf")
    with pytest.raises(ObjectCorrupt):
        backend.store.get(KEY, sha256="0" * 64)


def test_a_missing_object_is_named(backend):
    with pytest.raises(ObjectMissing) as info:
        backend.store.get("rkpd/12.21/2027/v9/rkpd.pdf")
    assert info.value.key == "rkpd/12.21/2027/v9/rkpd.pdf"
    assert backend.store.head("rkpd/12.21/2027/v9/rkpd.pdf") is None


def test_delete_removes_the_object_once_and_is_idempotent(backend):
    backend.store.put(KEY, PDF, "application/pdf")
    other = KEY.rsplit("/", 1)[0] + "/other.pdf"
    backend.store.put(other, PDF, "application/pdf")
    assert backend.store.delete(KEY) is True
    assert backend.store.head(KEY) is None
    with pytest.raises(ObjectMissing):
        backend.store.get(KEY)
    assert backend.store.delete(KEY) is False  # nothing left: no error, nothing else touched
    assert backend.store.get(other) == PDF
    assert backend.store.list(KEY.rsplit("/", 1)[0]) == [other]


def test_listing_by_prefix_is_sorted_and_stops_at_the_prefix(backend):
    for key in ("rkpd/12.21/2027/v2/b/rkpd.json", "rkpd/12.21/2027/v1/a/rkpd.json", "rkpd/12.21/2028/v1/c/rkpd.json",
                "lampiran/12.21/x.pdf"):
        backend.store.put(key, key.encode())
    assert backend.store.list("rkpd/12.21/2027/") == ["rkpd/12.21/2027/v1/a/rkpd.json",
                                                      "rkpd/12.21/2027/v2/b/rkpd.json"]
    assert len(backend.store.list()) == 4
    assert backend.store.list("rkpd/99") == []


@pytest.mark.parametrize("key", ["", "/abs/path", "a/../b", "a//b", ".hidden", "a/b c", "a\\b", "x" * 513, None])
def test_keys_that_could_escape_or_mislead_are_refused(backend, key):
    with pytest.raises(InvalidKey):
        backend.store.put(key, b"x")
    with pytest.raises(InvalidKey):
        backend.store.get(key)
