"""The enrichment agent: batches from `articles.raw` -> stages in the pool -> output topics."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import faust
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
)
from faust.exceptions import ProducerSendError

from agents.dedupe_state import DedupeState
from agents.metrics import WorkerMetrics
from agents.pool import StagePool
from agents.topics import Topics
from pipeline.config import PipelineConfig
from pipeline.dedupe import DuplicateIndex
from pipeline.intake import parse_raw
from pipeline.outcomes import Rejected
from pipeline.outputs import (
    OutputLimits,
    OutputRecord,
    dead_letter_record,
    encode_enriched,
    printable,
)
from pipeline.process import analyze_many, clean_many, finish, plan_analysis
from schemas import DeadLetterReason, EnrichedArticle, Origin, RawArticle, Stage

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


@dataclass
class Outgoing:
    """What one input publishes: its outcome and the records that carry it."""

    outcome: EnrichedArticle | Rejected
    records: list[tuple[faust.TopicT, OutputRecord]]


RECORD_ERRORS: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,
    InvalidTimestampError,
)
"""Kafka refusing one record for what it holds; any other publishing error affects them all."""
FALLBACK_LETTER_BYTES = 1_000_000
"""A dead letter replacing refused records is cut to fit Kafka's default 1 MB topic limit."""


class BatchHandler:
    """Turns one batch of raw events into published outcomes, in input order.

    A message can only fail itself: intake, stages, encoding, sizes and metrics are handled per
    message, and a record Kafka refuses for its content is retried alone, then replaced by a
    dead letter. Only a failure that is not about one message (Kafka unreachable, the pool
    unable to start) propagates, and then nothing of the batch is acknowledged.
    """

    def __init__(
        self,
        topics: Topics,
        pool: StagePool,
        config: PipelineConfig,
        metrics: WorkerMetrics,
        limits: OutputLimits,
        state: DedupeState | None = None,
    ) -> None:
        self.topics = topics
        self.pool = pool
        self.config = config
        self.metrics = metrics
        self.limits = limits
        # Shared: the window every worker reads and writes on the state topic; else this
        # process's memory only.
        self.state = state
        self.dedupe = state.index if state is not None else DuplicateIndex.from_config(config)

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
            outcomes, state_written = await self._outcomes(events, turns)
            if self.state is not None:
                # The window's changes are durable before any outcome (and so any ack) is.
                await self.state.wait_published(state_written)
            outgoing = [self._encode(e, o) for e, o in zip(events, outcomes, strict=True)]
            by_partition: dict[Partition, list[int]] = {}
            for index, event in enumerate(events):
                by_partition.setdefault(_partition(event), []).append(index)
            await asyncio.gather(
                *(
                    self._publish(partition, indices, events, outgoing, turns, ack)
                    for partition, indices in by_partition.items()
                )
            )
        finally:
            self.metrics.in_flight.dec(len(events))

    async def _outcomes(
        self, events: Sequence[faust.EventT], turns: Turns
    ) -> tuple[list[EnrichedArticle | Rejected], list[asyncio.Future[Any]]]:
        outcomes: list[EnrichedArticle | Rejected | None] = [None] * len(events)
        accepted: list[tuple[int, RawArticle, dict[str, Any]]] = []
        for index, event in enumerate(events):
            self.metrics.consumed.labels(topic=event.message.topic).inc()
            try:
                raw = parse_raw(event.message.value, max_bytes=self.config.max_message_bytes)
                accepted.append((index, raw, raw.model_dump(mode="json")))
            except Rejected as rejected:
                outcomes[index] = rejected
            except Exception as exc:  # parse_raw raises only Rejected; the dump must not either
                outcomes[index] = Rejected(
                    DeadLetterReason.STAGE_ERROR,
                    printable(f"intake failed: {type(exc).__name__}: {exc}"),
                    stage=Stage.INTAKE,
                    error_type=type(exc).__name__,
                )
        raws = [raw for _, raw, _ in accepted]
        cleaned = await self.pool.map_chunks(
            clean_many, [dumped for _, _, dumped in accepted], stage=Stage.CLEANING
        )
        if turns.plan_after is not None:
            await asyncio.shield(turns.plan_after)
        state_written: list[asyncio.Future[Any]] = []
        if self.state is not None:
            await self.state.restored.wait()  # no input is checked against a partial window
        plan = plan_analysis(raws, cleaned, self.config, self.dedupe)
        if self.state is not None:
            # Queued before the next batch plans: the topic keeps the window's order of changes.
            state_written = await self.state.publish(self.dedupe.drain_changes())
        turns.plan_done.set_result(None)
        analysed = await self.pool.map_chunks(analyze_many, plan.requests, stage=Stage.NLP)
        origins: list[Origin | None] = [_origin(events[i]) for i, _, _ in accepted]
        for (index, _, _), outcome in zip(
            accepted, finish(plan, analysed, self.config, origins), strict=True
        ):
            outcomes[index] = outcome
        return [outcome for outcome in outcomes if outcome is not None], state_written

    def _encode(self, event: faust.EventT, outcome: EnrichedArticle | Rejected) -> Outgoing:
        """Return the records of one outcome: its events, or a dead letter that fits."""
        if isinstance(outcome, EnrichedArticle):
            try:
                encoded = encode_enriched(outcome, self.limits)
            except Rejected as rejected:
                outcome = rejected
            else:
                return Outgoing(
                    outcome,
                    [
                        (self.topics.enriched, encoded.event),
                        *((self.topics.policy, change) for change in encoded.changes),
                    ],
                )
        letter = self._letter(event, outcome, self.limits.deadletter)
        return Outgoing(outcome, [(self.topics.deadletter, letter)])

    def _letter(self, event: faust.EventT, rejected: Rejected, limit: int) -> OutputRecord:
        message = event.message
        return dead_letter_record(
            rejected,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            key=message.key,
            original=message.value,
            failed_at=datetime.now(UTC),
            limit=limit,
        )

    async def _publish(
        self,
        partition: Partition,
        indices: list[int],
        events: Sequence[faust.EventT],
        outgoing: list[Outgoing],
        turns: Turns,
        ack: Ack | None,
    ) -> None:
        after = turns.publish_after.get(partition)
        if after is not None:
            await asyncio.shield(after)
        deliveries = [await self._deliver(outgoing[index].records) for index in indices]
        # Offsets are acked (and later committed) only after every output is acknowledged.
        await asyncio.gather(
            *(f for futures in deliveries for f in futures), return_exceptions=True
        )
        for index, futures in zip(indices, deliveries, strict=True):
            self._count_produced(outgoing[index].records, futures)
            failure = _failure(futures)
            if failure is not None:
                outgoing[index] = await self._redeliver(
                    events[index], outgoing[index], futures, failure
                )
        now = time.time()
        for index in indices:
            self._count_outcome(outgoing[index].outcome, events[index], now)
            if ack is not None:
                await ack(events[index])
        turns.publish_done[partition].set_result(None)

    async def _deliver(
        self, records: list[tuple[faust.TopicT, OutputRecord]]
    ) -> list[asyncio.Future[Any]]:
        """Return the acknowledgement future of each record, once queued."""
        return [await _queue(topic, record) for topic, record in records]

    async def _deliver_alone(
        self, records: list[tuple[faust.TopicT, OutputRecord]]
    ) -> BaseException | None:
        """Publish `records` and wait for them; return the first error, or None."""
        futures = await self._deliver(records)
        await asyncio.gather(*futures, return_exceptions=True)
        self._count_produced(records, futures)
        return _failure(futures)

    async def _redeliver(
        self,
        event: faust.EventT,
        out: Outgoing,
        futures: list[asyncio.Future[Any]],
        failure: BaseException,
    ) -> Outgoing:
        """Return what the input published in the end, after Kafka refused some of its records.

        The refused records are retried alone; refused again, a dead letter small enough for
        any topic replaces them. Raises when a failure is not about these records.
        """
        message = event.message
        where = f"{message.topic}[{message.partition}]@{message.offset}"
        refused = [
            pair for pair, future in zip(out.records, futures, strict=True) if _failed(future)
        ]
        _raise_unless_about_the_record(failure)
        log.warning(
            "Kafka refused %d output record(s) of %s (%s); retrying them alone",
            len(refused),
            where,
            type(failure).__name__,
        )
        failure_again = await self._deliver_alone(refused)
        if failure_again is None:
            return out
        _raise_unless_about_the_record(failure_again)
        rejected = Rejected(
            DeadLetterReason.OVERSIZE
            if isinstance(failure_again, MessageSizeTooLargeError | RecordListTooLargeError)
            else DeadLetterReason.STAGE_ERROR,
            printable(
                f"Kafka refused an output record: {type(failure_again).__name__}: {failure_again}"
            ),
            stage=Stage.PUBLISH,
            error_type=type(failure_again).__name__,
        )
        log.error("Kafka refused output of %s twice; dead-lettering it", where)
        letter = Outgoing(
            rejected,
            [(self.topics.deadletter, self._letter(event, rejected, FALLBACK_LETTER_BYTES))],
        )
        last = await self._deliver_alone(letter.records)
        if last is not None:
            raise last
        return letter

    def _count_produced(
        self, records: list[tuple[faust.TopicT, OutputRecord]], futures: list[asyncio.Future[Any]]
    ) -> None:
        for (topic, _), future in zip(records, futures, strict=True):
            if not future.cancelled() and future.exception() is None:
                self.metrics.produced.labels(topic=topic.get_topic_name()).inc()

    def _count_outcome(
        self, outcome: EnrichedArticle | Rejected, event: faust.EventT, now: float
    ) -> None:
        try:
            self.metrics.count_outcome(outcome, event.message.timestamp, now)
        except Exception:  # metrics are no reason to lose or repeat a published outcome
            log.warning("Metrics failed for one outcome", exc_info=True)


async def _queue(topic: faust.TopicT, record: OutputRecord) -> asyncio.Future[Any]:
    """Return the acknowledgement future of one record (failed if it was refused at once)."""
    try:
        return cast(
            asyncio.Future[Any],
            await topic.send(key=record.key, value=record.value, force=True),
        )
    except Exception as exc:  # refused before sending, e.g. over the producer's size limit
        refused: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        refused.set_exception(
            exc.__cause__ if isinstance(exc, ProducerSendError) and exc.__cause__ else exc
        )
        return refused


def _raise_unless_about_the_record(failure: BaseException) -> None:
    if not isinstance(failure, RECORD_ERRORS):
        raise failure


def _failed(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is not None


def _failure(futures: list[asyncio.Future[Any]]) -> BaseException | None:
    """Return the first error among done futures (cancelled ones count), or None."""
    for future in futures:
        if future.cancelled():
            return asyncio.CancelledError()
        if future.exception() is not None:
            return future.exception()
    return None


def _partition(event: faust.EventT) -> Partition:
    return (event.message.topic, event.message.partition)


def _origin(event: faust.EventT) -> Origin:
    message = event.message
    return Origin(topic=message.topic, partition=message.partition, offset=message.offset)


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
