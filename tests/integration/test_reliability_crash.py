"""Crash safety: kill -9 the worker three times mid-run; every input still has its outcome."""

from __future__ import annotations

import random
import uuid

import pytest

from tests.conftest import wait_for
from tests.integration.conftest import (
    build_articles,
    kill_hard,
    outputs_published,
    run_audit,
    wait_caught_up,
)
from tests.kafka_helpers import produce

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ARTICLES = 2000


def test_kill_9_three_times_loses_nothing(make_env, start_worker) -> None:
    env = make_env(
        topic_partitions="4",
        batch_size="16",
        consumer_session_timeout_seconds="10",
    )
    settings = env.settings()
    env.create_topics()
    tag = uuid.uuid4().hex[:8]
    produce(settings, settings.topic_raw, build_articles(ARTICLES, tag))

    rng = random.Random()
    kill_points = sorted(rng.sample(range(100, ARTICLES - 300), 3))
    logs = []
    for point in kill_points:
        worker = start_worker(env)
        reached = wait_for(lambda p=point: outputs_published(settings) >= p, 400, interval=0.5)
        logs.append(worker.log_text())
        assert reached, f"no progress to {point} outputs; worker log:\n{logs[-1][-3000:]}"
        kill_hard(worker.process)

    final = start_worker(env)
    assert wait_caught_up(settings, 600, [final]), final.log_text()[-3000:]
    report = run_audit(settings)
    summary = report.summary()
    print(f"kill points {kill_points}: {summary}")
    assert report.inputs == ARTICLES
    assert report.lost == [], summary
    assert report.conflicting == {}, summary
    assert sum(report.outcomes.values()) == ARTICLES
    assert final.process.poll() is None
