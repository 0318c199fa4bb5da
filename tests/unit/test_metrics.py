"""Metrics move as docs/metrics.md says when articles are enriched, deduplicated and rejected."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from agents.enrich import BatchHandler
from agents.metrics import STAGES, WorkerMetrics
from agents.pool import StagePool
from agents.topics import TOPICS, Topics
from pipeline.config import PipelineConfig
from pipeline.dedupe import DuplicateIndex
from pipeline.intake import parse_raw
from pipeline.outcomes import Rejected
from pipeline.outputs import OutputLimits
from pipeline.process import enrich_batch
from schemas import EnrichedArticle, RawArticle

RAW = TOPICS.raw.default_name
OUTPUTS = tuple(spec.default_name for spec in TOPICS.outputs())


def new_metrics() -> tuple[WorkerMetrics, CollectorRegistry]:
    registry = CollectorRegistry()
    metrics = WorkerMetrics(
        registry,
        consumed_topics=[RAW],
        produced_topics=OUTPUTS,
        languages=PipelineConfig().detect_languages,
    )
    return metrics, registry


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    found = registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


@pytest.fixture(scope="module")
def outcomes(sample_text: str) -> list[EnrichedArticle | Rejected]:
    """The sample, a short article and a copy of the sample, through every stage."""
    raws = [
        RawArticle(id="sample", content=sample_text, ingested_at=datetime.now(UTC)),
        RawArticle(id="short", content="Germany lifted the ban on Friday."),
        RawArticle(id="sample-copy", content=sample_text),
    ]
    return enrich_batch(raws, PipelineConfig(), DuplicateIndex(100))


def test_every_series_exists_at_zero_before_anything_happens() -> None:
    _, registry = new_metrics()
    assert value(registry, "newsflow_outcomes_total", outcome="enriched", reason="") == 0
    assert (
        registry.get_sample_value(
            "newsflow_outcomes_total", {"outcome": "deadletter", "reason": "not_json"}
        )
        == 0.0
    )
    assert registry.get_sample_value("newsflow_messages_consumed_total", {"topic": RAW}) == 0.0
    for stage in STAGES:
        count = registry.get_sample_value("newsflow_stage_duration_seconds_count", {"stage": stage})
        assert count == 0.0


def test_enriched_article_moves_outcome_stage_entity_policy_and_language_metrics(
    outcomes: list[EnrichedArticle | Rejected],
) -> None:
    metrics, registry = new_metrics()
    sample = outcomes[0]
    assert isinstance(sample, EnrichedArticle) and sample.duplicate_of is None
    assert sample.entities and sample.policy_changes
    now = sample.processing.ingested_at.timestamp() + 2.5  # type: ignore[union-attr]

    metrics.count_outcome(sample, kafka_timestamp=None, now=now)

    assert value(registry, "newsflow_outcomes_total", outcome="enriched", reason="") == 1
    assert value(registry, "newsflow_outcomes_total", outcome="duplicate", reason="") == 0
    for stage, seconds in sample.processing.stages.items():
        assert value(registry, "newsflow_stage_duration_seconds_count", stage=stage) == 1
        assert value(registry, "newsflow_stage_duration_seconds_sum", stage=stage) == seconds
    assert set(sample.processing.stages) == set(STAGES)
    by_type: dict[str, int] = {}
    for entity in sample.entities:
        by_type[entity.type.value] = by_type.get(entity.type.value, 0) + 1
    for kind, count in by_type.items():
        assert value(registry, "newsflow_entities_total", type=kind) == count
    for change in sample.policy_changes:
        assert (
            value(
                registry,
                "newsflow_policy_changes_total",
                direction=change.direction.value,
                status=change.status.value,
            )
            >= 1
        )
    assert sum(
        s.value
        for f in registry.collect()
        if f.name == "newsflow_policy_changes"
        for s in f.samples
        if s.name.endswith("_total")
    ) == len(sample.policy_changes)
    assert value(registry, "newsflow_article_languages_total", language="en") == 1
    assert value(registry, "newsflow_end_to_end_latency_seconds_count") == 1
    assert value(registry, "newsflow_end_to_end_latency_seconds_sum") == pytest.approx(2.5)


def test_duplicate_counts_as_duplicate_without_entities_again(
    outcomes: list[EnrichedArticle | Rejected],
) -> None:
    metrics, registry = new_metrics()
    copy = outcomes[2]
    assert isinstance(copy, EnrichedArticle) and copy.duplicate_of == "sample"

    metrics.count_outcome(copy, kafka_timestamp=time.time() - 1, now=time.time())

    assert value(registry, "newsflow_outcomes_total", outcome="duplicate", reason="") == 1
    assert value(registry, "newsflow_outcomes_total", outcome="enriched", reason="") == 0
    assert value(registry, "newsflow_stage_duration_seconds_count", stage="cleaning") == 1
    assert value(registry, "newsflow_stage_duration_seconds_count", stage="nlp") == 0
    assert all(
        s.value == 0
        for f in registry.collect()
        if f.name == "newsflow_entities"
        for s in f.samples
        if s.name.endswith("_total")
    )
    # Without ingested_at the Kafka timestamp starts the end-to-end latency.
    assert value(registry, "newsflow_end_to_end_latency_seconds_count") == 1
    assert value(registry, "newsflow_end_to_end_latency_seconds_sum") >= 1


def test_rejected_input_counts_as_deadletter_by_reason_only() -> None:
    metrics, registry = new_metrics()
    with pytest.raises(Rejected) as rejected:
        parse_raw(b"this is not json {", max_bytes=1000)

    metrics.count_outcome(rejected.value, kafka_timestamp=time.time(), now=time.time())

    assert value(registry, "newsflow_outcomes_total", outcome="deadletter", reason="not_json") == 1
    assert value(registry, "newsflow_outcomes_total", outcome="enriched", reason="") == 0
    assert value(registry, "newsflow_end_to_end_latency_seconds_count") == 0
    assert value(registry, "newsflow_stage_duration_seconds_count", stage="total") == 0


def test_article_analysed_on_a_prefix_counts_as_truncated(sample_text: str) -> None:
    metrics, registry = new_metrics()
    assert value(registry, "newsflow_nlp_truncated_total") == 0
    short, cut = enrich_batch(
        [
            RawArticle(id="short", content="Germany lifted the ban."),
            RawArticle(content=sample_text),
        ],
        PipelineConfig(nlp_max_chars=1_000),
    )
    assert isinstance(short, EnrichedArticle) and short.processing.analysed_chars is None
    assert isinstance(cut, EnrichedArticle) and cut.processing.analysed_chars is not None

    for outcome in (short, cut):
        metrics.count_outcome(outcome, kafka_timestamp=None, now=time.time())

    assert value(registry, "newsflow_nlp_truncated_total") == 1
    assert value(registry, "newsflow_outcomes_total", outcome="enriched", reason="") == 2


def test_language_labels_are_bounded() -> None:
    metrics, _ = new_metrics()
    assert metrics.language_label("en") == "en"
    assert metrics.language_label("EN") == "en"
    assert metrics.language_label(None) == "unknown"
    assert metrics.language_label("tlh-Klingon") == "other"


# --- the worker's batch path: stage timings measured in a child process reach the parent -------


class FakeTopic:
    """Records sends and acknowledges them at once (what the broker does on success)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[tuple[bytes | None, bytes]] = []

    def get_topic_name(self) -> str:
        return self.name

    async def send(self, *, key: bytes | None, value: bytes, force: bool) -> Any:
        self.sent.append((key, value))
        future = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


