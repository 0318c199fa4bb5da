"""The readiness probe on servers that are not (yet) a Kafka broker: it fails fast with one of
`NOT_READY_ERRORS`, never hangs past its timeout (real sockets on localhost, no broker)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from newsflow.broker import free_port, readiness


def _serve(handle: Callable[[socket.socket], None]) -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(5)
    port = server.getsockname()[1]

    def accept() -> None:
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            handle(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.close()
        thread.join(5)


@pytest.fixture
def closing_server() -> Iterator[int]:
    """A port whose server accepts a connection and closes it at once."""
    yield from _serve(lambda conn: None)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port whose server accepts a connection and never answers."""
    yield from _serve(lambda conn: time.sleep(3))


@pytest.fixture
def garbage_server() -> Iterator[int]:
    """A port whose server answers anything with bytes that are not a Kafka response."""

    def reply(conn: socket.socket) -> None:
        conn.recv(1024)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        time.sleep(1)

    yield from _serve(reply)


def _fails_fast(port: int, within: float) -> None:
    started = time.monotonic()
    with pytest.raises(readiness.NOT_READY_ERRORS):
        readiness.probe("127.0.0.1", port, timeout=0.5)
    assert time.monotonic() - started < within


def test_nothing_listening_is_not_ready() -> None:
    _fails_fast(free_port(), within=2)


def test_a_server_that_hangs_up_is_not_ready(closing_server: int) -> None:
    _fails_fast(closing_server, within=2)


def test_a_server_that_never_answers_is_not_ready_within_the_timeout(silent_server: int) -> None:
    _fails_fast(silent_server, within=2.5)


def test_a_server_that_speaks_another_protocol_is_not_ready(garbage_server: int) -> None:
    _fails_fast(garbage_server, within=2.5)
