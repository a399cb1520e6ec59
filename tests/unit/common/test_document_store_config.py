"""DOCUMENT_STORE and the S3 settings: defaults, and a clear error for a value that is not one."""
import pytest

from eplanning_common import config
from eplanning_common.storage import StorageError, open_store
from eplanning_common.storage.s3 import S3Store


def test_postgres_is_the_default(monkeypatch):
    monkeypatch.delenv("DOCUMENT_STORE", raising=False)
    assert config.document_store() == "postgres"
    monkeypatch.setenv("DOCUMENT_STORE", " S3 ")
    assert config.document_store() == "s3"


def test_an_unknown_store_names_the_variable_and_the_choices(monkeypatch):
    monkeypatch.setenv("DOCUMENT_STORE", "disk")
    with pytest.raises(ValueError, match="DOCUMENT_STORE must be one of postgres, s3"):
        config.document_store()


def test_s3_settings_path_style_with_an_endpoint_auto_without(monkeypatch):
    for name in ("DOCUMENT_S3_ENDPOINT_URL", "DOCUMENT_S3_ADDRESSING_STYLE", "DOCUMENT_S3_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DOCUMENT_S3_BUCKET", "dokumen")
    assert config.document_s3_settings() == {"bucket": "dokumen", "prefix": "", "endpoint_url": None,
                                             "region": "us-east-1", "addressing_style": "auto"}
    monkeypatch.setenv("DOCUMENT_S3_ENDPOINT_URL", "http://minio:9000")
    assert config.document_s3_settings()["addressing_style"] == "path"
    monkeypatch.setenv("DOCUMENT_S3_ADDRESSING_STYLE", "sideways")
    with pytest.raises(ValueError, match="DOCUMENT_S3_ADDRESSING_STYLE"):
        config.document_s3_settings()


def test_the_s3_store_needs_a_bucket(monkeypatch):
    monkeypatch.delenv("DOCUMENT_S3_BUCKET", raising=False)
    monkeypatch.setenv("DOCUMENT_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(StorageError, match="DOCUMENT_S3_BUCKET"):
        open_store("postgresql://unused", kind="s3")
    store = open_store("postgresql://unused", kind="s3", s3_settings={"bucket": "dokumen", "prefix": "prod/"})
    assert isinstance(store, S3Store) and store.bucket == "dokumen" and store.prefix == "prod/"
