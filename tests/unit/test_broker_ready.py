"""When a broker we started counts as ready: its answer alone is not enough (pure logic; the
JVM is replaced by a short-lived process and the protocol probe by a stub)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsflow.broker import BrokerError, LocalBroker, readiness

STARTED = (
    "[2026-11-25 01:46:02,124] INFO [KafkaRaftServer nodeId=1] Kafka Server started "
    "(kafka.server.KafkaRaftServer)\n"
)
BIND_FAILED = (
    "[2026-11-25 01:46:02,122] ERROR [BrokerServer id=1] Fatal error during broker startup\n"
    "org.apache.kafka.common.KafkaException: Socket server failed to bind to 127.0.0.1:1\n"
)


@contextlib.contextmanager
def starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lives_for: float, log: str
) -> Iterator[LocalBroker]:
    """A LocalBroker whose 'JVM' answers the probe at once, has logged `log` and exits after
    `lives_for` seconds (killed on leaving, if still alive)."""
    local = LocalBroker(tmp_path / "home", cache_dir=tmp_path / "cache")
    local.logs_dir.mkdir(parents=True)
    local.log_file.write_text(log)
    process = subprocess.Popen(
        [sys.executable, "-c", f"import time, sys; time.sleep({lives_for}); sys.exit(1)"]
    )
    local._process = process
    monkeypatch.setattr(readiness, "probe", lambda host, port, timeout: local.cluster_id())
    try:
        yield local
    finally:
        process.kill()
        process.wait()


def wait_ready(local: LocalBroker, within: float) -> None:
    assert local._process is not None
    local._wait_ready(local._process.pid, deadline=time.monotonic() + within, started_here=True)


def test_an_answering_broker_that_then_dies_is_not_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Kafka opens listeners one by one: PLAINTEXT answers, then EXTRA fails to bind and it exits.
    with starting(tmp_path, monkeypatch, lives_for=1.0, log=BIND_FAILED) as local:
        failing = r"(?s)exited during startup.*Socket server failed to bind"
        with pytest.raises(BrokerError, match=failing):
            wait_ready(local, within=20)


def test_a_broker_is_ready_once_it_logs_the_end_of_its_startup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with starting(tmp_path, monkeypatch, lives_for=30.0, log=STARTED) as local:
        wait_ready(local, within=20)


def test_a_broker_that_never_logs_its_start_times_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        starting(tmp_path, monkeypatch, lives_for=30.0, log="") as local,
        pytest.raises(BrokerError, match="has not logged the end of its startup"),
    ):
        wait_ready(local, within=1)
