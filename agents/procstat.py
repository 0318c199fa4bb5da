"""CPU and memory of a process tree (a worker and its pool children), read with psutil."""

from __future__ import annotations

import psutil


def tree(pid: int) -> list[int]:
    """Return `pid` and all its live descendants (just `pid` when it cannot be read)."""
    try:
        return [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return [pid]


def rss_bytes(pid: int) -> int:
    """Return the resident set size of one process in bytes (0 once it is gone)."""
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return 0


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds a process has used (0 once it is gone)."""
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)
