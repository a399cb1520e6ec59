"""DocumentStorage: the nameko DependencyProvider that gives workers the service's DocumentStore.

    class RkpdService:
        documents = DocumentStorage()

The store is chosen by DOCUMENT_STORE (the container config may set DOCUMENT_STORE and the
DOCUMENT_S3_* keys too, as tests do); `postgres` uses the service's own database (DATABASE_URL /
<SERVICE>_DATABASE_URL, as `Database`).
"""
from nameko.extensions import DependencyProvider

from ..dependencies import service_database_url
from .factory import close_store, open_store

_S3_KEYS = {"DOCUMENT_S3_BUCKET": "bucket", "DOCUMENT_S3_PREFIX": "prefix", "DOCUMENT_S3_ENDPOINT_URL": "endpoint_url",
            "DOCUMENT_S3_REGION": "region", "DOCUMENT_S3_ADDRESSING_STYLE": "addressing_style",
            "AWS_ACCESS_KEY_ID": "access_key_id", "AWS_SECRET_ACCESS_KEY": "secret_access_key"}


class DocumentStorage(DependencyProvider):
    def setup(self):
        config = self.container.config
        s3 = {name: config[key] for key, name in _S3_KEYS.items() if config.get(key)}
        self.store = open_store(service_database_url(self.container), kind=config.get("DOCUMENT_STORE"),
                                s3_settings=s3)

    def stop(self):
        close_store(self.store)

    def kill(self):
        close_store(self.store)

    def get_dependency(self, worker_ctx):
        return self.store
