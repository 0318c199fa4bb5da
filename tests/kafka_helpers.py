"""Small synchronous Kafka helpers for tests (real broker, aiokafka underneath)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from newsflow.kafka import Record, make_producer, start_client, tail


def produce(settings: Any, topic: str, messages: list[tuple[bytes | None, bytes]]) -> None:
    """Send (key, value) pairs to `topic` and wait until Kafka acknowledged them all."""

    async def run() -> None:
        producer = make_producer(settings)
        await start_client(settings, producer)
        try:
            futures = [await producer.send(topic, value=v, key=k) for k, v in messages]
            await asyncio.gather(*futures)
        finally:
            await producer.stop()

    asyncio.run(run())


def consume_until(
    settings: Any,
    topics: list[str],
    done: Callable[[list[Record]], bool],
    timeout: float = 90.0,
) -> list[Record]:
    """Return records of `topics` read from the beginning until done(records) or timeout."""

    async def run() -> list[Record]:
        records: list[Record] = []
        deadline = time.monotonic() + timeout

        async def read() -> None:
            async for record in tail(settings, topics, start="earliest"):
                records.append(record)
                if done(records):
                    return

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(read(), timeout=max(0.1, deadline - time.monotonic()))
        return records

    return asyncio.run(run())
