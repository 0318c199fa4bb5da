"""The duplicate window shared by every worker, kept on a compacted Kafka topic.

Every worker reads the whole state topic (`TOPICS.dedupe`, keyed by article id) into its own
`DuplicateIndex`: first all of it up to the end offsets found at start (the restore: no input
is checked before it is done), then whatever any worker writes (following it, with a client of
its own, not Faust's consumer). Each batch publishes the window's changes it decided (entries,
refreshes, tombstones for expired entries) and waits for their acknowledgement before its
outcomes are published, so an acknowledged input's entry is durable and a worker killed with
`kill -9` comes back with it.

A Faust GlobalTable would do the same in principle; it is not used because in faust-streaming
0.15 a worker resumes its streams once its *active* changelog partitions are restored and
catches up on the standby ones (the other workers' writes) while already processing, table
writes must happen inside the stream's current event (this worker writes from overlapping
batch tasks), and the GlobalTable's own documentation warns of an endless recovery loop with
several instances. What this promises: docs/guarantees.md, "Duplicates across workers and
restarts".
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

import mode
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError

from agents.metrics import WorkerMetrics
from newsflow.connection import AiokafkaOptions
from pipeline.dedupe import Change, DuplicateIndex
from schemas import DedupeEntry

log = logging.getLogger(__name__)

FOLLOW_WAIT_MS = 50
"""How long a fetch of the state topic waits for new records: most of the time another
worker's entry takes to arrive (the window in which two copies can both count as first)."""


def encode_change(change: Change) -> tuple[bytes, bytes | None]:
    """Return the state topic record (key, value) of one change; None is a tombstone."""
    article_id, entry = change
    return article_id.encode(), None if entry is None else entry.model_dump_json().encode()


def decode_record(key: bytes | None, value: bytes | None) -> tuple[str, DedupeEntry | None]:
    """Return the article id and entry (None: forget it) of one state topic record.

    Raises ValueError on a record no worker writes (no key, not a DedupeEntry)."""
    if not key:
        raise ValueError("state record without a key")
    article_id = key.decode("utf-8")
    if value is None:
        return article_id, None
    try:
        return article_id, DedupeEntry.model_validate_json(value)
    except ValidationError as exc:
        raise ValueError(f"not a DedupeEntry: {exc.error_count()} error(s)") from exc


class DedupeState(mode.Service):
    """Restores the shared duplicate window, follows it, and publishes this worker's changes."""

    def __init__(
        self,
        index: DuplicateIndex,
        *,
        app: Any,
        topic: str,
        client_options: AiokafkaOptions,
        metrics: WorkerMetrics,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.index = index
        self.app = app
        self.topic = topic
        self.client_options = client_options
        self.metrics = metrics
        self.restored = asyncio.Event()
        self.restore_seconds: float | None = None
        metrics.dedupe_entries.set_function(lambda: len(index))

    async def publish(self, changes: Sequence[Change]) -> list[asyncio.Future[Any]]:
        """Queue `changes` on the state topic; return their acknowledgement futures."""
        producer = self.app.producer
        futures = []
        for change in changes:
            key, value = encode_change(change)
            futures.append(await producer.send(self.topic, key, value, None, None, None))
        return futures

    async def wait_published(self, futures: Sequence[asyncio.Future[Any]]) -> None:
        """Return once Kafka acknowledged every future of `publish`; raise its first error."""
        if futures:
            await asyncio.gather(*futures)
            self.metrics.produced.labels(topic=self.topic).inc(len(futures))

    @mode.Service.task
    async def _restore_and_follow(self) -> None:
        started = time.monotonic()
        consumer = AIOKafkaConsumer(
            **self.client_options,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=FOLLOW_WAIT_MS,
        )
        await consumer.start()
        try:
            partitions = await self._partitions(consumer)
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            expired: set[str] = set()
            records = 0
            while not self.should_stop and not await _reached(consumer, ends):
                for batch in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                    records += len(batch)
                    self._apply(batch, "restore", expired)
            self.restore_seconds = time.monotonic() - started
            self.metrics.dedupe_restore_seconds.set(self.restore_seconds)
            log.info(
                "Duplicate window restored from %s: %d records, %d articles, in %.2f s",
                self.topic,
                records,
                len(self.index),
                self.restore_seconds,
            )
            self.restored.set()
            # Entries past the age limit that no tombstone followed (every worker was down
            # when they expired): forget them for good, so the next restore need not read them.
            await self.wait_published(await self.publish([(key, None) for key in sorted(expired)]))
            while not self.should_stop:
                for batch in (await consumer.getmany(timeout_ms=1000)).values():
                    self._apply(batch, "follow", None)
        finally:
            await consumer.stop()

    async def _partitions(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        while True:
            await consumer._client.force_metadata_update()  # aiokafka has no public call for it
            found = consumer.partitions_for_topic(self.topic)
            if found:
                return [TopicPartition(self.topic, p) for p in sorted(found)]
            log.warning("State topic %s not found yet; waiting for it", self.topic)
            await self.sleep(2.0)

    def _apply(
        self, batch: list[ConsumerRecord[Any, Any]], phase: str, expired: set[str] | None
    ) -> None:
        for record in batch:
            try:
                article_id, entry = decode_record(record.key, record.value)
            except ValueError as exc:
                log.warning(
                    "Ignoring record %s[%d]@%d: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    exc,
                )
                continue
            past = self.index.apply(article_id, entry)
            if expired is not None:
                if past:
                    expired.add(article_id)
                else:
                    expired.discard(article_id)
        self.metrics.dedupe_state_records.labels(phase=phase).inc(len(batch))


async def _reached(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    """Return whether the consumer's position is at least `ends` on every partition."""
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True
