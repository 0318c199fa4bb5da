"""Prometheus metrics served by every worker (names: newsflow_*, base units)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram, Info, disable_created_metrics

# `_created` series double the exposition size and no dashboard reads them.
disable_created_metrics()

STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)

MESSAGES_CONSUMED = Counter(
    "newsflow_messages_consumed", "Messages consumed, per topic.", ["topic"]
)
MESSAGES_PRODUCED = Counter(
    "newsflow_messages_produced", "Messages produced and acknowledged, per topic.", ["topic"]
)
OUTCOMES = Counter(
    "newsflow_outcomes",
    "What became of each input message: enriched, duplicate or deadletter (with reason).",
    ["outcome", "reason"],
)
STAGE_DURATION = Histogram(
    "newsflow_stage_duration_seconds",
    "Time spent per article in each pipeline stage.",
    ["stage"],
    buckets=STAGE_BUCKETS,
)
END_TO_END_LATENCY = Histogram(
    "newsflow_end_to_end_latency_seconds",
    "From the article's ingest time (or its Kafka timestamp) to its enriched event's ack.",
    buckets=LATENCY_BUCKETS,
)
BATCH_SIZE = Histogram(
    "newsflow_batch_size_messages", "Messages per processing batch.", buckets=BATCH_BUCKETS
)
POLICY_CHANGES = Counter(
    "newsflow_policy_changes", "Policy changes published.", ["direction", "status"]
)
BUILD_INFO = Info("newsflow_build", "Pipeline version and NLP model.")
