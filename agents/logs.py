"""A guard against log storms: Kafka client errors repeated in a tight loop are logged once per
interval, with a count of what was held back.

While the broker is down, aiokafka retries metadata and connections without backoff and logs an
error per attempt (~10,000 lines a second per worker, measured); operators need one clear line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable


class RepeatFilter(logging.Filter):
    """Passes each (logger, message template) at most once per `interval` seconds."""

    def __init__(self, interval: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """Return whether to emit `record`; a passed record notes how many copies were held."""
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg))
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} ({held} similar messages held back in {self.interval:g}s)"
        return True


def quiet_repeats(prefixes: Iterable[str] = ("aiokafka",), interval: float = 30.0) -> RepeatFilter:
    """Attach one RepeatFilter to every existing logger under `prefixes`; return the filter.

    Logger filters are not inherited, so the modules' loggers (created at import) get it each.
    """
    guard = RepeatFilter(interval)
    wanted = tuple(prefixes)
    names = [name for name in logging.root.manager.loggerDict if name.startswith(wanted)]
    for name in [*wanted, *names]:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RepeatFilter) for f in logger.filters):
            logger.addFilter(guard)
    return guard
