"""Resident memory of a process tree (a worker and its pool children), sampled from /proc."""

from __future__ import annotations

import threading

from agents.procstat import rss_bytes, tree


class PeakRss:
    """Samples the summed RSS of process trees in a thread; `peak` is the largest sum seen."""

    def __init__(self, pids: list[int], interval: float = 0.25) -> None:
        self.pids = pids
        self.interval = interval
        self.peak: dict[int, int] = dict.fromkeys(pids, 0)
        self.processes: dict[int, int] = dict.fromkeys(pids, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        """Take one sample of every tree now."""
        for pid in self.pids:
            members = tree(pid)
            self.peak[pid] = max(self.peak[pid], sum(rss_bytes(p) for p in members))
            self.processes[pid] = max(self.processes[pid], len(members))

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)
