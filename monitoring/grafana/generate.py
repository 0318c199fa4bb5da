"""Generate the Grafana dashboards in monitoring/grafana/dashboards/ from the panel lists below.

    python monitoring/grafana/generate.py          # write the JSON files
    python monitoring/grafana/generate.py --check  # exit 1 if a checked-in file is stale

Plain dicts rather than a dashboard library: the panels are few and all alike, and the JSON stays
close to what Grafana itself exports. Every query here is run against a real Prometheus scraping a
real worker by tests/e2e/test_observability.py.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
SEL = 'job="newsflow",instance=~"$instance"'
RATE = "$__rate_interval"
STAGES = ("cleaning", "nlp", "entities", "policy", "total")


@dataclass(frozen=True)
class Target:
    """One PromQL query of a panel and its legend."""

    expr: str
    legend: str = ""
    fmt: str = "time_series"


@dataclass(frozen=True)
class Panel:
    """A panel: a type, a title, what it shows and its size on the 24-column grid."""

    kind: str
    title: str
    targets: tuple[Target, ...]
    description: str = ""
    unit: str = "short"
    width: int = 12
    height: int = 8
    options: dict[str, Any] = field(default_factory=dict)


def quantiles(metric: str, by: str = "le", extra: str = "") -> tuple[Target, ...]:
    """Return p50, p95 and p99 targets for a histogram `metric` (selector + `extra` matchers)."""
    legend_prefix = "{{stage}} " if "stage" in by else ""
    return tuple(
        Target(
            f"histogram_quantile({q}, sum by ({by}) "
            f"(rate({metric}_bucket{{{SEL}{extra}}}[{RATE}])))",
            f"{legend_prefix}p{int(q * 100)}",
        )
        for q in (0.5, 0.95, 0.99)
    )


def rate_by(metric: str, by: str, extra: str = "") -> Target:
    """Return a per-second rate of counter `metric` summed by the label `by`."""
    return Target(f"sum by ({by}) (rate({metric}{{{SEL}{extra}}}[{RATE}]))", f"{{{{{by}}}}}")


OVERVIEW: tuple[Panel, ...] = (
    Panel(
        "stat",
        "Workers up",
        (Target('sum(up{job="newsflow",instance=~"$instance"})', "up"),),
        "Workers Prometheus scrapes successfully.",
        width=6,
        height=4,
    ),
    Panel(
        "stat",
        "Workers ready",
        (Target(f"sum(newsflow_ready{{{SEL}}})", "ready"),),
        "Workers connected to Kafka, assigned and with the model loaded (/readyz).",
        width=6,
        height=4,
    ),
    Panel(
        "stat",
        "Consumer lag",
        (Target(f"sum(newsflow_consumer_lag_messages{{{SEL}}})", "lag"),),
        "Input messages not yet committed, all partitions.",
        width=6,
        height=4,
    ),
    Panel(
        "stat",
        "Dead-lettered (share of input)",
        (
            Target(
                f'sum(rate(newsflow_outcomes_total{{{SEL},outcome="deadletter"}}[{RATE}])) / '
                f"sum(rate(newsflow_outcomes_total{{{SEL}}}[{RATE}]))",
                "dead-lettered",
            ),
        ),
        "Alert NewsflowDeadLetterRateHigh fires above 5% for 10 minutes.",
        unit="percentunit",
        width=6,
        height=4,
    ),
    Panel(
        "timeseries",
        "Throughput in (messages/s)",
        (rate_by("newsflow_messages_consumed_total", "topic"),),
        "Messages consumed per second, per input topic.",
        unit="reqps",
    ),
    Panel(
        "timeseries",
        "Throughput out (messages/s)",
        (rate_by("newsflow_messages_produced_total", "topic"),),
        "Messages produced and acknowledged per second, per output topic.",
        unit="reqps",
    ),
    Panel(
        "timeseries",
        "Outcomes (messages/s)",
        (rate_by("newsflow_outcomes_total", "outcome"),),
        "What became of each input message: enriched, duplicate or deadletter.",
        unit="reqps",
    ),
    Panel(
        "timeseries",
        "Dead letters by reason (messages/s)",
        (rate_by("newsflow_outcomes_total", "reason", ',outcome="deadletter"'),),
        "Rejected input per reason; the dead-letter topic holds the originals.",
        unit="reqps",
    ),
    Panel(
        "timeseries",
        "Consumer lag per partition (messages)",
        (
            Target(
                f"sum by (topic, partition) (newsflow_consumer_lag_messages{{{SEL}}})",
                "{{topic}}/{{partition}}",
            ),
        ),
        "End offset minus committed offset; alert NewsflowConsumerLagGrowing.",
    ),
    Panel(
        "timeseries",
        "End-to-end latency (ingest to publish ack)",
        quantiles("newsflow_end_to_end_latency_seconds"),
        "p50/p95/p99; alert NewsflowEndToEndLatencyHigh fires when p99 > 30 s for 10 minutes.",
        unit="s",
    ),
    Panel(
        "timeseries",
        "Batch size (messages)",
        quantiles("newsflow_batch_size_messages"),
        "Messages per processing batch (bounded by NEWSFLOW_BATCH_SIZE).",
    ),
    Panel(
        "timeseries",
        "In flight (messages)",
        (Target(f"sum by (instance) (newsflow_in_flight_messages{{{SEL}}})", "{{instance}}"),),
        "Messages taken from Kafka whose outcomes are not acknowledged yet.",
    ),
    Panel(
        "timeseries",
        "CPU (cores)",
        (
            Target(
                f"sum by (instance) (rate(process_cpu_seconds_total{{{SEL}}}[{RATE}]))",
                "{{instance}} main",
            ),
            Target(
                f"sum by (instance) (rate(newsflow_pool_cpu_seconds_total{{{SEL}}}[{RATE}]))",
                "{{instance}} pool",
            ),
        ),
        "CPU of the worker's main process (consume, publish) and of its stage pool (the model).",
    ),
    Panel(
        "timeseries",
        "Memory (resident)",
        (
            Target(
                f"sum by (instance) (process_resident_memory_bytes{{{SEL}}})", "{{instance}} main"
            ),
            Target(
                f"sum by (instance) (newsflow_pool_resident_memory_bytes{{{SEL}}})",
                "{{instance}} pool",
            ),
        ),
        "Resident memory of the worker's main process and of its stage pool's children; their "
        "sum is what a container memory limit must cover.",
        unit="bytes",
    ),
    Panel(
        "table",
        "Versions",
        (
            Target(
                "count by (pipeline_version, spacy_model, model_version) "
                f"(newsflow_build_info{{{SEL}}})",
                "",
                "table",
            ),
        ),
        "Pipeline version and model per worker count; more than one row means a rollout.",
        width=24,
        height=5,
        options={"showHeader": True},
    ),
)


def _heatmap(stage: str) -> Panel:
    return Panel(
        "heatmap",
        f"Stage latency: {stage}",
        (
            Target(
                "sum by (le) "
                f'(increase(newsflow_stage_duration_seconds_bucket{{{SEL},stage="{stage}"}}'
                f"[{RATE}]))",
                "{{le}}",
                "heatmap",
            ),
        ),
        f"Seconds per article in the {stage} stage"
        + (" (all stages)" if stage == "total" else "")
        + ".",
        unit="s",
        width=12 if stage != "total" else 24,
        options={
            "calculate": False,
            "yAxis": {"unit": "s"},
            "color": {"mode": "scheme", "scheme": "Oranges"},
            "cellGap": 1,
        },
    )


NLP: tuple[Panel, ...] = (
    Panel(
        "timeseries",
        "Stage latency p50 / p99",
        (
            *(
                Target(
                    f"histogram_quantile({q}, sum by (le, stage) "
                    f"(rate(newsflow_stage_duration_seconds_bucket{{{SEL}}}[{RATE}])))",
                    f"{{{{stage}}}} p{int(q * 100)}",
                )
                for q in (0.5, 0.99)
            ),
        ),
        "Seconds per article per stage; alert NewsflowProcessingLatencyHigh watches total p99.",
        unit="s",
        width=24,
    ),
    *(_heatmap(stage) for stage in STAGES),
    Panel(
        "timeseries",
        "Entities by type (per second)",
        (rate_by("newsflow_entities_total", "type"),),
        "Entities found in enriched articles, per type.",
    ),
    Panel(
        "timeseries",
        "Languages (articles/s)",
        (rate_by("newsflow_article_languages_total", "language"),),
        "Detected language of enriched articles (other: not in the detector's list).",
    ),
    Panel(
        "timeseries",
        "Policy changes by direction (per second)",
        (rate_by("newsflow_policy_changes_total", "direction"),),
        "Loosen, tighten, new, repeal or mixed.",
    ),
    Panel(
        "timeseries",
        "Policy changes by status (per second)",
        (rate_by("newsflow_policy_changes_total", "status"),),
        "How far each change has gone, as the article tells it.",
    ),
    Panel(
        "timeseries",
        "Duplicate rate",
        (
            Target(
                f'sum(rate(newsflow_outcomes_total{{{SEL},outcome="duplicate"}}[{RATE}])) / '
                f'sum(rate(newsflow_outcomes_total{{{SEL},outcome=~"enriched|duplicate"}}'
                f"[{RATE}]))",
                "duplicates",
            ),
        ),
        "Share of accepted articles that repeat an earlier one (exact or near duplicate).",
        unit="percentunit",
    ),
    Panel(
        "timeseries",
        "Policy changes per enriched article",
        (
            Target(
                f"sum(rate(newsflow_policy_changes_total{{{SEL}}}[{RATE}])) / "
                f'sum(rate(newsflow_outcomes_total{{{SEL},outcome="enriched"}}[{RATE}]))',
                "changes/article",
            ),
        ),
        "A sudden drop to 0 with articles flowing means the policy stage stopped finding.",
    ),
)


def _panel_json(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": panel.options,
        "targets": [
            {
                "refId": chr(ord("A") + index),
                "datasource": DATASOURCE,
                "expr": target.expr,
                "legendFormat": target.legend,
                "format": target.fmt,
                **({"instant": True} if target.fmt == "table" else {}),
            }
            for index, target in enumerate(panel.targets)
        ],
    }


def _layout(panels: tuple[Panel, ...]) -> list[dict[str, Any]]:
    placed: list[dict[str, Any]] = []
    x = y = row_height = 0
    for panel_id, panel in enumerate(panels, start=1):
        if x + panel.width > 24:
            x, y, row_height = 0, y + row_height, 0
        placed.append(_panel_json(panel, panel_id, x, y))
        x += panel.width
        row_height = max(row_height, panel.height)
    return placed


def dashboard(uid: str, title: str, panels: tuple[Panel, ...]) -> dict[str, Any]:
    """Return the Grafana dashboard model (schemaVersion 39) with an `instance` variable."""
    return {
        "uid": uid,
        "title": title,
        "tags": ["newsflow"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "instance",
                    "label": "Worker",
                    "type": "query",
                    "datasource": DATASOURCE,
                    "query": {
                        "query": 'label_values(up{job="newsflow"}, instance)',
                        "refId": "instance",
                    },
                    "definition": 'label_values(up{job="newsflow"}, instance)',
                    "includeAll": True,
                    "multi": True,
                    "allValue": ".*",
                    "current": {"selected": True, "text": "All", "value": "$__all"},
                    "refresh": 2,
                    "sort": 1,
                }
            ]
        },
        "annotations": {"list": []},
        "links": [{"type": "dashboards", "tags": ["newsflow"], "title": "Newsflow"}],
        "panels": _layout(panels),
    }


DASHBOARDS: dict[str, dict[str, Any]] = {
    "newsflow-overview.json": dashboard("newsflow-overview", "Newsflow: overview", OVERVIEW),
    "newsflow-nlp.json": dashboard("newsflow-nlp", "Newsflow: NLP", NLP),
}


def render(model: dict[str, Any]) -> str:
    """Return a dashboard's JSON text as checked in."""
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def stale() -> list[str]:
    """Return the names of dashboard files that differ from what this script generates."""
    return [
        name
        for name, model in DASHBOARDS.items()
        if not (OUT / name).exists() or (OUT / name).read_text(encoding="utf-8") != render(model)
    ]


def main(argv: list[str]) -> int:
    """Write the dashboards (or with --check, report stale ones); return the exit code."""
    if "--check" in argv:
        names = stale()
        for name in names:
            print(f"stale: {OUT / name} (run python {Path(__file__).name})", file=sys.stderr)
        return 1 if names else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, model in DASHBOARDS.items():
        (OUT / name).write_text(render(model), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
