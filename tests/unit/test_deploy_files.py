"""Static checks of the deployment files: docker-compose.yml, deploy/Dockerfile, deploy/k8s/.

The Compose file is validated against the Compose Specification schema
(deploy/schemas/compose-spec.json, see deploy/schemas/SOURCES.md) with check-jsonschema.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
COMPOSE_SCHEMA = ROOT / "deploy" / "schemas" / "compose-spec.json"
K8S_DIR = ROOT / "deploy" / "k8s"

NAMEKO_SERVICES = ("musrenbang", "pokir", "renja", "rkpd")
INFRA = ("rabbitmq", "postgres")


def check_jsonschema(instance: Path) -> subprocess.CompletedProcess:
    # the check-jsonschema installed next to this interpreter (the project venv), not one on PATH
    exe = Path(sys.executable).parent / "check-jsonschema"
    assert exe.exists(), f"check-jsonschema not installed beside {sys.executable}"
    return subprocess.run(
        [str(exe), "--schemafile", str(COMPOSE_SCHEMA), str(instance)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


# --- (a) the Compose Specification schema --------------------------------------------------


def test_compose_file_validates_against_compose_spec():
    result = check_jsonschema(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_round_tripped_compose_file_still_validates(tmp_path, compose):
    # control for the negative tests below: a re-serialised copy (anchors expanded) is valid,
    # so when a mutated copy fails, it fails because of the mutation
    copy_path = tmp_path / "docker-compose.yml"
    copy_path.write_text(yaml.safe_dump(compose, sort_keys=False), encoding="utf-8")
    result = check_jsonschema(copy_path)
    assert result.returncode == 0, result.stdout + result.stderr


def _unknown_service_key(doc):
    doc["services"]["renja"]["replicaz"] = 3


def _bad_depends_on_condition(doc):
    doc["services"]["gateway"]["depends_on"]["rabbitmq"]["condition"] = "service_ready"


def _unknown_top_level_key(doc):
    doc["servises"] = doc.pop("services")


@pytest.mark.parametrize(
    "mutate", [_unknown_service_key, _bad_depends_on_condition, _unknown_top_level_key]
)
def test_broken_compose_file_is_rejected(tmp_path, compose, mutate):
    broken = copy.deepcopy(compose)
    mutate(broken)
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(broken, sort_keys=False), encoding="utf-8")
    result = check_jsonschema(path)
    assert result.returncode != 0, "check-jsonschema accepted an invalid compose file"


# --- (b) the design rules of docker-compose.yml ----------------------------------------------


def test_all_expected_services_present(compose):
    services = compose["services"]
    for name in (*INFRA, "topology", *NAMEKO_SERVICES, "gateway"):
        assert name in services, name


def test_no_container_name_anywhere(compose):
    # container_name would break `docker compose up --scale <service>=N`
    offenders = [n for n, s in compose["services"].items() if "container_name" in s]
    assert offenders == []


def test_only_the_gateway_publishes_ports(compose):
    publishing = sorted(n for n, s in compose["services"].items() if s.get("ports"))
    assert publishing == ["gateway"]


def test_nameko_services_run_migrations_then_nameko(compose):
    for name in NAMEKO_SERVICES:
        service = compose["services"][name]
        command = " ".join(service["command"])
        assert f"eplanning-migrate {name} &&" in command, name
        assert f"exec nameko run --config deploy/nameko.yaml {name}.service" in command, name
        env = service["environment"]
        assert env["AMQP_URI"].startswith("amqp://"), name
        assert env["DATABASE_URL"].endswith(f"@postgres:5432/eplanning_{name}"), name


def test_nameko_services_have_healthcheck_and_wait_for_infra_and_topology(compose):
    for name in NAMEKO_SERVICES:
        service = compose["services"][name]
        assert service.get("healthcheck", {}).get("test"), name
        assert not service["healthcheck"].get("disable"), name
        deps = service["depends_on"]
        assert deps["rabbitmq"]["condition"] == "service_healthy", name
        assert deps["postgres"]["condition"] == "service_healthy", name
        assert deps["topology"]["condition"] == "service_completed_successfully", name


def test_gateway_healthcheck_and_dependencies(compose):
    gateway = compose["services"]["gateway"]
    assert "/healthz" in " ".join(gateway["healthcheck"]["test"])
    assert gateway["environment"]["AMQP_URI"].startswith("amqp://")
    # gunicorn must listen on all interfaces inside the container, not on the 127.0.0.1 default
    assert gateway["environment"]["GATEWAY_BIND"] == "0.0.0.0:8080"
    deps = gateway["depends_on"]
    assert deps["rabbitmq"]["condition"] == "service_healthy"
    for name in NAMEKO_SERVICES:
        assert deps[name]["condition"] == "service_healthy", name
    assert any(str(p).endswith(":8080") or str(p) == "8080" for p in gateway["ports"])


def test_topology_is_a_one_shot_job(compose):
    topology = compose["services"]["topology"]
    assert topology["command"] == ["eplanning-topology", "declare"]
    assert topology.get("restart", "no") == "no"
    assert topology["depends_on"]["rabbitmq"]["condition"] == "service_healthy"


def test_infrastructure_has_healthchecks(compose):
    services = compose["services"]
    assert "rabbitmq-diagnostics -q ping" in " ".join(services["rabbitmq"]["healthcheck"]["test"])
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]


def test_every_dependency_on_infra_waits_for_healthy(compose):
    # list-form depends_on would mean "started", which is not "ready"
    for name, service in compose["services"].items():
        deps = service.get("depends_on")
        if deps is None:
            continue
        assert isinstance(deps, dict), f"{name}: depends_on must use conditions"
        for infra in INFRA:
            if infra in deps:
                assert deps[infra]["condition"] == "service_healthy", f"{name} -> {infra}"


def test_postgres_init_script_creates_one_database_per_service(compose):
    mounts = compose["services"]["postgres"]["volumes"]
    assert any(
        m.startswith("./deploy/postgres/init-databases.sql:/docker-entrypoint-initdb.d/")
        for m in mounts
    )
    sql = (ROOT / "deploy" / "postgres" / "init-databases.sql").read_text(encoding="utf-8")
    for name in NAMEKO_SERVICES:
        assert f"'CREATE DATABASE eplanning_{name}'" in sql, name


def test_images_build_from_the_one_dockerfile(compose):
    for name in ("topology", *NAMEKO_SERVICES, "gateway"):
        assert compose["services"][name]["build"]["dockerfile"] == "deploy/Dockerfile", name
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in dockerfile
    assert "-c requirements/constraints.txt" in dockerfile
    for package in ("./common", *(f"./services/{n}" for n in NAMEKO_SERVICES), "./services/gateway"):
        assert package in dockerfile, package
    assert "\nUSER " in dockerfile


def test_the_image_builds_the_web_app_in_a_node_stage_and_keeps_only_its_output(compose):
    """Issue #14: Compose and Kubernetes serve the web app: `npm ci` from the committed lockfile and
    `npm run build` in a Node stage; the Python image gets web/dist only (no Node.js, no node_modules)."""
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?$", dockerfile, re.M)
    assert [name for _, name in stages] == ["web", ""] and stages[0][0].startswith("node:")
    node_stage, python_stage = dockerfile.split("\nFROM python:", 1)
    assert "COPY web/package.json web/package-lock.json ./" in node_stage
    assert node_stage.index("RUN npm ci") < node_stage.index("COPY web/ ./") < node_stage.index("RUN npm run build")
    assert "COPY --from=web /web/dist web/dist" in python_stage
    assert "npm" not in python_stage and "node_modules" not in python_stage
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "web/dist" in ignored and "**/node_modules" in ignored
    assert compose["services"]["gateway"]["environment"]["GATEWAY_WEB_DIR"] == "/app/web/dist"


# --- (c) Kubernetes manifests ----------------------------------------------------------------


def _k8s_documents():
    files = sorted(K8S_DIR.glob("*.yaml")) + sorted(K8S_DIR.glob("*.yml"))
    assert files, "no manifests in deploy/k8s"
    docs = []
    for path in files:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                docs.append((path.name, doc))
    return docs


def test_k8s_manifests_parse_and_have_kind():
    for filename, doc in _k8s_documents():
        assert isinstance(doc, dict), filename
        assert doc.get("apiVersion") and doc.get("kind"), filename


def test_every_deployment_container_has_resource_requests():
    deployments = [(f, d) for f, d in _k8s_documents() if d["kind"] == "Deployment"]
    names = {d["metadata"]["name"] for _, d in deployments}
    assert names == {*NAMEKO_SERVICES, "gateway", "webhooks"}
    for filename, deployment in deployments:
        pod = deployment["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            requests = container.get("resources", {}).get("requests", {})
            where = f"{filename}: {container['name']}"
            assert "cpu" in requests and "memory" in requests, where
            assert "memory" in container["resources"].get("limits", {}), where


def test_nameko_deployments_use_exec_liveness_and_have_only_the_metrics_port():
    for filename, doc in _k8s_documents():
        if doc["kind"] != "Deployment" or doc["metadata"]["name"] not in NAMEKO_SERVICES:
            continue
        (container,) = doc["spec"]["template"]["spec"]["containers"]
        assert "exec" in container["livenessProbe"], filename
        assert container["ports"] == [{"name": "metrics", "containerPort": 9100}], filename


def test_each_nameko_service_autoscales_on_its_rpc_queue():
    scaled = {
        d["spec"]["scaleTargetRef"]["name"]: d
        for _, d in _k8s_documents()
        if d["kind"] == "ScaledObject"
    }
    assert set(scaled) == set(NAMEKO_SERVICES)
    for name, obj in scaled.items():
        queue_triggers = [t for t in obj["spec"]["triggers"] if t["type"] == "rabbitmq"]
        assert queue_triggers, name
        assert any(f"rpc-{name}" in t["metadata"]["queueName"] for t in queue_triggers), name
        assert obj["spec"]["minReplicaCount"] >= 1, name


def test_the_services_log_configuration_is_the_shared_one():
    """deploy/nameko.yaml's LOGGING (what `nameko run` applies) is eplanning_common.logs'
    logging_config, the refusal filter included: applied, a refusal comes out as one INFO line."""
    import json
    import logging
    import logging.config

    from eplanning_common.errors import Forbidden
    from eplanning_common.logs import ExpectedRefusals, JsonFormatter, logging_config

    logging_yaml = yaml.safe_load((ROOT / "deploy" / "nameko.yaml").read_text())["LOGGING"]
    shared = logging_config("musrenbang")
    assert logging_yaml["handlers"] == shared["handlers"]
    assert logging_yaml["filters"]["expected"]["()"] == "eplanning_common.logs.ExpectedRefusals"
    assert shared["filters"]["expected"]["()"] is ExpectedRefusals
    assert logging_yaml["formatters"]["json"]["()"] == "eplanning_common.logs.JsonFormatter"
    assert shared["formatters"]["json"]["()"] is JsonFormatter
    assert logging_yaml["loggers"] == shared["loggers"]

    handler = logging.StreamHandler()
    handler.addFilter(ExpectedRefusals())
    record = logging.LogRecord("nameko.containers", logging.WARNING, __file__, 1,
                               "(expected) error handling worker %s: %s", ("<worker>", "x"), None)
    record.exc_info = (Forbidden, Forbidden("Akses ditolak"), None)
    assert handler.filter(record)
    assert json.loads(JsonFormatter().format(record))["level"] == "INFO"


def test_rpc_identity_keys_each_container_holds_only_what_it_needs(compose):
    """Issue #18: the keys job makes the keys once; the gateway gets gateway.key, RKPD rkpd.key, the
    other services only public keys, the webhooks worker (it talks to the internet) none."""
    services = compose["services"]
    keys_job = services["keys"]
    assert keys_job.get("restart") == "no" and "eplanning-keys generate" in " ".join(keys_job["command"])
    expected = {"musrenbang": "rpc-keys-public", "pokir": "rpc-keys-public", "renja": "rpc-keys-public",
                "rkpd": "rpc-keys-rkpd", "gateway": "rpc-keys-gateway"}
    for name, volume in expected.items():
        service = services[name]
        assert f"{volume}:/run/rpc-keys:ro" in service["volumes"], name
        assert service["environment"]["RPC_IDENTITY_KEYS_DIR"] == "/run/rpc-keys", name
        assert service["depends_on"]["keys"]["condition"] == "service_completed_successfully", name
    assert not any("rpc-keys" in str(v) for v in services["webhooks"].get("volumes", []))
    assert "RPC_IDENTITY_KEYS_DIR" not in services["webhooks"]["environment"]
    command = " ".join(keys_job["command"])
    assert "gateway.key /keys/gateway/" in command and "rkpd.key /keys/rkpd/" in command
    assert "gateway.key" not in command.split("/keys/public/")[0].split("&&")[-1]


# --- (c) credentials: from the generated .env, none in the file ------------------------------


def _interpolated(text: str) -> list[tuple[str, str | None]]:
    """Each ${NAME...} of the file: (NAME, the default or None when it has none)."""
    import re

    return [(m.group(1), m.group(3) if m.group(2) in (":-", "-") else None)
            for m in re.finditer(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}", text)]


def test_no_credential_is_written_in_the_compose_file(compose):
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert "guest" not in text
    assert "${POSTGRES_PASSWORD:-" not in text
    from eplanning_common.cli.compose_env import GENERATED

    for name, default in _interpolated(text):
        # a variable without a default must be one `make compose-env` generates
        assert default is not None or name in GENERATED, f"${{{name}}} has no default and is not generated"
    secrets = {"RABBITMQ_PASSWORD", "POSTGRES_PASSWORD", "GATEWAY_JWT_SECRET"}
    assert not [(n, d) for n, d in _interpolated(text) if n in secrets and d], "a default password"
    assert compose["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert compose["services"]["rabbitmq"]["environment"]["RABBITMQ_DEFAULT_PASS"].startswith("${RABBITMQ_PASSWORD:?")


def test_only_the_gateway_holds_the_token_key_and_it_survives_a_recreation(compose):
    for name, service in compose["services"].items():
        env = service.get("environment", {})
        assert ("GATEWAY_JWT_SECRET" in env) == (name == "gateway"), name
    gateway = compose["services"]["gateway"]
    assert gateway["environment"]["GATEWAY_JWT_SECRET"].startswith("${GATEWAY_JWT_SECRET:?")
    assert "gateway-data:/app/var" in gateway["volumes"] and "gateway-data" in compose["volumes"]


def test_the_credentials_file_is_neither_committed_nor_built_into_the_image():
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
    assert "-e deploy/local/stack.env" in (ROOT / "deploy" / "local" / "stack.sh").read_text()  # honcho skips it


def test_the_backup_tool_runs_on_demand_with_the_documents(compose):
    backup = compose["services"]["backup"]
    assert backup["profiles"] == ["tools"] and backup["entrypoint"] == ["eplanning-backup"]
    rkpd = compose["services"]["rkpd"]
    documents = [v.split(":")[0] for v in rkpd.get("volumes", [])
                 if v.split(":")[1] == rkpd["environment"].get("RKPD_OUTPUT_DIR")]
    for volume in documents:  # the RKPD files, where they are files, are archived too
        assert f"{volume}:{backup['environment']['RKPD_OUTPUT_DIR']}" in backup["volumes"]
    assert "postgresql-client" in (ROOT / "deploy" / "Dockerfile").read_text()


def test_the_onboarding_one_shot_runs_the_same_command_on_demand_only(compose):
    onboard = compose["services"]["onboard"]
    assert onboard["profiles"] == ["tools"]  # `docker compose up` never onboards by itself
    assert onboard["restart"] == "no" and onboard["build"]["dockerfile"] == "deploy/Dockerfile"
    command = " ".join(onboard["command"])
    assert "exec eplanning-onboard --pemda" in command and "--gateway http://gateway:8080" in command
    assert onboard["depends_on"]["gateway"]["condition"] == "service_healthy"
    # the administrator's password goes to a volume of its own, never into the environment
    assert "--admin-password-file \"/app/var/onboard/" in command
    assert any(v.startswith("onboard-secrets:/app/var/onboard") for v in onboard["volumes"])
    assert not any("PASSWORD" in name and name != "POSTGRES_PASSWORD" for name in onboard["environment"])
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    assert "./onboard" in dockerfile and "./demo" in dockerfile  # eplanning-onboard and its HTTP client
