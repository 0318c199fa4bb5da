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


PIPED_WIDTH = 1000
"""The width a console assumes when not on a terminal: tables keep their rows on one line."""


def console(*, stderr: bool = False) -> Console:
    """Return a console on stdout (or stderr) that wraps lines only on a terminal: piped or
    redirected output keeps one line per line (and a table row per line), for grep and scripts."""
    on_terminal = (sys.stderr if stderr else sys.stdout).isatty()
    return Console(
        stderr=stderr, soft_wrap=not on_terminal, width=None if on_terminal else PIPED_WIDTH
    )
