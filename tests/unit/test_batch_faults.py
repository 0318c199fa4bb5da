"""A message can never stop the worker: whatever one message makes go wrong while its batch is
handled (intake, stages, encoding, sizes, metrics, one refused record) is confined to it; only a
failure that is not about one message stops the batch (`agents/enrich.py`).

The topics are stand-ins that behave like aiokafka's producer where it matters: a record over
the producer's size limit is refused at send time. The four crash inputs of issue 15 are the
regression cases (each put every worker of a group into a crash loop).
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from faust.exceptions import ProducerSendError

from agents.enrich import BatchHandler
from agents.topics import TOPICS, Topics, record_bytes
from pipeline.config import PipelineConfig
from pipeline.outputs import RECORD_OVERHEAD_BYTES, OutputLimits
from schemas import DeadLetter, EnrichedArticle
from tests.unit.test_hostile_input import NEWS, article, crash_inputs
from tests.unit.test_metrics import RAW, FakeTopic, event, fake_topics, new_metrics, value

MAX_MESSAGE_BYTES = 1 << 20
CONFIG = PipelineConfig(
    stages=("cleaning",), max_message_bytes=MAX_MESSAGE_BYTES, max_content_chars=5_000_000
)
# What Newsflow's producer and topics take (newsflow.kafka.max_output_bytes).
RECORD_LIMIT = record_bytes(MAX_MESSAGE_BYTES, TOPICS.enriched.size_factor)


class InlinePool:
    """Runs the stages in this process (the pool's own isolation is tested in test_pool.py)."""

    def __init__(self, config: PipelineConfig) -> None:
        self.config = config

    async def map_chunks(self, func: Any, items: list[Any], *, stage: str) -> Any:
        return func(items, self.config)


class KafkaLikeTopic(FakeTopic):
    """Refuses, as aiokafka's producer does, a record over `limit` at send time; `refuse(key)`
    makes the broker refuse a record (the future fails with the error it returns)."""

    def __init__(self, name: str, limit: int = RECORD_LIMIT) -> None:
        super().__init__(name)
        self.limit = limit
        self.refuse: Any = lambda key, value: None

    async def send(self, *, key: bytes | None, value: bytes, force: bool) -> Any:
        size = len(key or b"") + len(value)
        if size > self.limit:
            raise ProducerSendError("Error while sending") from MessageSizeTooLargeError(
                f"The message is {size} bytes when serialized"
            )
        error = self.refuse(key, value)
        if error is None:
            return await super().send(key=key, value=value, force=force)
        future = asyncio.get_running_loop().create_future()
        future.set_exception(error)
        return future


def topics() -> Topics:
    return fake_topics(KafkaLikeTopic)


def keyed_event(offset: int, key: bytes, data: bytes) -> Any:
    made = event(offset, data)
    made.message.key = key
    return made


def run_batch(
    outputs: Topics, events: list[Any], metrics: Any = None
) -> tuple[list[int], list[BaseException]]:
    """Handle one batch; return the acked offsets and what the batch raised (if anything)."""
    metrics = metrics or new_metrics()[0]
    handler = BatchHandler(
        outputs,
        InlinePool(CONFIG),  # type: ignore[arg-type]
        CONFIG,
        metrics,
        OutputLimits.uniform(RECORD_LIMIT),
    )
    acked: list[int] = []

    async def ack(done: Any) -> None:
        acked.append(done.message.offset)

    async def run() -> list[BaseException]:
        try:
            await handler.handle(events, ack=ack)
        except Exception as exc:
            return [exc]
        return []

    return acked, asyncio.run(run())


def published(outputs: Topics) -> dict[int, list[tuple[str, Any]]]:
    """Return input offset -> what was published for it: ("enriched", event) or (reason, letter)."""
    found: dict[int, list[tuple[str, Any]]] = {}
    for _, data in outputs.enriched.sent:  # type: ignore[attr-defined]
        enriched = EnrichedArticle.model_validate_json(data)
        assert enriched.processing.origin is not None
        found.setdefault(enriched.processing.origin.offset, []).append(("enriched", enriched))
    for key, data in outputs.deadletter.sent:  # type: ignore[attr-defined]
        assert len(key or b"") + len(data) + RECORD_OVERHEAD_BYTES <= RECORD_LIMIT
        letter = DeadLetter.model_validate_json(data)
        found.setdefault(letter.offset, []).append((letter.reason.value, letter))
    return found


CRASHERS = crash_inputs(MAX_MESSAGE_BYTES, "t")


@pytest.mark.parametrize("kind", sorted(CRASHERS))
def test_each_crash_input_ends_as_one_outcome_and_the_batch_goes_on(kind: str) -> None:
    key, data, expected = CRASHERS[kind]
    events = [keyed_event(0, key, data), keyed_event(1, b"ok", article(NEWS, id="after"))]
    metrics, registry = new_metrics()
    outputs = topics()

    acked, raised = run_batch(outputs, events, metrics)

    assert raised == []
    assert acked == [0, 1]
    found = published(outputs)
    ((outcome, got),) = found[0]
    assert outcome == expected, got
    assert [kind for kind, _ in found[1]] == ["enriched"]
    if isinstance(got, DeadLetter):
        assert got.error and got.topic == RAW and got.offset == 0
    if kind == "huge_key":  # cut in the letter and as its record's key, and it says so
        assert got.truncated == {"key": len(key)}
        assert got.key == key[: len(got.key or b"")]
        assert got.original == data
    if kind == "tripled_text":
        assert got.stage == "output" and "over the output topic" in got.error
        assert got.original == data and got.truncated == {}
    if kind == "year_one_ingest":  # counted, its latency taken from the Kafka timestamp
        assert value(registry, "newsflow_end_to_end_latency_seconds_count") == 2
        assert value(registry, "newsflow_end_to_end_latency_seconds_sum") < 60


def test_a_record_kafka_refuses_is_retried_alone_then_dead_lettered() -> None:
    outputs = topics()
    refusals: dict[bytes, int] = {}

    def refuse(key: bytes | None, value: bytes) -> BaseException | None:
        if key in (b"refused", b"once"):
            refusals[key] = refusals.get(key, 0) + 1
            if key == b"refused" or refusals[key] == 1:
                return MessageSizeTooLargeError("the broker says the record is too large")
        return None

    outputs.enriched.refuse = refuse  # type: ignore[attr-defined]
    events = [
        event(0, article(NEWS, id="before")),
        event(1, article(NEWS.replace("Friday", "Monday"), id="refused")),
        event(2, article(NEWS.replace("Friday", "Sunday"), id="once")),
        event(3, article(NEWS.replace("Friday", "Tuesday"), id="after")),
    ]

    acked, raised = run_batch(outputs, events)

    assert raised == [] and acked == [0, 1, 2, 3]
    found = published(outputs)
    assert [kind for kind, _ in found[0]] == ["enriched"]
    ((reason, letter),) = found[1]
    assert reason == "oversize" and letter.stage == "publish"
    assert letter.original == events[1].message.value
    assert refusals == {b"refused": 2, b"once": 2}  # retried once each, alone
    assert [kind for kind, _ in found[2]] == ["enriched"]
    assert [kind for kind, _ in found[3]] == ["enriched"]


def test_a_failure_that_is_not_about_one_message_stops_the_batch_unacked() -> None:
    outputs = topics()
    outputs.enriched.refuse = lambda key, value: KafkaTimeoutError()  # type: ignore[attr-defined]

    acked, raised = run_batch(outputs, [event(0, article(NEWS, id="a"))])

    assert acked == []
    assert [type(exc) for exc in raised] == [KafkaTimeoutError]


def test_metrics_that_fail_cost_nothing_but_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    metrics, _ = new_metrics()

    def broken(*_: object) -> None:
        raise OverflowError("date value out of range")

    metrics.count_outcome = broken  # type: ignore[method-assign]
    outputs = topics()

    acked, raised = run_batch(outputs, [event(0, article(NEWS, id="a"))], metrics)

    assert raised == [] and acked == [0]
    assert "Metrics failed" in caplog.text


def test_a_dead_letter_of_an_oversize_message_keeps_it_whole_in_base64() -> None:
    data = article("word " * (MAX_MESSAGE_BYTES // 5 + 10))
    outputs = topics()

    acked, raised = run_batch(outputs, [event(0, data)])

    assert raised == [] and acked == [0]
    ((_, letter),) = outputs.deadletter.sent  # type: ignore[attr-defined]
    body = json.loads(letter)
    assert body["reason"] == "oversize" and body["truncated"] == {}
    assert base64.b64decode(body["original"]) == data
