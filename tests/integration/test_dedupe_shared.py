"""The shared duplicate window with the real broker: reprints meet across workers and restarts."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner

from tests.conftest import Env, free_port, wait_for
from tests.integration.conftest import kill_hard
from tests.kafka_helpers import consume_until, produce

pytestmark = [pytest.mark.integration]

STORY = (
    "The transport ministry said on Tuesday it would close the northern rail line for repairs "
    "from next month, cutting the main freight route between the two ports for at least six "
    "weeks while engineers replace a bridge damaged in last winter's floods.\n\n"
    "Freight operators said the closure would add two days to deliveries and called on the "
    "ministry to grant a temporary permit for heavier lorries on the coast road.\n\n"
    "A ministry spokeswoman said the bridge had been inspected twice since the floods and "
    "that engineers had found cracks in two of its four supports."
)


def reprint(outlet: str) -> str:
    """The story as another outlet runs it: its own furniture around the same body."""
    return f"{outlet.upper()} WIRE\n\n{STORY}\n\nReporting by the {outlet} news desk."


def key_for(partition: int, partitions: int, prefix: str) -> str:
    """Return an article id the default partitioner sends to `partition`."""
    choose = DefaultPartitioner()
    for n in range(1000):
        candidate = f"{prefix}-{n}"
        if (
            choose(candidate.encode(), list(range(partitions)), list(range(partitions)))
            == partition
        ):
            return candidate
    raise AssertionError("no key found")


def assigned(port: int, raw_topic: str) -> list[str] | None:
    """Return the raw partitions a ready worker owns, or None while it is not ready."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3) as response:
            details = json.loads(response.read())
    except (OSError, urllib.error.HTTPError, ValueError):
        return None
    owned = [p for p in details.get("partitions", []) if p.startswith(f"{raw_topic}:")]
    return owned if details.get("dedupe_window_restored") and owned else None


def send_and_wait(settings: Any, article_id: str, text: str, source: str) -> dict[str, Any]:
    """Produce one raw article and return its enriched event."""
    body = json.dumps({"id": article_id, "content": text, "source": source}).encode()
    produce(settings, settings.topic_raw, [(article_id.encode(), body)])

    def found(records: list[Any]) -> bool:
        return any(r.key == article_id.encode() for r in records)

    records = consume_until(settings, [settings.topic_enriched], found, timeout=120)
    events = [json.loads(r.value) for r in records if r.key == article_id.encode()]
    assert events, f"no enriched event for {article_id}"
    return events[-1]


def test_reprints_meet_across_workers_and_after_kill_9(make_env, start_worker) -> None:
    env = make_env(topic_partitions="2", consumer_session_timeout_seconds="6")
    settings = env.settings()
    env.create_topics()
    tag = uuid.uuid4().hex[:8]

    def worker() -> tuple[Any, int]:
        port = free_port()
        return start_worker(Env({**env.vars, "NEWSFLOW_METRICS_PORT": str(port)})), port

    (one, one_port), (two, two_port) = worker(), worker()
    owners: dict[str, list[str] | None] = {}

    def split() -> bool:
        owners["one"] = assigned(one_port, settings.topic_raw)
        owners["two"] = assigned(two_port, settings.topic_raw)
        return bool(owners["one"] and owners["two"] and len(owners["one"]) == 1)

    assert wait_for(split, 180, interval=0.5), (owners, one.log_text()[-2000:])
    first_partition = int(owners["one"][0].rsplit(":", 1)[1])  # type: ignore[index]
    other_partition = 1 - first_partition

    first_id = key_for(first_partition, 2, f"first-{tag}")
    first = send_and_wait(settings, first_id, reprint("Harbour Times"), "harbourtimes.example")
    assert first["duplicate_of"] is None

    second_id = key_for(other_partition, 2, f"second-{tag}")
    second = send_and_wait(settings, second_id, reprint("Valley Post"), "valleypost.example")
    assert second["duplicate_of"] == first_id  # checked by the other worker

    # The whole deployment dies hard; a new worker knows the window from the state topic only.
    kill_hard(one.process)
    kill_hard(two.process)
    three, three_port = worker()
    assert wait_for(lambda: assigned(three_port, settings.topic_raw), 180, interval=0.5), (
        three.log_text()[-2000:]
    )
    assert "Duplicate window restored" in three.log_text()
    third_id = key_for(other_partition, 2, f"third-{tag}")
    third = send_and_wait(settings, third_id, reprint("Coast Herald"), "coastherald.example")
    assert third["duplicate_of"] == first_id
