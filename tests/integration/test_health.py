"""Kubernetes probes of a real worker on a real broker: alive at once, ready once it can work."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.conftest import LOOPBACK, listening_addresses, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def test_worker_is_live_then_ready_with_partitions_and_model(make_env, start_worker) -> None:
    env = make_env(lag_interval_seconds="1")
    settings = env.settings()
    env.create_topics()
    worker = start_worker(env)
    base = f"http://127.0.0.1:{settings.metrics_port}"

    assert wait_for(lambda: get(f"{base}/healthz")[0] == 200, 90), worker.log_text()[-3000:]
    assert json.loads(get(f"{base}/healthz")[1]) == {"ok": True, "crashed": False}

    assert wait_for(lambda: get(f"{base}/readyz")[0] == 200, 120), get(f"{base}/readyz")
    ready: dict[str, Any] = json.loads(get(f"{base}/readyz")[1])
    assert ready["ok"] and ready["kafka_connected"] and ready["model_loaded"]
    assert {f"{settings.topic_raw}:0", f"{settings.topic_raw}:1"} <= set(ready["partitions"])

    metrics = get(f"{base}/metrics")[1]
    assert "newsflow_ready 1.0" in metrics
    for partition in (0, 1):
        assert (
            f'newsflow_consumer_lag_messages{{partition="{partition}",topic="{settings.topic_raw}"}}'
            in metrics
        )
    assert "process_resident_memory_bytes" in metrics
    assert "newsflow_build_info{" in metrics and 'model_version=""' not in metrics
    # Loopback unless NEWSFLOW_METRICS_HOST says otherwise (compose and k8s set 0.0.0.0).
    assert "NEWSFLOW_METRICS_HOST" not in env.vars
    assert listening_addresses(settings.metrics_port) == {LOOPBACK}

    assert worker.stop() == 0
    assert get(f"{base}/healthz")[0] == 0  # the port is closed with the worker
