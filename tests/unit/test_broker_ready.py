"""When a broker we started counts as ready: its answer alone is not enough (pure logic; the
JVM is replaced by a short-lived process and the protocol probe by a stub)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsflow import broker as broker_module
from newsflow.broker import BrokerError, LocalBroker


def _starting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lives_for: float) -> LocalBroker:
    """A LocalBroker whose 'JVM' answers the probe at once and exits after lives_for seconds."""
    local = LocalBroker(tmp_path / "home", cache_dir=tmp_path / "cache")
    local.logs_dir.mkdir(parents=True)
    local._process = subprocess.Popen(
        [sys.executable, "-c", f"import time, sys; time.sleep({lives_for}); sys.exit(1)"]
    )
    monkeypatch.setattr(broker_module, "_probe", lambda host, port, timeout: local.cluster_id())
    return local


def test_an_answering_broker_that_then_dies_is_not_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kafka opens listeners one by one: PLAINTEXT answers, then EXTRA fails to bind and it exits.
    local = _starting(tmp_path, monkeypatch, lives_for=1.0)
    local.log_file.write_text(
        "[2026-11-25 01:46:02,122] ERROR [BrokerServer id=1] Fatal error during broker startup\n"
        "org.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:1\n"
    )
    assert local._process is not None
    failing = r"(?s)exited during startup.*Socket server failed to bind"
    with pytest.raises(BrokerError, match=failing):
        local._wait_ready(local._process.pid, deadline=_in(20), started_here=True)


def test_a_broker_is_ready_once_it_logs_the_end_of_its_startup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = _starting(tmp_path, monkeypatch, lives_for=30.0)
    local.log_file.write_text(
        "[2026-11-25 01:46:02,124] INFO [KafkaRaftServer nodeId=1] Kafka Server started "
        "(kafka.server.KafkaRaftServer)\n"
    )
    assert local._process is not None
    try:
        local._wait_ready(local._process.pid, deadline=_in(20), started_here=True)
    finally:
        local._process.kill()
        local._process.wait()


def test_a_broker_that_never_logs_its_start_times_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = _starting(tmp_path, monkeypatch, lives_for=30.0)
    assert local._process is not None
    try:
        with pytest.raises(BrokerError, match="has not logged the end of its startup"):
            local._wait_ready(local._process.pid, deadline=_in(1), started_here=True)
    finally:
        local._process.kill()
        local._process.wait()


def _in(seconds: float) -> float:
    return time.monotonic() + seconds
