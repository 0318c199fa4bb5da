"""Worker subprocesses for the throughput benchmark: start, wait until ready, stop."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from newsflow.processes import stop_process

REPO = Path(__file__).resolve().parent.parent
NEWSFLOW_WORKER = ["-m", "newsflow", "worker"]
PASSTHROUGH_WORKER = ["-m", "bench.passthrough"]


@dataclass
class Worker:
    """A worker subprocess, its log file and the port of its /readyz (0: none)."""

    process: subprocess.Popen[bytes]
    log: Path
    metrics_port: int

    @property
    def pid(self) -> int:
        """Return the worker's process id."""
        return self.process.pid

    def log_tail(self, chars: int = 3000) -> str:
        """Return the end of the worker's log."""
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Return once /readyz answers 200; raise RuntimeError if the worker dies or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited ({self.process.returncode}):\n{self.log_tail()}")
            if not self.metrics_port:
                return
            try:
                url = f"http://127.0.0.1:{self.metrics_port}/readyz"
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"worker not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the worker gracefully (SIGTERM), killing it after `timeout` seconds."""
        stop_process(self.process, timeout)


def start(command: list[str], env: dict[str, str], log: Path, metrics_port: int = 0) -> Worker:
    """Return a started worker running `python <command>` with `env`, logging to `log`."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, *command], env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO
        )
    return Worker(process, log, metrics_port)
