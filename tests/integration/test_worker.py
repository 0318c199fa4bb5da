"""A real worker on a real broker: the sample is enriched, bad input is dead-lettered."""

from __future__ import annotations

import base64
import json
import urllib.request
import uuid

import pytest

from schemas import DeadLetter, EnrichedArticle
from tests.conftest import wait_for
from tests.kafka_helpers import consume_until, produce

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_sample_is_enriched_and_bad_input_is_dead_lettered(
    make_env, start_worker, sample_text
) -> None:
    env = make_env()
    settings = env.settings()
    env.create_topics()
    worker = start_worker(env)
    article_id = f"sample-{uuid.uuid4().hex[:8]}"
    good_after = f"good-{uuid.uuid4().hex[:8]}"
    bad = {
        "not_json": b"this is not json {",
        "missing_field": json.dumps({"url": "https://example.com/a"}).encode(),
        "wrong_type": json.dumps({"content": 42, "title": ["x"]}).encode(),
        "empty_content": json.dumps({"content": "   \n "}).encode(),
        "invalid_utf8": b'{"content": "caf\xe9 \xff"}',
    }
    sample = json.dumps({"id": article_id, "content": sample_text, "source": "test"}).encode()
    after = json.dumps({"id": good_after, "content": "Germany lifted the ban on Friday."}).encode()
    messages = [(article_id.encode(), sample)]
    messages += [(f"bad-{name}".encode(), value) for name, value in bad.items()]
    messages += [(good_after.encode(), after)]
    produce(settings, settings.topic_raw, messages)

    def complete(records) -> bool:
        keys = {r.key for r in records}
        return {article_id.encode(), good_after.encode()} <= keys and sum(
            r.topic == settings.topic_deadletter for r in records
        ) >= len(bad)

    records = consume_until(
        settings, [settings.topic_enriched, settings.topic_deadletter], complete, timeout=120
    )
    assert complete(records), f"missing outcomes; worker log:\n{worker.log_text()[-3000:]}"

    enriched = {
        r.key: EnrichedArticle.model_validate_json(r.value)
        for r in records
        if r.topic == settings.topic_enriched
    }
    article = enriched[article_id.encode()]
    assert article.id == article_id
    assert "Joe Biden" in article.clean_text
    assert any(e.name == "Joe Biden" for e in article.entities)
    for entity in article.entities:
        for m in entity.mentions:
            assert article.clean_text[m.start : m.end] == m.text
    assert article.processing.origin is not None
    assert article.processing.origin.topic == settings.topic_raw
    assert enriched[good_after.encode()].clean_text == "Germany lifted the ban on Friday."

    letters = [
        DeadLetter.model_validate_json(r.value)
        for r in records
        if r.topic == settings.topic_deadletter
    ]
    by_key = {letter.key.decode(): letter for letter in letters if letter.key}
    assert {letter.reason.value for letter in letters} == set(bad)
    for name, value in bad.items():
        letter = by_key[f"bad-{name}"]
        assert letter.reason.value == name
        assert letter.original == value
        assert letter.topic == settings.topic_raw
        assert letter.error
    # The wire format carries the original as standard base64.
    raw_letter = next(r for r in records if r.topic == settings.topic_deadletter)
    wire = json.loads(raw_letter.value)
    assert base64.b64decode(wire["original"]) == DeadLetter.model_validate(wire).original

    assert worker.process.poll() is None, "the worker must survive bad input"

    def metrics_text() -> str:
        url = f"http://127.0.0.1:{settings.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()

    assert wait_for(lambda: "newsflow_outcomes_total" in metrics_text(), 10)
    text = metrics_text()
    assert 'newsflow_outcomes_total{outcome="enriched",reason=""} 2.0' in text
    assert 'newsflow_outcomes_total{outcome="deadletter",reason="invalid_utf8"} 1.0' in text
    assert f'newsflow_messages_consumed_total{{topic="{settings.topic_raw}"}} 7.0' in text
    assert 'newsflow_stage_duration_seconds_count{stage="cleaning"} 2.0' in text
