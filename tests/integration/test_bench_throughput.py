"""The throughput benchmark runs end to end in its reduced mode, so it cannot rot.

Only the report's shape is checked: timings on a shared machine are no test of anything.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_quick_run_reports_every_measure() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.throughput", "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(r"ratio C/A: \d+\.\d\d", lines[-1]), lines[-5:]
    text = result.stdout
    assert re.search(r"^C/A2: \d+\.\d\d$", text, re.MULTILINE)
    for row in ("A model ceiling", "A2 as A", "B no-op Faust passthrough", "C newsflow worker"):
        assert re.search(rf"\| {row}[^|]*\| [\d,.]+ \| [\d,]+ \|", text), row
    for load in ("50% load", "90% load"):
        assert re.search(rf"\| {load} \|.*\| [\d.]+ s \| [\d.]+ s \| [\d.]+ s \|", text), load
    assert re.search(r"\| 2 workers / 1 worker \| [\d.]+x \|", text)
    assert re.search(r"\| 2 workers / 1 worker, by key \| [\d.]+x \|", text)
    assert re.search(r"\| the model alone, \d processes / 1 [^|]*\| [\d.]+x \|", text)
    assert re.search(r"text per partition (\d+%/){3}\d+%", text)
    assert re.search(r"\| 1 worker, pool of \d+ \| [\d,]+ MiB \| \d+ \|", text)
    assert "duplicates marked in C: 0" in text
