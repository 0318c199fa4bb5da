"""Feeding articles into `articles.raw`: keyed by article id, delivery confirmed before return."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    KafkaError,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    UnknownProducerId,
)
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from newsflow.errors import OperatorError
from newsflow.inputs import InputItem
from newsflow.kafka import make_producer, start_client
from newsflow.settings import Settings
from schemas import RawArticle

log = logging.getLogger(__name__)

# Settle delivery futures in chunks so replaying a large archive keeps memory flat.
_MAX_PENDING = 2_000


@dataclass
class FeedSummary:
    """What a feed run did: `sent` counts articles acknowledged by Kafka."""

    sent: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    unacknowledged: int = 0
    """Handed to the producer, never acknowledged (a feed that gave up): may or may not be in."""
    first_unacknowledged: str | None = None
    """Where the first of them was read (file:line): a resumed feed starts there."""


class FeedAbortedError(OperatorError):
    """Kafka did not acknowledge articles within the retry budget; the summary says how far."""

    def __init__(self, message: str, summary: FeedSummary) -> None:
        super().__init__(message)
        self.summary = summary


RETRY_PAUSE_SECONDS = 2.0

# Errors after which an idempotent producer never succeeds again (its sequence numbers no longer
# match what the broker holds, e.g. after a broker restart lost in-flight batches): only a new
# producer, with a new producer id, can send. Repeats this may cause are harmless (stable ids).
PRODUCER_STATE_ERRORS = (
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    ProducerFenced,
)


@dataclass
class _Pending:
    where: str
    article_id: str
    key: bytes
    value: bytes
    future: asyncio.Future[Any]


class _Delivery:
    """Sends articles and settles their acknowledgements; what Kafka does not acknowledge is
    sent again every RETRY_PAUSE_SECONDS until `retry_seconds` have passed without success.
    When the producer's own state is refused (PRODUCER_STATE_ERRORS), `renew` replaces it."""

    def __init__(
        self,
        producer: AIOKafkaProducer,
        topic: str,
        retry_seconds: float,
        renew: Callable[[AIOKafkaProducer], Awaitable[AIOKafkaProducer]] | None = None,
    ) -> None:
        self.producer = producer
        self.topic = topic
        self.retry_seconds = retry_seconds
        self.renew = renew
        self.pending: list[_Pending] = []

    async def _send(self, key: bytes, value: bytes) -> asyncio.Future[Any]:
        try:
            return cast(
                asyncio.Future[Any], await self.producer.send(self.topic, value=value, key=key)
            )
        except (KafkaError, OSError) as exc:  # e.g. no metadata while Kafka is down
            failed: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            failed.set_exception(exc)
            return failed

    async def send(
        self, where: str, article_id: str, key: bytes, value: bytes, summary: FeedSummary
    ) -> None:
        """Hand one article to the producer; if it is refused at once (Kafka unreachable), settle
        what is pending before reading on."""
        future = await self._send(key, value)
        self.pending.append(_Pending(where, article_id, key, value, future))
        if future.done() and future.exception() is not None:
            await self.settle(summary)

    async def settle(self, summary: FeedSummary) -> None:
        """Return once every pending article is acknowledged (counted in `summary`); raise
        FeedAbortedError if Kafka acknowledged none of them for `retry_seconds`."""
        deadline: float | None = None
        while self.pending:
            results = await asyncio.gather(
                *(p.future for p in self.pending), return_exceptions=True
            )
            failed = []
            for pending, result in zip(self.pending, results, strict=True):
                if isinstance(result, BaseException):
                    failed.append((pending, result))
                else:
                    summary.sent += 1
                    summary.ids.append(pending.article_id)
            if len(failed) < len(self.pending):
                deadline = None  # progress: the budget starts again
            if not failed:
                self.pending = []
                return
            error = failed[0][1]
            now = time.monotonic()
            deadline = deadline or now + self.retry_seconds
            if now >= deadline:
                self.pending = [pending for pending, _ in failed]
                summary.unacknowledged = len(self.pending)
                summary.first_unacknowledged = self.pending[0].where
                raise FeedAbortedError(
                    f"Kafka did not acknowledge {len(self.pending)} article(s) for "
                    f"{self.retry_seconds:g}s ({type(error).__name__}: {error})",
                    summary,
                )
            log.warning(
                "Kafka did not acknowledge %d article(s) (%s); sending them again",
                len(failed),
                type(error).__name__,
            )
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            stale = next((e for _, e in failed if isinstance(e, PRODUCER_STATE_ERRORS)), None)
            if stale is not None and self.renew is not None:
                log.warning(
                    "Kafka refused the producer's state (%s): sending again with a new producer",
                    type(stale).__name__,
                )
                self.producer = await self.renew(self.producer)
            self.pending = [
                _Pending(p.where, p.article_id, p.key, p.value, await self._send(p.key, p.value))
                for p, _ in failed
            ]


