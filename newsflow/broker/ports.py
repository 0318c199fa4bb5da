"""Ports: free ones for tests, the kernel's ephemeral range, and who holds a busy one (psutil)."""

from __future__ import annotations

import errno
import random
import socket
from pathlib import Path

import psutil

from newsflow.broker.common import BrokerError

DEFAULT_LOCAL_PORT = 19092
"""The local broker's port (its controller's is the next): below the ephemeral range."""
_EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_PICKED_PORTS = (20000, 32000)
"""Where `free_port` picks: above common services, below every OS's ephemeral range."""


def ephemeral_ports() -> range:
    """Return the ports the kernel hands out to outgoing connections (Linux: from /proc)."""
    try:
        low, high = (int(n) for n in _EPHEMERAL_RANGE_FILE.read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999  # Linux's default
    return range(low, high + 1)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now, outside the ephemeral range.

    A port inside it can be taken by any outgoing connection, and by a client that retries
    connecting to it while nothing listens: the kernel may pick the same port as the source
    and the client connects to itself (TCP simultaneous open), holding the port.
    """
    ephemeral = ephemeral_ports()
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(*_PICKED_PORTS)
        if port not in ephemeral and not _port_in_use("127.0.0.1", port):
            return port
    raise BrokerError(f"no free port found between {_PICKED_PORTS[0]} and {_PICKED_PORTS[1]}")


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Same option the JVM sets on its server sockets, so TIME_WAIT leftovers don't count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


_TCP_STATES = {
    psutil.CONN_ESTABLISHED: "connected",
    psutil.CONN_LISTEN: "listening",
    psutil.CONN_TIME_WAIT: "closing (TIME_WAIT)",
}


def command_line(pid: int) -> list[str] | None:
    """Return the command line of process `pid`, or None if it is gone or not ours to read."""
    try:
        command: list[str] = psutil.Process(pid).cmdline()
    except psutil.Error:
        return None
    return command


def _sockets_on(port: int) -> list[tuple[int | None, str, bool]]:
    """Return (owner pid or None, state, connected to itself) of each TCP socket on local
    `port`; the owner is None for other users' processes."""
    found = []
    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == port:
            state = _TCP_STATES.get(conn.status, f"state {conn.status}")
            found.append((conn.pid, state, bool(conn.raddr) and conn.raddr == conn.laddr))
    return found


def port_holder(port: int) -> str:
    """Return who holds TCP `port` here, in words: the process and what its socket does, and
    why when a client is connected to itself; "" if nothing is found."""
    parts = []
    for pid, state, self_connected in _sockets_on(port):
        who = f"pid {pid} ({_short_command(command_line(pid) or [])})" if pid else "another user"
        if self_connected:
            parts.append(
                f"{who} is connected to itself on it: a client kept retrying this port while "
                f"nothing listened, and the kernel chose it as the client's own port (it lies in "
                f"the ephemeral range {_describe(ephemeral_ports())}); stop that client or use a "
                "port below the range"
            )
        else:
            parts.append(f"{who}, {state}")
    return "; ".join(dict.fromkeys(parts))


def _short_command(argv: list[str], arg_chars: int = 60, total_chars: int = 240) -> str:
    """Return `argv` as one readable line: each long argument (a JVM class path, say) cut to its
    head so that the program and its main class still show, the whole capped at `total_chars`."""
    shown = [arg if len(arg) <= arg_chars else f"{arg[: arg_chars // 3]}…" for arg in argv]
    line = " ".join(shown)
    return line if len(line) <= total_chars else f"{line[: total_chars - 1]}…"


def _describe(ports: range) -> str:
    return f"{ports.start}-{ports.stop - 1}"
