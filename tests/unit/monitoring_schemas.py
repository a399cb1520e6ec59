"""Structural schemas of the two Prometheus Operator kinds the monitoring manifests use
(monitoring.coreos.com/v1 PodMonitor and PrometheusRule), for offline validation.

Written by hand, not vendored: the operator's CRDs are not published in a PyPI or npm package
(npm's @kubernetes-models/prometheus-operator ships compiled validators that accept unknown
fields). The field names are the operator's API (v0.8x, `pkg/apis/monitoring/v1`): only the
fields this project might use are listed, and every object is closed (an unknown or misspelt
field is an error, as with `kubectl apply --validate=strict`). What the schema does not check,
the tests of tests/unit/test_monitoring_rules.py do (names, ports, expressions).
"""
DURATION = {"type": "string",
            "pattern": r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"}
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
METADATA = {"type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}, "namespace": {"type": "string"}, "labels": STRING_MAP,
                           "annotations": STRING_MAP}, "additionalProperties": False}
LABEL_SELECTOR = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "matchLabels": STRING_MAP,
        "matchExpressions": {"type": "array", "items": {
            "type": "object", "required": ["key", "operator"], "additionalProperties": False,
            "properties": {"key": {"type": "string"},
                           "operator": {"enum": ["In", "NotIn", "Exists", "DoesNotExist"]},
                           "values": {"type": "array", "items": {"type": "string"}}}}},
    },
}
RELABELINGS = {"type": "array", "items": {
    "type": "object", "additionalProperties": False,
    "properties": {"action": {"type": "string"}, "sourceLabels": {"type": "array", "items": {"type": "string"}},
                   "separator": {"type": "string"}, "targetLabel": {"type": "string"}, "regex": {"type": "string"},
                   "replacement": {"type": "string"}, "modulus": {"type": "integer"}}}}
POD_METRICS_ENDPOINT = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "port": {"type": "string"}, "portNumber": {"type": "integer", "minimum": 1, "maximum": 65535},
        "path": {"type": "string"}, "scheme": {"enum": ["http", "https"]},
        "params": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "interval": DURATION, "scrapeTimeout": DURATION, "honorLabels": {"type": "boolean"},
        "honorTimestamps": {"type": "boolean"}, "relabelings": RELABELINGS, "metricRelabelings": RELABELINGS,
    },
}
POD_MONITOR = {
    "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"], "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"}, "kind": {"const": "PodMonitor"}, "metadata": METADATA,
        "spec": {"type": "object", "required": ["selector", "podMetricsEndpoints"], "additionalProperties": False,
                 "properties": {
                     "selector": LABEL_SELECTOR,
                     "namespaceSelector": {"type": "object", "additionalProperties": False,
                                           "properties": {"any": {"type": "boolean"},
                                                          "matchNames": {"type": "array", "items": {"type": "string"}}}},
                     "podMetricsEndpoints": {"type": "array", "minItems": 1, "items": POD_METRICS_ENDPOINT},
                     "jobLabel": {"type": "string"},
                     "podTargetLabels": {"type": "array", "items": {"type": "string"}},
                     "sampleLimit": {"type": "integer", "minimum": 0},
                 }},
    },
}
RULE = {
    "type": "object", "required": ["expr"], "additionalProperties": False,
    "oneOf": [{"required": ["alert"]}, {"required": ["record"]}],
    "properties": {
        "alert": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "record": {"type": "string", "pattern": "^[a-zA-Z_:][a-zA-Z0-9_:]*$"},
        "expr": {"type": "string", "minLength": 1}, "for": DURATION, "keep_firing_for": DURATION,
        "labels": STRING_MAP, "annotations": STRING_MAP,
    },
}
PROMETHEUS_RULE = {
    "type": "object", "required": ["apiVersion", "kind", "metadata", "spec"], "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"}, "kind": {"const": "PrometheusRule"}, "metadata": METADATA,
        "spec": {"type": "object", "required": ["groups"], "additionalProperties": False, "properties": {
            "groups": {"type": "array", "minItems": 1, "items": {
                "type": "object", "required": ["name", "rules"], "additionalProperties": False,
                "properties": {"name": {"type": "string", "minLength": 1}, "interval": DURATION,
                               "query_offset": DURATION, "limit": {"type": "integer"}, "labels": STRING_MAP,
                               "partial_response_strategy": {"type": "string"},
                               "rules": {"type": "array", "minItems": 1, "items": RULE}}}}}},
    },
}
SCHEMAS = {("monitoring.coreos.com/v1", "PodMonitor"): POD_MONITOR,
           ("monitoring.coreos.com/v1", "PrometheusRule"): PROMETHEUS_RULE}
