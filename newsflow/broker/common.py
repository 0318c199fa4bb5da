"""What every part of the local broker shares: its error, file locks, log tails."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from newsflow.errors import OperatorError

LOG_TAIL_LINES = 40


class BrokerError(OperatorError):
    """The local broker could not be fetched, started, reached or stopped."""


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing) while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    """Return the last `lines` lines of `text`."""
    return "\n".join(text.strip().splitlines()[-lines:])
