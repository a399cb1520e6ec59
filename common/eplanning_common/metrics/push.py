"""The audit-chain verification's result, pushed to a Prometheus Pushgateway.

`eplanning-audit verify --pushgateway URL` (or AUDIT_PUSHGATEWAY_URL) runs as a Kubernetes CronJob
(deploy/k8s/monitoring/audit-verify.yaml); a batch job is gone before Prometheus could scrape it,
so it pushes, under job `eplanning-audit-verify`, replacing the previous push:

    eplanning_audit_chain_ok{chain}                       1 sound, 0 broken or unreadable
    eplanning_audit_chain_entries{chain}                  entries verified (the sound prefix if broken)
    eplanning_audit_verify_last_run_timestamp_seconds     when this verification finished

The alerts AuditChainBroken and AuditVerifyNotRunning read them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

JOB = "eplanning-audit-verify"


@dataclass(frozen=True)
class ChainResult:
    chain: str
    status: int  # 0 sound, 1 broken, 2 unreadable (the exit codes of eplanning-audit verify)
    entries: int


def verification_registry(results: list[ChainResult], finished_at: float | None = None) -> CollectorRegistry:
    registry = CollectorRegistry()
    ok = Gauge("eplanning_audit_chain_ok", "1 if the audit chain verified sound at the last run, else 0",
               ["chain"], registry=registry)
    entries = Gauge("eplanning_audit_chain_entries", "Audit entries verified sound at the last run",
                    ["chain"], registry=registry)
    last = Gauge("eplanning_audit_verify_last_run_timestamp_seconds",
                 "Unix time the last audit-chain verification finished", registry=registry)
    for result in results:
        ok.labels(result.chain).set(1 if result.status == 0 else 0)
        entries.labels(result.chain).set(result.entries)
    last.set(time.time() if finished_at is None else finished_at)
    return registry


def push_verification(url: str, results: list[ChainResult], timeout: float = 10.0) -> None:
    push_to_gateway(url, job=JOB, registry=verification_registry(results), timeout=timeout)


def exported_names() -> set[str]:
    from .catalogue import sample_names

    names: set[str] = set()
    for collector in verification_registry([ChainResult("x", 0, 0)], 0.0)._collector_to_names:
        names |= sample_names(collector)
    return names
