"""The sample through Kafka: its policy changes arrive on policy.changes with stable ids."""

from __future__ import annotations

import json

import pytest

from schemas import PolicyChange
from tests.kafka_helpers import consume_until, produce

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def run_sample(make_env, start_worker, sample_text: str) -> dict[str, PolicyChange]:
    env = make_env()
    settings = env.settings()
    env.create_topics()
    worker = start_worker(env)
    article = json.dumps({"id": "seed-ukraine-us-weapons-policy", "content": sample_text})
    produce(settings, settings.topic_raw, [(b"seed-ukraine-us-weapons-policy", article.encode())])
    records = consume_until(
        settings,
        [settings.topic_enriched, settings.topic_policy],
        lambda rs: any(r.topic == settings.topic_enriched for r in rs),
        timeout=120,
    )
    enriched = [json.loads(r.value) for r in records if r.topic == settings.topic_enriched]
    assert enriched, worker.log_text()[-3000:]
    expected = len(enriched[0]["policy_changes"])
    records = consume_until(
        settings,
        [settings.topic_policy],
        lambda rs: len(rs) >= expected,
        timeout=60,
    )
    changes = {r.key.decode(): PolicyChange.model_validate_json(r.value) for r in records}
    assert all(key == change.id for key, change in changes.items()), "keyed by change id"
    assert set(changes) == {c["id"] for c in enriched[0]["policy_changes"]}
    return changes


def test_sample_policy_changes_are_published_with_stable_ids(
    make_env, start_worker, sample_text
) -> None:
    first = run_sample(make_env, start_worker, sample_text)
    permits = {
        c.actor.name: c
        for c in first.values()
        if c.action == "permit" and c.direction == "loosen" and c.status != "unchanged"
    }
    assert {"United States", "Germany"} <= set(permits)
    assert permits["United States"].beneficiary == "Ukraine"
    assert permits["Germany"].beneficiary == "Ukraine"
    second = run_sample(make_env, start_worker, sample_text)
    assert set(second) == set(first), "a replay of the same article yields the same ids"
