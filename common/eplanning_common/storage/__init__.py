"""Document storage: one port (`DocumentStore`), adapters beside it.

A document is bytes under a key (`rkpd/12.21/2027/v3/<sha256>/rkpd.pdf`), written once and read
back checked: every read compares the content with the SHA-256 and size recorded when it was put
(and with the caller's own record when given), so a changed or truncated object is refused, never
served. Adapters:

- `postgres.PostgresStore`: the `stored_object` table in the owning service's own database (the
  default: replicated and backed up with that database; every replica sees every object);
- `s3.S3Store`: any S3-compatible object store (AWS S3, MinIO, Ceph RGW, ...) through boto3;
- `memory.MemoryStore`: the in-memory fake for unit tests.

`open_store(database_url)` picks one from `DOCUMENT_STORE` (config.document_store()).
"""
from .port import (DocumentStore, InvalidKey, ObjectConflict, ObjectCorrupt, ObjectMissing, StorageError,
                   StoredObject, check_key, describe)
from .factory import open_store

__all__ = ["DocumentStore", "InvalidKey", "ObjectConflict", "ObjectCorrupt", "ObjectMissing", "StorageError",
           "StoredObject", "check_key", "describe", "open_store"]
