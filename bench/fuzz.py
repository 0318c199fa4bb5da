"""The fuzzing properties of tests/unit/test_fuzz.py under Hypothesis's `long` profile (20,000
examples each; the suite runs 1,000): `python -m bench.fuzz [pytest args]`, e.g.
`python -m bench.fuzz --hypothesis-seed=1`. Prints Hypothesis's statistics (outcome shares)."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import REPO


def main(argv: list[str]) -> int:
    """Run the properties with the long profile; return pytest's exit code."""
    return int(
        pytest.main(
            [
                str(REPO / "tests" / "unit" / "test_fuzz.py"),
                "--hypothesis-profile=long",
                "--hypothesis-show-statistics",
                "-p",
                "no:cacheprovider",
                "-q",
                *argv,
            ]
        )
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
