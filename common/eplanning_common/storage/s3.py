"""S3Store: documents in any S3-compatible object store (AWS S3, MinIO, Ceph RGW, Garage, ...).

Each object carries its SHA-256 in the user metadata `x-amz-meta-sha256`, written with it; a read
checks the content against it (and the caller's record). Write-once is a HEAD before the PUT: two
writers racing on one key with *different* content could both pass the HEAD (the last one wins,
and reads of the loser's record are then refused as corrupt, never served wrong). Keys that
contain the content's SHA-256 (as the RKPD's do) cannot race that way. Enable bucket versioning
to keep overwritten objects recoverable.

boto3 takes credentials from its usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a web
identity token, an instance profile); the rest is in config.document_s3_settings().
"""
from __future__ import annotations

from .port import (ObjectCorrupt, ObjectMissing, StorageError, StoredObject, check_key, check_prefix,
                   describe, same_or_conflict, verified)

_MISSING = ("404", "NoSuchKey", "NotFound")


def make_client(endpoint_url: str | None = None, region: str = "us-east-1", addressing_style: str = "auto",
                access_key_id: str | None = None, secret_access_key: str | None = None, timeout: float = 30):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=endpoint_url or None, region_name=region,
        aws_access_key_id=access_key_id or None, aws_secret_access_key=secret_access_key or None,
        config=Config(s3={"addressing_style": addressing_style}, connect_timeout=timeout, read_timeout=timeout,
                      retries={"max_attempts": 3, "mode": "standard"},
                      # only the checksums S3 requires: many S3-compatible stores refuse the newer
                      # default CRC headers; integrity is the SHA-256 this store checks itself
                      request_checksum_calculation="when_required",
                      response_checksum_validation="when_required"))


def _code(error) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))


class S3Store:
    kind = "s3"

    def __init__(self, client, bucket: str, prefix: str = ""):
        if not bucket:
            raise StorageError("the S3 document store needs a bucket (DOCUMENT_S3_BUCKET)")
        if prefix:
            check_key(prefix.rstrip("/"))
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.rstrip("/") + "/" if prefix else ""

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, content: bytes, media_type: str = "application/octet-stream") -> StoredObject:
        new = describe(check_key(key), bytes(content), media_type)
        stored = self.head(key)
        if stored is not None:
            return same_or_conflict(stored, new)
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=bytes(content), ContentType=media_type,
                               Metadata={"sha256": new.sha256})
        return new

    def get(self, key: str, sha256: str | None = None) -> bytes:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if _code(error) in _MISSING:
                raise ObjectMissing(key) from None
            raise
        content = answer["Body"].read()
        recorded_sha = answer.get("Metadata", {}).get("sha256")
        if not recorded_sha:
            raise ObjectCorrupt(key, "no sha256 recorded with the object (not written by this store)")
        recorded = StoredObject(key, recorded_sha, answer["ContentLength"],
                                answer.get("ContentType", "application/octet-stream"))
        return verified(key, content, recorded, sha256)

    def head(self, key: str) -> StoredObject | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if _code(error) in _MISSING:
                return None
            raise
        return StoredObject(key, answer.get("Metadata", {}).get("sha256", ""), answer["ContentLength"],
                            answer.get("ContentType", "application/octet-stream"))

    def list(self, prefix: str = "") -> list[str]:
        check_prefix(prefix)
        keys = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                          Prefix=self.prefix + prefix):
            keys.extend(item["Key"][len(self.prefix):] for item in page.get("Contents", []))
        return sorted(keys)

    def delete(self, key: str) -> bool:
        if self.head(key) is None:
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        return True
