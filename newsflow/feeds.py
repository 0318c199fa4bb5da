"""Feeding articles into `articles.raw`: keyed by article id, delivery confirmed before return."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from newsflow.inputs import InputItem
from newsflow.kafka import make_producer, start_client
from newsflow.settings import Settings
from schemas import RawArticle


@dataclass
class FeedSummary:
    """What a feed run did."""

    sent: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


def encode_article(article: RawArticle) -> tuple[bytes, bytes]:
    """Return the Kafka key and value for a raw article (ingest time stamped if absent)."""
    if article.ingested_at is None:
        article = article.model_copy(update={"ingested_at": datetime.now(UTC)})
    value = article.model_dump_json(exclude_none=True).encode("utf-8")
    return article.id.encode("utf-8"), value


async def feed(
    settings: Settings,
    items: Iterable[InputItem],
    *,
    rate: float | None = None,
    show_progress: bool = True,
) -> FeedSummary:
    """Send every readable item to the raw topic; return counts and per-item errors."""
    summary = FeedSummary()
    producer = make_producer(settings, compression_type="gzip")
    await start_client(settings, producer)
    pending = []
    started = time.monotonic()
    try:
        with Progress(
            TextColumn("[bold]feeding {task.fields[topic]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not show_progress,
            transient=False,
        ) as progress:
            task = progress.add_task("feed", total=None, topic=settings.topic_raw)
            for item in items:
                if item.article is None:
                    summary.skipped += 1
                    summary.errors.append(f"{item.where}: {item.error}")
                    continue
                if rate:
                    delay = started + summary.sent / rate - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                key, value = encode_article(item.article)
                pending.append(await producer.send(settings.topic_raw, value=value, key=key))
                summary.sent += 1
                summary.ids.append(item.article.id)
                progress.advance(task)
            await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return summary
