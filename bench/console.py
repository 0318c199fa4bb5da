"""What the benchmark scripts share to talk to the operator: a stderr console, progress, units."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)


def progress_bar() -> Progress:
    """Return a transient progress display (description, bar, done/total, time) on stderr."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def mib(n: int) -> str:
    """Return `n` bytes in MiB, e.g. `1,002 MiB`."""
    return f"{n / 2**20:,.0f} MiB"
