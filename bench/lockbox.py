"""The lockbox logs of docs/benchmarks.md: rows appended under a marker, with date and commit."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = REPO / "docs" / "benchmarks.md"


def git(*args: str) -> str:
    """Return what `git *args` prints in the repository ("" when git is not there)."""
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=REPO, check=False)
    except OSError:
        return ""
    return done.stdout.strip()


def stamp() -> str:
    """Return "| <UTC minute> | <short commit>[ +changes] |": the first cells of a log row."""
    commit = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no")
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    return f"| {when} | {commit}{' +changes' if dirty else ''} |"


def append_rows(marker: str, rows: list[str], path: Path = BENCHMARKS) -> str:
    """Append rows (table lines) just above `marker` in `path`; return them as one text."""
    text = path.read_text(encoding="utf-8")
    if marker not in text:
        raise SystemExit(f"{path} has no {marker} line to log under")
    path.write_text(text.replace(marker, "\n".join(rows) + "\n" + marker, 1), encoding="utf-8")
    return "\n".join(rows)
