"""Partner webhooks: a partner registers a URL and the event types it wants; the `webhooks`
worker (a nameko service, `gateway.webhooks.service:WebhookService`) consumes the four stage
exchanges, records one delivery per matching subscription (without the events' free text unless
the pemda opted in) and POSTs it, signed, with retries.
Nothing is sent from an HTTP request: the admin API (gateway.api.webhooks) only writes rows.

    signing.py   Webhook-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">  (pure)
    backoff.py   the retry schedule (pure)
    matching.py  event-type patterns (`musrenbang.usulan.*`) (pure)
    urls.py      which URLs may be registered / connected to (SSRF rules: https, the deny list)
    freetext.py  what partners receive: free text (x-free-text in the contract) left out (pure)
    policy.py    what an attempt's outcome does to a delivery and its subscription (pure)
    schema.py    the tables (gateway database; migration 0003)
    store.py     WebhookStore: every SQL statement of the API and the worker
    sender.py    one HTTP attempt: requests, pinned and checked addresses, no redirects, a deadline
    dispatcher.py the worker's send loop (claims due deliveries with FOR UPDATE SKIP LOCKED)
    service.py   the nameko service: event handlers, the dispatcher, a health RPC
    ready.py     `python -m gateway.webhooks.ready`: is the worker answering? (deploy/local/stack.sh)
    settings.py  GATEWAY_WEBHOOKS_* knobs

See services/gateway/README.md, "Partner integration".
"""
