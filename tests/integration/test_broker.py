"""Integration tests for newsflow.broker: a real Kafka 4.x broker, started and stopped here."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from newsflow.broker import BrokerError, LocalBroker, free_port, readiness, wait_until_ready

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CACHE_DIR = Path(os.environ.get("NEWSFLOW_CACHE_DIR", REPO / ".cache")) / "kafka"


def _pids_mentioning(text: str) -> list[int]:
    """Return the ids of live processes whose command line contains text."""
    pids = []
    for proc in psutil.process_iter(["cmdline"]):
        if text in " ".join(proc.info["cmdline"] or ()):
            pids.append(proc.pid)
    return pids


def _alive(pid: int) -> bool:
    """Return whether pid exists and is not a zombie."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def _produce(bootstrap: str, topic: str, value: bytes) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value)
    finally:
        await producer.stop()


async def _consume_one(bootstrap: str, topic: str, group: str) -> bytes | None:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        message = await asyncio.wait_for(consumer.getone(), timeout=30)
    finally:
        await consumer.stop()
    value: bytes | None = message.value
    return value


def _new_broker(home: Path) -> LocalBroker:
    return LocalBroker(home, port=free_port(), controller_port=free_port(), cache_dir=CACHE_DIR)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[LocalBroker]:
    local = _new_broker(tmp_path / "broker")
    try:
        yield local
    finally:
        local.stop()


def test_lifecycle_with_real_client(broker: LocalBroker) -> None:
    started = time.monotonic()
    status = broker.start()
    print(f"broker started in {time.monotonic() - started:.1f}s")
    assert status.running
    assert status.pid is not None and _alive(status.pid)
    assert status.bootstrap_servers == broker.bootstrap_servers
    assert broker.status() == status
    assert "Kafka Server started" in status.log_file.read_text()
    cluster_id = broker.cluster_id()
    assert len(cluster_id) == 22 and not cluster_id.startswith("-")

    wait_until_ready(broker.bootstrap_servers, timeout=5)
    # The probe names the cluster that answers, with or without a running event loop.
    assert readiness.probe(broker.host, broker.port, timeout=5) == cluster_id

    async def probe_inside_a_loop() -> str | None:
        return readiness.probe(broker.host, broker.port, timeout=5)

    assert asyncio.run(probe_inside_a_loop()) == cluster_id

    topic = f"broker-test-{uuid.uuid4().hex[:8]}"
    asyncio.run(_produce(broker.bootstrap_servers, topic, b"hello kafka"))
    assert asyncio.run(_consume_one(broker.bootstrap_servers, topic, "g1")) == b"hello kafka"

    again = broker.start()
    assert again.running and again.pid == status.pid
    other_port = LocalBroker(broker.home, port=free_port(), cache_dir=CACHE_DIR)
    with pytest.raises(BrokerError, match="with other settings is running"):
        other_port.start()

    stopped = broker.stop()
    assert not stopped.running and stopped.pid is None
    assert not _alive(status.pid)
    assert not broker.pid_file.exists()
    assert _pids_mentioning(str(broker.home)) == []
    assert "shut down completed" in status.log_file.read_text()
    assert broker.stop() == stopped

    # A restart reuses the cluster id and the data: the message is still there.
    restarted = broker.start()
    assert restarted.running and restarted.pid != status.pid
    assert broker.cluster_id() == cluster_id
    assert asyncio.run(_consume_one(broker.bootstrap_servers, topic, "g2")) == b"hello kafka"
    broker.stop()
    assert _pids_mentioning(str(broker.home)) == []


def test_context_manager_stops(tmp_path: Path) -> None:
    with _new_broker(tmp_path / "cm") as local:
        pid = local.status().pid
        assert pid is not None and _alive(pid)
    assert not local.status().running
    assert not _alive(pid)


def test_conflicting_brokers_fail_clearly(broker: LocalBroker, tmp_path: Path) -> None:
    first = broker.start()

    same_port = LocalBroker(tmp_path / "same-port", port=broker.port, cache_dir=CACHE_DIR)
    with pytest.raises(BrokerError, match=rf"127\.0\.0\.1:{broker.port} is already in use") as held:
        same_port.start(timeout=30)
    # It names the holder: the first broker's JVM, listening.
    assert f"pid {first.pid} (" in str(held.value) and "kafka.Kafka" in str(held.value)
    assert "listening" in str(held.value)
    assert not same_port.status().running
    assert _pids_mentioning(str(same_port.home)) == []

    # An extra listener on a taken port gets past the up-front port check, so the JVM starts and
    # dies: the error carries the cause from its log. (Don't test with a shared data dir instead:
    # the second broker writes to the metadata log before failing on .lock and wrecks the first.)
    port, controller_port = free_port(), free_port()
    listener_taken = LocalBroker(
        tmp_path / "listener-taken",
        port=port,
        controller_port=controller_port,
        cache_dir=CACHE_DIR,
        extra_properties={
            "listeners": f"PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port},"
            f"EXTRA://127.0.0.1:{broker.port}",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,"
            "EXTRA:PLAINTEXT",
        },
    )
    with pytest.raises(BrokerError, match="exited during startup") as failure:
        listener_taken.start(timeout=60)
    assert f"Socket server failed to bind to 127.0.0.1:{broker.port}" in str(failure.value)
    assert not listener_taken.status().running
    assert not listener_taken.pid_file.exists()
    assert _pids_mentioning(str(listener_taken.home)) == []

    assert broker.status() == first


def test_pid_file_of_a_foreign_process_is_ignored(tmp_path: Path) -> None:
    local = LocalBroker(tmp_path / "foreign", cache_dir=CACHE_DIR)
    local.home.mkdir()
    # Our own pid: alive, but not a Kafka broker of this home, so never ours to stop.
    local.pid_file.write_text(f"{os.getpid()}\n")
    assert not local.status().running
    assert not local.stop().running
    assert not local.pid_file.exists()


def test_wait_until_ready_times_out_without_a_broker() -> None:
    started = time.monotonic()
    with pytest.raises(BrokerError, match="no Kafka broker answered"):
        wait_until_ready(f"127.0.0.1:{free_port()}", timeout=1)
    assert time.monotonic() - started < 5
