"""Rebalance: two workers share a 4-partition topic, a third joins and one leaves mid-run;
every input still has exactly one outcome identity."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import Env, free_port, wait_for
from tests.integration.conftest import (
    build_articles,
    outputs_published,
    run_audit,
    wait_caught_up,
)
from tests.kafka_helpers import produce

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ARTICLES = 800


def test_join_and_leave_mid_run_loses_nothing(make_env, start_worker) -> None:
    env = make_env(topic_partitions="4", batch_size="16", consumer_session_timeout_seconds="10")
    settings = env.settings()
    env.create_topics()
    produce(settings, settings.topic_raw, build_articles(ARTICLES, uuid.uuid4().hex[:8], seed=3))

    def worker():  # each worker of the group with its own metrics port
        return start_worker(Env({**env.vars, "NEWSFLOW_METRICS_PORT": str(free_port())}))

    first, second = worker(), worker()
    assert wait_for(lambda: outputs_published(settings) >= 150, 400, interval=0.5), (
        first.log_text()[-3000:]
    )
    third = worker()
    assert wait_for(lambda: outputs_published(settings) >= 400, 400, interval=0.5), (
        third.log_text()[-3000:]
    )
    assert first.stop() == 0  # leaves the group; its partitions move to the others

    assert wait_caught_up(settings, 600, [second, third]), third.log_text()[-3000:]
    report = run_audit(settings)
    summary = report.summary()
    print(f"rebalance: {summary}")
    assert report.inputs == ARTICLES
    assert report.lost == [] and report.conflicting == {}, summary
    assert second.process.poll() is None and third.process.poll() is None
