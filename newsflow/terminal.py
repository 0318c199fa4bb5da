"""The consoles every command prints through: lines wrap only on a terminal."""

from __future__ import annotations

import sys
from enum import StrEnum

from rich.console import Console


class OutputFormat(StrEnum):
    """How `subscribe` prints events."""

    JSON = "json"
    TABLE = "table"
    AUTO = "auto"


def console(*, stderr: bool = False) -> Console:
    """Return a console on stdout (or stderr) that wraps lines only on a terminal: piped or
    redirected output keeps one line per line, for grep and scripts."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, soft_wrap=not stream.isatty())
