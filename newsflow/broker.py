"""A real single-node Apache Kafka broker (KRaft) run locally from Maven Central jars.

Used by the integration tests and the demo: no Docker, no Apache download site. The jars are
fetched once with Maven (``kafka/pom.xml``) into a cache folder, the broker runs as a plain
``java`` process whose id is kept in a pid file under its home folder.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import fcntl
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from newsflow.errors import OperatorError

if TYPE_CHECKING:
    from newsflow.settings import Settings

__all__ = [
    "DEFAULT_LOCAL_PORT",
    "KAFKA_DIR",
    "LOG4J2_CONFIG",
    "POM_FILE",
    "BrokerError",
    "BrokerStatus",
    "LocalBroker",
    "ensure_jars",
    "ephemeral_ports",
    "free_port",
    "kafka_version",
    "local_broker",
    "new_cluster_id",
    "port_holder",
    "sasl_listener_properties",
    "scram_user_format_args",
    "wait_until_ready",
]

KAFKA_DIR = Path(__file__).resolve().parent.parent / "kafka"
POM_FILE = KAFKA_DIR / "pom.xml"
LOG4J2_CONFIG = KAFKA_DIR / "log4j2.properties"

DEFAULT_LOCAL_PORT = 19092
"""The local broker's port (its controller's is the next): below the ephemeral range."""
_EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_PICKED_PORTS = (20000, 32000)
"""Where `free_port` picks: above common services, below every OS's ephemeral range."""

_MARKER = ".newsflow-jars.json"
_JAVA_MAIN = "kafka.Kafka"
# What KafkaRaftServer logs once every listener is open and the broker is running.
_STARTED_LINE = "Kafka Server started"
_LOG_TAIL_LINES = 40


class BrokerError(OperatorError):
    """The local broker could not be fetched, started, reached or stopped."""


@dataclass(frozen=True)
class BrokerStatus:
    """Snapshot of a local broker: ``running`` means our broker process is alive."""

    running: bool
    pid: int | None
    bootstrap_servers: str
    home: Path
    log_file: Path


# --------------------------------------------------------------------------------------------
# Jars


def kafka_version(pom: Path = POM_FILE) -> str:
    """Return the Kafka version the pom fetches (its ``kafka.version`` property)."""
    match = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", pom.read_text())
    if match is None:
        raise BrokerError(f"{pom} has no <kafka.version> property")
    return match.group(1)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tail(text: str, lines: int = _LOG_TAIL_LINES) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise BrokerError(
            "java not found on PATH: the local Kafka broker needs Java 17+ "
            "(e.g. apt-get install openjdk-17-jre-headless)"
        )
    return java


def ensure_jars(cache_dir: Path, *, quiet: bool = False) -> Path:
    """Return the folder of Kafka broker jars, fetching them with Maven into cache_dir/libs once."""
    cache_dir = Path(cache_dir).resolve()
    libs = cache_dir / "libs"
    if not POM_FILE.is_file():
        raise BrokerError(f"{POM_FILE} is missing: it lists the Kafka jars to fetch")
    version = kafka_version()
    wanted = {
        "kafka_version": version,
        "pom_sha256": hashlib.sha256(POM_FILE.read_bytes()).hexdigest(),
    }

    def fresh() -> bool:
        try:
            return bool(json.loads((libs / _MARKER).read_text()) == wanted)
        except (OSError, ValueError):
            return False

    if fresh():
        return libs
    # Concurrent callers (parallel test sessions) wait here instead of fetching twice.
    with _file_lock(cache_dir / ".fetch.lock"):
        if fresh():
            return libs
        _require_java()
        mvn = shutil.which("mvn")
        if mvn is None:
            raise BrokerError(
                "mvn not found on PATH: it fetches the Kafka jars from Maven Central "
                "(e.g. apt-get install maven)"
            )
        if not quiet:
            print(
                f"Fetching Apache Kafka {version} jars from Maven Central (once) into {libs} …",
                file=sys.stderr,
                flush=True,
            )
        started = time.monotonic()
        # Fetch into a scratch folder and swap it in, so an interrupted fetch never looks done.
        staging = cache_dir / f"libs.partial-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        cmd = [
            mvn,
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(POM_FILE),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ]
        try:
            try:
                proc = subprocess.run(
                    cmd,
                    check=False,
                    cwd=cache_dir,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=900,
                )
            except subprocess.TimeoutExpired as exc:
                raise BrokerError(
                    f"mvn did not finish fetching the Kafka jars in {exc.timeout}s"
                ) from exc
            if proc.returncode != 0 or not (staging / f"kafka_2.13-{version}.jar").is_file():
                output = _tail(proc.stdout + "\n" + proc.stderr) or "(no output)"
                raise BrokerError(
                    f"fetching Kafka {version} jars with Maven failed "
                    f"(exit code {proc.returncode}): {' '.join(cmd)}\n{output}"
                )
            (staging / _MARKER).write_text(json.dumps(wanted))
            shutil.rmtree(libs, ignore_errors=True)
            staging.rename(libs)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if not quiet:
            count = sum(1 for _ in libs.glob("*.jar"))
            print(
                f"Fetched {count} jars in {time.monotonic() - started:.1f}s.",
                file=sys.stderr,
                flush=True,
            )
    return libs