def fake_topics(topic: Callable[[str], Any] = FakeTopic) -> Topics:
    """Return the worker's topics, each a `topic(name)` stand-in under its default name."""
    return Topics({spec.alias: topic(spec.default_name) for spec in TOPICS})


def event(offset: int, value: bytes) -> Any:
    message = SimpleNamespace(
        topic=RAW,
        partition=0,
        offset=offset,
        key=f"k{offset}".encode(),
        value=value,
        timestamp=(datetime.now(UTC) - timedelta(seconds=1)).timestamp(),
    )
    return SimpleNamespace(message=message)


def test_batch_through_a_process_pool_counts_every_outcome_and_child_stage_timings() -> None:
    metrics, registry = new_metrics()
    topics = fake_topics()
    # Cleaning only: the children skip loading the model, the process boundary is the same.
    config = PipelineConfig(stages=("cleaning",))
    events = [
        event(0, b'{"id": "a", "content": "Germany lifted the ban on Friday."}'),
        event(1, b'{"id": "b", "content": "Germany lifted the ban on Friday."}'),
        event(2, b"not json"),
        event(3, b'{"id": "c", "content": "   "}'),
    ]

    async def run() -> None:
        pool = StagePool(config, processes=1)
        await pool.start()
        try:
            assert pool.ready
            handler = BatchHandler(topics, pool, config, metrics, OutputLimits.uniform(1 << 24))
            await handler.handle(events)
        finally:
            await pool.stop()

    asyncio.run(run())

    assert value(registry, "newsflow_messages_consumed_total", topic=RAW) == 4
    assert value(registry, "newsflow_batch_size_messages_count") == 1
    assert value(registry, "newsflow_batch_size_messages_sum") == 4
    assert value(registry, "newsflow_in_flight_messages") == 0
    assert value(registry, "newsflow_outcomes_total", outcome="enriched", reason="") == 1
    assert value(registry, "newsflow_outcomes_total", outcome="duplicate", reason="") == 1
    assert value(registry, "newsflow_outcomes_total", outcome="deadletter", reason="not_json") == 1
    assert (
        value(registry, "newsflow_outcomes_total", outcome="deadletter", reason="empty_content")
        == 1
    )
    assert value(registry, "newsflow_messages_produced_total", topic="articles.enriched") == 2
    assert value(registry, "newsflow_messages_produced_total", topic="articles.deadletter") == 2
    # Measured in the child, observed in the parent: nothing lost across the process boundary.
    assert value(registry, "newsflow_stage_duration_seconds_count", stage="cleaning") == 2
    assert value(registry, "newsflow_stage_duration_seconds_sum", stage="cleaning") > 0
    assert value(registry, "newsflow_end_to_end_latency_seconds_count") == 2


