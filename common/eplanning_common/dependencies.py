"""nameko DependencyProviders: the database unit of work and the correlation id.

Services declare them as class attributes:

    class MusrenbangService:
        name = "musrenbang"
        correlation = Correlation()
        db = Database()
        relay = OutboxRelay()
"""
from nameko.extensions import DependencyProvider

from . import config
from .db import Db, make_engine
from .logs import CONTEXT_KEY, new_correlation_id, reset_correlation_id, set_correlation_id


def service_database_url(container) -> str:
    return container.config.get("DATABASE_URL") or config.database_url(container.service_name)


class Correlation(DependencyProvider):
    """Gives every worker a correlation id (the caller's, else a new one) and puts it in the log
    context; nameko passes worker_ctx.data on with every RPC and event the worker makes."""

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.setdefault(CONTEXT_KEY, new_correlation_id())

    def worker_setup(self, worker_ctx):
        cid = worker_ctx.data.setdefault(CONTEXT_KEY, new_correlation_id())
        self._tokens = getattr(self, "_tokens", {})
        self._tokens[id(worker_ctx)] = set_correlation_id(cid)

    def worker_teardown(self, worker_ctx):
        token = getattr(self, "_tokens", {}).pop(id(worker_ctx), None)
        if token is not None:
            try:
                reset_correlation_id(token)
            except ValueError:  # teardown ran in another context; nothing to restore
                pass


class Database(DependencyProvider):
    """One engine per container; each worker gets a `Db` bound to its correlation id."""

    def setup(self):
        self.engine = make_engine(service_database_url(self.container))

    def stop(self):
        self.engine.dispose()

    def kill(self):
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        cid = worker_ctx.data.setdefault(CONTEXT_KEY, new_correlation_id())
        entrypoint = getattr(worker_ctx.entrypoint, "method_name", None)
        return Db(self.engine, self.container.service_name, cid, context=worker_ctx.data,
                  amqp_uri=self.container.config.get("AMQP_URI"), entrypoint=entrypoint)


class CallerIdentity(DependencyProvider):
    """The verified caller of an RPC (`identity`: sub, role, pemda, wilayah, ...), or None. The
    `rpc` entrypoint (eplanning_common.rpc) puts it in the worker context only after the caller's
    signed token verified; an identity sent bare is dropped. Services authorize every object
    against it."""

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get("identity")
