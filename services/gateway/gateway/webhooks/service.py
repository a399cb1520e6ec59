"""The `webhooks` worker: entrypoints only.

    nameko run --config deploy/nameko.yaml gateway.webhooks.service

It consumes everything the four stage services publish (`#` on each exchange; its queues are in
eplanning_common.topology.PROJECT_TOPOLOGY, so they exist before anything is published), records
one delivery per matching subscription of the event's pemda, and sends due deliveries from the
dispatcher's green threads (gateway.webhooks.dispatcher). Database: the gateway's own
(GATEWAY_DATABASE_URL). Scale it like any service: replicas share the work safely.

A handler that raises (the database is down) is retried by the event_handler entrypoint with
backoff and parked in the `.dead` queue after EVENT_MAX_ATTEMPTS (eplanning-deadletters replays).
"""
from nameko.rpc import rpc

from eplanning_common.consumer import event_handler
from eplanning_common.dependencies import Correlation
from eplanning_common.metrics.exporter import Metrics

from .dispatcher import WebhookDispatcher
from .metrics import paused_subscriptions

NAME = "webhooks"


class WebhookService:
    name = NAME

    correlation = Correlation()
    webhooks = WebhookDispatcher()
    metrics = Metrics(paused_subscriptions)

    @rpc
    def health(self):
        database = self.webhooks.check()
        dispatcher = self.webhooks.status()
        return {"service": self.name, "status": "ok" if database["ok"] and dispatcher["ok"] else "degraded",
                "database": database, "dispatcher": dispatcher, "broker": {"ok": True}}

    @event_handler("musrenbang", "#")
    def on_musrenbang(self, event):
        self.webhooks.collect(event)

    @event_handler("pokir", "#")
    def on_pokir(self, event):
        self.webhooks.collect(event)

    @event_handler("renja", "#")
    def on_renja(self, event):
        self.webhooks.collect(event)

    @event_handler("rkpd", "#")
    def on_rkpd(self, event):
        self.webhooks.collect(event)