class RateLimiter:
    """Spaces calls evenly at `rate` per second (open loop: a late start does not burst)."""

    def __init__(self, rate: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate else 0.0
        self._clock = clock
        self._next: float | None = None

    def delay(self) -> float:
        """Return how long to wait before the next call may go, and book that call."""
        if not self.interval:
            return 0.0
        now = self._clock()
        due = now if self._next is None else max(self._next, now)
        self._next = due + self.interval
        return due - now


def encode_article(article: RawArticle) -> tuple[bytes, bytes]:
    """Return the Kafka key and value for a raw article (ingest time stamped if absent)."""
    if article.ingested_at is None:
        article = article.model_copy(update={"ingested_at": datetime.now(UTC)})
    value = article.model_dump_json(exclude_none=True).encode("utf-8")
    return article.id.encode("utf-8"), value


def firehose_producer(settings: Settings) -> AIOKafkaProducer:
    """Return a producer tuned for a firehose: batched, zstd-compressed, idempotent, acks=all."""
    # A delivery not acknowledged in 15 s is sent again by `feed` (within its retry budget).
    return make_producer(
        settings,
        compression_type="zstd",
        linger_ms=50,
        max_batch_size=1_048_576,
        request_timeout_ms=15_000,
    )


def _progress(show: bool) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:.1f} articles/s"),
        TextColumn("skipped {task.fields[skipped]}"),
        TimeElapsedColumn(),
        disable=not show,
        transient=False,
    )


async def feed(
    settings: Settings,
    items: Iterable[InputItem] | AsyncIterable[InputItem],
    *,
    rate: float | None = None,
    show_progress: bool = True,
    producer: AIOKafkaProducer | None = None,
) -> FeedSummary:
    """Send every readable item to the raw topic; return counts and per-item errors."""
    summary = FeedSummary()
    own_producer = producer is None
    producer = producer or firehose_producer(settings)
    if own_producer:
        await start_client(settings, producer)
    limiter = RateLimiter(rate)

    async def renew(old: AIOKafkaProducer) -> AIOKafkaProducer:
        await _stop_producer(old)
        fresh = firehose_producer(settings)
        await start_client(settings, fresh)
        return fresh

    delivery = _Delivery(
        producer,
        settings.topic_raw,
        settings.feed_retry_seconds,
        renew=renew if own_producer else None,
    )
    started = time.monotonic()
    try:
        with _progress(show_progress) as progress:
            task = progress.add_task(
                f"feeding {settings.topic_raw}", total=None, rate=0.0, skipped=0
            )
            async for item in _aiter(items):
                if item.article is None:
                    summary.skipped += 1
                    summary.errors.append(f"{item.where}: {item.error}")
                    progress.update(task, skipped=summary.skipped)
                    continue
                wait = limiter.delay()
                if wait > 0:
                    await asyncio.sleep(wait)
                key, value = encode_article(item.article)
                await delivery.send(item.where, item.article.id, key, value, summary)
                if len(delivery.pending) >= _MAX_PENDING:
                    await delivery.settle(summary)
                elapsed = max(time.monotonic() - started, 1e-6)
                progress.update(
                    task, advance=1, rate=(summary.sent + len(delivery.pending)) / elapsed
                )
            await delivery.settle(summary)
    finally:
        if own_producer:
            await _stop_producer(delivery.producer)
    return summary


async def _stop_producer(producer: AIOKafkaProducer) -> None:
    """Stop `producer`, flushing what it can for up to 30 s; a Kafka that is gone is logged."""
    try:
        await asyncio.wait_for(producer.stop(), 30)
    except (KafkaError, OSError, TimeoutError) as exc:  # Kafka gone: nothing to flush to
        log.warning("The producer did not stop cleanly: %r", exc)


async def _aiter(items: Iterable[InputItem] | AsyncIterable[InputItem]) -> Any:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
