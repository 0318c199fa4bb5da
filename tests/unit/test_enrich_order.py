"""Overlapping batches behave as a sequence: per partition, outputs and acks stay in input order,
duplicate checks run batch after batch, and a slow article holds back only its own partition.

The pool is a stand-in that runs the real cleaning stage in-process but lets the test decide when
an article's cleaning finishes: what is tested is the ordering logic of `agents/enrich.py`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from agents.enrich import BatchHandler, BatchOrder, InFlight
from agents.pool import StageFunc
from pipeline.config import PipelineConfig
from pipeline.outputs import OutputLimits
from tests.unit.test_metrics import event, fake_topics, new_metrics

CONFIG = PipelineConfig(stages=("cleaning", "entities"))
LIMITS = OutputLimits.uniform(1 << 24)
TEXT = "Germany lifted the ban on imports of grain from Ukraine on Friday, officials said."


class GatedPool:
    """Runs stages in-process; an article's stage waits until the test opens its gate."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config
        self.gates: dict[tuple[str, str], asyncio.Event] = {}

    async def map_chunks(self, func: StageFunc, items: list[Any], *, stage: str) -> Any:
        for item in items:
            gate = self.gates.get((stage, item.get("article_id") or item.get("id")))
            if gate is not None:
                await gate.wait()
        return func(items, self.config)


def raw_event(article_id: str, partition: int, offset: int, content: str = TEXT) -> Any:
    made = event(offset, json.dumps({"id": article_id, "content": content}).encode())
    made.message.partition = partition
    return made


async def until(condition: Any) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


def test_a_slow_article_holds_back_only_its_partition_and_order_is_kept() -> None:
    metrics, _ = new_metrics()
    topics = fake_topics()
    enriched = topics.enriched
    pool = GatedPool(CONFIG)
    first = [raw_event("slow", 0, 0)]
    # "copy" repeats "slow" and is checked for duplicates after it, though "slow" is still in
    # the NLP stage.
    second = [raw_event("copy", 0, 1), raw_event("other-1", 1, 0, "Spain banned it.")]
    third = [raw_event("other-2", 1, 1, "Italy eased the rules.")]
    acked: list[tuple[int, int]] = []

    async def ack(done: Any) -> None:
        acked.append((done.message.partition, done.message.offset))

    async def run() -> None:
        pool.gates["nlp", "slow"] = asyncio.Event()
        handler = BatchHandler(topics, pool, CONFIG, metrics, LIMITS)  # type: ignore[arg-type]
        order = BatchOrder()
        batches = [
            asyncio.create_task(handler.handle(batch, order.next(batch), ack))
            for batch in (first, second, third)
        ]
        # Partition 1 goes through both batches while partition 0 waits for "slow".
        await until(lambda: (1, 1) in acked)
        assert acked == [(1, 0), (1, 1)]
        assert [key for key, _ in enriched.sent] == [b"other-1", b"other-2"]  # type: ignore[attr-defined]
        pool.gates["nlp", "slow"].set()
        await asyncio.gather(*batches)

    asyncio.run(run())

    assert acked[2:] == [(0, 0), (0, 1)]
    sent = {key: json.loads(value) for key, value in enriched.sent}  # type: ignore[attr-defined]
    assert [key for key, _ in enriched.sent][2:] == [b"slow", b"copy"]  # type: ignore[attr-defined]
    assert sent[b"copy"]["duplicate_of"] == "slow"
    assert sent[b"slow"]["duplicate_of"] is None


def test_in_flight_window_admits_while_there_is_room() -> None:
    async def run() -> None:
        window = InFlight(4)
        await window.admit(3)
        waiting = asyncio.create_task(window.admit(3))
        await asyncio.sleep(0.01)
        assert not waiting.done()
        window.release(3)
        await asyncio.wait_for(waiting, 1)
        assert window.count == 3
        window.release(3)
        # A batch larger than the window still goes through alone.
        await asyncio.wait_for(window.admit(10), 1)

    asyncio.run(run())


def test_duplicate_checks_run_in_input_order_whatever_finishes_cleaning_first() -> None:
    metrics, _ = new_metrics()
    topics = fake_topics()
    pool = GatedPool(CONFIG)
    first, second = [raw_event("first", 0, 0)], [raw_event("second", 1, 0)]

    async def run() -> None:
        pool.gates["cleaning", "first"] = asyncio.Event()
        handler = BatchHandler(topics, pool, CONFIG, metrics, LIMITS)  # type: ignore[arg-type]
        order = BatchOrder()
        batches = [
            asyncio.create_task(handler.handle(batch, order.next(batch)))
            for batch in (first, second)
        ]
        await asyncio.sleep(0.05)
        # The second batch is cleaned but waits for the first one's duplicate check.
        assert topics.enriched.sent == []  # type: ignore[attr-defined]
        pool.gates["cleaning", "first"].set()
        await asyncio.gather(*batches)

    asyncio.run(run())

    sent = {key: json.loads(value) for key, value in topics.enriched.sent}  # type: ignore[attr-defined]
    assert sent[b"first"]["duplicate_of"] is None
    assert sent[b"second"]["duplicate_of"] == "first"
