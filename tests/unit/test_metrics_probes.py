"""Probes and lag: /healthz, /readyz and /metrics answer as documented; lag per partition."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from aiokafka import TopicPartition
from prometheus_client import CollectorRegistry

from agents.health import Health
from agents.lag import compute_lag, publish_lag
from agents.metrics import WorkerMetrics
from agents.server import make_web_app


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make_health(state: dict[str, bool], clock: Clock) -> Health:
    return Health(
        broker_contact_max_age=30,
        pool_ready=lambda: state["pool"],
        crashed=lambda: state["crashed"],
        clock=clock,
    )


def test_ready_needs_kafka_contact_an_assignment_and_the_model() -> None:
    state = {"pool": False, "crashed": False}
    clock = Clock()
    health = make_health(state, clock)
    assert health.liveness().ok
    assert not health.readiness().ok

    health.broker_answered()
    health.assigned(frozenset({("articles.raw", 0)}))
    assert not health.readiness().ok
    assert health.readiness().details["model_loaded"] is False

    state["pool"] = True
    check = health.readiness()
    assert check.ok and check.details["partitions"] == ["articles.raw:0"]

    clock.now += 31  # Kafka silent for longer than allowed
    assert not health.readiness().ok
    assert health.readiness().details["kafka_connected"] is False
    health.broker_answered()
    assert health.readiness().ok

    state["crashed"] = True
    assert not health.liveness().ok and not health.readiness().ok


def test_an_empty_assignment_is_a_ready_standby() -> None:
    health = make_health({"pool": True, "crashed": False}, Clock())
    health.broker_answered()
    health.assigned(frozenset())
    assert health.readiness().ok


def test_http_endpoints_serve_metrics_and_probes() -> None:
    state = {"pool": False, "crashed": False}
    health = make_health(state, Clock())
    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry, consumed_topics=["articles.raw"])
    scrapes: list[int] = []

    def before_scrape() -> None:
        metrics.ready.set(int(health.readiness().ok))
        scrapes.append(1)

    async def run() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        async with TestClient(TestServer(make_web_app(health, registry, before_scrape))) as client:
            live = await client.get("/healthz")
            seen["live"] = (live.status, await live.json())
            not_ready = await client.get("/readyz")
            seen["not_ready"] = (not_ready.status, await not_ready.json())
            seen["metrics_before"] = await (await client.get("/metrics")).text()
            health.broker_answered()
            health.assigned(frozenset({("articles.raw", 1)}))
            state["pool"] = True
            ready = await client.get("/readyz")
            seen["ready"] = (ready.status, await ready.json())
            response = await client.get("/metrics")
            seen["content_type"] = response.headers["Content-Type"]
            seen["metrics_after"] = await response.text()
        return seen

    seen = asyncio.run(run())
    assert seen["live"] == (200, {"ok": True, "crashed": False})
    assert seen["not_ready"][0] == 503 and seen["not_ready"][1]["ok"] is False
    assert seen["ready"][0] == 200 and seen["ready"][1]["partitions"] == ["articles.raw:1"]
    assert seen["content_type"].startswith("text/plain; version=")
    assert "newsflow_ready 0.0" in seen["metrics_before"]
    assert "newsflow_ready 1.0" in seen["metrics_after"]
    assert 'newsflow_messages_consumed_total{topic="articles.raw"} 0.0' in seen["metrics_after"]
    assert len(scrapes) == 2
    json.dumps(seen["ready"][1])  # the probe body is plain JSON


def test_lag_is_end_minus_committed_or_minus_earliest_when_nothing_is_committed() -> None:
    p0, p1, p2 = (TopicPartition("articles.raw", p) for p in range(3))
    lags = compute_lag(
        end={p0: 100, p1: 50, p2: 7},
        committed={p0: 90, p1: -1},
        earliest={p0: 0, p1: 20, p2: 0},
    )
    assert lags == {p0: 10, p1: 30, p2: 7}


def test_published_lag_drops_partitions_no_longer_assigned() -> None:
    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry)
    p0, p1 = TopicPartition("articles.raw", 0), TopicPartition("articles.raw", 1)
    publish_lag(metrics, {p0: 5, p1: 3})
    assert (
        registry.get_sample_value(
            "newsflow_consumer_lag_messages", {"topic": "articles.raw", "partition": "1"}
        )
        == 3
    )
    publish_lag(metrics, {p0: 2})
    assert (
        registry.get_sample_value(
            "newsflow_consumer_lag_messages", {"topic": "articles.raw", "partition": "1"}
        )
        is None
    )
    assert (
        registry.get_sample_value(
            "newsflow_consumer_lag_messages", {"topic": "articles.raw", "partition": "0"}
        )
        == 2
    )
    assert registry.get_sample_value("newsflow_consumer_assigned_partitions", {}) == 1
