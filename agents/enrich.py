"""The enrichment agent: batches from `articles.raw` -> stages in the pool -> output topics."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

import faust

from agents.metrics import WorkerMetrics
from agents.pool import StagePool
from agents.topics import Topics
from pipeline.config import PipelineConfig
from pipeline.dedupe import DuplicateIndex
from pipeline.intake import Rejected, parse_raw
from pipeline.process import analyze_many, clean_many, finish, plan_analysis
from schemas import DeadLetter, EnrichedArticle, Origin, RawArticle

log = logging.getLogger(__name__)


class BatchHandler:
    """Turns one batch of raw events into published outcomes, in input order."""

    def __init__(
        self, topics: Topics, pool: StagePool, config: PipelineConfig, metrics: WorkerMetrics
    ) -> None:
        self.topics = topics
        self.pool = pool
        self.config = config
        self.metrics = metrics
        self.dedupe = DuplicateIndex.from_config(config)

    async def handle(self, events: Sequence[faust.EventT]) -> None:
        """Publish one outcome per event and return once the broker acknowledged all of them."""
        self.metrics.batch_size.observe(len(events))
        self.metrics.in_flight.inc(len(events))
        try:
            await self._handle(events)
        finally:
            self.metrics.in_flight.dec(len(events))

    async def _handle(self, events: Sequence[faust.EventT]) -> None:
        outcomes: list[EnrichedArticle | Rejected | None] = [None] * len(events)
        accepted: list[tuple[int, RawArticle]] = []
        for index, event in enumerate(events):
            self.metrics.consumed.labels(topic=event.message.topic).inc()
            try:
                accepted.append(
                    (index, parse_raw(event.message.value, max_bytes=self.config.max_message_bytes))
                )
            except Rejected as rejected:
                outcomes[index] = rejected
        if accepted:
            raws = [raw for _, raw in accepted]
            origins: list[Origin | None] = [_origin(events[i]) for i, _ in accepted]
            cleaned = await self.pool.map_chunks(
                clean_many, [r.model_dump(mode="json") for r in raws], stage="cleaning"
            )
            plan = plan_analysis(raws, cleaned, self.config, self.dedupe)
            analysed = await self.pool.map_chunks(analyze_many, plan.requests, stage="nlp")
            for (index, _), outcome in zip(
                accepted, finish(plan, analysed, self.config, origins), strict=True
            ):
                outcomes[index] = outcome
        await self._publish(events, outcomes)

    async def _publish(
        self, events: Sequence[faust.EventT], outcomes: Sequence[EnrichedArticle | Rejected | None]
    ) -> None:
        sends: list[tuple[str, Any]] = []
        for event, outcome in zip(events, outcomes, strict=True):
            if isinstance(outcome, EnrichedArticle):
                key = outcome.id.encode()
                sends.append(
                    (
                        self.topics.enriched.get_topic_name(),
                        await self.topics.enriched.send(
                            key=key, value=outcome.model_dump_json().encode(), force=True
                        ),
                    )
                )
                for change in outcome.policy_changes:
                    sends.append(
                        (
                            self.topics.policy.get_topic_name(),
                            await self.topics.policy.send(
                                key=change.id.encode(),
                                value=change.model_dump_json().encode(),
                                force=True,
                            ),
                        )
                    )
            elif isinstance(outcome, Rejected):
                letter = _dead_letter(event, outcome)
                sends.append(
                    (
                        self.topics.deadletter.get_topic_name(),
                        await self.topics.deadletter.send(
                            key=event.message.key,
                            value=letter.model_dump_json().encode(),
                            force=True,
                        ),
                    )
                )
        # Offsets are acked (and later committed) only after every output is acknowledged.
        await asyncio.gather(*(future for _, future in sends))
        for topic, _ in sends:
            self.metrics.produced.labels(topic=topic).inc()
        now = time.time()
        for event, outcome in zip(events, outcomes, strict=True):
            self.metrics.count_outcome(outcome, event.message.timestamp, now)


def _origin(event: faust.EventT) -> Origin:
    message = event.message
    return Origin(topic=message.topic, partition=message.partition, offset=message.offset)


def _dead_letter(event: faust.EventT, rejected: Rejected) -> DeadLetter:
    message = event.message
    return DeadLetter(
        reason=rejected.reason,
        error=rejected.message,
        error_type=rejected.error_type,
        stage=rejected.stage,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        original=message.value or b"",
        failed_at=datetime.now(UTC),
    )


async def process_articles(
    handler: BatchHandler, stream: faust.StreamT, batch_size: int, wait: float
) -> AsyncIterator[int]:
    """Consume `stream` in batches; yield each batch's size once its outcomes are published.

    Events are acknowledged (so their offsets may be committed) only after every output of the
    batch is acknowledged by the broker: a crash before that replays the batch.
    """
    async for events in stream.noack_take(batch_size, within=wait):
        await handler.handle(events)
        for event in events:
            await stream.ack(event)
        yield len(events)
