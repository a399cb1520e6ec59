"""Prometheus metrics of the services and the webhooks worker (the gateway's are in gateway.metrics).

    catalogue.py   every series a nameko process exports, defined once (names, labels, buckets)
    backlog.py     scrape-time gauges read from a database: the outbox backlog (bounded queries)
    exporter.py    `Metrics`, the DependencyProvider every service declares: entrypoint timings
                   and outcomes, scrape-time collectors, the HTTP endpoint on METRICS_PORT
    push.py        a batch job's result pushed to a Pushgateway (the audit-chain verification)

What each series means, the ports and the alerts: deploy/README.md, "Metrics and alerts".
"""
