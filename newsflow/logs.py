"""Log guards for the worker and the CLI: secrets never reach a log line, and Kafka client
errors repeated in a tight loop are logged once per interval.

- Secrets: every log record of the process, from any library and at any level (aiokafka's DEBUG
  output prints SASL PLAIN's authentication bytes, password included), has each secret replaced
  by `***` in its message, arguments and exception text before any handler sees it.
- Storms: while the broker is down, aiokafka retries metadata and connections without backoff
  and logs an error per attempt (~10,000 lines a second per client, measured); operators need one
  clear line, with a count of what was held back.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterable
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
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, SecretRedactor):
        factory = SecretRedactor(factory)
        logging.setLogRecordFactory(factory)
    factory.add(secrets)
    return factory


def configure_logging(level: str, secrets: Iterable[str], *, cli: bool = False) -> None:
    """Set up the process's logging: `level` on stderr (for the CLI, warnings at INFO: the
    Kafka client's progress lines are not for a command's user), secrets redacted, client
    error storms held back."""
    redact_secrets(secrets)
    shown = logging.WARNING if cli and level == "INFO" else getattr(logging, level)
    logging.basicConfig(
        level=shown,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    quiet_repeats()
