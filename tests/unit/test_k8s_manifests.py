"""Offline validation of the Kubernetes manifests (deploy/k8s) and the RabbitMQ definitions
(deploy/rabbitmq/definitions.json), without a cluster and without the kustomize binary:

- the kustomization (and the busy-season overlay) is rendered by a small resolver that understands
  exactly the kustomize features used here (resources, namespace, images, JSON 6902 patches) and
  fails on anything else, so nothing listed goes unchecked;
- built-in kinds are validated with kubernetes-validate (the Kubernetes OpenAPI schemas, strict:
  unknown fields are errors), the operators' kinds (KEDA, CloudNativePG, RabbitMQ) with their CRD
  schemas committed under deploy/schemas/crds (made strict the same way);
- then the rules of issue #9: requests and limits, readiness and liveness probes, autoscaling with
  the seasons, PodDisruptionBudgets, a PostgreSQL per service wired to its pods, one broker user per
  component, quorum queues and a dead-letter policy on every queue;
- and #19's backups: WAL archiving and a nightly base backup of every cluster into the object store
  (CloudNativePG's Barman Cloud Plugin; ScheduledBackup and ObjectStore are checked against the
  fields of their API references, their CRDs not being vendored), and the point-in-time recovery
  example kept equal to the cluster it recovers.
"""
from __future__ import annotations

import copy
import json
import re
import uuid
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from eplanning_common import rabbitmq_definitions as rd
from eplanning_common.topology import PROJECT_TOPOLOGY

from .monitoring_schemas import SCHEMAS as MONITORING_SCHEMAS

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
CRDS = ROOT / "deploy" / "schemas" / "crds"
DEFINITIONS = ROOT / "deploy" / "rabbitmq" / "definitions.json"
K8S_VERSION = "1.30"
SERVICES = ("musrenbang", "pokir", "renja", "rkpd")
COMPONENTS = (*SERVICES, "webhooks", "gateway")
CLUSTER_SCOPED = {"Namespace"}


# -- a kustomize subset ----------------------------------------------------------------------------

class Unsupported(Exception):
    pass


def _load_docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]


def _json_pointer_set(doc, pointer: str, value, op: str) -> None:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/")]
    target = doc
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = parts[-1]
    if isinstance(target, list):
        index = len(target) if last == "-" else int(last)
        if op == "add":
            target.insert(index, value)
        else:
            target[index] = value
    else:
        if op == "replace" and last not in target:
            raise KeyError(f"replace of a missing member {pointer}")
        target[last] = value


def _matches(doc: dict, target: dict) -> bool:
    group, _, version = doc["apiVersion"].rpartition("/")
    return all([
        target.get("kind") in (None, doc["kind"]),
        target.get("name") in (None, doc["metadata"]["name"]),
        target.get("group") in (None, group),
        target.get("version") in (None, version),
    ])


