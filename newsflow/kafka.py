"""Kafka clients for the operator side: topic admin, producing and tailing (aiokafka)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError

from newsflow.errors import OperatorError
from newsflow.settings import Settings

StartFrom = Literal["earliest", "latest"]


class KafkaUnavailableError(OperatorError):
    """Kafka could not be reached or refused the request; the message says what to check."""


def _unavailable(settings: Settings, exc: BaseException) -> KafkaUnavailableError:
    hint = (
        "start the local broker with `newsflow broker start`"
        if settings.uses_local_broker
        else "check NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS and the security settings"
    )
    return KafkaUnavailableError(
        f"cannot reach Kafka at {settings.bootstrap_servers} ({type(exc).__name__}: {exc}); {hint}"
    )


async def ensure_topics(settings: Settings) -> list[str]:
    """Create the four Newsflow topics where missing; return the names it created."""
    admin = AIOKafkaAdminClient(**settings.kafka_client_options(), request_timeout_ms=15000)
    try:
        await admin.start()
    except (KafkaConnectionError, KafkaError, OSError) as exc:
        raise _unavailable(settings, exc) from exc
    try:
        existing = set(await admin.list_topics())
        wanted = [name for name in settings.topics if name not in existing]
        if not wanted:
            return []
        new = [
            NewTopic(
                name=name,
                num_partitions=settings.topic_partitions,
                replication_factor=settings.topic_replication_factor,
            )
            for name in wanted
        ]
        # Another worker may create a topic between our list and create.
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(new)
        return wanted
    finally:
        await admin.close()


async def list_topics(settings: Settings) -> list[str]:
    """Return the names of the topics on the cluster."""
    admin = AIOKafkaAdminClient(**settings.kafka_client_options(), request_timeout_ms=15000)
    try:
        await admin.start()
    except (KafkaConnectionError, KafkaError, OSError) as exc:
        raise _unavailable(settings, exc) from exc
    try:
        return sorted(await admin.list_topics())
    finally:
        await admin.close()


def make_producer(settings: Settings, **overrides: Any) -> AIOKafkaProducer:
    """Return a producer that waits for all replicas and never duplicates on retry."""
    options: dict[str, Any] = {
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 20,
        "max_request_size": max(1_048_576, settings.max_message_bytes + 65_536),
        **settings.kafka_client_options(),
        **overrides,
    }
    return AIOKafkaProducer(**options)


async def start_client(settings: Settings, client: AIOKafkaProducer | AIOKafkaConsumer) -> None:
    """Start an aiokafka client, turning connection failures into KafkaUnavailableError."""
    try:
        await client.start()
    except (KafkaConnectionError, KafkaError, OSError) as exc:
        raise _unavailable(settings, exc) from exc


@dataclass(frozen=True)
class Record:
    """One consumed message."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int


async def end_offsets(settings: Settings, topics: Iterable[str]) -> dict[TopicPartition, int]:
    """Return the current end offset of every partition of `topics`."""
    consumer = AIOKafkaConsumer(**settings.kafka_client_options(), enable_auto_commit=False)
    await start_client(settings, consumer)
    try:
        partitions = await _partitions(consumer, topics)
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    """Return every partition of `topics`, waiting for topics that do not exist yet."""
    wanted = list(topics)
    while True:
        await consumer._client.force_metadata_update()  # aiokafka has no public call for this
        known = {topic: consumer.partitions_for_topic(topic) for topic in wanted}
        if all(known.values()):
            return [TopicPartition(t, p) for t in wanted for p in sorted(known[t] or ())]
        await asyncio.sleep(0.5)


async def tail(
    settings: Settings,
    topics: list[str],
    *,
    start: StartFrom | dict[TopicPartition, int] = "latest",
    group: str | None = None,
    idle_timeout: float | None = None,
) -> AsyncIterator[Record]:
    """Yield records of `topics` from `start` (earliest, latest or explicit offsets).

    Stops after `idle_timeout` seconds without a record, if given.
    """
    consumer = AIOKafkaConsumer(
        **settings.kafka_client_options(),
        group_id=group,
        enable_auto_commit=group is not None,
        auto_offset_reset=start if isinstance(start, str) else "earliest",
    )
    await start_client(settings, consumer)
    try:
        if isinstance(start, dict):
            consumer.assign(list(start))
            for tp, offset in start.items():
                consumer.seek(tp, offset)
        elif group is None:
            partitions = await _partitions(consumer, topics)
            consumer.assign(partitions)
            if start == "earliest":
                await consumer.seek_to_beginning(*partitions)
            else:
                await consumer.seek_to_end(*partitions)
        else:
            consumer.subscribe(topics)
        while True:
            batch = await consumer.getmany(
                timeout_ms=int((idle_timeout if idle_timeout is not None else 1.0) * 1000)
            )
            if not batch and idle_timeout is not None:
                return
            for tp_records in batch.values():
                for r in tp_records:
                    yield Record(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp)
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