# --------------------------------------------------------------------------------------------
# Kafka protocol probe (no client library: quiet and fast while the broker boots)

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


def _probe(host: str, port: int, timeout: float) -> str | None:
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
                _probe(host, port, timeout=max(0.1, min(2.0, deadline - time.monotonic())))
                return
            except (OSError, ValueError, struct.error) as exc:
                last_error = exc
        if time.monotonic() >= deadline:
            raise BrokerError(
                f"no Kafka broker answered at {bootstrap_servers} within {timeout:.0f}s "
                f"(last error: {last_error!r})"
            )
        time.sleep(0.2)


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


_TCP_STATES = {"01": "connected", "0A": "listening", "06": "closing (TIME_WAIT)"}


def _sockets_on(port: int) -> list[tuple[str, str, bool]]:
    """Return (socket inode, state, connected to itself) of each TCP socket on local `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if int(local.rsplit(":", 1)[1], 16) == port:
                found.append((inode, _TCP_STATES.get(state, f"state {state}"), local == remote))
    return found


def _owners(inodes: set[str]) -> dict[str, int]:
    """Return socket inode -> pid of the process holding it (the ones we may look at)."""
    owners: dict[str, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:[") and target[8:-1] in inodes:
                        owners[target[8:-1]] = int(entry.name)
    return owners


def port_holder(port: int) -> str:
    """Return who holds TCP `port` here, in words: the process and what its socket does, and
    why when a client is connected to itself; "" if nothing is found."""
    sockets = _sockets_on(port)
    owners = _owners({inode for inode, _, _ in sockets})
    parts = []
    for inode, state, self_connected in sockets:
        pid = owners.get(inode)
        who = f"pid {pid} ({_short_command(_cmdline(pid) or [])})" if pid else "another user"
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


# --------------------------------------------------------------------------------------------
# Broker process


def new_cluster_id() -> str:
    """Return a fresh KRaft cluster id: URL-safe base64 of 16 random bytes, no padding."""
    while True:
        cluster_id = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()
        # Kafka's own generator avoids a leading '-': it reads as an option on command lines.
        if not cluster_id.startswith("-"):
            return cluster_id


def _cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


class LocalBroker:
    """A single-node KRaft Kafka broker (broker + controller in one JVM) living in ``home``.

    ``home`` holds ``data/``, ``server.properties``, ``cluster.id``, the pid file and ``logs/``
    (``server.log`` from log4j2, ``kafka.out`` capturing the JVM's stdout/stderr).
    ``extra_properties`` are merged last into server.properties (e.g. SASL listeners);
    ``format_args`` are appended to the storage format command (e.g. ``--add-scram ...``) and only
    take effect when the data folder is formatted, on the first start.
    """

    def __init__(
        self,
        home: Path,
        *,
        port: int = DEFAULT_LOCAL_PORT,
        controller_port: int | None = None,
        host: str = "127.0.0.1",
        cache_dir: Path,
        heap: str = "512m",
        extra_properties: Mapping[str, str] | None = None,
        format_args: Sequence[str] = (),
    ) -> None:
        self.home = Path(home).resolve()
        self.port = port
        self.controller_port = port + 1 if controller_port is None else controller_port
        self.host = host
        self.cache_dir = Path(cache_dir)
        self.heap = heap
        self.extra_properties = dict(extra_properties or {})
        self.format_args = list(format_args)
        self.data_dir = self.home / "data"
        self.logs_dir = self.home / "logs"
        self.properties_file = self.home / "server.properties"
        self.pid_file = self.home / "broker.pid"
        self.cluster_id_file = self.home / "cluster.id"
        self.log_file = self.logs_dir / "server.log"
        self.stdout_file = self.logs_dir / "kafka.out"
        self._process: subprocess.Popen[bytes] | None = None
        # Where this start's output begins in the (appended-to) log files.
        self._log_offsets: dict[Path, int] = {}

    def __repr__(self) -> str:
        return f"LocalBroker(home={str(self.home)!r}, bootstrap_servers={self.bootstrap_servers!r})"

    @property
    def bootstrap_servers(self) -> str:
        """Return ``host:port`` of the PLAINTEXT listener."""
        return f"{self.host}:{self.port}"

    # -- state ----------------------------------------------------------------------------

    def _is_ours(self, pid: int) -> bool:
        # Never trust a bare pid: it may have been reused by an unrelated process.
        cmdline = _cmdline(pid) or []
        return _JAVA_MAIN in cmdline and str(self.properties_file) in cmdline

    def _live_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if self._is_ours(pid) else None

    def status(self) -> BrokerStatus:
        """Return whether our broker process is alive, with its pid and addresses."""
        pid = self._live_pid()
        return BrokerStatus(
            running=pid is not None,
            pid=pid,
            bootstrap_servers=self.bootstrap_servers,
            home=self.home,
            log_file=self.log_file,
        )

    def cluster_id(self) -> str:
        """Return this home's cluster id, creating and storing it on first use."""
        try:
            existing = self.cluster_id_file.read_text().strip()
        except FileNotFoundError:
            existing = ""
        if existing:
            return existing
        # Keep a data folder formatted earlier usable if only cluster.id went missing.
        meta = self.data_dir / "meta.properties"
        found = re.search(r"^cluster\.id=(\S+)", meta.read_text(), re.M) if meta.is_file() else None
        cluster_id = found.group(1) if found else new_cluster_id()
        self.home.mkdir(parents=True, exist_ok=True)
        self.cluster_id_file.write_text(cluster_id + "\n")
        return cluster_id

    def properties(self) -> dict[str, str]:
        """Return the broker's server.properties as a dict (extra_properties merged last)."""
        host, port, cport = self.host, self.port, self.controller_port
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{host}:{cport}",
            "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
            "advertised.listeners": f"PLAINTEXT://{host}:{port}",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.data_dir),
            # Kafka's defaults assume three brokers.
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            "num.partitions": "1",
        }
        props.update(self.extra_properties)
        return props

    def _properties_text(self) -> str:
        lines = ["# Written by newsflow.broker.LocalBroker; rewritten on every start."]
        lines += [f"{key}={_escape_property(value)}" for key, value in self.properties().items()]
        return "\n".join(lines) + "\n"

    def _write_properties(self) -> None:
        tmp = self.properties_file.with_suffix(".tmp")
        tmp.write_text(self._properties_text())
        tmp.replace(self.properties_file)

    def _recent_log(self, path: Path) -> str:
        """Return what the current start wrote to path (all of it if the file rolled over)."""
        try:
            with path.open("rb") as handle:
                offset = self._log_offsets.get(path, 0)
                if offset > path.stat().st_size:
                    offset = 0
                handle.seek(offset)
                return handle.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def _log_tail(self) -> str:
        parts = []
        for path in (self.log_file, self.stdout_file):
            text = _tail(self._recent_log(path))
            if text:
                parts.append(f"--- last lines of {path} ---\n{text}")
        return "\n".join(parts) or "(the broker wrote no log)"

    def _startup_finished(self) -> bool:
        """Return whether the broker logged, since this start, that all of its startup finished."""
        return _STARTED_LINE in self._recent_log(self.log_file)

    def _first_error(self) -> str:
        """Return the first ERROR line this start logged and its exception (the cause, usually)."""
        for path in (self.log_file, self.stdout_file):
            lines = self._recent_log(path).splitlines()
            for index, line in enumerate(lines):
                if " ERROR " in line or line.startswith(("Error", "Exception")):
                    following = lines[index + 1] if index + 1 < len(lines) else ""
                    if following and not following.startswith(("[", "\t", " ")):
                        return f"{line.strip()}\n{following.strip()}"
                    return line.strip()
        return ""

    # -- lifecycle ------------------------------------------------------------------------

    def _format(self, java: str, libs: Path) -> None:
        meta = self.data_dir / "meta.properties"
        if (
            Path(self.properties()["log.dirs"]) == self.data_dir
            and meta.is_file()
            and f"cluster.id={self.cluster_id()}" in meta.read_text()
        ):
            return  # already formatted: skip a JVM start
        cmd = [
            java,
            *self._java_logging_args(),
            "-cp",
            f"{libs}/*",
            "kafka.tools.StorageTool",
            "format",
            "-t",
            self.cluster_id(),
            "-c",
            str(self.properties_file),
            "--ignore-formatted",
            *self.format_args,
        ]
        try:
            proc = subprocess.run(
                cmd,
                check=False,
                cwd=self.home,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired as exc:
            raise BrokerError(f"formatting {self.data_dir} timed out") from exc
        if proc.returncode != 0:
            raise BrokerError(
                f"formatting {self.data_dir} failed (exit code {proc.returncode}):\n"
                + _tail(proc.stdout + "\n" + proc.stderr)
            )

    def _java_logging_args(self) -> list[str]:
        return [
            f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
            f"-Dkafka.logs.dir={self.logs_dir}",
        ]

    def command(self, java: str, libs: Path) -> list[str]:
        """Return the java command line that runs the broker."""
        return [
            java,
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            *self._java_logging_args(),
            "-cp",
            f"{libs}/*",  # java expands the wildcard itself
            _JAVA_MAIN,
            str(self.properties_file),
        ]

    def start(self, timeout: float = 90.0) -> BrokerStatus:
        """Start the broker (idempotent: returns the running one if our pid file points at a
        live broker process) and wait until it answers; return its status."""
        deadline = time.monotonic() + timeout
        self.home.mkdir(parents=True, exist_ok=True)
        with _file_lock(self.home / ".broker.lock"):
            pid = self._live_pid()
            if pid is not None:
                try:
                    running = self.properties_file.read_text()
                except FileNotFoundError:
                    running = ""
                if running != self._properties_text():
                    raise BrokerError(
                        f"a Kafka broker (pid {pid}) with other settings is running in "
                        f"{self.home}; stop it first"
                    )
                self._wait_ready(pid, deadline, started_here=False)
                return self.status()
            self.pid_file.unlink(missing_ok=True)
            for port in (self.port, self.controller_port):
                if _port_in_use(self.host, port):
                    holder = port_holder(port) or "a process this user cannot see"
                    raise BrokerError(
                        f"cannot start Kafka broker in {self.home}: {self.host}:{port} is "
                        f"already in use: {holder}. Stop it, or set NEWSFLOW_LOCAL_BROKER_PORT "
                        "to a free port (the controller takes the next one)"
                    )
            java = _require_java()
            libs = ensure_jars(self.cache_dir)
            if not LOG4J2_CONFIG.is_file():
                raise BrokerError(f"{LOG4J2_CONFIG} is missing")
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.logs_dir.mkdir(parents=True, exist_ok=True)
            self._write_properties()
            self._format(java, libs)
            self._log_offsets = {
                path: path.stat().st_size if path.exists() else 0
                for path in (self.log_file, self.stdout_file)
            }
            with self.stdout_file.open("ab") as out:
                out.write(f"=== starting {time.strftime('%Y-%m-%d %H:%M:%S')} ===\n".encode())
                out.flush()
                self._process = subprocess.Popen(
                    self.command(java, libs),
                    cwd=self.home,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    # Own session: Ctrl-C in the caller's terminal must not kill the broker
                    # half-way; stop() shuts it down cleanly instead.
                    start_new_session=True,
                )
            pid = self._process.pid
            tmp = self.pid_file.with_suffix(".tmp")
            tmp.write_text(f"{pid}\n")
            tmp.replace(self.pid_file)
            try:
                self._wait_ready(pid, deadline, started_here=True)
            except BaseException:
                self._terminate(pid, timeout=10.0)
                raise
            return self.status()

    def _wait_ready(self, pid: int, deadline: float, *, started_here: bool) -> None:
        expected = self.cluster_id()
        last_error: BaseException | None = None
        while True:
            exit_code = None
            if started_here and self._process is not None:
                exit_code = self._process.poll()
                dead = exit_code is not None
            else:
                dead = not self._is_ours(pid)
            if dead:
                self._reap()
                self.pid_file.unlink(missing_ok=True)
                cause = self._first_error()
                raise BrokerError(
                    f"Kafka broker in {self.home} exited during startup (exit code {exit_code})"
                    + (f": {cause}" if cause else "")
                    + "\n"
                    + self._log_tail()
                )
            remaining = deadline - time.monotonic()
            try:
                cluster_id = _probe(self.host, self.port, timeout=max(0.1, min(2.0, remaining)))
            except (OSError, ValueError, struct.error) as exc:
                last_error = exc
            else:
                # A broker opens its listeners one by one, so the first can answer while a later
                # one still fails to bind and takes the process down; one we started is ready only
                # once it logs that its whole startup finished.
                if cluster_id != expected:
                    last_error = BrokerError(
                        f"{self.bootstrap_servers} answers as cluster {cluster_id}"
                    )
                elif not started_here or self._startup_finished():
                    return
                else:
                    last_error = BrokerError("it answers but has not logged the end of its startup")
            if time.monotonic() >= deadline:
                raise BrokerError(
                    f"Kafka broker in {self.home} (pid {pid}) did not answer at "
                    f"{self.bootstrap_servers} in time (last error: {last_error!r})\n"
                    + self._log_tail()
                )
            time.sleep(0.2)

    def _reap(self) -> None:
        # Our own child stays a zombie (pid still "alive" to kill(0)) until waited for.
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=0.5)
            if self._process.poll() is not None:
                self._process = None

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            if self._process is not None and self._process.pid == pid:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=0.1)
            if not self._is_ours(pid):
                self._reap()
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)

    def _terminate(self, pid: int, timeout: float) -> None:
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10.0)):
            if not self._is_ours(pid):
                break
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
            if self._wait_gone(pid, wait):
                break
        else:
            raise BrokerError(f"Kafka broker pid {pid} did not exit even after SIGKILL")
        self.pid_file.unlink(missing_ok=True)

    def stop(self, timeout: float = 30.0) -> BrokerStatus:
        """Stop our broker: SIGTERM our own pid, wait, SIGKILL after timeout; idempotent; removes
        pid file. Return the (stopped) status."""
        if not self.home.is_dir():
            return self.status()
        with _file_lock(self.home / ".broker.lock"):
            pid = self._live_pid()
            if pid is not None:
                self._terminate(pid, timeout)
            self._reap()
            self.pid_file.unlink(missing_ok=True)
            return self.status()

    def __enter__(self) -> LocalBroker:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _escape_property(value: str) -> str:
    # java.util.Properties treats a backslash as an escape character.
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def _extra_listener(
    host: str, port: int, controller_port: int, protocol: str, extra_port: int
) -> dict[str, str]:
    """Return the listener properties for PLAINTEXT, CONTROLLER and one `protocol` listener."""
    return {
        "listeners": (
            f"PLAINTEXT://{host}:{port},{protocol}://{host}:{extra_port},"
            f"CONTROLLER://{host}:{controller_port}"
        ),
        "advertised.listeners": f"PLAINTEXT://{host}:{port},{protocol}://{host}:{extra_port}",
        "listener.security.protocol.map": (
            f"CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,{protocol}:{protocol}"
        ),
    }