def render(directory: Path) -> list[dict]:
    """The documents `kubectl apply -k directory` would send (for the features used here)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    known = {"apiVersion", "kind", "namespace", "resources", "images", "patches"}
    if set(kustomization) - known:
        raise Unsupported(f"{directory}: kustomize fields this resolver does not render: {set(kustomization) - known}")
    docs = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            docs.extend(render(path))
        elif path.is_file():
            docs.extend(_load_docs(path))
        else:
            raise FileNotFoundError(f"{directory / 'kustomization.yaml'} lists {entry}, which does not exist")
    docs = copy.deepcopy(docs)
    for patch in kustomization.get("patches", []):
        if set(patch) != {"target", "patch"}:
            raise Unsupported(f"only inline JSON 6902 patches with a target: {patch}")
        operations = yaml.safe_load(patch["patch"])
        hits = [d for d in docs if _matches(d, patch["target"])]
        if len(hits) != 1:
            raise AssertionError(f"patch target {patch['target']} matches {len(hits)} documents")
        for operation in operations:
            if operation["op"] not in ("add", "replace"):
                raise Unsupported(operation["op"])
            _json_pointer_set(hits[0], operation["path"], operation["value"], operation["op"])
    if "namespace" in kustomization:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = kustomization["namespace"]
    for image in kustomization.get("images", []):
        new = f"{image.get('newName', image['name'])}:{image['newTag']}" if "newTag" in image else image["newName"]
        for doc in docs:
            spec = doc.get("spec", {}).get("template", {}).get("spec", {})
            for container in spec.get("initContainers", []) + spec.get("containers", []):
                if container["image"].split(":")[0] == image["name"]:
                    container["image"] = new
    return docs


@pytest.fixture(scope="module")
def base() -> list[dict]:
    return render(K8S)


@pytest.fixture(scope="module")
def busy() -> list[dict]:
    return render(K8S / "overlays" / "busy-season")


@pytest.fixture(scope="module")
def s3_documents() -> list[dict]:
    return render(K8S / "overlays" / "s3-documents")


@pytest.fixture(scope="module")
def monitoring() -> list[dict]:
    return render(K8S / "monitoring")


def by_kind(docs, kind) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


# -- schemas -------------------------------------------------------------------------------------------

def strict(schema):
    """A CRD's structural schema as the API server applies it with strict field validation:
    objects with `properties` reject unknown fields unless they say otherwise."""
    if isinstance(schema, dict):
        schema = {k: strict(v) for k, v in schema.items()}
        if ("properties" in schema and "additionalProperties" not in schema
                and not schema.get("x-kubernetes-preserve-unknown-fields")):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def crd_schemas() -> dict[tuple[str, str], dict]:
    found = {}
    for path in sorted(CRDS.glob("*.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        crd = schema.pop("x-eplanning-crd")
        schema = strict(schema)
        # metadata is the API server's business (ObjectMeta), not the CRD's
        schema["properties"]["metadata"] = {"type": "object"}
        found[(f"{crd['group']}/{crd['version']}", crd["kind"])] = schema
    return found


CRD_SCHEMAS = crd_schemas()


def structural_schemas() -> dict[tuple[str, str], dict]:
    """Kinds whose CRD is not vendored (no registry package ships it): the backup resources of
    CloudNativePG and its Barman Cloud Plugin, checked against the fields their API references
    document, strictly (an unknown field is an error). ObjectStore's `configuration` has the very
    schema of the Cluster's in-tree `backup.barmanObjectStore` (the plugin says so), so that part is
    the vendored CRD's."""
    cluster = CRD_SCHEMAS[("postgresql.cnpg.io/v1", "Cluster")]["properties"]["spec"]["properties"]["backup"]

    def kind(spec: dict) -> dict:
        return {"type": "object", "required": ["apiVersion", "kind", "metadata", "spec"], "additionalProperties": False,
                "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                               "metadata": {"type": "object"}, "spec": spec}}

    plugin_configuration = {"type": "object", "required": ["name"], "additionalProperties": False,
                            "properties": {"name": {"type": "string"},
                                           "parameters": {"type": "object", "additionalProperties": {"type": "string"}}}}
    scheduled_backup = {
        "type": "object", "required": ["schedule", "cluster"], "additionalProperties": False,
        "properties": {
            # robfig/cron with seconds: six fields
            "schedule": {"type": "string", "pattern": r"^\S+( \S+){5}$"},
            "cluster": {"type": "object", "required": ["name"], "additionalProperties": False,
                        "properties": {"name": {"type": "string"}}},
            "suspend": {"type": "boolean"}, "immediate": {"type": "boolean"},
            "backupOwnerReference": {"enum": ["none", "self", "cluster"]},
            "target": {"enum": ["primary", "prefer-standby"]},
            "method": {"enum": ["barmanObjectStore", "volumeSnapshot", "plugin"]},
            "pluginConfiguration": plugin_configuration,
            "online": {"type": "boolean"},
            "onlineConfiguration": {"type": "object", "additionalProperties": False, "properties": {
                "immediateCheckpoint": {"type": "boolean"}, "waitForArchive": {"type": "boolean"}}},
        },
    }
    object_store = {
        "type": "object", "required": ["configuration"], "additionalProperties": False,
        "properties": {"configuration": cluster["properties"]["barmanObjectStore"],
                       "retentionPolicy": cluster["properties"]["retentionPolicy"],
                       "instanceSidecarConfiguration": {"type": "object"}},
    }
    return {("postgresql.cnpg.io/v1", "ScheduledBackup"): kind(scheduled_backup),
            ("barmancloud.cnpg.io/v1", "ObjectStore"): kind(object_store)}


# the Prometheus Operator's kinds (deploy/k8s/monitoring): structural too, see monitoring_schemas.py
STRUCTURAL_SCHEMAS = {**structural_schemas(), **MONITORING_SCHEMAS}


def validate(doc: dict) -> None:
    key = (doc["apiVersion"], doc["kind"])
    if key in CRD_SCHEMAS:
        jsonschema.Draft7Validator(CRD_SCHEMAS[key]).validate(doc)
    elif key in STRUCTURAL_SCHEMAS:
        jsonschema.Draft7Validator(STRUCTURAL_SCHEMAS[key]).validate(doc)
    else:
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_every_manifest_file_is_rendered_and_every_listed_file_exists(base):
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secrets.example.yaml"}
    assert listed == on_disk, "a manifest is neither listed nor the Secrets example"
    assert {d["kind"] for d in base} >= {"Deployment", "ScaledObject", "PodDisruptionBudget", "Cluster",
                                         "RabbitmqCluster", "HorizontalPodAutoscaler", "Service"}


@pytest.mark.parametrize("overlay", ["base", "busy", "s3_documents", "monitoring"])
def test_every_rendered_document_validates(overlay, request):
    docs = request.getfixturevalue(overlay)
    for doc in docs:
        try:
            validate(doc)
        except (jsonschema.ValidationError, kubernetes_validate.ValidationError) as exc:
            raise AssertionError(f"{doc['kind']}/{doc['metadata']['name']}: {exc}") from None


def test_the_secrets_example_validates():
    for doc in _load_docs(K8S / "secrets.example.yaml"):
        validate(doc)


def _typo_in_deployment(docs):
    by_kind(docs, "Deployment")["musrenbang"]["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}


def _typo_in_probe(docs):
    by_kind(docs, "Deployment")["gateway"]["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["periodSecond"] = 3


def _typo_in_scaled_object(docs):
    by_kind(docs, "ScaledObject")["renja"]["spec"]["minReplicas"] = 2


def _wrong_type_in_cluster(docs):
    by_kind(docs, "Cluster")["pg-renja"]["spec"]["instances"] = "three"


def _typo_in_rabbitmq(docs):
    by_kind(docs, "RabbitmqCluster")["rabbitmq"]["spec"]["replica"] = 3


def _typo_in_pdb(docs):
    by_kind(docs, "PodDisruptionBudget")["renja"]["spec"]["maxUnavailabe"] = 1


def _typo_in_scheduled_backup(docs):
    by_kind(docs, "ScheduledBackup")["pg-rkpd-nightly"]["spec"]["methods"] = "plugin"


def _five_field_cron_in_scheduled_backup(docs):
    by_kind(docs, "ScheduledBackup")["pg-rkpd-nightly"]["spec"]["schedule"] = "0 18 * * *"


def _typo_in_object_store(docs):
    by_kind(docs, "ObjectStore")["eplanning-backups"]["spec"]["configuration"]["wal"]["compresion"] = "gzip"


def _bad_retention_in_object_store(docs):
    by_kind(docs, "ObjectStore")["eplanning-backups"]["spec"]["retentionPolicy"] = "30 days"


@pytest.mark.parametrize("mutate", [_typo_in_deployment, _typo_in_probe, _typo_in_scaled_object,
                                    _wrong_type_in_cluster, _typo_in_rabbitmq, _typo_in_pdb,
                                    _typo_in_scheduled_backup, _five_field_cron_in_scheduled_backup,
                                    _typo_in_object_store, _bad_retention_in_object_store])
def test_a_broken_manifest_is_rejected(base, mutate):
    docs = copy.deepcopy(base)
    mutate(docs)
    errors = []
    for doc in docs:
        try:
            validate(doc)
        except (jsonschema.ValidationError, kubernetes_validate.ValidationError) as exc:
            errors.append(exc)
    assert len(errors) == 1


def test_the_resolver_refuses_what_it_cannot_render(tmp_path):
    (tmp_path / "kustomization.yaml").write_text("resources: [a.yaml]\nconfigMapGenerator: []\n")
    with pytest.raises(Unsupported):
        render(tmp_path)
    (tmp_path / "kustomization.yaml").write_text("resources: [missing.yaml]\n")
    with pytest.raises(FileNotFoundError):
        render(tmp_path)


# -- the rules of the issue ---------------------------------------------------------------------------------

def pod_spec(deployment):
    return deployment["spec"]["template"]["spec"]


def env_of(container) -> dict:
    return {e["name"]: e for e in container.get("env", [])}


def test_every_container_has_requests_and_limits_and_every_deployment_probes(base):
    deployments = by_kind(base, "Deployment")
    assert set(deployments) == set(COMPONENTS)
    for name, deployment in deployments.items():
        spec = pod_spec(deployment)
        for container in spec.get("initContainers", []) + spec["containers"]:
            resources = container["resources"]
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{name}/{container['name']} {kind}"
        for container in spec["containers"]:
            assert "readinessProbe" in container and "livenessProbe" in container, name
            assert container["readinessProbe"] != container["livenessProbe"], f"{name}: readiness = liveness"


def test_every_deployment_has_a_disruption_budget_matching_its_pods(base):
    budgets = by_kind(base, "PodDisruptionBudget")
    deployments = by_kind(base, "Deployment")
    scaled = by_kind(base, "ScaledObject")
    hpa = by_kind(base, "HorizontalPodAutoscaler")
    for name, deployment in deployments.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        matching = [b for b in budgets.values() if b["spec"]["selector"]["matchLabels"].items() <= labels.items()]
        assert len(matching) == 1, name
        assert matching[0]["spec"].get("maxUnavailable") == 1, name
        # with one pod allowed to go, at least two must run all year
        floor = scaled[name]["spec"]["minReplicaCount"] if name in scaled else (
            hpa[name]["spec"]["minReplicas"] if name in hpa else deployment["spec"]["replicas"])
        assert floor >= 2, name


def cron_months(trigger) -> tuple[int, int]:
    start, end = trigger["metadata"]["start"].split(), trigger["metadata"]["end"].split()
    return int(start[3]), int(end[3])


@pytest.mark.parametrize("service, first_month, after_last_month", [
    ("musrenbang", 1, 4),   # Jan-Mar
    ("renja", 3, 6),        # Mar-May
])
def test_busy_services_autoscale_on_queue_depth_with_a_season_floor(base, service, first_month, after_last_month):
    obj = by_kind(base, "ScaledObject")[service]
    triggers = {t["type"]: t for t in obj["spec"]["triggers"]}
    assert cron_months(triggers["cron"]) == (first_month, after_last_month)
    assert triggers["cron"]["metadata"]["timezone"] == "Asia/Jakarta"
    floor = int(triggers["cron"]["metadata"]["desiredReplicas"])
    assert obj["spec"]["minReplicaCount"] < floor <= obj["spec"]["maxReplicaCount"]
    assert triggers["rabbitmq"]["metadata"]["mode"] == "QueueLength"


@pytest.mark.parametrize("service", SERVICES)
def test_queue_depth_counts_exactly_the_services_work_queues(base, service):
    trigger = next(t for t in by_kind(base, "ScaledObject")[service]["spec"]["triggers"] if t["type"] == "rabbitmq")
    pattern = re.compile(trigger["metadata"]["queueName"])
    every_queue = {f"rpc-{s}" for s in SERVICES} | {
        n for s in PROJECT_TOPOLOGY.subscriptions for n in (s.queue, s.retry_queue, s.dead_queue)}
    counted = {q for q in every_queue if pattern.search(q)}
    assert counted == {f"rpc-{service}"} | {s.queue for s in PROJECT_TOPOLOGY.for_consumer(service)}


def test_the_busy_season_overlay_raises_musrenbang_renja_and_the_gateway_only(base, busy):
    def key(d):
        return d["kind"], d["metadata"]["name"]
    before, after = {key(d): d for d in base}, {key(d): d for d in busy}
    assert before.keys() == after.keys()
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {("ScaledObject", "musrenbang"), ("ScaledObject", "renja"), ("HorizontalPodAutoscaler", "gateway")}
    for name in ("musrenbang", "renja"):
        b, a = before[("ScaledObject", name)]["spec"], after[("ScaledObject", name)]["spec"]
        assert a["minReplicaCount"] > b["minReplicaCount"] and a["maxReplicaCount"] > b["maxReplicaCount"]
        floor = int(next(t for t in a["triggers"] if t["type"] == "cron")["metadata"]["desiredReplicas"])
        assert a["minReplicaCount"] >= floor  # in the overlay the season floor holds all the time
    assert after[("HorizontalPodAutoscaler", "gateway")]["spec"]["minReplicas"] > \
        before[("HorizontalPodAutoscaler", "gateway")]["spec"]["minReplicas"]


def test_each_service_has_its_own_postgresql_wired_to_its_pods(base):
    clusters = by_kind(base, "Cluster")
    assert set(clusters) == {f"pg-{n}" for n in (*SERVICES, "gateway")}
    for name in (*SERVICES, "gateway"):
        spec = clusters[f"pg-{name}"]["spec"]
        assert spec["bootstrap"]["initdb"] == {"database": f"eplanning_{name}", "owner": name}
        assert spec["instances"] >= 3 and spec["postgresql"]["synchronous"]["number"] >= 1
    wanted_db = {**{s: f"pg-{s}-app" for s in SERVICES}, "webhooks": "pg-gateway-app", "gateway": "pg-gateway-app"}
    for name, deployment in by_kind(base, "Deployment").items():
        spec = pod_spec(deployment)
        for container in spec.get("initContainers", []) + spec["containers"]:
            for var in ("DATABASE_URL", "GATEWAY_DATABASE_URL"):
                if var in env_of(container):
                    ref = env_of(container)[var]["valueFrom"]["secretKeyRef"]
                    assert (ref["name"], ref["key"]) == (wanted_db[name], "uri"), f"{name}/{container['name']}"
        (main,) = spec["containers"]
        assert ("GATEWAY_DATABASE_URL" if name in ("gateway", "webhooks") else "DATABASE_URL") in env_of(main), name
    # max_connections covers every replica's pools (DB_POOL_SIZE 10 + 5 overflow + relay 2) at the busy ceiling
    busiest = {n: d["spec"]["maxReplicaCount"] for n, d in by_kind(render(K8S / "overlays" / "busy-season"),
                                                                    "ScaledObject").items()}
    for name, replicas in busiest.items():
        assert replicas * 17 < int(clusters[f"pg-{name}"]["spec"]["postgresql"]["parameters"]["max_connections"]), name


BARMAN_PLUGIN = "barman-cloud.cloudnative-pg.io"


def test_every_cluster_archives_its_wal_and_is_backed_up_every_night(base):
    clusters, schedules = by_kind(base, "Cluster"), by_kind(base, "ScheduledBackup")
    (store,) = by_kind(base, "ObjectStore").values()
    for name, cluster in clusters.items():
        (plugin,) = [p for p in cluster["spec"]["plugins"] if p["name"] == BARMAN_PLUGIN]
        assert plugin["isWALArchiver"] is True, name  # continuous archiving: point-in-time recovery
        assert plugin["parameters"] == {"barmanObjectName": store["metadata"]["name"]}, name
        nightly = [s["spec"] for s in schedules.values() if s["spec"]["cluster"]["name"] == name]
        assert len(nightly) == 1, name
        assert nightly[0]["method"] == "plugin" and nightly[0]["pluginConfiguration"]["name"] == BARMAN_PLUGIN
        seconds, minutes, hours, *rest = nightly[0]["schedule"].split()
        assert rest == ["*", "*", "*"], f"{name}: a base backup every day"
    assert {s["spec"]["cluster"]["name"] for s in schedules.values()} == set(clusters)
    assert len({s["spec"]["schedule"] for s in schedules.values()}) == len(schedules), "staggered"
    assert re.fullmatch(r"[1-9][0-9]*d", store["spec"]["retentionPolicy"])
    secrets = {d["metadata"]["name"]: d for d in _load_docs(K8S / "secrets.example.yaml")}
    for ref in store["spec"]["configuration"]["s3Credentials"].values():
        assert ref["key"] in secrets[ref["name"]]["stringData"], ref


def test_the_point_in_time_recovery_example_is_its_cluster_recovered_from_the_store(base):
    (doc,) = _load_docs(K8S / "recovery" / "pg-rkpd-pitr.yaml")
    validate(doc)
    original = by_kind(base, "Cluster")[doc["metadata"]["name"]]
    (store,) = by_kind(base, "ObjectStore").keys()  # its name
    spec = copy.deepcopy(doc["spec"])
    recovery = spec.pop("bootstrap")["recovery"]
    (origin,) = spec.pop("externalClusters")
    assert recovery["source"] == origin["name"]
    assert (recovery["database"], recovery["owner"]) == (original["spec"]["bootstrap"]["initdb"]["database"],
                                                         original["spec"]["bootstrap"]["initdb"]["owner"])
    assert origin["plugin"] == {"name": BARMAN_PLUGIN, "parameters": {
        "barmanObjectName": store, "serverName": original["metadata"]["name"]}}
    from datetime import datetime
    assert datetime.fromisoformat(recovery["recoveryTarget"]["targetTime"]).utcoffset() is not None
    (archiver,) = spec.pop("plugins")
    assert archiver["isWALArchiver"] and archiver["parameters"]["barmanObjectName"] == store
    assert archiver["parameters"]["serverName"] != original["metadata"]["name"], "a new archive, not the old one"
    rest = {k: v for k, v in original["spec"].items() if k not in ("bootstrap", "plugins")}
    assert spec == rest, "the recovery example drifted from postgres.yaml"
    assert doc["metadata"] == {k: v for k, v in original["metadata"].items()}


def test_each_component_connects_to_the_broker_as_its_own_user(base):
    users = {u["name"] for u in json.loads(DEFINITIONS.read_text())["users"]}
    config = by_kind(base, "ConfigMap")["eplanning-config"]["data"]
    assert config["AMQP_TOPOLOGY"] == "definitions" and "AMQP_URI" not in config
    secrets = {d["metadata"]["name"]: d for d in _load_docs(K8S / "secrets.example.yaml")}
    for name, deployment in by_kind(base, "Deployment").items():
        spec = pod_spec(deployment)
        for container in spec.get("initContainers", []) + spec["containers"]:
            if container["name"] == "migrate":
                continue
            ref = env_of(container)["AMQP_URI"]["valueFrom"]["secretKeyRef"]
            assert ref == {"name": f"eplanning-amqp-{name}", "key": "uri"}, f"{name}/{container['name']}"
            uri = secrets[ref["name"]]["stringData"]["uri"]
            assert uri.startswith(f"amqp://{name}:") and uri.endswith("/eplanning") and name in users
        init = {c["name"]: c for c in spec.get("initContainers", [])}
        if "topology" in init:
            assert init["topology"]["command"] == ["eplanning-topology", "verify"], name


def test_the_gateway_trusts_the_ingress_hop_for_the_client_address(base):
    """Issue #18 finding 10: without it every client behind the Ingress shares one address."""
    (container,) = pod_spec(by_kind(base, "Deployment")["gateway"])["containers"]
    hops = env_of(container)["GATEWAY_TRUSTED_PROXY_HOPS"]["value"]
    assert hops == "1"
    config = by_kind(base, "ConfigMap")["eplanning-config"]["data"]
    assert "GATEWAY_TRUSTED_PROXY_HOPS" not in config  # set in one place


def test_the_broker_loads_the_definitions(base):
    cluster = by_kind(base, "RabbitmqCluster")["rabbitmq"]["spec"]
    assert cluster["replicas"] == 3
    assert "load_definitions = /etc/rabbitmq/definitions/definitions.json" in cluster["rabbitmq"]["additionalConfig"]
    volumes = cluster["override"]["statefulSet"]["spec"]["template"]["spec"]["volumes"]
    assert {"name": "definitions", "secret": {"secretName": "eplanning-rabbitmq-definitions"}} in volumes


def test_no_credentials_in_the_applied_manifests(base):
    text = yaml.safe_dump_all(base)
    assert "CHANGE_ME" not in text
    assert not re.search(r"(amqps?|postgres(ql)?|https?)://[^/\s:@]+:[^/\s@]+@", text), "a URI with a password"
    for deployment in by_kind(base, "Deployment").values():
        spec = pod_spec(deployment)
        for container in spec.get("initContainers", []) + spec["containers"]:
            for name, entry in env_of(container).items():
                if re.search(r"PASSWORD|SECRET|_URI$|_URL$", name):
                    assert "secretKeyRef" in entry.get("valueFrom", {}), f"{container['name']}: {name}"


def _writable_volumes(deployment) -> dict[str, dict]:
    spec = pod_spec(deployment)
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    mounted = {}
    for container in spec.get("initContainers", []) + spec["containers"]:
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, container["name"]
        for mount in container.get("volumeMounts", []):
            if not mount.get("readOnly"):
                mounted[mount["mountPath"]] = volumes[mount["name"]]
    return mounted


@pytest.mark.parametrize("overlay", ["base", "s3_documents"])
def test_no_pod_keeps_documents_on_its_own_disk(overlay, request):
    """Issue #19: the RKPD's files go to the document store; a pod writes only scratch files in
    a bounded /tmp emptyDir, never a volume of its own that other replicas cannot see."""
    for name, deployment in by_kind(request.getfixturevalue(overlay), "Deployment").items():
        for path, volume in _writable_volumes(deployment).items():
            assert path == "/tmp" and set(volume) == {"name", "emptyDir"}, f"{name}: {path}"
        for container in pod_spec(deployment)["containers"]:
            assert "RKPD_OUTPUT_DIR" not in env_of(container), name
    rkpd = by_kind(request.getfixturevalue(overlay), "Deployment")["rkpd"]
    assert _writable_volumes(rkpd)["/tmp"]["emptyDir"]["sizeLimit"]
    env = env_of(pod_spec(rkpd)["containers"][0])
    if overlay == "base":  # PostgreSQL: the rkpd database the pod already has
        assert env["DOCUMENT_STORE"] == {"name": "DOCUMENT_STORE", "value": "postgres"}
        assert not any(n.startswith(("DOCUMENT_S3_", "AWS_")) for n in env)
    else:
        assert env["DOCUMENT_STORE"]["value"] == "s3"
        secrets = {d["metadata"]["name"]: d for d in _load_docs(K8S / "secrets.example.yaml")}
        for var, key in (("DOCUMENT_S3_BUCKET", "bucket"), ("DOCUMENT_S3_ENDPOINT_URL", "endpoint_url"),
                         ("DOCUMENT_S3_REGION", "region"), ("AWS_ACCESS_KEY_ID", "access_key_id"),
                         ("AWS_SECRET_ACCESS_KEY", "secret_access_key")):
            ref = env[var]["valueFrom"]["secretKeyRef"]
            assert ref["name"] == "eplanning-documents-s3" and ref["key"] == key
            assert key in secrets["eplanning-documents-s3"]["stringData"]


def test_the_s3_documents_overlay_changes_the_rkpd_deployment_only(base, s3_documents):
    def key(d):
        return d["kind"], d["metadata"]["name"]
    before, after = {key(d): d for d in base}, {key(d): d for d in s3_documents}
    assert before.keys() == after.keys()
    assert {k for k in before if before[k] != after[k]} == {("Deployment", "rkpd")}


# -- RabbitMQ definitions ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def definitions() -> dict:
    return json.loads(DEFINITIONS.read_text(encoding="utf-8"))


def test_committed_definitions_are_the_generated_ones(definitions):
    assert definitions == rd.definitions(), (
        "deploy/rabbitmq/definitions.json is stale: eplanning-topology definitions > deploy/rabbitmq/definitions.json")
    assert all(u["password_hash"] == "" for u in definitions["users"]), "no password hash is ever committed"


def test_every_topology_object_is_defined_and_every_queue_is_quorum(definitions):
    queues = {q["name"]: q for q in definitions["queues"]}
    exchanges = {e["name"] for e in definitions["exchanges"]}
    bindings = {(b["source"], b["destination"], b["routing_key"]) for b in definitions["bindings"]}
    assert set(PROJECT_TOPOLOGY.exchanges) | {rd.RPC_EXCHANGE, rd.DEAD_LETTER_EXCHANGE} == exchanges
    for sub in PROJECT_TOPOLOGY.subscriptions:
        assert {sub.queue, sub.retry_queue, sub.dead_queue} <= set(queues)
        assert (f"{sub.source}.events", sub.queue, sub.routing_key) in bindings
        # the retry queue keeps the arguments eplanning_common.topology.declare gives it
        assert queues[sub.retry_queue]["arguments"] == {
            "x-queue-type": "quorum", "x-dead-letter-exchange": "", "x-dead-letter-routing-key": sub.queue}
    assert all(q["arguments"]["x-queue-type"] == "quorum" and q["durable"] for q in queues.values())
    (vhost,) = definitions["vhosts"]
    assert vhost["name"] == "eplanning" and vhost["metadata"]["default_queue_type"] == "quorum"


def effective_policy(definitions, queue: str) -> dict | None:
    """The policy RabbitMQ applies to `queue`: the matching one of highest priority."""
    matching = [p for p in definitions["policies"]
                if p["apply-to"] in ("queues", "all") and re.search(p["pattern"], queue)]
    if not matching:
        return None
    top = max(p["priority"] for p in matching)
    best = [p for p in matching if p["priority"] == top]
    assert len(best) == 1, f"{queue}: policies {[p['name'] for p in best]} tie"
    return best[0]


def test_every_queue_has_a_dead_letter_policy(definitions):
    queues = [q["name"] for q in definitions["queues"]] + [
        "rpc-musrenbang", "rpc-webhooks", f"rpc.reply-standalone_rpc_proxy-{uuid.uuid4()}",
        f"rpc.reply-rkpd-{uuid.uuid4()}", "partner.bpkad.musrenbang-usulan"]
    for queue in queues:
        policy = effective_policy(definitions, queue)
        assert policy is not None, queue
        if queue == rd.DEAD_LETTER_SINK:
            assert "dead-letter-exchange" not in policy["definition"]  # the end of the line: bounded instead
            assert policy["definition"]["max-length"] > 0
            continue
        assert "dead-letter-exchange" in policy["definition"], (queue, policy["name"])
    for sub in PROJECT_TOPOLOGY.subscriptions:
        main = effective_policy(definitions, sub.queue)["definition"]
        assert (main["dead-letter-exchange"], main["dead-letter-routing-key"]) == ("", sub.dead_queue)
        assert main["dead-letter-strategy"] == "at-least-once" and main["overflow"] == "reject-publish"
        assert main["delivery-limit"] > 0
        retry = effective_policy(definitions, sub.retry_queue)["definition"]
        assert retry["dead-letter-routing-key"] == sub.queue
        assert effective_policy(definitions, sub.dead_queue)["definition"]["dead-letter-exchange"] == rd.DEAD_LETTER_EXCHANGE


def test_one_user_per_component_with_least_privilege(definitions):
    users = {u["name"]: u for u in definitions["users"]}
    assert set(users) == {*COMPONENTS, rd.MONITORING_USER}
    assert all(not u["tags"] for n, u in users.items() if n != rd.MONITORING_USER)
    assert users[rd.MONITORING_USER]["tags"] == ["monitoring"]
    perms = {p["user"]: p for p in definitions["permissions"]}

    def allowed(user, what, name):
        return re.search(perms[user][what], name) is not None

    everything = [q["name"] for q in definitions["queues"]] + [e["name"] for e in definitions["exchanges"]]
    for user in COMPONENTS:
        # nothing of the topology can be (re)declared or deleted by a component
        assert [n for n in everything if allowed(user, "configure", n)] in ([], [rd.RPC_EXCHANGE]), user
    for service in (*SERVICES, "webhooks"):
        own = {s.queue for s in PROJECT_TOPOLOGY.for_consumer(service)}
        readable = {q["name"] for q in definitions["queues"] if allowed(service, "read", q["name"])}
        assert readable == own, service  # its own main queues only: not another's, not .retry/.dead
        assert allowed(service, "configure", f"rpc-{service}") and allowed(service, "read", f"rpc-{service}")
        others = [s for s in SERVICES if s != service]
        assert not any(allowed(service, "write", f"{o}.events") for o in others), service
        assert allowed(service, "write", f"{service}.events") == (service in SERVICES)
    assert not any(allowed("gateway", "write", f"{s}.events") for s in SERVICES)
    assert not any(allowed("gateway", "read", q["name"]) for q in definitions["queues"])
    reply = f"rpc.reply-standalone_rpc_proxy-{uuid.uuid4()}"
    assert all(allowed("gateway", w, reply) for w in ("configure", "write", "read"))
    assert not allowed("musrenbang", "configure", reply)
    assert perms[rd.MONITORING_USER] | {"user": "", "vhost": ""} == {
        "user": "", "vhost": "", "configure": "^$", "write": "^$", "read": "^$"}
    topic = {t["user"]: t for t in definitions["topic_permissions"]}
    assert re.search(topic["gateway"]["write"], "renja.list_rows")
    assert not re.search(topic["gateway"]["write"], str(uuid.uuid4()))
    assert re.search(topic["musrenbang"]["write"], str(uuid.uuid4()))
    assert not re.search(topic["musrenbang"]["write"], "pokir.list_pokir")
    assert re.search(topic["rkpd"]["write"], "musrenbang.list_usulan")
    assert not re.search(topic["rkpd"]["write"], "webhooks.health")
    # issue #18: only the gateway and RKPD (its granted reads) may publish RPC requests
    for user in (*SERVICES, "webhooks"):
        for key in ("musrenbang.get_usulan", "pokir.list_pokir", "renja.set_pagu", "rkpd.status", "webhooks.health"):
            if user == "rkpd" and key == "pokir.list_pokir":
                continue
            assert not re.search(topic[user]["write"], key), (user, key)


def test_rpc_identity_keys_only_where_they_are_used(base):
    """Every service mounts the public keys; a private key only in the component that signs with it
    (gateway.key: the gateway, rkpd.key: RKPD); the webhooks worker, which talks to the internet, none."""
    config = by_kind(base, "ConfigMap")["eplanning-config"]["data"]
    mount_dir = config["RPC_IDENTITY_KEYS_DIR"]
    expected = {"musrenbang": {"eplanning-rpc-public-keys"}, "pokir": {"eplanning-rpc-public-keys"},
                "renja": {"eplanning-rpc-public-keys"},
                "rkpd": {"eplanning-rpc-public-keys", "eplanning-rpc-rkpd-key"},
                "gateway": {"eplanning-rpc-gateway-key"}, "webhooks": set()}
    for name, deployment in by_kind(base, "Deployment").items():
        spec = pod_spec(deployment)
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        secrets = {src["secret"]["name"] for v in volumes.values() for src in v.get("projected", {}).get("sources", [])
                   if "secret" in src} | {v["secret"]["secretName"] for v in volumes.values() if "secret" in v}
        assert {s for s in secrets if s.startswith("eplanning-rpc-")} == expected[name], name
        if expected[name]:
            mounts = {m["mountPath"]: m for c in spec["containers"] for m in c.get("volumeMounts", [])}
            assert mounts[mount_dir]["name"] == "rpc-keys" and mounts[mount_dir]["readOnly"] is True, name


def test_password_hashes_are_rabbitmqs_salted_sha256():
    import base64
    import hashlib
    salted = rd.password_hash("rahasia", salt=b"\x01\x02\x03\x04")
    raw = base64.b64decode(salted)
    assert raw[:4] == b"\x01\x02\x03\x04" and raw[4:] == hashlib.sha256(b"\x01\x02\x03\x04rahasia").digest()
    doc = rd.definitions(passwords={p.user: "x" for p in rd.PRINCIPALS} | {rd.MONITORING_USER: "y"})
    assert all(u["password_hash"] for u in doc["users"])


# -- documentation ---------------------------------------------------------------------------------------

def test_the_readme_explains_scaling_per_season():
    readme = (K8S / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Scaling per season", 1)[1].split("\n## ", 1)[0]
    for word in ("musrenbang", "renja", "Jan", "Mar", "May", "overlays/busy-season", "KEDA"):
        assert word in section, word
    assert "deploy/k8s/README.md#scaling-per-season" in (ROOT / "README.md").read_text(encoding="utf-8")


# -- onboarding a pemda (deploy/k8s/onboard, issue #19) -------------------------------------------------------

@pytest.fixture(scope="module")
def onboard() -> list[dict]:
    return render(K8S / "onboard")


def _onboard_job(docs) -> tuple[dict, dict, dict]:
    job = by_kind(docs, "Job")["onboard"]
    spec = pod_spec(job)
    return job, spec, spec["containers"][0]


def test_the_onboarding_job_validates_and_is_not_part_of_the_stack(base, onboard):
    assert sorted(d["kind"] for d in onboard) == ["ConfigMap", "Job"]
    for doc in onboard:
        validate(doc)
        assert doc["metadata"]["namespace"] == "eplanning"
    assert "Job" not in {d["kind"] for d in base}  # `kubectl apply -k deploy/k8s` never onboards by itself
    _, _, container = _onboard_job(onboard)
    gateway = pod_spec(by_kind(base, "Deployment")["gateway"])["containers"][0]
    assert container["image"] == gateway["image"]  # the same image, the same registry


def test_a_broken_onboarding_job_is_rejected(onboard):
    docs = copy.deepcopy(onboard)
    _onboard_job(docs)[0]["spec"]["backofLimit"] = 6
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(by_kind(docs, "Job")["onboard"])
    docs = copy.deepcopy(onboard)
    _onboard_job(docs)[2]["volumeMount"] = []
    with pytest.raises(kubernetes_validate.ValidationError):
        validate(by_kind(docs, "Job")["onboard"])


def test_the_onboarding_job_runs_the_command_for_the_configured_pemda(onboard, base):
    from eplanning_onboard.__main__ import parse_args
    from eplanning_onboard.refdata import region

    job, spec, container = _onboard_job(onboard)
    config = by_kind(onboard, "ConfigMap")["eplanning-onboard"]["data"]
    assert container["envFrom"] == [{"configMapRef": {"name": "eplanning-onboard"}, "prefix": "ONBOARD_"}]
    env = {f"ONBOARD_{k}": v for k, v in config.items()}
    # Kubernetes expands $(VAR) in the command from the container's environment
    argv = [re.sub(r"\$\(([A-Z_]+)\)", lambda m: env[m.group(1)], a) for a in container["command"]]
    assert argv[0] == "eplanning-onboard"
    args = parse_args(argv[1:])
    assert region(args.pemda)["kode"] == config["PEMDA"] and args.tahun == int(config["TAHUN"])
    # the gateway through its Service (name and port), never a pod
    service = by_kind(base, "Service")["gateway"]
    assert args.gateway == f"http://{service['metadata']['name']}" and service["spec"]["ports"][0]["port"] == 80
    # the administrator's password: a file of a Secret mounted read-only, readable by the pod's group only
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert str(args.admin_password_file).startswith(mounts["admin-password"]["mountPath"] + "/")
    assert mounts["admin-password"]["readOnly"] is True
    assert volumes["admin-password"]["secret"]["defaultMode"] == 0o440
    assert spec["securityContext"]["fsGroup"] == spec["securityContext"]["runAsGroup"]
    assert str(args.registers) == mounts["registers"]["mountPath"] and volumes["registers"]["configMap"]["optional"]
    # no password in the environment, and no access to the Kubernetes API
    assert not any("PASSWORD" in e["name"] for e in container["env"])
    assert spec["automountServiceAccountToken"] is False
    # each service's database and the gateway's, from the same Secrets as their Deployments
    deployments = by_kind(base, "Deployment")
    wired = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"]}
    for service in SERVICES:
        own = env_of(pod_spec(deployments[service])["containers"][0])["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert wired[f"{service.upper()}_DATABASE_URL"] == own["name"]
    gateway_db = env_of(pod_spec(deployments["gateway"])["containers"][0])["GATEWAY_DATABASE_URL"]
    assert wired["GATEWAY_DATABASE_URL"] == gateway_db["valueFrom"]["secretKeyRef"]["name"]
    # retried while the stack comes up (exit 1), failed at once on bad input (exit 2)
    assert spec["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] >= 3
    rule = job["spec"]["podFailurePolicy"]["rules"][0]
    assert rule["action"] == "FailJob" and rule["onExitCodes"]["values"] == [2]
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][kind])
