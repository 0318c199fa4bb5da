"""Feeding articles into `articles.raw`: keyed by article id, delivery confirmed before return."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from newsflow.inputs import InputItem
from newsflow.kafka import make_producer, start_client
from newsflow.settings import Settings
from schemas import RawArticle

# Settle delivery futures in chunks so replaying a large archive keeps memory flat.
_MAX_PENDING = 2_000


@dataclass
class FeedSummary:
    """What a feed run did."""

    sent: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


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
    return make_producer(settings, compression_type="zstd", linger_ms=50, max_batch_size=1_048_576)


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
    pending: list[asyncio.Future[Any]] = []
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
                pending.append(await producer.send(settings.topic_raw, value=value, key=key))
                summary.sent += 1
                summary.ids.append(item.article.id)
                if len(pending) >= _MAX_PENDING:
                    await asyncio.gather(*pending)
                    pending.clear()
                elapsed = max(time.monotonic() - started, 1e-6)
                progress.update(task, advance=1, rate=summary.sent / elapsed)
            await asyncio.gather(*pending)
    finally:
        if own_producer:
            await producer.stop()
    return summary


async def _aiter(items: Iterable[InputItem] | AsyncIterable[InputItem]) -> Any:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
