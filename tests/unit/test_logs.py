"""The log-storm guard: a repeated client error passes once per interval, with a count."""

from __future__ import annotations

import logging

from agents.logs import RepeatFilter, quiet_repeats


def record(
    msg: str, level: int = logging.ERROR, name: str = "aiokafka.client"
) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, ("x",), None)


def test_repeats_pass_once_per_interval_then_say_how_many_were_held() -> None:
    now = [0.0]
    guard = RepeatFilter(interval=30, clock=lambda: now[0])
    assert guard.filter(record("Unable connect to node %s"))
    assert not any(guard.filter(record("Unable connect to node %s")) for _ in range(1000))
    assert guard.filter(record("Unable to update metadata from %s"))  # another message passes
    now[0] = 31.0
    again = record("Unable connect to node %s")
    assert guard.filter(again)
    assert "1000 similar messages held back" in again.getMessage()


def test_info_and_debug_are_never_held() -> None:
    guard = RepeatFilter()
    assert all(guard.filter(record("Joined group", logging.INFO)) for _ in range(5))


def test_quiet_repeats_guards_existing_client_loggers_once() -> None:
    import aiokafka.conn  # noqa: F401 - creates a module logger to guard

    guard = quiet_repeats()
    assert guard in logging.getLogger("aiokafka").filters  # aiokafka.client logs here
    assert guard in logging.getLogger("aiokafka.conn").filters
    quiet_repeats()
    filters = logging.getLogger("aiokafka.conn").filters
    assert sum(isinstance(f, RepeatFilter) for f in filters) == 1
