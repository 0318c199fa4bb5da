"""Deployment files, validated without Docker or a cluster: schemas, linters and settings."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from agents.topics import TOPICS
from newsflow.settings import Settings
from tests.conftest import REPO

K8S_VERSION = "1.30.0"
SETTINGS = {f"NEWSFLOW_{name.upper()}" for name in Settings.model_fields}

# Custom resources: kubernetes-validate only knows built-in kinds, so these are checked by
# CUSTOM_CHECKS below instead (their operators' CRD schemas are not packaged on our registries).
CUSTOM_KINDS = {"ScaledObject", "TriggerAuthentication", "KafkaTopic", "ServiceMonitor"}


def kustomize() -> str:
    found = shutil.which("kustomize") or str(REPO / ".cache" / "bin" / "kustomize")
    assert Path(found).exists(), (
        "kustomize is built by `make test` (scripts/install-system-deps.sh)"
    )
    return found


def build(overlay: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [kustomize(), "build", str(REPO / "k8s" / overlay)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


@pytest.fixture(scope="module", params=["base", "overlays/production"])
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return build(request.param)


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def configmap_env(docs: list[dict[str, Any]]) -> dict[str, str]:
    (settings,) = [
        d
        for d in by_kind(docs, "ConfigMap")
        if d["metadata"]["name"].startswith("newsflow-settings")
    ]
    return dict(settings["data"])


def test_builtin_kinds_validate_against_kubernetes_schemas(rendered) -> None:
    for doc in rendered:
        if doc["kind"] in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_rendered_set_is_complete(rendered) -> None:
    kinds = {d["kind"] for d in rendered}
    assert {
        "Namespace",
        "ConfigMap",
        "Deployment",
        "Service",
        "ServiceMonitor",
        "PodDisruptionBudget",
        "ScaledObject",
        "KafkaTopic",
    } <= kinds
    assert len(by_kind(rendered, "KafkaTopic")) == len(list(TOPICS))


def test_custom_resources_are_well_formed_and_consistent(rendered) -> None:
    env = configmap_env(rendered)
    (scaled,) = by_kind(rendered, "ScaledObject")
    (deployment,) = by_kind(rendered, "Deployment")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert scaled["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "kafka"
    meta = trigger["metadata"]
    assert meta["consumerGroup"] == env["NEWSFLOW_CONSUMER_GROUP"]
    assert meta["topic"] == env["NEWSFLOW_TOPIC_RAW"]
    assert meta["bootstrapServers"] == env["NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS"]
    assert int(meta["lagThreshold"]) > 0
    topics = {t["spec"]["topicName"]: t for t in by_kind(rendered, "KafkaTopic")}
    assert set(topics) == {env[f"NEWSFLOW_TOPIC_{spec.alias.upper()}"] for spec in TOPICS}
    raw_partitions = topics[env["NEWSFLOW_TOPIC_RAW"]]["spec"]["partitions"]
    assert scaled["spec"]["maxReplicaCount"] <= raw_partitions, "idle workers beyond partitions"
    assert raw_partitions == int(env["NEWSFLOW_TOPIC_PARTITIONS"])
    for topic in topics.values():
        assert topic["apiVersion"] == "kafka.strimzi.io/v1beta2"
        assert topic["metadata"]["labels"]["strimzi.io/cluster"]
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", topic["metadata"]["name"])
        assert topic["spec"]["replicas"] >= 1
    assert "compact" in topics[env["NEWSFLOW_TOPIC_POLICY"]]["spec"]["config"]["cleanup.policy"]
    (monitor,) = by_kind(rendered, "ServiceMonitor")
    (service,) = by_kind(rendered, "Service")
    port_names = {p["name"] for p in service["spec"]["ports"]}
    assert {e["port"] for e in monitor["spec"]["endpoints"]} <= port_names
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )


def test_deployment_is_production_shaped(rendered) -> None:
    (deployment,) = by_kind(rendered, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert container["resources"]["requests"]["memory"] and container["resources"]["limits"]
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] == "metrics"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod["terminationGracePeriodSeconds"] >= 60
    assert pod["affinity"]["podAntiAffinity"]
    secret_refs = [e for e in container["env"] if "valueFrom" in e]
    assert {e["name"] for e in secret_refs} == {
        "NEWSFLOW_KAFKA_SASL_USERNAME",
        "NEWSFLOW_KAFKA_SASL_PASSWORD",
    }
    (pdb,) = by_kind(rendered, "PodDisruptionBudget")
    assert pdb["spec"]["selector"] == deployment["spec"]["selector"]


def test_production_overlay_uses_sasl_and_no_committed_secret() -> None:
    docs = build("overlays/production")
    env = configmap_env(docs)
    assert env["NEWSFLOW_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert not by_kind(docs, "Secret")
    assert all(d["metadata"].get("namespace") in (None, "newsflow-prod") for d in docs)
    assert "NEWSFLOW_KAFKA_SASL_PASSWORD" not in env


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_file_validates_against_the_compose_specification() -> None:
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(REPO / "docker-compose.yml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_services_fit_together() -> None:
    spec = compose()
    services = spec["services"]
    assert {"kafka", "topics", "worker", "feeder", "prometheus", "grafana"} <= set(services)
    assert "ports" not in services["worker"], "a fixed host port would block --scale worker=N"
    assert (
        services["worker"]["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    )
    assert services["kafka"]["healthcheck"]
    assert services["feeder"]["profiles"] == ["demo"]
    for service in ("prometheus", "grafana"):
        for volume in services[service]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"{service} mounts missing {source}"
    partitions = int(services["worker"]["environment"]["NEWSFLOW_TOPIC_PARTITIONS"])
    assert partitions >= 3, "the README documents scaling to 3 workers"


def test_compose_and_k8s_set_the_metrics_bind_address_explicitly() -> None:
    # The default is loopback; in a container Prometheus and the kubelet come from outside.
    assert compose()["services"]["worker"]["environment"]["NEWSFLOW_METRICS_HOST"] == "0.0.0.0"
    (config,) = [
        d
        for d in build("base")
        if d["kind"] == "ConfigMap" and "NEWSFLOW_METRICS_PORT" in d.get("data", {})
    ]
    assert config["data"]["NEWSFLOW_METRICS_HOST"] == "0.0.0.0"


def test_environment_names_are_exactly_settings_the_code_reads() -> None:
    used: set[str] = set()
    for service in compose()["services"].values():
        used |= {k for k in (service.get("environment") or {}) if k.startswith("NEWSFLOW_")}
    for env_file in (REPO / "k8s").rglob("*.env"):
        used |= {
            line.split("=", 1)[0]
            for line in env_file.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        }
    for doc in build("overlays/production"):
        if doc["kind"] == "Deployment":
            (container,) = doc["spec"]["template"]["spec"]["containers"]
            used |= {e["name"] for e in container.get("env", [])}
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    used |= set(re.findall(r"\b(NEWSFLOW_[A-Z_]+)=", dockerfile))
    assert used, "no settings found"
    assert used - SETTINGS == set(), "unknown settings (typos?)"


def test_dockerfile_passes_hadolint_and_is_hardened() -> None:
    hadolint = Path(sys.executable).parent / "hadolint"
    result = subprocess.run(
        [str(hadolint), str(REPO / "Dockerfile")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2, "multi-stage"
    assert re.search(r"^USER 10001", text, re.M) and "HEALTHCHECK" in text
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", ".cache"} <= set(ignored)


def test_grafana_dashboards_configmap_is_fresh() -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import render_k8s_dashboards
    finally:
        sys.path.pop(0)
    current = (REPO / "k8s" / "base" / "grafana-dashboards.yaml").read_text(encoding="utf-8")
    assert current == render_k8s_dashboards.render(), "run scripts/render_k8s_dashboards.py"


def test_deploy_docs_say_how_to_build_and_push_the_image_the_overlay_runs() -> None:
    overlay = yaml.safe_load(
        (REPO / "k8s" / "overlays" / "production" / "kustomization.yaml").read_text()
    )
    (image,) = [i for i in overlay["images"] if i["name"] == "newsflow"]
    registry, _, name = image["newName"].partition("/")
    docs = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.M)
    assert version and image["newTag"] == version.group(1)
    assert f"VERSION={image['newTag']}" in docs and f"REGISTRY={registry}" in docs
    assert f"docker build -t newsflow:$VERSION -t $REGISTRY/{name}:$VERSION ." in docs
    assert f"docker push $REGISTRY/{name}:$VERSION" in docs
