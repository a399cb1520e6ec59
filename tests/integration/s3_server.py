"""A real S3 API server for tests: moto's server (`python -m moto.server`, from PyPI) as a
subprocess on a free 127.0.0.1 port; nothing leaves the machine."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .gateway_stack import free_port

ACCESS_KEY, SECRET_KEY = "testing", "testing"


@dataclass
class S3Server:
    endpoint_url: str

    def client(self):
        from eplanning_common.storage.s3 import make_client

        return make_client(self.endpoint_url, "us-east-1", "path", ACCESS_KEY, SECRET_KEY, timeout=10)

    def new_bucket(self) -> str:
        name = f"eplanning-test-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def settings(self, bucket: str, prefix: str = "") -> dict:
        """The container-config / s3_settings keys of eplanning_common.storage for this server."""
        return {"DOCUMENT_STORE": "s3", "DOCUMENT_S3_ENDPOINT_URL": self.endpoint_url, "DOCUMENT_S3_BUCKET": bucket,
                "DOCUMENT_S3_PREFIX": prefix, "DOCUMENT_S3_ADDRESSING_STYLE": "path",
                "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}


@contextmanager
def s3_server(log_dir: Path):
    port = free_port()
    log = open(log_dir / "moto.log", "wb")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"moto server exited with {proc.returncode}: {(log_dir / 'moto.log').read_text()}")
            try:
                urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("moto server did not answer within 30 s") from None
                time.sleep(0.1)
        yield S3Server(url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
