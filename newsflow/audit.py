"""Reconciliation: every input offset of the raw topic matched to exactly one outcome.

An outcome is an enriched event (`processing.origin` names its input), a duplicate (an enriched
event with `duplicate_of` set) or a dead letter (`topic`/`partition`/`offset` name its input).
At-least-once delivery may publish an input's outcome more than once after a crash; that is
allowed only when every copy carries the same deterministic identity, so a consumer that
dedupes by id sees the input exactly once.

    report = asyncio.run(audit(settings, since=datetime(...)))     # or offsets={...}
    report.ok  # no input lost, no input with conflicting outcomes
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer

from agents.topics import TOPICS
from newsflow.kafka import _partitions, max_output_bytes, start_client
from newsflow.settings import Settings

InputKey = tuple[int, int]
"""(partition, offset) of one input record on the raw topic."""


@dataclass(frozen=True)
class Outcome:
    """One published outcome of an input: its kind and its deterministic identity."""

    kind: str  # enriched, duplicate or deadletter
    identity: str  # article id; for a dead letter its reason (and article id when known)
    topic: str
    partition: int
    offset: int


@dataclass
class AuditReport:
    """What the reconciliation found for a set of input offsets."""

    inputs: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    lost: list[InputKey] = field(default_factory=list)
    redelivered: dict[InputKey, list[Outcome]] = field(default_factory=dict)
    conflicting: dict[InputKey, list[Outcome]] = field(default_factory=dict)
    unmatched: int = 0

    @property
    def ok(self) -> bool:
        """Return whether nothing was lost and every repeated outcome has the same identity."""
        return not self.lost and not self.conflicting

    def summary(self) -> dict[str, Any]:
        """Return the report as plain data (counts plus the first problem offsets)."""
        return {
            "ok": self.ok,
            "inputs": self.inputs,
            "outcomes": dict(self.outcomes),
            "lost": len(self.lost),
            "redelivered": len(self.redelivered),
            "extra_copies": sum(len(v) - 1 for v in self.redelivered.values()),
            "conflicting": len(self.conflicting),
            "outcomes_of_other_inputs": self.unmatched,
            "lost_offsets": [f"{p}:{o}" for p, o in sorted(self.lost)[:20]],
            "conflicting_offsets": {
                f"{p}:{o}": [f"{c.kind}:{c.identity}" for c in copies]
                for (p, o), copies in sorted(self.conflicting.items())[:20]
            },
        }


def reconcile(
    inputs: Iterable[InputKey], outcomes: Iterable[tuple[InputKey, Outcome]]
) -> AuditReport:
    """Return the report matching `inputs` to `outcomes` (keyed by the input they came from)."""
    wanted = set(inputs)
    found: dict[InputKey, list[Outcome]] = defaultdict(list)
    report = AuditReport(inputs=len(wanted))
    for key, outcome in outcomes:
        if key in wanted:
            found[key].append(outcome)
        else:
            report.unmatched += 1
    for key in wanted:
        copies = found.get(key)
        if not copies:
            report.lost.append(key)
            continue
        # A replay after a crash may meet an empty duplicate window: enriched and duplicate
        # copies of one article are the same identity.
        report.outcomes["deadletter" if copies[0].kind == "deadletter" else copies[0].kind] += 1
        if len(copies) > 1:
            report.redelivered[key] = copies
            if len({c.identity for c in copies}) > 1:
                report.conflicting[key] = copies
    report.lost.sort()
    return report


def enriched_outcome(
    raw_topic: str, topic: str, partition: int, offset: int, value: bytes
) -> tuple[InputKey, Outcome] | None:
    """Return the input key and outcome of one enriched event, None if it has no raw origin."""
    event = json.loads(value)
    origin = (event.get("processing") or {}).get("origin") or {}
    if origin.get("topic") != raw_topic:
        return None
    kind = "duplicate" if event.get("duplicate_of") else "enriched"
    outcome = Outcome(kind, f"article:{event['id']}", topic, partition, offset)
    return (int(origin["partition"]), int(origin["offset"])), outcome


def deadletter_outcome(
    raw_topic: str, topic: str, partition: int, offset: int, value: bytes
) -> tuple[InputKey, Outcome] | None:
    """Return the input key and outcome of one dead letter, None if it is not of the raw topic."""
    letter = json.loads(value)
    if letter.get("topic") != raw_topic:
        return None
    identity = f"deadletter:{letter['reason']}:{letter.get('article_id') or ''}"
    outcome = Outcome("deadletter", identity, topic, partition, offset)
    return (int(letter["partition"]), int(letter["offset"])), outcome


async def _read_range(
    settings: Settings,
    topic: str,
    start: datetime | Mapping[int, int] | None,
    until: datetime | None = None,
) -> list[tuple[int, int, bytes]]:
    """Return (partition, offset, value) of `topic` from `start` up to the current end."""
    consumer = AIOKafkaConsumer(
        **settings.kafka_client_options(),
        enable_auto_commit=False,
        max_partition_fetch_bytes=max_output_bytes(settings),
        fetch_max_bytes=max_output_bytes(settings),
    )
    await start_client(settings, consumer)
    try:
        partitions = await _partitions(consumer, [topic])
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        starts = await consumer.beginning_offsets(partitions)
        first = dict(starts)
        if isinstance(start, datetime):
            found = await consumer.offsets_for_times(
                dict.fromkeys(partitions, int(start.timestamp() * 1000))
            )
            first = {tp: (found[tp].offset if found.get(tp) else ends[tp]) for tp in partitions}
        elif isinstance(start, Mapping):
            first = {tp: max(starts[tp], start.get(tp.partition, ends[tp])) for tp in partitions}
        last = dict(ends)
        if until is not None:
            found = await consumer.offsets_for_times(
                dict.fromkeys(partitions, int(until.timestamp() * 1000))
            )
            last = {tp: (found[tp].offset if found.get(tp) else ends[tp]) for tp in partitions}
        pending = {tp for tp in partitions if first[tp] < last[tp]}
        for tp in partitions:
            consumer.seek(tp, first[tp])
        rows: list[tuple[int, int, bytes]] = []
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000)
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= last[tp]:
                        pending.discard(tp)
                        break
                    rows.append((tp.partition, record.offset, record.value or b""))
                if tp in pending and await consumer.position(tp) >= last[tp]:
                    pending.discard(tp)
        return rows
    finally:
        await consumer.stop()


async def audit(
    settings: Settings,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    offsets: Mapping[int, tuple[int, int]] | None = None,
) -> AuditReport:
    """Return the reconciliation of raw-topic inputs against enriched events and dead letters.

    Inputs are the raw topic's records from `since` (a time; default: the oldest retained) to
    `until` (default: now), or the `offsets` ranges {partition: (first, end)}. Outputs are read
    from `since` (they are published after their input) or from their beginning.
    """
    raw = TOPICS.raw.name(settings)
    if offsets is not None:
        records = await _read_range(settings, raw, {p: first for p, (first, _) in offsets.items()})
        inputs = [(p, o) for p, o, _ in records if p in offsets and o < offsets[p][1]]
    else:
        records = await _read_range(settings, raw, since, until)
        inputs = [(p, o) for p, o, _ in records]
    enriched, letters = await asyncio.gather(
        _read_range(settings, TOPICS.enriched.name(settings), since if offsets is None else None),
        _read_range(settings, TOPICS.deadletter.name(settings), since if offsets is None else None),
    )
    outcomes: list[tuple[InputKey, Outcome]] = []
    for rows, parse, topic in (
        (enriched, enriched_outcome, TOPICS.enriched.name(settings)),
        (letters, deadletter_outcome, TOPICS.deadletter.name(settings)),
    ):
        for partition, offset, value in rows:
            matched = parse(raw, topic, partition, offset, value)
            if matched is not None:
                outcomes.append(matched)
    return reconcile(inputs, outcomes)


async def group_caught_up(settings: Settings, group: str | None = None) -> bool:
    """Return whether the consumer group committed the raw topic's end offset on every partition.

    Offsets are committed only after outputs are acknowledged, so then every input has one.
    """
    from aiokafka.admin import AIOKafkaAdminClient

    consumer = AIOKafkaConsumer(**settings.kafka_client_options(), enable_auto_commit=False)
    admin = AIOKafkaAdminClient(**settings.kafka_client_options())
    await start_client(settings, consumer)
    try:
        await admin.start()
        partitions = await _partitions(consumer, [TOPICS.raw.name(settings)])
        ends = await consumer.end_offsets(partitions)
        committed = await admin.list_consumer_group_offsets(
            group or settings.consumer_group, partitions=partitions
        )
        return all(
            (committed.get(tp) is not None and committed[tp].offset >= ends[tp]) or ends[tp] == 0
            for tp in partitions
        )
    finally:
        await admin.close()
        await consumer.stop()


def parse_offset_ranges(specs: Iterable[str]) -> dict[int, tuple[int, int]]:
    """Return {partition: (first, end)} from "P:FIRST-END" strings (END exclusive)."""
    ranges: dict[int, tuple[int, int]] = {}
    for spec in specs:
        try:
            partition, span = spec.split(":", 1)
            first, end = span.split("-", 1)
            ranges[int(partition)] = (int(first), int(end))
        except ValueError as exc:
            raise ValueError(f"bad offset range {spec!r} (want PARTITION:FIRST-END)") from exc
    return ranges
