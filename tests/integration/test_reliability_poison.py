"""Poison pill: an article whose stage process dies is dead-lettered after two attempts and its
partition keeps moving (the crash is injected by the pool's test hook, Kafka is real)."""

from __future__ import annotations

import json
import uuid

import pytest

from schemas import DeadLetter, DeadLetterReason
from tests.integration.conftest import run_audit, wait_caught_up
from tests.kafka_helpers import consume_until, produce

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_crashing_article_is_dead_lettered_and_the_partition_moves_on(
    make_env, start_worker
) -> None:
    marker = f"POISON-{uuid.uuid4().hex[:8]}"
    env = make_env(test_fault_injection=f"crash:{marker}", processes="2", batch_size="8")
    settings = env.settings()
    env.create_topics()
    worker = start_worker(env)
    key = b"one-partition"  # one key: every message on one partition, in order
    texts = [f"Germany lifted ban number {i} on exports, officials said." for i in range(20)]
    texts.insert(10, f"France eased the rules. {marker}")
    poison = json.dumps({"id": "poison", "content": texts[10]}).encode()
    messages = [
        (key, json.dumps({"id": f"a{i}", "content": t}).encode()) for i, t in enumerate(texts)
    ]
    messages[10] = (key, poison)
    produce(settings, settings.topic_raw, messages)

    assert wait_caught_up(settings, 300, [worker]), worker.log_text()[-4000:]
    report = run_audit(settings)
    assert report.ok and report.inputs == 21, report.summary()
    assert dict(report.outcomes) == {"enriched": 20, "deadletter": 1}

    records = consume_until(settings, [settings.topic_deadletter], lambda rs: len(rs) >= 1)
    letter = DeadLetter.model_validate_json(records[0].value or b"")
    assert letter.reason is DeadLetterReason.STAGE_ERROR
    assert letter.stage == "cleaning" and letter.error_type == "BrokenProcessPool"
    assert "2 attempts" in letter.error
    assert letter.attempts == 2
    assert letter.original == poison
    assert worker.process.poll() is None
    assert "restarting the stage pool" in worker.log_text()
