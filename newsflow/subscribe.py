"""Following Newsflow's output topics as a downstream consumer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from aiokafka import TopicPartition

from newsflow.kafka import StartFrom, tail
from newsflow.settings import Settings


@dataclass(frozen=True)
class Event:
    """One decoded output event and where it came from."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: dict[str, Any]


def topic_name(settings: Settings, alias: str) -> str:
    """Return the topic name for an alias (enriched, policy, deadletter, raw) or a literal name."""
    aliases = {
        "enriched": settings.topic_enriched,
        "policy": settings.topic_policy,
        "deadletter": settings.topic_deadletter,
        "raw": settings.topic_raw,
    }
    return aliases.get(alias, alias)


async def events(
    settings: Settings,
    topics: list[str],
    *,
    start: StartFrom | dict[TopicPartition, int] = "latest",
    group: str | None = None,
    idle_timeout: float | None = None,
) -> AsyncIterator[Event]:
    """Yield decoded JSON events from `topics`; undecodable records are yielded as an error."""
    async for record in tail(settings, topics, start=start, group=group, idle_timeout=idle_timeout):
        try:
            value = json.loads(record.value or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            value = {"error": f"undecodable record: {exc}"}
        yield Event(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key is not None else None,
            value=value,
        )
