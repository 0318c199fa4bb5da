"""How early each readiness check says a booting local broker is ready, and whether it is.

For each of `--starts` fresh brokers, pollers run side by side from the moment the JVM is
launched: Newsflow's probe (`newsflow.broker.readiness.probe`: aiokafka's connection and
protocol classes, ApiVersions + Metadata) and aiokafka's own `AIOKafkaClient.bootstrap()`
(optionally also a probe from another module, `--compare-module path.py`, e.g. an older one).
Each records the seconds until its first success, the errors aiokafka logged meanwhile, and
whether a producer could publish at once after it said ready.

    python -m bench.broker_readiness [--starts 3]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaClient, AIOKafkaProducer

from bench.console import console
from newsflow.broker import LocalBroker, free_port
from newsflow.broker.readiness import NOT_READY_ERRORS, probe
from newsflow.settings import Settings


@dataclass
class Poll:
    """One poller's result on one start."""

    ready_after: float | None = None
    polls: int = 0
    produced: bool | None = None
    logged_errors: int = 0
    cluster_id: str | None = None


class _ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.by_thread: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.by_thread[record.threadName] = self.by_thread.get(record.threadName, 0) + 1


def _client_bootstrap(host: str, port: int, timeout: float) -> str | None:
    async def run() -> None:
        client = AIOKafkaClient(
            bootstrap_servers=f"{host}:{port}", request_timeout_ms=int(timeout * 1000)
        )
        try:
            await client.bootstrap()
        finally:
            await client.close()

    asyncio.run(run())
    return None


def _produces(bootstrap: str) -> bool:
    async def run() -> bool:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            await asyncio.wait_for(producer.start(), 5)
            await asyncio.wait_for(producer.send_and_wait("readiness-bench", b"x"), 10)
            return True
        except Exception:
            return False
        finally:
            await producer.stop()

    return asyncio.run(run())


@dataclass
class _Poller:
    name: str
    check: Callable[[str, int, float], str | None]
    result: Poll = field(default_factory=Poll)

    def run(self, host: str, port: int, started: float, stop: threading.Event) -> None:
        while not stop.is_set() and time.monotonic() - started < 120:
            self.result.polls += 1
            try:
                self.result.cluster_id = self.check(host, port, 1.0)
            except (*NOT_READY_ERRORS, Exception):
                time.sleep(0.05)
                continue
            self.result.ready_after = time.monotonic() - started
            self.result.produced = _produces(f"{host}:{port}")
            return


def _load_probe(path: Path) -> Callable[[str, int, float], str | None]:
    spec = importlib.util.spec_from_file_location("compared_probe", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.probe  # type: ignore[no-any-return]


def main() -> None:
    """Start fresh brokers and print when each readiness check first said ready."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--compare-module", type=Path, help="a module with probe(host, port, t)")
    args = parser.parse_args()
    settings = Settings()
    counter = _ErrorCounter()
    logging.getLogger("aiokafka").addHandler(counter)
    rows: list[tuple[int, str, Poll]] = []
    for start in range(args.starts):
        checks: list[tuple[str, Callable[[str, int, float], str | None]]] = [
            ("newsflow probe (aiokafka protocol)", probe),
            ("AIOKafkaClient.bootstrap", _client_bootstrap),
        ]
        if args.compare_module:
            checks.append(
                (f"compared: {args.compare_module.name}", _load_probe(args.compare_module))
            )
        pollers = [_Poller(name, check) for name, check in checks]
        with tempfile.TemporaryDirectory(prefix="readiness-") as home:
            port = free_port()
            broker = LocalBroker(
                Path(home),
                port=port,
                controller_port=free_port(),
                cache_dir=settings.cache_dir.resolve() / "kafka",
            )
            stop = threading.Event()
            started = time.monotonic()
            threads = [
                threading.Thread(
                    target=p.run, args=(broker.host, port, started, stop), name=p.name, daemon=True
                )
                for p in pollers
            ]
            starter = threading.Thread(target=broker.start, name="broker-start", daemon=True)
            starter.start()
            for thread in threads:
                thread.start()
            starter.join(120)
            start_returned = time.monotonic() - started
            for thread in threads:
                thread.join(60)
            stop.set()
            broker.stop()
        for poller in pollers:
            poller.result.logged_errors = counter.by_thread.get(poller.name, 0)
            rows.append((start, poller.name, poller.result))
        counter.by_thread.clear()
        console.print(
            f"start {start + 1}/{args.starts}: "
            f"LocalBroker.start returned after {start_returned:.2f} s"
        )
    print("| start | check | ready after (s) | polls | produced at once | aiokafka errors logged |")
    print("|---|---|---|---|---|---|")
    for start, name, result in rows:
        ready = f"{result.ready_after:.2f}" if result.ready_after is not None else "never"
        print(
            f"| {start + 1} | {name} | {ready} | {result.polls} | {result.produced} "
            f"| {result.logged_errors} |"
        )


if __name__ == "__main__":
    main()
