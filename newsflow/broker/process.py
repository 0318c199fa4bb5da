"""The broker process: a single-node KRaft broker in a home folder, started idempotently."""

from __future__ import annotations

import base64
import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from newsflow.broker import readiness
from newsflow.broker.common import BrokerError, file_lock, tail
from newsflow.broker.jars import LOG4J2_CONFIG, ensure_jars, require_java
from newsflow.broker.listeners import escape_property
from newsflow.broker.ports import DEFAULT_LOCAL_PORT, _port_in_use, command_line, port_holder

if TYPE_CHECKING:
    from newsflow.settings import Settings

_JAVA_MAIN = "kafka.Kafka"
# What KafkaRaftServer logs once every listener is open and the broker is running.
_STARTED_LINE = "Kafka Server started"


@dataclass(frozen=True)
class BrokerStatus:
    """Snapshot of a local broker: ``running`` means our broker process is alive."""

    running: bool
    pid: int | None
    bootstrap_servers: str
    home: Path
    log_file: Path


def new_cluster_id() -> str:
    """Return a fresh KRaft cluster id: URL-safe base64 of 16 random bytes, no padding."""
    while True:
        cluster_id = base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()
        # Kafka's own generator avoids a leading '-': it reads as an option on command lines.
        if not cluster_id.startswith("-"):
            return cluster_id


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
        cmdline = command_line(pid) or []
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
        lines += [f"{key}={escape_property(value)}" for key, value in self.properties().items()]
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

    def _logtail(self) -> str:
        parts = []
        for path in (self.log_file, self.stdout_file):
            text = tail(self._recent_log(path))
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
                + tail(proc.stdout + "\n" + proc.stderr)
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
        with file_lock(self.home / ".broker.lock"):
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
            java = require_java()
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
                    + self._logtail()
                )
            remaining = deadline - time.monotonic()
            try:
                cluster_id = readiness.probe(
                    self.host, self.port, timeout=max(0.1, min(2.0, remaining))
                )
            except readiness.NOT_READY_ERRORS as exc:
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
                    + self._logtail()
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
        with file_lock(self.home / ".broker.lock"):
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


def local_broker(settings: Settings) -> LocalBroker:
    """Return the local broker that `settings` describe (state under data_dir/broker)."""
    return LocalBroker(
        settings.data_dir / "broker",
        port=settings.local_broker_port,
        cache_dir=settings.cache_dir.resolve() / "kafka",
    )
