"""open_store: the DocumentStore the configuration names (config.document_store())."""
from __future__ import annotations

from .. import config
from .port import DocumentStore


def open_store(database_url: str, kind: str | None = None, s3_settings: dict | None = None) -> DocumentStore:
    """`postgres`: the `stored_object` table in `database_url` (the owning service's database);
    `s3`: the bucket of config.document_s3_settings() (or `s3_settings`)."""
    kind = kind or config.document_store()
    if kind == "postgres":
        from ..db import make_engine
        from .postgres import PostgresStore

        return PostgresStore(make_engine(database_url, pool_size=2))
    if kind == "s3":
        from .s3 import S3Store, make_client

        settings = {**config.document_s3_settings(), **(s3_settings or {})}
        client = make_client(settings.get("endpoint_url"), settings.get("region", "us-east-1"),
                             settings.get("addressing_style", "auto"), settings.get("access_key_id"),
                             settings.get("secret_access_key"))
        return S3Store(client, settings["bucket"], settings.get("prefix", ""))
    raise ValueError(f"unknown document store {kind!r}: postgres or s3")


def close_store(store) -> None:
    engine = getattr(store, "engine", None)
    if engine is not None:
        engine.dispose()
