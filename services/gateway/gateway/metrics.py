"""The gateway's Prometheus series, counted per request by the `RequestMetrics` middleware.

    eplanning_http_requests_total{route, method, status}        requests answered
    eplanning_http_request_duration_seconds{route, method}      time from the first middleware to the answer

`route` is the URI template Falcon routed the request to (`/v1/musrenbang/{tahun}/usulan/{usulan_id}`),
never the raw path (ids would make a series per object); a request no route matched is
`(unmatched)`. Methods outside the HTTP verbs the API knows are counted as `OTHER`.

gunicorn runs several worker processes: prometheus_client's multiprocess mode
(PROMETHEUS_MULTIPROC_DIR, prepared by deploy/gateway/gunicorn.conf.py before any worker starts)
makes each worker write its samples to files that the master's listener (GATEWAY_METRICS_BIND,
`serve`) sums at scrape. The hot path costs one counter increment and one histogram observation.
"""
from __future__ import annotations

import logging
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, start_http_server

log = logging.getLogger(__name__)

REQUESTS = Counter("eplanning_http_requests", "HTTP requests answered by the gateway", ["route", "method", "status"])
DURATION = Histogram("eplanning_http_request_duration_seconds", "Gateway request duration, in seconds",
                     ["route", "method"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0))

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "(unmatched)"


def route_of(req) -> str:
    return getattr(req, "uri_template", None) or UNMATCHED


class RequestMetrics:
    def process_request(self, req, resp) -> None:
        req.context.metrics_started = time.perf_counter()

    def process_response(self, req, resp, resource, req_succeeded) -> None:
        started = req.context.get("metrics_started")
        route = route_of(req)
        method = req.method if req.method in METHODS else "OTHER"
        REQUESTS.labels(route, method, str(resp.status_code)).inc()
        if started is not None:
            DURATION.labels(route, method).observe(time.perf_counter() - started)


def serve(host: str, port: int, multiproc_dir: str):
    """The /metrics listener of the gunicorn master: every worker's samples, summed. Returns the
    server (its `server_address` tells the port when 0 was asked)."""
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=multiproc_dir)
    server, _ = start_http_server(port, addr=host, registry=registry)
    return server


def exported_names() -> set[str]:
    from eplanning_common.metrics.catalogue import sample_names

    return sample_names(REQUESTS) | sample_names(DURATION)
