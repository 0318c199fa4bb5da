"""Readiness: a Kafka wire-protocol probe (ApiVersions + Metadata), quiet and fast while the
broker boots, that also names the cluster that answers."""

from __future__ import annotations

import socket
import struct
import time

from newsflow.broker.common import BrokerError

_API_METADATA = 3
_API_VERSIONS = 18
# Metadata v4..v8 share one non-flexible request/response layout, implemented below.
_METADATA_VERSIONS = range(4, 9)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, fmt: str) -> int:
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return int(value)

    def string(self) -> str | None:
        size = self.take(">h")
        if size < 0:
            return None
        value = self.data[self.pos : self.pos + size].decode()
        self.pos += size
        return value


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            raise ConnectionError("connection closed by the broker")
        chunks += chunk
    return bytes(chunks)


def _call(sock: socket.socket, api_key: int, version: int, correlation: int, body: bytes) -> bytes:
    client_id = b"newsflow-broker-probe"
    header = struct.pack(">hhih", api_key, version, correlation, len(client_id)) + client_id
    message = header + body
    sock.sendall(struct.pack(">i", len(message)) + message)
    (size,) = struct.unpack(">i", _recv_exact(sock, 4))
    if not 4 <= size <= 1 << 24:
        raise ValueError(f"not a Kafka response (size {size})")
    response = _recv_exact(sock, size)
    (got,) = struct.unpack_from(">i", response)
    if got != correlation:
        raise ConnectionError(f"correlation id {got} != {correlation}")
    return response[4:]


def probe(host: str, port: int, timeout: float) -> str | None:
    """Return the cluster id once the broker lists at least one live broker in its metadata.

    Raises OSError/ConnectionError/ValueError/struct.error while it is not ready.
    """
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        # ApiVersions v0: brokers answer it in v0 layout whatever versions they support.
        reader = _Reader(_call(sock, _API_VERSIONS, 0, 1, b""))
        reader.take(">h")  # error code: UNSUPPORTED_VERSION still carries the list
        supported: dict[int, tuple[int, int]] = {}
        for _ in range(reader.take(">i")):
            key, low, high = reader.take(">h"), reader.take(">h"), reader.take(">h")
            supported[key] = (low, high)
        low, high = supported.get(_API_METADATA, (0, -1))
        usable = [v for v in _METADATA_VERSIONS if low <= v <= high]
        if not usable:
            raise ValueError(f"broker supports Metadata v{low}..v{high} only")
        version = usable[-1]
        # topics: empty array (= none), allow_auto_topic_creation: false, v8 adds two flags
        body = struct.pack(">ib", 0, 0) + (b"\x00\x00" if version >= 8 else b"")
        reader = _Reader(_call(sock, _API_METADATA, version, 2, body))
        reader.take(">i")  # throttle_time_ms
        brokers = reader.take(">i")
        for _ in range(brokers):
            reader.take(">i")
            reader.string()
            reader.take(">i")
            reader.string()
        cluster_id = reader.string()
        if brokers < 1:
            raise ConnectionError("no live broker registered yet")
        return cluster_id


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
            except (OSError, ValueError, struct.error) as exc:
                last_error = exc
        if time.monotonic() >= deadline:
            raise BrokerError(
                f"no Kafka broker answered at {bootstrap_servers} within {timeout:.0f}s "
                f"(last error: {last_error!r})"
            )
        time.sleep(0.2)
