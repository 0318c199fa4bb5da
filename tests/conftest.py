"""Shared fixtures: paths, the sample article, a real Kafka broker and real workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests: a bounded profile in the suite (`suite`, about a minute on 2 cores), a long
# one for `python -m bench.fuzz` (`long`). Choose with pytest's --hypothesis-profile.
_RELAXED = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
hypothesis_settings.register_profile(
    "suite", max_examples=1000, deadline=None, suppress_health_check=_RELAXED, print_blob=True
)
hypothesis_settings.register_profile(
    "long", max_examples=20_000, deadline=None, suppress_health_check=_RELAXED, print_blob=True
)
hypothesis_settings.load_profile("suite")

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSFLOW_SHARED_DIR", REPO.parent / "shared"))
SAMPLE_TXT = SHARED / "samples" / "ukraine-us-weapons-policy.txt"
SAMPLE_EXPECTED = SHARED / "samples" / "ukraine-us-weapons-policy.expected.json"
NEWSFLOW = [sys.executable, "-m", "newsflow"]


@pytest.fixture(scope="session")
def sample_text() -> str:
    """The shared sample article, as scraped."""
    return SAMPLE_TXT.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def sample_expected() -> dict[str, Any]:
    """What a correct pipeline makes of the sample."""
    return json.loads(SAMPLE_EXPECTED.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap servers of a real Kafka: NEWSFLOW_TEST_KAFKA if set, else a local broker."""
    external = os.environ.get("NEWSFLOW_TEST_KAFKA")
    if external:
        yield external
        return
    from newsflow.broker import LocalBroker, free_port

    port = free_port()
    broker = LocalBroker(
        tmp_path_factory.mktemp("kafka"),
        port=port,
        controller_port=free_port(),
        cache_dir=REPO / ".cache" / "kafka",
    )
    broker.start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@dataclass(frozen=True)
class Env:
    """Environment for one isolated Newsflow run: its own topics, group and ports."""

    vars: dict[str, str]

    def settings(self) -> Any:
        """Return the Settings these variables describe."""
        from newsflow.settings import Settings

        names = {k.removeprefix("NEWSFLOW_").lower(): v for k, v in self.vars.items()}
        return Settings(**names)

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Return the finished `newsflow ARGS` run in this environment (output captured)."""
        return subprocess.run(
            [*NEWSFLOW, *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=self.process_env,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def create_topics(self) -> None:
        """Create this environment's topics, as `newsflow topics create` would."""
        import asyncio

        from newsflow.kafka import ensure_topics

        asyncio.run(ensure_topics(self.settings()))

    @property
    def process_env(self) -> dict[str, str]:
        """Return os.environ overlaid with these variables."""
        return {**os.environ, **self.vars}


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    from newsflow.broker import free_port as broker_free_port

    return broker_free_port()


@pytest.fixture
def make_env(kafka_bootstrap: str, tmp_path: Path) -> Callable[..., Env]:
    """Return a factory of isolated environments (unique topics and consumer group)."""

    def factory(**overrides: str) -> Env:
        tag = uuid.uuid4().hex[:10]
        values = {
            "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
            "NEWSFLOW_TOPIC_RAW": f"raw-{tag}",
            "NEWSFLOW_TOPIC_ENRICHED": f"enriched-{tag}",
            "NEWSFLOW_TOPIC_POLICY": f"policy-{tag}",
            "NEWSFLOW_TOPIC_DEADLETTER": f"deadletter-{tag}",
            "NEWSFLOW_TOPIC_DEDUPE": f"dedupe-{tag}",
            "NEWSFLOW_TOPIC_PARTITIONS": "2",
            "NEWSFLOW_CONSUMER_GROUP": f"group-{tag}",
            "NEWSFLOW_METRICS_PORT": str(free_port()),
            "NEWSFLOW_DATA_DIR": str(tmp_path / f"data-{tag}"),
            "NEWSFLOW_CACHE_DIR": str(REPO / ".cache"),
            "NEWSFLOW_PROCESSES": "1",
            "NEWSFLOW_BATCH_WAIT_SECONDS": "0.1",
        }
        values.update({f"NEWSFLOW_{k.upper()}": v for k, v in overrides.items()})
        return Env(values)

    return factory


@dataclass
class WorkerProcess:
    """A `newsflow worker` subprocess and its log."""

    process: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        """Return what the worker logged so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, timeout: float = 30.0) -> int:
        """Stop the worker gracefully (SIGTERM) and return its exit code."""
        from newsflow.processes import stop_process

        return stop_process(self.process, timeout)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[Env], WorkerProcess]]:
    """Return a function that starts a worker for an Env; every worker is stopped afterwards."""
    workers: list[WorkerProcess] = []

    def start(env: Env) -> WorkerProcess:
        log = tmp_path / f"worker-{len(workers)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*NEWSFLOW, "worker"],
                env=env.process_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=REPO,
            )
        worker = WorkerProcess(process, log)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def listening_addresses(port: int) -> set[str]:
    """Return the local IP addresses listening on TCP `port` (any process, via psutil)."""
    return {
        conn.laddr.ip
        for conn in psutil.net_connections(kind="tcp")
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port
    }


LOOPBACK = "127.0.0.1"
"""The loopback address, as `listening_addresses` writes it."""


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    """Return True once predicate() holds, False after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
