"""Monitoring files: promtool accepts config and rules and passes the alert unit tests; dashboards
are fresh; every metric a dashboard or alert reads exists and is documented."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from prometheus_client import CollectorRegistry

from agents.metrics import WorkerMetrics
from tests.conftest import REPO

MONITORING = REPO / "monitoring"
PROMETHEUS = MONITORING / "prometheus"
RULES = PROMETHEUS / "rules" / "newsflow-alerts.yml"
DASHBOARDS = MONITORING / "grafana" / "dashboards"
DOCS = REPO / "docs" / "metrics.md"
ALERTS = (
    "NewsflowWorkerDown",
    "NewsflowWorkerNotReady",
    "NewsflowConsumerLagGrowing",
    "NewsflowNoThroughput",
    "NewsflowDeadLetterRateHigh",
    "NewsflowEndToEndLatencyHigh",
    "NewsflowProcessingLatencyHigh",
)


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    assert tool, "promtool is missing: install the Debian package prometheus (make system-deps)"
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120)


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate", MONITORING / "grafana" / "generate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def dashboard_exprs() -> list[str]:
    exprs = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        for panel in json.loads(path.read_text(encoding="utf-8"))["panels"]:
            exprs += [target["expr"] for target in panel["targets"]]
    return exprs


def test_promtool_accepts_the_prometheus_config() -> None:
    result = promtool("check", "config", str(PROMETHEUS / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_the_alert_rules() -> None:
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_passing_promtool_unit_tests() -> None:
    tests = PROMETHEUS / "tests" / "newsflow-alerts.test.yml"
    result = promtool("test", "rules", str(tests))
    assert result.returncode == 0, result.stdout + result.stderr
    text = tests.read_text(encoding="utf-8")
    rules = RULES.read_text(encoding="utf-8")
    assert set(re.findall(r"alert: (\w+)", rules)) == set(ALERTS)
    for alert in ALERTS:
        # At least one case where it fires and one where it stays silent.
        assert re.search(rf"alertname: {alert}\n\s+exp_alerts:\n\s+- exp_labels", text), alert
        assert re.search(rf"alertname: {alert}\n\s+exp_alerts: \[\]", text), alert


def test_checked_in_dashboards_are_what_the_generator_makes() -> None:
    generator = load_generator()
    assert generator.stale() == [], "run: python monitoring/grafana/generate.py"
    assert {p.name for p in DASHBOARDS.glob("*.json")} == set(generator.DASHBOARDS)


def test_dashboards_have_the_panels_the_issue_asks_for() -> None:
    titles = {
        path.stem: {p["title"] for p in json.loads(path.read_text())["panels"]}
        for path in DASHBOARDS.glob("*.json")
    }
    overview, nlp = titles["newsflow-overview"], titles["newsflow-nlp"]
    for word in ("Throughput in", "Throughput out", "Outcomes", "lag", "End-to-end", "reason"):
        assert any(word in title for title in overview), word
    assert any("Workers up" in title for title in overview)
    for stage in ("cleaning", "nlp", "entities", "policy", "total"):
        assert f"Stage latency: {stage}" in nlp
    for word in ("Entities by type", "direction", "status", "Duplicate", "Languages"):
        assert any(word in title for title in nlp), word
    panels = [
        p for path in DASHBOARDS.glob("*.json") for p in json.loads(path.read_text())["panels"]
    ]
    assert all(p["targets"] and p["datasource"]["uid"] == "prometheus" for p in panels)
    heatmaps = [p for p in panels if p["type"] == "heatmap"]
    assert len(heatmaps) == 5 and all(
        t["format"] == "heatmap" for p in heatmaps for t in p["targets"]
    )


def catalogue() -> set[str]:
    """Names of the series a worker exposes (with _total/_bucket/... suffixes)."""
    registry = CollectorRegistry()
    WorkerMetrics(registry, consumed_topics=["t"], produced_topics=["u"], languages=["en"])
    names = set()
    for family in registry.collect():
        names.add(family.name)
        names |= {sample.name for sample in family.samples}
    names |= {
        f"{family.name}_bucket" for family in registry.collect() if family.type == "histogram"
    }
    return names


def test_dashboards_and_alerts_only_read_metrics_that_exist() -> None:
    known = catalogue() | {"up", "process_cpu_seconds_total", "process_resident_memory_bytes"}
    text = "\n".join(dashboard_exprs()) + RULES.read_text(encoding="utf-8")
    used = set(re.findall(r"\b(newsflow_\w+|process_\w+|up)\b(?=[{\[)\s])", text))
    assert used - known == set()
    assert "newsflow_consumer_lag_messages" in used


def test_every_metric_is_documented_with_its_labels() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    registry = CollectorRegistry()
    WorkerMetrics(registry, consumed_topics=["t"], languages=["en"])
    for family in registry.collect():
        documented = family.name + ("_total" if family.type == "counter" else "")
        documented = documented.replace("newsflow_build", "newsflow_build_info")
        row = next((line for line in docs.splitlines() if f"| `{documented}` |" in line), None)
        assert row, f"{documented} is not in docs/metrics.md"
        labels = {label for sample in family.samples for label in sample.labels} - {"le"}
        for label in labels:
            assert f"`{label}`" in row, f"label {label} of {documented} is not documented"


@pytest.mark.parametrize("alert", ALERTS)
def test_every_alert_is_documented(alert: str) -> None:
    assert f"`{alert}`" in DOCS.read_text(encoding="utf-8")


def test_grafana_provisioning_points_at_the_dashboards() -> None:
    provider = (MONITORING / "grafana" / "provisioning" / "dashboards" / "newsflow.yml").read_text()
    datasource = (
        MONITORING / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
    ).read_text()
    assert "type: file" in provider and "/var/lib/grafana/dashboards/newsflow" in provider
    assert "uid: prometheus" in datasource and "type: prometheus" in datasource


def test_generated_files_are_json(tmp_path: Path) -> None:
    for path in DASHBOARDS.glob("*.json"):
        model = json.loads(path.read_text(encoding="utf-8"))
        assert model["uid"] and model["schemaVersion"] >= 36
