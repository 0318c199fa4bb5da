"""Following Newsflow's output topics as a downstream consumer: filters and a typed client.

A downstream service reads validated events in a few lines::

    from newsflow.subscribe import EventFilter, policy_changes

    async for change in policy_changes(start="earliest", filters=EventFilter(direction="loosen")):
        print(change.actor.name, change.action, change.beneficiary)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import TopicPartition
from pydantic import TypeAdapter, ValidationError

from agents.topics import TOPICS, M, TopicSpec
from newsflow.errors import OperatorError
from newsflow.kafka import KafkaUnavailableError, StartFrom, list_topics, tail
from newsflow.settings import Settings
from schemas import (
    Confidence,
    EnrichedArticle,
    EntityType,
    PolicyChange,
    PolicyDirection,
    PolicyStatus,
)

log = logging.getLogger(__name__)


UNKNOWN_KIND = "unknown"
"""The kind of an event on a topic that is not Newsflow's."""


@dataclass(frozen=True)
class Event:
    """One decoded output event and where it came from."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: dict[str, Any]
    timestamp_ms: int | None = None
    """When Kafka took the record (the producer's create time), in ms since the epoch."""
    kind: str = UNKNOWN_KIND
    """The alias of the registered topic it came from (its message type), or 'unknown'."""


def event_kind(settings: Settings, topic: str) -> str:
    """Return the kind of the events on `topic`: its registry alias, or 'unknown'."""
    spec = TOPICS.by_name(settings, topic)
    return spec.alias if spec else UNKNOWN_KIND


def _has(needle: str | None, *haystack: str | None) -> bool:
    if needle is None:
        return True
    folded = needle.casefold()
    return any(folded in (h or "").casefold() for h in haystack)


@dataclass(frozen=True)
class EventFilter:
    """Which events to keep; unset fields match everything. Text matches are case-insensitive.

    On an enriched article the policy fields (actor, direction, status, min_confidence) must all
    hold for one of its embedded policy changes.
    """

    entity: str | None = None
    entity_type: str | None = None
    actor: str | None = None
    direction: str | None = None
    status: str | None = None
    language: str | None = None
    min_confidence: float | None = None

    def __post_init__(self) -> None:
        """Refuse values no event can have, with the allowed ones (the schemas' own types)."""
        checks: tuple[tuple[str, Any], ...] = (
            ("entity_type", EntityType),
            ("direction", PolicyDirection),
            ("status", PolicyStatus),
            ("min_confidence", Confidence),
        )
        for name, annotation in checks:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "entity_type" and isinstance(value, str):
                value = value.upper()
            try:
                object.__setattr__(self, name, TypeAdapter(annotation).validate_python(value))
            except ValidationError as exc:
                problems = "; ".join(str(e["msg"]) for e in exc.errors())
                raise ValueError(f"{name}: {problems} (got {value!r})") from None

    def _policy_matches(self, change: dict[str, Any]) -> bool:
        actor = change.get("actor") or {}
        return (
            _has(self.actor, actor.get("name"), actor.get("person"))
            and (self.direction is None or change.get("direction") == self.direction)
            and (self.status is None or change.get("status") == self.status)
            and (
                self.min_confidence is None
                or float(change.get("confidence", 0.0)) >= self.min_confidence
            )
        )

    def _wants_policy(self) -> bool:
        return any(
            v is not None for v in (self.actor, self.direction, self.status, self.min_confidence)
        )

    def matches(self, value: dict[str, Any], kind: str) -> bool:
        """Return whether a decoded event of `kind` (its topic's alias) passes every set filter."""
        if kind == TOPICS.policy.alias:
            names = [value.get("beneficiary"), value.get("object"), value.get("scope")]
            actor = value.get("actor") or {}
            names += [actor.get("name"), actor.get("person")]
            return (
                self._policy_matches(value)
                and _has(self.entity, *names)
                and self.entity_type is None
                and self.language is None
            )
        if kind == TOPICS.enriched.alias:
            entities = value.get("entities") or []
            if self.language is not None and value.get("language") != self.language:
                return False
            if (self.entity is not None or self.entity_type is not None) and not any(
                _has(self.entity, e.get("name"), *(e.get("aliases") or []))
                and (self.entity_type is None or e.get("type") == self.entity_type.upper())
                for e in entities
            ):
                return False
            if self._wants_policy():
                return any(self._policy_matches(c) for c in value.get("policy_changes") or [])
            return True
        return (
            not any(v is not None for v in (self.entity, self.entity_type, self.language))
            and not self._wants_policy()
        )


class UnknownTopicError(OperatorError):
    """A topic to follow is neither an alias nor a topic on the cluster."""


def topic_aliases(settings: Settings) -> dict[str, str]:
    """Return the short names of Newsflow's topics -> their configured topic names, outputs
    first."""
    return {spec.alias: spec.name(settings) for spec in TOPICS.followed()}


def topic_name(settings: Settings, alias: str) -> str:
    """Return the topic name for an alias (enriched, policy, deadletter, raw) or a literal name."""
    return topic_aliases(settings).get(alias, alias)


def topic_names(settings: Settings, given: Iterable[str]) -> list[str]:
    """Return the topics that `given` names (aliases or names, each maybe a comma list), in
    order, each once."""
    names = [topic_name(settings, part.strip()) for item in given for part in item.split(",")]
    return list(dict.fromkeys(name for name in names if name))


def check_topics(settings: Settings, names: Iterable[str], existing: Iterable[str]) -> None:
    """Raise UnknownTopicError naming the known aliases if a topic of `names` does not exist."""
    present = set(existing)
    missing = [name for name in names if name not in present]
    if missing:
        known = ", ".join(f"{alias} ({name})" for alias, name in topic_aliases(settings).items())
        raise UnknownTopicError(
            f"no such topic: {', '.join(missing)} on {settings.bootstrap_servers}; follow "
            f"{known}, or an existing topic (`newsflow topics list`); several: --topic a,b"
        )


async def _until_idle(
    records: AsyncIterator[Any], idle_timeout: float | None
) -> AsyncIterator[Any]:
    """Yield from `records` until it ends or `idle_timeout` seconds pass without an item, in
    whatever state the source is (connecting, waiting for partitions, filtering)."""
    if idle_timeout is None:
        async for record in records:
            yield record
        return
    deadline = time.monotonic() + idle_timeout
    while True:
        try:
            record = await asyncio.wait_for(anext(records), max(0.0, deadline - time.monotonic()))
        except (StopAsyncIteration, TimeoutError):
            return
        yield record
        deadline = time.monotonic() + idle_timeout


async def events(
    settings: Settings,
    topics: list[str],
    *,
    start: StartFrom | dict[TopicPartition, int] = "latest",
    group: str | None = None,
    idle_timeout: float | None = None,
    filters: EventFilter | None = None,
) -> AsyncIterator[Event]:
    """Yield decoded JSON events from `topics` that pass `filters`; stop after `idle_timeout`
    seconds without one (if given), whatever the consumer is doing.

    Undecodable records are yielded with an `error` payload rather than hidden. Every topic
    must exist (UnknownTopicError otherwise: a consumer would wait for it forever).
    """
    try:
        existing = await asyncio.wait_for(list_topics(settings), idle_timeout)
    except TimeoutError as exc:
        raise KafkaUnavailableError(
            f"Kafka at {settings.bootstrap_servers} did not answer within the idle timeout "
            f"({idle_timeout:g} s)"
        ) from exc
    check_topics(settings, topics, existing)
    async with contextlib.aclosing(
        _decoded(
            settings,
            tail(settings, topics, start=start, group=group, idle_timeout=idle_timeout),
            filters,
        )
    ) as decoded:
        async for event in _until_idle(decoded, idle_timeout):
            yield event


async def _decoded(
    settings: Settings, records: AsyncIterator[Any], filters: EventFilter | None
) -> AsyncIterator[Event]:
    async for record in records:
        kind = event_kind(settings, record.topic)
        try:
            value = json.loads(record.value or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            value = {"error": f"undecodable record: {exc}"}
        if not isinstance(value, dict):
            value = {"error": "record is not a JSON object"}
        if filters is not None and not filters.matches(value, kind):
            continue
        yield Event(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key is not None else None,
            value=value,
            timestamp_ms=record.timestamp_ms,
            kind=kind,
        )


async def messages(
    spec: TopicSpec[M],
    settings: Settings | None = None,
    *,
    start: StartFrom = "latest",
    group: str | None = None,
    filters: EventFilter | None = None,
) -> AsyncIterator[M]:
    """Yield the validated messages (its schema model) of one registered topic that pass
    `filters`; invalid ones are logged and skipped."""
    settings = settings or Settings()
    async for event in events(
        settings, [spec.name(settings)], start=start, group=group, filters=filters
    ):
        try:
            yield spec.model.model_validate(event.value)
        except ValidationError as exc:
            log.warning(
                "Skipping invalid %s at offset %d: %s", spec.model.__name__, event.offset, exc
            )


def policy_changes(
    settings: Settings | None = None,
    *,
    start: StartFrom = "latest",
    group: str | None = None,
    filters: EventFilter | None = None,
) -> AsyncIterator[PolicyChange]:
    """Return the validated PolicyChange events of the policy topic (`messages`)."""
    return messages(TOPICS.policy, settings, start=start, group=group, filters=filters)


def enriched_articles(
    settings: Settings | None = None,
    *,
    start: StartFrom = "latest",
    group: str | None = None,
    filters: EventFilter | None = None,
) -> AsyncIterator[EnrichedArticle]:
    """Return the validated EnrichedArticle events of the enriched topic (`messages`)."""
    return messages(TOPICS.enriched, settings, start=start, group=group, filters=filters)
