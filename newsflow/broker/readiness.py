"""Readiness: one ApiVersions + Metadata round trip through aiokafka's own connection and
protocol classes, quiet while the broker boots, that also names the cluster that answers.

aiokafka's `AIOKafkaClient.bootstrap()` would tell readiness as early (measured with
`python -m bench.broker_readiness`), but its cluster metadata drops the cluster id, which the
local broker needs to tell its own broker from another one on the same port; and it logs each
refused connection as an error while the broker boots.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from aiokafka.conn import create_conn
from aiokafka.errors import KafkaError
from aiokafka.protocol.metadata import MetadataRequest

from newsflow.broker.common import BrokerError

NOT_READY_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    ConnectionError,
    ValueError,
    KafkaError,
    asyncio.TimeoutError,
)
"""What a probe raises while the broker is not (yet) answering."""


async def _probe(host: str, port: int, timeout: float) -> str | None:
    conn = await asyncio.wait_for(
        create_conn(
            host,
            port,
            client_id="newsflow-broker-probe",
            request_timeout_ms=max(100, int(timeout * 1000)),
        ),
        timeout,
    )
    try:
        response = await asyncio.wait_for(
            conn.send(MetadataRequest([], allow_auto_topic_creation=False)), timeout
        )
    finally:
        conn.close()
    if not response.brokers:
        raise ConnectionError("no live broker registered yet")
    return getattr(response, "cluster_id", None)


def _run(host: str, port: int, timeout: float) -> str | None:
    return asyncio.run(_probe(host, port, timeout))


def probe(host: str, port: int, timeout: float) -> str | None:
    """Return the cluster id once the broker lists at least one live broker in its metadata.

    Raises one of `NOT_READY_ERRORS` while it is not ready. Callable with or without a running
    event loop (inside one, the round trip runs in a helper thread).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run(host, port, timeout)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="broker-probe") as pool:
        return pool.submit(_run, host, port, timeout).result()


def _parse_bootstrap(bootstrap_servers: str) -> list[tuple[str, int]]:
    addresses = []
    for item in bootstrap_servers.split(","):
        host, sep, port = item.strip().rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"bad bootstrap server {item!r} (want host:port)")
        addresses.append((host.strip("[]"), int(port)))
    return addresses


def wait_until_ready(bootstrap_servers: str, timeout: float) -> None:
    """Return None once a Kafka client can bootstrap against bootstrap_servers.

    Polls with a real ApiVersions + Metadata round trip; raises BrokerError on timeout.
    """
    addresses = _parse_bootstrap(bootstrap_servers)
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        for host, port in addresses:
            try:
                probe(host, port, timeout=max(0.1, min(2.0, deadline - time.monotonic())))
                return
            except NOT_READY_ERRORS as exc:
                last_error = exc
        if time.monotonic() >= deadline:
            raise BrokerError(
                f"no Kafka broker answered at {bootstrap_servers} within {timeout:.0f}s "
                f"(last error: {last_error!r})"
            )
        time.sleep(0.2)
