"""Ports the project picks lie outside the ephemeral range, and `broker start` names what holds a
port, including a client that connected to itself (the restart failure of a port inside it)."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from newsflow.broker import (
    DEFAULT_LOCAL_PORT,
    BrokerError,
    LocalBroker,
    ephemeral_ports,
    free_port,
    port_holder,
)
from tests.conftest import REPO


def test_the_default_port_and_picked_ports_are_outside_the_ephemeral_range() -> None:
    ephemeral = ephemeral_ports()
    assert DEFAULT_LOCAL_PORT not in ephemeral and DEFAULT_LOCAL_PORT + 1 not in ephemeral
    assert not any(free_port() in ephemeral for _ in range(50))


def test_port_holder_names_the_listening_process() -> None:
    port = free_port()
    listener = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import socket, sys\n"
            "s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen()\n"
            "print('up', flush=True); sys.stdin.read()",
            str(port),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert listener.stdout is not None and listener.stdout.readline().strip() == "up"
        said = port_holder(port)
        assert f"pid {listener.pid} (" in said and "listening" in said, said
    finally:
        listener.communicate("")


def test_a_client_connected_to_itself_is_named_as_the_cause(tmp_path) -> None:
    # What a retrying client does by chance on a port in the ephemeral range: its source port is
    # the port it connects to, and TCP connects it to itself (simultaneous open).
    port = free_port()
    client = socket.socket()
    client.bind(("127.0.0.1", port))
    try:
        client.connect(("127.0.0.1", port))
        said = port_holder(port)
        assert "connected to itself" in said and "ephemeral range" in said, said
        broker = LocalBroker(tmp_path, port=port, cache_dir=REPO / ".cache" / "kafka")
        with pytest.raises(BrokerError, match="connected to itself") as refused:
            broker.start(timeout=5)
        assert "NEWSFLOW_LOCAL_BROKER_PORT" in str(refused.value)
    finally:
        client.close()
