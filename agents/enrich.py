"""The enrichment agent: batches from `articles.raw` -> stages in the pool -> output topics."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
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


Partition = tuple[str, int]
Ack = Callable[[faust.EventT], Awaitable[Any]]


@dataclass
class Turns:
    """Where a batch waits for the batches before it, and what it tells those after it."""

    plan_after: asyncio.Future[None] | None
    plan_done: asyncio.Future[None]
    publish_after: dict[Partition, asyncio.Future[None]]
    publish_done: dict[Partition, asyncio.Future[None]]


class BatchOrder:
    """Hands out turns in input order, so that overlapping batches still behave as a sequence.

    Duplicate checks run batch after batch (which of two near-duplicates comes first must not
    depend on timing), and per input partition a batch publishes and acks only after the batch
    before it did: outputs and committed offsets stay in input order, while a partition whose
    articles are done does not wait for another partition's long article.
    """

    def __init__(self) -> None:
        self._plan: asyncio.Future[None] | None = None
        self._published: dict[Partition, asyncio.Future[None]] = {}

    def next(self, events: Sequence[faust.EventT]) -> Turns:
        """Return the turns of the batch `events`, which comes after every batch given before."""
        loop = asyncio.get_running_loop()
        partitions = dict.fromkeys(_partition(event) for event in events)
        turns = Turns(
            plan_after=self._plan,
            plan_done=loop.create_future(),
            publish_after={p: self._published[p] for p in partitions if p in self._published},
            publish_done={p: loop.create_future() for p in partitions},
        )
        self._plan = turns.plan_done
        self._published.update(turns.publish_done)
        return turns


class InFlight:
    """A limit on the articles being processed at once (a batch always fits an empty window)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self._released = asyncio.Event()

    async def admit(self, articles: int) -> None:
        """Return once `articles` more fit in the window, and count them in."""
        while self.count and self.count + articles > self.limit:
            self._released.clear()
            await self._released.wait()
        self.count += articles

    def release(self, articles: int) -> None:
        """Count `articles` out of the window."""
        self.count -= articles
        self._released.set()


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

    async def handle(
        self, events: Sequence[faust.EventT], turns: Turns | None = None, ack: Ack | None = None
    ) -> None:
        """Publish one outcome per event and return once the broker acknowledged all of them.

        With `turns`, the batch keeps its place among overlapping batches; `ack` is called on
        each event once its outcome is acknowledged by the broker.
        """
        turns = turns or BatchOrder().next(events)
        self.metrics.batch_size.observe(len(events))
        self.metrics.in_flight.inc(len(events))
        try:
            outcomes = await self._outcomes(events, turns)
            by_partition: dict[Partition, list[int]] = {}
            for index, event in enumerate(events):
                by_partition.setdefault(_partition(event), []).append(index)
            await asyncio.gather(
                *(
                    self._publish(partition, indices, events, outcomes, turns, ack)
                    for partition, indices in by_partition.items()
                )
            )
        finally:
            self.metrics.in_flight.dec(len(events))

    async def _outcomes(
        self, events: Sequence[faust.EventT], turns: Turns
    ) -> list[EnrichedArticle | Rejected | None]:
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
        raws = [raw for _, raw in accepted]
        cleaned = await self.pool.map_chunks(
            clean_many, [r.model_dump(mode="json") for r in raws], stage="cleaning"
        )
        if turns.plan_after is not None:
            await asyncio.shield(turns.plan_after)
        plan = plan_analysis(raws, cleaned, self.config, self.dedupe)
        turns.plan_done.set_result(None)
        analysed = await self.pool.map_chunks(analyze_many, plan.requests, stage="nlp")
        origins: list[Origin | None] = [_origin(events[i]) for i, _ in accepted]
        for (index, _), outcome in zip(
            accepted, finish(plan, analysed, self.config, origins), strict=True
        ):
            outcomes[index] = outcome
        return outcomes

    async def _publish(
        self,
        partition: Partition,
        indices: list[int],
        events: Sequence[faust.EventT],
        outcomes: Sequence[EnrichedArticle | Rejected | None],
        turns: Turns,
        ack: Ack | None,
    ) -> None:
        after = turns.publish_after.get(partition)
        if after is not None:
            await asyncio.shield(after)
        sends: list[tuple[str, Any]] = []
        for index in indices:
            sends += await self._send(events[index], outcomes[index])
        # Offsets are acked (and later committed) only after every output is acknowledged.
        await asyncio.gather(*(future for _, future in sends))
        for topic, _ in sends:
            self.metrics.produced.labels(topic=topic).inc()
        now = time.time()
        for index in indices:
            self.metrics.count_outcome(outcomes[index], events[index].message.timestamp, now)
            if ack is not None:
                await ack(events[index])
        turns.publish_done[partition].set_result(None)

    async def _send(
        self, event: faust.EventT, outcome: EnrichedArticle | Rejected | None
    ) -> list[tuple[str, Any]]:
        """Return (topic, acknowledgement future) of each output of one event, once queued."""
        if isinstance(outcome, EnrichedArticle):
            return [
                await _queue(self.topics.enriched, outcome.id.encode(), outcome.model_dump_json()),
                *[
                    await _queue(self.topics.policy, change.id.encode(), change.model_dump_json())
                    for change in outcome.policy_changes
                ],
            ]
        if isinstance(outcome, Rejected):
            letter = _dead_letter(event, outcome).model_dump_json()
            return [await _queue(self.topics.deadletter, event.message.key, letter)]
        return []


async def _queue(topic: faust.TopicT, key: bytes | None, value: str) -> tuple[str, Any]:
    """Return the topic's name and the acknowledgement future of one message, once queued."""
    return topic.get_topic_name(), await topic.send(key=key, value=value.encode(), force=True)


def _partition(event: faust.EventT) -> Partition:
    return (event.message.topic, event.message.partition)


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
        attempts=rejected.attempts,
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        original=message.value or b"",
        failed_at=datetime.now(UTC),
    )


async def process_articles(
    handler: BatchHandler,
    stream: faust.StreamT,
    batch_size: int,
    wait: float,
    max_in_flight: int,
) -> None:
    """Consume `stream` in overlapping batches until it ends or a batch fails (then raise).

    A batch is taken while earlier ones are still in the pool or being published, up to
    `max_in_flight` articles, so the pool's children never wait for the parent or the broker.
    Events are acknowledged (so their offsets may be committed) only after every output of
    theirs is acknowledged by the broker, in input order per partition: a crash replays them.
    """
    order = BatchOrder()
    window = InFlight(max_in_flight)
    try:
        # A failed batch cancels the others and this loop: their input stays un-acked.
        async with asyncio.TaskGroup() as batches:
            async for events in stream.noack_take(batch_size, within=wait):
                size = len(events)
                await window.admit(size)
                task = batches.create_task(handler.handle(events, order.next(events), stream.ack))
                task.add_done_callback(functools.partial(_release, window, size))
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None


def _release(window: InFlight, articles: int, _: asyncio.Task[None]) -> None:
    window.release(articles)