def test_no_label_value_is_an_article_id(outcomes: list[EnrichedArticle | Rejected]) -> None:
    metrics, registry = new_metrics()
    for outcome in outcomes:
        metrics.count_outcome(outcome, kafka_timestamp=None, now=time.time())
    ids = {o.id for o in outcomes if isinstance(o, EnrichedArticle)}
    names = {e.name for o in outcomes if isinstance(o, EnrichedArticle) for e in o.entities}
    values = {v for f in registry.collect() for s in f.samples for v in s.labels.values()}
    assert not values & (ids | names)


def test_pool_processes_are_measured_from_proc() -> None:
    registry = CollectorRegistry()
    WorkerMetrics(registry, consumed_topics=[RAW], languages=["en"])
    # Other tests may have left children (a multiprocessing resource tracker): measure on top.
    memory = value(registry, "newsflow_pool_resident_memory_bytes")
    cpu = value(registry, "newsflow_pool_cpu_seconds_total")
    # A child that burns ~0.3 s of CPU and holds ~50 MB, then waits to be measured.
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "held = bytearray(50_000_000)\n"
            "end = time.process_time() + 0.3\n"
            "while time.process_time() < end: pass\n"
            "print('ready', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        assert value(registry, "newsflow_pool_resident_memory_bytes") > memory + 50_000_000
        assert value(registry, "newsflow_pool_cpu_seconds_total") >= cpu + 0.25
    finally:
        child.communicate("")
    # Gone children keep their CPU in the counter (it never goes down) and leave the memory.
    assert value(registry, "newsflow_pool_cpu_seconds_total") >= cpu + 0.25
    assert value(registry, "newsflow_pool_resident_memory_bytes") < memory + 50_000_000


def test_pool_restarts_are_counted() -> None:
    metrics, registry = new_metrics()

    async def run() -> None:
        pool = StagePool(
            PipelineConfig(stages=("cleaning",)), 1, on_restart=metrics.pool_restarts.inc
        )
        await pool.start()
        try:
            await pool.restart()
        finally:
            await pool.stop()

    asyncio.run(run())
    assert value(registry, "newsflow_pool_restarts_total") == 1
