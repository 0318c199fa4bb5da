"""Child processes the operator side starts (workers for the demo, tests and benchmarks)."""

from __future__ import annotations

import signal
import subprocess


def stop_process(process: subprocess.Popen[bytes], timeout: float = 30.0) -> int:
    """Stop `process` gracefully (SIGTERM), killing it after `timeout` s; return its exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode
