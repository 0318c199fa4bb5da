"""Prometheus metrics served by every worker (names: newsflow_*, base units); docs/metrics.md.

Every label has a closed vocabulary (topics, partitions, stages, enum values, language codes the
pipeline detects), so no article id, entity name or free text ever becomes a series.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from agents.procstat import cpu_seconds, rss_bytes, tree
from pipeline.outcomes import Rejected
from schemas import (
    DeadLetterReason,
    EnrichedArticle,
    EntityType,
    PolicyDirection,
    PolicyStatus,
    Stage,
)
from schemas.stages import TOTAL

# `_created` series double the exposition size and no dashboard reads them.
disable_created_metrics()

STAGES: tuple[str, ...] = (Stage.CLEANING, Stage.NLP, Stage.ENTITIES, Stage.POLICY, TOTAL)
"""Keys of EnrichedArticle.processing.stages: the `stage` label of the latency histogram."""

DEDUPE_PHASES = ("restore", "follow")
"""When a duplicate-window record was applied: while restoring (before any input), or after."""
OUTCOME_ENRICHED = "enriched"
OUTCOME_DUPLICATE = "duplicate"
OUTCOME_DEADLETTER = "deadletter"
UNKNOWN_LANGUAGE = "unknown"
OTHER_LANGUAGE = "other"

# Fitted to per-article stage times measured on short wire stories and on full HTML pages
# (docs/metrics.md, "Buckets"): entities and policy take 0.05-40 ms, cleaning 0.3-60 ms, the parse
# (nlp) and the total 5 ms-1 s with p50 ~0.1 s and p99 ~1 s on full articles. Dense from 50 ms to
# 1 s, where the total's p50-p99 (and its alert) sit; a few wide buckets for the tail.
STAGE_BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25,
    0.35, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0,
)  # fmt: skip
# Ingest -> publish ack: a batch wait (0.25 s by default) plus a batch's processing, seconds to
# minutes when the worker is behind.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class WorkerMetrics:
    """The metric catalogue of one worker, registered in one registry."""

    def __init__(
        self,
        registry: CollectorRegistry = REGISTRY,
        *,
        consumed_topics: Iterable[str] = (),
        produced_topics: Iterable[str] = (),
        languages: Iterable[str] = (),
    ) -> None:
        self.languages = frozenset(languages)
        self.consumed = Counter(
            "newsflow_messages_consumed",
            "Messages consumed, per topic.",
            ["topic"],
            registry=registry,
        )
        self.produced = Counter(
            "newsflow_messages_produced",
            "Messages produced and acknowledged by Kafka, per topic.",
            ["topic"],
            registry=registry,
        )
        self.outcomes = Counter(
            "newsflow_outcomes",
            "What became of each input message: enriched, duplicate or deadletter (with reason).",
            ["outcome", "reason"],
            registry=registry,
        )
        self.stage_duration = Histogram(
            "newsflow_stage_duration_seconds",
            "Wall time per article in each pipeline stage (total: all stages).",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=registry,
        )
        self.end_to_end_latency = Histogram(
            "newsflow_end_to_end_latency_seconds",
            "From the article's ingest time (or its Kafka timestamp) to its enriched event's ack.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.batch_size = Histogram(
            "newsflow_batch_size_messages",
            "Messages per processing batch.",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "newsflow_in_flight_messages",
            "Messages taken from Kafka whose outcomes are not yet acknowledged.",
            registry=registry,
        )
        self.lag = Gauge(
            "newsflow_consumer_lag_messages",
            "End offset minus committed offset, per input partition assigned to this worker.",
            ["topic", "partition"],
            registry=registry,
        )
        self.assigned_partitions = Gauge(
            "newsflow_consumer_assigned_partitions",
            "Input partitions assigned to this worker.",
            registry=registry,
        )
        self.entities = Counter(
            "newsflow_entities",
            "Entities found in enriched (non-duplicate) articles, per type.",
            ["type"],
            registry=registry,
        )
        self.policy_changes = Counter(
            "newsflow_policy_changes",
            "Policy changes published, per direction and status.",
            ["direction", "status"],
            registry=registry,
        )
        self.nlp_truncated = Counter(
            "newsflow_nlp_truncated",
            "Enriched articles whose entity and policy stages read only a prefix of clean_text.",
            registry=registry,
        )
        self.languages_seen = Counter(
            "newsflow_article_languages",
            "Enriched articles (duplicates included) per detected language.",
            ["language"],
            registry=registry,
        )
        self.ready = Gauge(
            "newsflow_ready",
            "1 while the worker is ready (Kafka reachable, partitions assigned, model loaded).",
            registry=registry,
        )
        self.build = Info(
            "newsflow_build",
            "Pipeline version and NLP model of this worker.",
            registry=registry,
        )
        self.pool_restarts = Counter(
            "newsflow_pool_restarts",
            "Stage pool replacements: a chunk crashed its child, raised or overran the timeout.",
            registry=registry,
        )
        self.dedupe_entries = Gauge(
            "newsflow_dedupe_window_entries",
            "Articles in this worker's copy of the shared duplicate window.",
            registry=registry,
        )
        self.dedupe_restore_seconds = Gauge(
            "newsflow_dedupe_restore_seconds",
            "Seconds the last restore of the duplicate window from its state topic took.",
            registry=registry,
        )
        self.dedupe_state_records = Counter(
            "newsflow_dedupe_state_records",
            "State topic records applied to the duplicate window, during restore or after.",
            ["phase"],
            registry=registry,
        )
        registry.register(PoolProcesses())
        registry.register(LogNoise())
        self._initialise(consumed_topics, produced_topics)

    def _initialise(self, consumed_topics: Iterable[str], produced_topics: Iterable[str]) -> None:
        # Series that exist from the start at 0 make rate() see the first increment.
        for topic in consumed_topics:
            self.consumed.labels(topic=topic)
        for topic in produced_topics:
            self.produced.labels(topic=topic)
        for phase in DEDUPE_PHASES:
            self.dedupe_state_records.labels(phase=phase)
        self.outcomes.labels(outcome=OUTCOME_ENRICHED, reason="")
        self.outcomes.labels(outcome=OUTCOME_DUPLICATE, reason="")
        for reason in DeadLetterReason:
            self.outcomes.labels(outcome=OUTCOME_DEADLETTER, reason=reason.value)
        for stage in STAGES:
            self.stage_duration.labels(stage=stage)
        for kind in EntityType:
            self.entities.labels(type=kind.value)
        for direction in PolicyDirection:
            for status in PolicyStatus:
                self.policy_changes.labels(direction=direction.value, status=status.value)
        for language in (*sorted(self.languages), UNKNOWN_LANGUAGE, OTHER_LANGUAGE):
            self.languages_seen.labels(language=language)

    def language_label(self, language: str | None) -> str:
        """Return the `language` label for a detected language: itself if known, else a bucket."""
        if not language:
            return UNKNOWN_LANGUAGE
        code = language.lower()
        return code if code in self.languages else OTHER_LANGUAGE

    def count_outcome(
        self,
        outcome: EnrichedArticle | Rejected | None,
        kafka_timestamp: float | None,
        now: float,
    ) -> None:
        """Record one published outcome; `now` is when its output was acknowledged (epoch s)."""
        if isinstance(outcome, Rejected):
            self.outcomes.labels(outcome=OUTCOME_DEADLETTER, reason=outcome.reason.value).inc()
            return
        if outcome is None:
            return
        duplicate = outcome.duplicate_of is not None
        kind = OUTCOME_DUPLICATE if duplicate else OUTCOME_ENRICHED
        self.outcomes.labels(outcome=kind, reason="").inc()
        self.languages_seen.labels(language=self.language_label(outcome.language)).inc()
        if outcome.processing.analysed_chars is not None:
            self.nlp_truncated.inc()
        for stage, seconds in outcome.processing.stages.items():
            self.stage_duration.labels(stage=stage).observe(seconds)
        if not duplicate:
            for entity in outcome.entities:
                self.entities.labels(type=entity.type.value).inc()
        for change in outcome.policy_changes:
            self.policy_changes.labels(
                direction=change.direction.value, status=change.status.value
            ).inc()
        started = latency_start(outcome.processing.ingested_at, kafka_timestamp, now)
        if started is not None:
            self.end_to_end_latency.observe(max(0.0, now - started))

    def set_build_info(
        self,
        pipeline_version: str,
        spacy_model: str,
        model_version: str | None,
        policy_model: str = "",
    ) -> None:
        """Publish the versions this worker runs (model_version: as the pool children loaded;
        policy_model: the trained policy model's name and version)."""
        self.build.info(
            {
                "pipeline_version": pipeline_version,
                "spacy_model": spacy_model,
                "model_version": model_version or "",
                "policy_model": policy_model,
            }
        )


INGEST_TRUST_SECONDS = 86_400.0
"""An `ingested_at` more than this before the Kafka timestamp (or after now) is not when the
article was fed (copied from an archive, a wrong clock): latency starts at the Kafka timestamp."""


def latency_start(
    ingested: datetime | None, kafka_timestamp: float | None, now: float
) -> float | None:
    """Return when end-to-end latency starts (epoch s): the article's plausible ingest time,
    else its Kafka timestamp, else None. Never raises on the input's value (year 1, year 9999,
    naive times: read as UTC)."""
    if ingested is not None:
        try:
            moment = ingested if ingested.tzinfo else ingested.replace(tzinfo=UTC)
            started = moment.timestamp()
        except (OverflowError, ValueError, OSError):
            started = None
        floor = (kafka_timestamp or now) - INGEST_TRUST_SECONDS
        if started is not None and floor <= started <= now + 60:
            return started
    return kafka_timestamp or None


class PoolProcesses:
    """Collects, at each scrape, the CPU and memory of the worker's child processes.

    prometheus-client's process collector sees only the worker's main process; the model runs
    in the stage pool's children, which hold most of the memory a container limit must cover.
    """

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid or os.getpid()
        self._cpu: dict[int, float] = {}  # last reading per child, gone children included

    def collect(self) -> Iterator[Metric]:
        """Yield the children's CPU seconds (counter) and resident memory (gauge)."""
        children = tree(self.pid)[1:]
        for child in children:
            self._cpu[child] = max(self._cpu.get(child, 0.0), cpu_seconds(child))
        yield CounterMetricFamily(
            "newsflow_pool_cpu_seconds",
            "CPU seconds (user + system) of the worker's child processes, replaced ones included.",
            value=sum(self._cpu.values()),
        )
        yield GaugeMetricFamily(
            "newsflow_pool_resident_memory_bytes",
            "Resident memory of the worker's child processes (the stage pool), summed.",
            value=sum(rss_bytes(child) for child in children),
        )


class LogNoise:
    """Collects, at each scrape, how many known-harmless library log messages were lowered
    (`newsflow.logs.KNOWN_NOISE`), by kind: hidden from the error log, still counted."""

    def collect(self) -> Iterator[Metric]:
        """Yield the lowered messages per kind (every kind, from 0)."""
        from newsflow.logs import KNOWN_NOISE, NOISE_COUNTS

        family = CounterMetricFamily(
            "newsflow_log_noise",
            "Known-harmless library log messages lowered below error level, per kind.",
            labels=["kind"],
        )
        for kind in dict.fromkeys(rule.kind for rule in KNOWN_NOISE):
            family.add_metric([kind], NOISE_COUNTS[kind])
        yield family
