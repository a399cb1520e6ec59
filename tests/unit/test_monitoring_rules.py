"""The alerts (deploy/k8s/monitoring/rules.yaml) and the Grafana dashboard (deploy/grafana/) name
only series the code really exports, without promtool: the metric names of every PromQL expression
are parsed out and compared with the registries (eplanning_common.metrics, gateway.metrics,
gateway.webhooks.metrics, the audit push), RabbitMQ's plugin series (checked on a real broker by
tests/integration/test_metrics.py) and Prometheus' own `up`. Also: the monitoring manifests are
wired to the pods they watch, and every alert has its runbook line in deploy/README.md."""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from eplanning_common.metrics import catalogue, push
from gateway import metrics as gateway_metrics
from gateway.webhooks import metrics as webhook_metrics

from .test_k8s_manifests import K8S, by_kind, pod_spec, render, validate

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "eplanning-season.json"
RUNBOOK = ROOT / "deploy" / "README.md"
PROMETHEUS_OWN = {"up"}

KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
            "offset", "inf", "nan"}
GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, keywords, label matchers, grouping
    labels, durations, strings and Grafana variables left out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)  # strings
    text = re.sub(r"\$\{?\w+\}?", "1m", text)  # Grafana variables ($__rate_interval, ${datasource})
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = GROUPING.sub("", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        name, rest = match.group(0), text[match.end():]
        if re.match(r"\s*\(", rest) or name.lower() in KEYWORDS:
            continue  # a function call, or a keyword
        if match.start() and re.match(r"[0-9.]", text[match.start() - 1]):
            continue  # the unit of a number (1e3, 26h)
        names.add(name)
    return names


def exported() -> set[str]:
    return (catalogue.exported_names() | gateway_metrics.exported_names() | webhook_metrics.exported_names()
            | push.exported_names() | catalogue.RABBITMQ_SERIES | PROMETHEUS_OWN)


@pytest.fixture(scope="module")
def monitoring() -> list[dict]:
    return render(K8S / "monitoring")


def alert_rules(docs) -> list[dict]:
    return [rule for group in by_kind(docs, "PrometheusRule")["eplanning"]["spec"]["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [t["expr"] for panel in dashboard["panels"] for t in panel.get("targets", [])]


# -- the parser --------------------------------------------------------------------------------------

@pytest.mark.parametrize("expr, names", [
    ('max by (vhost, queue) (rabbitmq_detailed_queue_messages{queue=~".+[.]dead"}) > 0',
     {"rabbitmq_detailed_queue_messages"}),
    ('sum(rate(a_total{status=~"5.."}[5m])) / sum(rate(a_total[5m])) > 0.02 and sum(rate(b_total[5m])) > 0.2',
     {"a_total", "b_total"}),
    ("(time() - max(last_run_seconds) > 26 * 3600) or absent(last_run_seconds)", {"last_run_seconds"}),
    ("deriv(max by (queue) (depth{queue!~\"x\"})[15m:1m]) > 0", {"depth"}),
    ("histogram_quantile(0.95, sum by (le, route) (rate(d_bucket[$__rate_interval])))", {"d_bucket"}),
    ("x * on (pod) group_left (node) kube_pod_info", {"x", "kube_pod_info"}),
    ("up{namespace=\"eplanning\"} == 0 offset 5m", {"up"}),
    ("1e3 * errors_total", {"errors_total"}),
])
def test_the_metric_names_of_an_expression_are_found(expr, names):
    assert metric_names(expr) == names


def test_the_registry_knows_the_exported_series_and_not_others():
    known = exported()
    assert {"eplanning_http_requests_total", "eplanning_http_request_duration_seconds_bucket",
            "eplanning_events_dead_lettered_total", "eplanning_outbox_oldest_pending_age_seconds",
            "eplanning_outbox_unrouted", "eplanning_webhook_subscriptions_paused",
            "eplanning_webhook_deliveries_total", "eplanning_audit_chain_ok",
            "eplanning_entrypoint_duration_seconds_bucket"} <= known
    assert "eplanning_http_requests" not in known  # a counter is exposed as _total only
    assert "eplanning_dead_letters_total" not in known


# -- the rules and the dashboard --------------------------------------------------------------------

def test_every_alert_expression_names_only_exported_series(monitoring):
    known = exported()
    for rule in alert_rules(monitoring):
        unknown = metric_names(rule["expr"]) - known
        assert not unknown, f"{rule['alert']}: {unknown} is not exported by the code"


def test_a_misspelt_series_in_an_alert_is_caught(monitoring):
    rule = copy.deepcopy(alert_rules(monitoring)[0])
    rule["expr"] = rule["expr"].replace("rabbitmq_detailed_queue_messages", "rabbitmq_queue_messages_detailed")
    assert metric_names(rule["expr"]) - exported() == {"rabbitmq_queue_messages_detailed"}


def test_every_dashboard_panel_names_only_exported_series():
    known = exported()
    exprs = dashboard_exprs()
    assert len(exprs) >= 15
    for expr in exprs:
        unknown = metric_names(expr) - known
        assert not unknown, f"{expr}: {unknown} is not exported by the code"


def test_the_dashboard_shows_stage_progress_queue_depths_and_latency():
    used = set().union(*(metric_names(e) for e in dashboard_exprs()))
    assert {"eplanning_entrypoint_calls_total", "eplanning_events_consumed_total",  # progress
            "rabbitmq_detailed_queue_messages_ready", "eplanning_outbox_oldest_pending_age_seconds",  # queues
            "eplanning_http_request_duration_seconds_bucket", "eplanning_entrypoint_duration_seconds_bucket",
            } <= used


def test_the_issue_s_alerts_are_there_and_each_has_a_runbook_line(monitoring):
    rules = {rule["alert"]: rule for rule in alert_rules(monitoring)}
    wanted = {"DeadLettersWaiting": "rabbitmq_detailed_queue_messages",
              "OutboxLagging": "eplanning_outbox_oldest_pending_age_seconds",
              "OutboxUnrouted": "eplanning_outbox_unrouted",
              "GatewayErrorRateHigh": "eplanning_http_requests_total",
              "QueueDepthGrowing": "rabbitmq_detailed_queue_messages_ready",
              "AuditChainBroken": "eplanning_audit_chain_ok"}
    for alert, series in wanted.items():
        assert series in metric_names(rules[alert]["expr"]), alert
    assert re.search(r"> 60\b", rules["OutboxLagging"]["expr"])
    runbook = RUNBOOK.read_text(encoding="utf-8")
    section = runbook.split("## Metrics and alerts", 1)[1]
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), name
        assert {"summary", "description", "runbook"} <= set(rule["annotations"]), name
        target = re.search(r"\((\w+)\)$", rule["annotations"]["runbook"]).group(1)
        assert f"**{target}**" in section, f"{name}: no runbook line for {target} in deploy/README.md"


# -- the manifests ------------------------------------------------------------------------------------

def test_the_pod_monitor_scrapes_the_metrics_port_of_every_component(base, monitoring):
    monitor = by_kind(monitoring, "PodMonitor")["eplanning"]["spec"]
    (expression,) = monitor["selector"]["matchExpressions"]
    config = by_kind(base, "ConfigMap")["eplanning-config"]["data"]
    port = int(config["METRICS_PORT"])
    assert config["GATEWAY_METRICS_BIND"].endswith(f":{port}") and config["METRICS_ADDR"] == "0.0.0.0"
    for name, deployment in by_kind(base, "Deployment").items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] in expression["values"], name
        (container,) = pod_spec(deployment)["containers"]
        assert {"name": "metrics", "containerPort": port} in container["ports"], name
    assert [e["port"] for e in monitor["podMetricsEndpoints"]] == ["metrics"]
    # no Service exposes the metrics port: nothing routes to it from outside
    for service in by_kind(base, "Service").values():
        assert all(p.get("targetPort") != "metrics" and p["port"] != port for p in service["spec"]["ports"])


def test_rabbitmq_is_scraped_for_per_queue_depths(monitoring):
    rabbit = by_kind(monitoring, "PodMonitor")["rabbitmq"]["spec"]
    detailed = [e for e in rabbit["podMetricsEndpoints"] if e["path"] == "/metrics/detailed"]
    assert detailed and detailed[0]["params"] == {"family": ["queue_coarse_metrics"], "vhost": ["eplanning"]}


def test_the_audit_verification_pushes_to_the_scraped_pushgateway(monitoring):
    job = by_kind(monitoring, "CronJob")["audit-verify"]["spec"]
    (container,) = job["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    command = container["command"]
    assert command[:3] == ["eplanning-audit", "verify", "--all"]
    url = command[command.index("--pushgateway") + 1]
    service = by_kind(monitoring, "Service")["pushgateway"]
    assert url == f"http://pushgateway.eplanning.svc:{service['spec']['ports'][0]['port']}"
    assert by_kind(monitoring, "PodMonitor")["pushgateway"]["spec"]["podMetricsEndpoints"][0]["honorLabels"] is True
    env = {e["name"] for e in container["env"]}
    assert env == {"MUSRENBANG_DATABASE_URL", "POKIR_DATABASE_URL", "RENJA_DATABASE_URL", "RKPD_DATABASE_URL",
                   "GATEWAY_DATABASE_URL"}


def _typo_in_pod_monitor(docs):
    by_kind(docs, "PodMonitor")["eplanning"]["spec"]["podMetricsEndpoints"][0]["intervall"] = "30s"


def _bad_duration_in_rule(docs):
    by_kind(docs, "PrometheusRule")["eplanning"]["spec"]["groups"][0]["rules"][0]["for"] = "one minute"


def _rule_without_expr(docs):
    del by_kind(docs, "PrometheusRule")["eplanning"]["spec"]["groups"][0]["rules"][0]["expr"]


@pytest.mark.parametrize("mutate", [_typo_in_pod_monitor, _bad_duration_in_rule, _rule_without_expr])
def test_a_broken_monitoring_manifest_is_rejected(monitoring, mutate):
    docs = copy.deepcopy(monitoring)
    mutate(docs)
    errors = []
    for doc in docs:
        try:
            validate(doc)
        except jsonschema.ValidationError as exc:
            errors.append(exc)
    assert len(errors) == 1


@pytest.fixture(scope="module")
def base() -> list[dict]:
    return render(K8S)


def test_every_monitoring_manifest_is_listed_in_its_kustomization():
    listed = set(yaml.safe_load((K8S / "monitoring" / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in (K8S / "monitoring").glob("*.yaml")} - {"kustomization.yaml"}


def test_the_dashboard_is_importable():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["datasource"]
    for panel in dashboard["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]), panel["title"]
        if panel["type"] != "row":
            assert panel["targets"] and panel["datasource"]["uid"] == "${datasource}", panel["title"]
            assert all(t["refId"] for t in panel["targets"]), panel["title"]
