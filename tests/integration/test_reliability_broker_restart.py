"""Broker restart: the (dedicated) broker stops for 20 s mid-run; the workers report not-ready,
log a clear message rather than a traceback storm, and recover by themselves; nothing is lost."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest

from newsflow.broker import LocalBroker, free_port
from tests.conftest import REPO, Env, wait_for
from tests.integration.conftest import (
    build_articles,
    outputs_published,
    run_audit,
    wait_caught_up,
)
from tests.kafka_helpers import produce

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ARTICLES = 600
DOWN_SECONDS = 20


def readiness(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return 0, {}


def test_broker_down_for_20s_then_back_loses_nothing(make_env, start_worker, tmp_path) -> None:
    port = free_port()
    broker = LocalBroker(
        tmp_path / "kafka", port=port, controller_port=free_port(), cache_dir=REPO / ".cache/kafka"
    )
    broker.start()
    try:
        env = make_env(
            kafka_bootstrap_servers=broker.bootstrap_servers,
            topic_partitions="4",
            batch_size="16",
            lag_interval_seconds="1",
        )
        settings = env.settings()
        env.create_topics()
        produce(settings, settings.topic_raw, build_articles(ARTICLES, uuid.uuid4().hex[:8], 5))
        # Two workers of one group, each with its own metrics port.
        second = Env({**env.vars, "NEWSFLOW_METRICS_PORT": str(free_port())})
        workers = [start_worker(env), start_worker(second)]
        ports = [int(e.vars["NEWSFLOW_METRICS_PORT"]) for e in (env, second)]
        assert wait_for(lambda: outputs_published(settings) >= 150, 400, interval=0.5), workers[
            0
        ].log_text()[-3000:]
        assert all(readiness(p)[0] == 200 for p in ports)

        broker.stop()
        down_at = time.monotonic()
        not_ready = wait_for(lambda: all(readiness(p)[0] == 503 for p in ports), DOWN_SECONDS)
        details = [readiness(p)[1] for p in ports]
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down_at)))
        broker.start()
        assert not_ready, details
        assert all(d.get("kafka_connected") is False for d in details), details

        assert wait_caught_up(settings, 600, workers), workers[0].log_text()[-4000:]
        assert wait_for(lambda: all(readiness(p)[0] == 200 for p in ports), 120)
        report = run_audit(settings)
        summary = report.summary()
        print(f"broker restart: {summary}")
        assert report.inputs == ARTICLES
        assert report.lost == [] and report.conflicting == {}, summary
        for worker in workers:
            assert worker.process.poll() is None
            assert worker.stop() == 0  # before the broker stops: a clean leave needs it
            log = worker.log_text()
            print(
                f"log: {len(log.splitlines())} lines, {log.count('Traceback')} tracebacks, "
                f"{log.count(' ERROR ') + log.count('[ERROR]')} errors, "
                f"{log.count('[WARNING]') + log.count(' WARNING ')} warnings"
            )
            assert "Kafka is unreachable" in log and "Kafka is reachable again" in log, log[-3000:]
            # Bounded: client errors repeat once per 30 s (newsflow/logs.py), not per retry.
            assert log.count("Traceback") <= 3, log[-6000:]
            assert sum("[ERROR]" in line for line in log.splitlines()) <= 60, log[-6000:]
    finally:
        broker.stop()
