"""A real Prometheus scraping a real worker on a real broker: every dashboard and alert query
returns data, and the numbers match what was fed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, free_port, wait_for
from tests.kafka_helpers import consume_until, produce

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.slow]

RULES = REPO / "monitoring" / "prometheus" / "rules" / "newsflow-alerts.yml"
DASHBOARDS = REPO / "monitoring" / "grafana" / "dashboards"
# Grafana's variables, as a dashboard with "All workers" selected would send them.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "5s", "$instance": ".*"}


class Prometheus:
    """A Prometheus server process and its HTTP API."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def api(self, path: str, **params: str) -> Any:
        """Return the `data` of a successful API answer; raise on errors."""
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}{query}", timeout=10) as response:
            body = json.loads(response.read())
        assert body["status"] == "success", body
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Return the instant vector (or scalar as one sample) that `expr` evaluates to now."""
        data = self.api("query", query=expr)
        if data["resultType"] in ("scalar", "string"):
            return [{"value": data["result"]}]
        return list(data["result"])

    def healthy(self) -> bool:
        """Return whether the server answers."""
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False


@pytest.fixture
def prometheus_for(tmp_path: Path) -> Iterator[Any]:
    """Return a function starting Prometheus (scrape every second) on a target; always stopped."""
    binary = shutil.which("prometheus") or "/usr/bin/prometheus"
    assert Path(binary).exists(), "install the Debian package prometheus (make system-deps)"
    started: list[Prometheus] = []

    def start(target: str) -> Prometheus:
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "  evaluation_interval: 1s\n"
            f"rule_files: [{json.dumps(str(RULES))}]\n"
            "scrape_configs:\n"
            "  - job_name: newsflow\n"
            f"    static_configs: [{{targets: [{json.dumps(target)}]}}]\n",
            encoding="utf-8",
        )
        log = tmp_path / "prometheus.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    binary,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                    "--storage.tsdb.retention.time=1h",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Prometheus(process, f"http://127.0.0.1:{port}", log)
        started.append(server)
        assert wait_for(server.healthy, 60), log.read_text(errors="replace")[-3000:]
        return server

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def dashboard_queries() -> list[tuple[str, str]]:
    """Return (where, PromQL) for every target of every dashboard panel, variables filled in."""
    queries = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        for panel in json.loads(path.read_text(encoding="utf-8"))["panels"]:
            for target in panel["targets"]:
                expr = target["expr"]
                for variable, value in GRAFANA_VARIABLES.items():
                    expr = expr.replace(variable, value)
                assert "$" not in expr, f"unfilled variable in {path.name}: {expr}"
                queries.append((f"{path.stem}: {panel['title']}", expr))
    return queries


_SPLIT = re.compile(r"\s(?:and|or|unless)\s|==|!=|>=|<=|>|<")


def _wrapped(expr: str) -> bool:
    if not (expr.startswith("(") and expr.endswith(")")):
        return False
    depth = 0
    for index, char in enumerate(expr):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(expr) - 1:
            return False
    return True


def operands(expr: str) -> list[str]:
    """Return the sub-expressions an alert compares or combines (numbers left out).

    An alert's expression is empty while it does not fire; its operands must still return data,
    or the alert could never fire.
    """
    expr = expr.strip()
    while _wrapped(expr):
        expr = expr[1:-1].strip()
    parts, depth, start, index, quote = [], 0, 0, 0, ""
    while index < len(expr):
        char = expr[index]
        if quote:
            index += 2 if char == "\\" else 1
            quote = "" if char == quote else quote
            continue
        if char in "\"'`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and (match := _SPLIT.match(expr, index)):
            parts.append(expr[start:index])
            index = start = match.end()
            continue
        index += 1
    parts.append(expr[start:])
    if len(parts) == 1:
        return [expr]
    found = []
    for part in parts:
        operand = part.strip().removeprefix("bool ").strip()
        try:
            float(operand)
        except ValueError:
            found += operands(operand)
    return found


def test_operands_split_comparisons_and_set_operators() -> None:
    assert operands('(sum by (t) (x{a=">"}) > 1000) and (sum(deriv(y[10m])) > 0)') == [
        'sum by (t) (x{a=">"})',
        "sum(deriv(y[10m]))",
    ]
    assert operands("histogram_quantile(0.99, sum by (le) (rate(h[1m]))) > 30") == [
        "histogram_quantile(0.99, sum by (le) (rate(h[1m])))"
    ]
    assert operands("a / b") == ["a / b"]


def test_every_dashboard_and_alert_query_returns_data_from_a_real_prometheus(
    make_env, start_worker, prometheus_for, sample_text
) -> None:
    env = make_env(lag_interval_seconds="1")
    settings = env.settings()
    env.create_topics()
    worker = start_worker(env)
    prometheus = prometheus_for(f"127.0.0.1:{settings.metrics_port}")

    tag = uuid.uuid4().hex[:8]
    good = {
        f"sample-{tag}": sample_text,
        f"copy-{tag}": sample_text,  # a duplicate of the sample
        f"short-{tag}": "Germany lifted the ban on Friday.",
    }
    messages = [
        (key.encode(), json.dumps({"id": key, "content": text}).encode())
        for key, text in good.items()
    ]
    bad = [
        (b"bad-json", b"this is not json {"),
        (b"bad-utf8", b'{"content": "caf\xe9 \xff"}'),
        (b"bad-empty", json.dumps({"content": "  "}).encode()),
    ]
    produce(settings, settings.topic_raw, messages + bad)

    def complete(records: list[Any]) -> bool:
        enriched = {r.key for r in records if r.topic == settings.topic_enriched}
        letters = sum(r.topic == settings.topic_deadletter for r in records)
        return {k.encode() for k in good} <= enriched and letters >= len(bad)

    records = consume_until(
        settings, [settings.topic_enriched, settings.topic_deadletter], complete, timeout=120
    )
    assert complete(records), f"missing outcomes; worker log:\n{worker.log_text()[-3000:]}"

    def total(expr: str) -> float:
        result = prometheus.query(expr)
        return float(result[0]["value"][1]) if result else 0.0

    # Prometheus has scraped the final counts (and the lag after the commit) a few times.
    def scraped() -> bool:
        return (
            total('sum(newsflow_outcomes_total{outcome=~"enriched|duplicate"})') >= 3
            and total('sum(newsflow_outcomes_total{outcome="deadletter"})') >= 3
            and total("min(count_over_time(newsflow_consumer_lag_messages[1m]))") >= 3
            and total("newsflow_ready") == 1
        )

    assert wait_for(scraped, 60, interval=1), (
        f"Prometheus never saw the outcomes; worker log:\n{worker.log_text()[-3000:]}"
    )

    queries = dashboard_queries()
    assert len(queries) >= 25
    rules: list[dict[str, Any]] = []

    def rules_evaluated() -> bool:
        rules[:] = [r for g in prometheus.api("rules")["groups"] for r in g["rules"]]
        return bool(rules) and all(r["health"] == "ok" for r in rules)

    assert wait_for(rules_evaluated, 20, interval=1), rules
    assert {r["name"] for r in rules} >= {"NewsflowWorkerDown", "NewsflowConsumerLagGrowing"}
    for rule in rules:
        prometheus.query(rule["query"])  # the whole expression evaluates (empty: not firing)
        queries += [(f"alert {rule['name']}", part) for part in operands(rule["query"])]

    def empty() -> list[tuple[str, str]]:
        return [(where, expr) for where, expr in queries if not prometheus.query(expr)]

    # rate() and deriv() need two samples inside their window: give the last scrapes a moment.
    wait_for(lambda: not empty(), 20, interval=1)
    assert empty() == []

    # The numbers are the ones fed, not merely present.
    assert total('sum(newsflow_outcomes_total{outcome="enriched"})') == 2
    assert total('sum(newsflow_outcomes_total{outcome="duplicate"})') == 1
    for reason in ("not_json", "invalid_utf8", "empty_content"):
        assert total(f'sum(newsflow_outcomes_total{{outcome="deadletter",reason="{reason}"}})') == 1
    assert total(f'sum(newsflow_messages_consumed_total{{topic="{settings.topic_raw}"}})') == 6
    assert total('sum(newsflow_stage_duration_seconds_count{stage="nlp"})') == 2
    assert total('sum(newsflow_stage_duration_seconds_count{stage="cleaning"})') == 3
    assert total('sum(newsflow_entities_total{type="PERSON"})') >= 1
    assert total("sum(newsflow_policy_changes_total)") >= 1
    assert total('sum(newsflow_article_languages_total{language="en"})') == 3
    # Faust commits the acked offsets every few seconds; then the lag read from Kafka drops to 0.
    assert wait_for(lambda: total("sum(newsflow_consumer_lag_messages)") == 0, 30, interval=1), (
        prometheus.query("newsflow_consumer_lag_messages")
    )
    assert total("sum(newsflow_consumer_assigned_partitions)") == settings.topic_partitions
    assert total("sum(newsflow_end_to_end_latency_seconds_count)") == 3
    assert total('up{job="newsflow"}') == 1
    info = prometheus.query("newsflow_build_info")
    assert info and info[0]["metric"]["model_version"], info
    assert worker.process.poll() is None