def _pem_keystore(listener: str, pem_keystore: Path) -> dict[str, str]:
    """Return the properties giving `listener` a PEM keystore (unencrypted key + chain)."""
    return {
        f"listener.name.{listener}.ssl.keystore.type": "PEM",
        f"listener.name.{listener}.ssl.keystore.location": str(pem_keystore),
    }


def sasl_listener_properties(
    *,
    host: str,
    port: int,
    controller_port: int,
    sasl_port: int,
    mechanism: str = "SCRAM-SHA-512",
    pem_keystore: Path | None = None,
    plain_users: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Return extra_properties adding a SASL listener on sasl_port: SASL_SSL when a PEM keystore
    (unencrypted private key + certificate chain) is given, else SASL_PLAINTEXT.

    `mechanism` SCRAM-SHA-256/512 authenticates users from `scram_user_format_args`; PLAIN
    authenticates `plain_users` (name -> password, kept in the broker's JAAS configuration).
    The PLAINTEXT listener stays for the readiness probe and inter-broker traffic; clients that
    connect to sasl_port must authenticate.
    """
    protocol = "SASL_SSL" if pem_keystore else "SASL_PLAINTEXT"
    listener = protocol.lower()
    if mechanism == "PLAIN":
        users = " ".join(f'user_{name}="{pw}"' for name, pw in (plain_users or {}).items())
        module = f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};"
    else:
        module = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    properties = _extra_listener(host, port, controller_port, protocol, sasl_port) | {
        "sasl.enabled.mechanisms": mechanism,
        f"listener.name.{listener}.{mechanism.lower()}.sasl.jaas.config": module,
    }
    if pem_keystore:
        properties |= _pem_keystore(listener, pem_keystore)
    return properties


def mtls_listener_properties(
    *,
    host: str,
    port: int,
    controller_port: int,
    tls_port: int,
    pem_keystore: Path,
    pem_truststore: Path,
) -> dict[str, str]:
    """Return extra_properties adding an SSL listener on tls_port that requires a client
    certificate signed by a CA in `pem_truststore` (mutual TLS, as e.g. Aiven runs Kafka).

    `pem_keystore` holds the broker's unencrypted private key and certificate chain. The PLAINTEXT
    listener stays for the readiness probe and inter-broker traffic.
    """
    return (
        _extra_listener(host, port, controller_port, "SSL", tls_port)
        | _pem_keystore("ssl", pem_keystore)
        | {
            "listener.name.ssl.ssl.truststore.type": "PEM",
            "listener.name.ssl.ssl.truststore.location": str(pem_truststore),
            "listener.name.ssl.ssl.client.auth": "required",
        }
    )


def scram_user_format_args(
    username: str, password: str, mechanism: str = "SCRAM-SHA-512"
) -> list[str]:
    """Return StorageTool format arguments creating a SCRAM user (for LocalBroker format_args)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", username + password):
        raise ValueError("SCRAM test users need [A-Za-z0-9_.-] names and passwords")
    return ["--add-scram", f"{mechanism}=[name={username},password={password}]"]


def local_broker(settings: Settings) -> LocalBroker:
    """Return the local broker that `settings` describe (state under data_dir/broker)."""
    return LocalBroker(
        settings.data_dir / "broker",
        port=settings.local_broker_port,
        cache_dir=settings.cache_dir.resolve() / "kafka",
    )
