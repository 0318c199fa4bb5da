"""Log guards for the worker and the CLI: secrets never reach a log line, and Kafka client
errors repeated in a tight loop are logged once per interval.

- Secrets: every log record of the process, from any library and at any level (aiokafka's DEBUG
  output prints SASL PLAIN's authentication bytes, password included), has each secret replaced
  by `***` in its message, arguments and exception text before any handler sees it.
- Storms: while the broker is down, aiokafka retries metadata and connections without backoff
  and logs an error per attempt (~10,000 lines a second per client, measured); operators need one
  clear line, with a count of what was held back.
- Known noise: messages the Kafka clients log as errors although nothing is wrong for us
  (`KNOWN_NOISE`) are lowered to the level they deserve and counted by kind (`NOISE_COUNTS`,
  served as `newsflow_log_noise_total`), so log-based alerting does not page on them and what
  they hide is still seen.
"""

from __future__ import annotations

import collections
import json
import logging
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

REDACTED = "***"


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


def secret_forms(secret: str) -> set[str]:
    """Return how `secret` can appear in a log line: as is, escaped in a str or bytes repr, in
    JSON."""
    forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1]}
    forms.add(repr(secret.encode("utf-8", errors="replace"))[2:-1])
    return {form for form in forms if form}


class SecretRedactor:
    """A log record factory that replaces every form of the secrets with `***`."""

    def __init__(self, base: Callable[..., logging.LogRecord]) -> None:
        self.base = base
        self.forms: list[str] = []

    def add(self, secrets: Iterable[str]) -> None:
        """Redact these secrets too (empty ones are ignored)."""
        found = {form for secret in secrets if secret for form in secret_forms(secret)}
        # Longest first, so a form that contains another is replaced whole.
        self.forms = sorted(set(self.forms) | found, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """Return `text` with every secret form replaced."""
        for form in self.forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        """Return the record the base factory makes, with the secrets taken out."""
        record = self.base(*args, **kwargs)
        if not self.forms:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: logging reports it; keep no argument of it
            record.msg, record.args = self.redact(str(record.msg)), None
            return record
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            clean = self.redact(text)
            if clean != text:
                record.exc_text = clean  # formatters use it instead of formatting exc_info
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return record


def redact_secrets(secrets: Iterable[str]) -> SecretRedactor:
    """Make every log record of this process carry `***` instead of each secret; return the
    redactor (installed once, as the log record factory; later calls add secrets)."""
    factory: Any = logging.getLogRecordFactory()
    while not isinstance(factory, SecretRedactor) and hasattr(factory, "base"):
        factory = factory.base  # a NoiseLowerer in front of it
    if not isinstance(factory, SecretRedactor):
        factory = SecretRedactor(logging.getLogRecordFactory())
        logging.setLogRecordFactory(factory)
    factory.add(secrets)
    return factory


@dataclass(frozen=True)
class NoiseRule:
    """A library message known to be harmless: logger name prefix, a piece of its template,
    the level it deserves and the kind it is counted as."""

    kind: str
    logger: str
    text: str
    level: int
    unless: tuple[str, ...] = ()
    """Names of errors that make the same message news, not noise, when it carries one."""

    def matches(self, record: logging.LogRecord) -> bool:
        """Return whether `record` is this message, logged above the level it deserves."""
        return (
            record.levelno > self.level
            and record.name.startswith(self.logger)
            and self.text in str(record.msg)
            and not self._carries_exception(record)
        )

    def _carries_exception(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        return any(
            kind.__name__ in self.unless
            for arg in args
            if isinstance(arg, BaseException)
            for kind in type(arg).__mro__
        )


KNOWN_NOISE: tuple[NoiseRule, ...] = (
    # A client retrying a bootstrap server: our commands say once, clearly, when Kafka is
    # unreachable; the worker's readiness and lag metrics say it too.
    # A refused login or certificate is not a retry: it stays an error, with the broker's reason.
    NoiseRule(
        "connect_retry",
        "aiokafka",
        "Unable connect to",
        logging.INFO,
        unless=("AuthenticationFailedError", "SaslAuthenticationFailed", "SSLError"),
    ),
    # A commit from outside a live group (replay with workers running) or during a rebalance:
    # aiokafka rejoins or raises, and `replay` reports the refusal itself.
    NoiseRule(
        "commit_rejoin", "aiokafka", "OffsetCommit failed for group %s due to group", logging.INFO
    ),
    # Faust's fetch watchdog, while another member joins or crashes and partitions move; a
    # real stall shows as consumer lag (newsflow_consumer_lag and its alert).
    NoiseRule("fetch_not_started", "faust", "has not sent fetch request", logging.WARNING),
)

NOISE_COUNTS: collections.Counter[str] = collections.Counter()
"""How many records each KNOWN_NOISE kind had lowered in this process."""


class NoiseLowerer:
    """A log record factory that lowers known-harmless library messages and counts them."""

    def __init__(self, base: Callable[..., logging.LogRecord], rules: Iterable[NoiseRule]) -> None:
        self.base = base
        self.rules = tuple(rules)

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        """Return the base factory's record, at the level it deserves if it is known noise."""
        record = self.base(*args, **kwargs)
        for rule in self.rules:
            if rule.matches(record):
                NOISE_COUNTS[rule.kind] += 1
                record.levelno, record.levelname = rule.level, logging.getLevelName(rule.level)
                break
        return record


def lower_noise(rules: Iterable[NoiseRule] = KNOWN_NOISE) -> None:
    """Install NoiseLowerer (once) in front of the log record factory."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, NoiseLowerer):
        logging.setLogRecordFactory(NoiseLowerer(factory, rules))


class LevelGate(logging.Filter):
    """Passes records at `level` or above: lowered records are judged by their new level."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        """Return whether `record` is at the gate's level or above."""
        return record.levelno >= self.level


def configure_logging(level: str, secrets: Iterable[str], *, cli: bool = False) -> None:
    """Set up the process's logging: `level` on stderr (for the CLI, warnings at INFO: the
    Kafka client's progress lines are not for a command's user), secrets redacted, client
    error storms held back."""
    redact_secrets(secrets)
    lower_noise()
    shown = logging.WARNING if cli and level == "INFO" else getattr(logging, level)
    logging.basicConfig(
        level=shown,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    for handler in logging.root.handlers:
        handler.addFilter(LevelGate(shown))
    quiet_repeats()
