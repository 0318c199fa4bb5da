"""Policy-change detection on the labelled dev set: document-level P/R/F1, direction and actor.

    .venv/bin/python -m bench.policy [--data PATH] [--show-errors]

Scoring follows the dev set's README: each snippet is run through the pipeline as
`title + "\\n\\n" + text`; it is predicted positive when any detected change has a status other
than proposed, considered, unchanged or signaled. Direction and actor are scored on true
positives, against the most confident positive change. An actor matches when, after folding
case, punctuation and country names ("U.S." = "United States"), the predicted actor or person
shares a name word with any of the labelled alternatives ("Ariel Sharon / Israeli government").
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEV_SET = REPO.parent / "shared" / "benchmarks" / "policy-changes" / "dev.jsonl"
NOT_POSITIVE = frozenset({"proposed", "considered", "unchanged", "signaled"})
# Words that say what kind of body an actor is, not which one.
_GENERIC = frozenset(
    [
        "the",
        "of",
        "and",
        "for",
        "in",
        "on",
        "a",
        "an",
        "its",
        "s",
        "government",
        "administration",
        "officials",
        "authorities",
        "department",
        "ministry",
    ]
)


@dataclass
class Outcome:
    """One snippet: its label, what the stage found, and how they compare."""

    record: dict[str, Any]
    changes: list[dict[str, Any]]
    predicted: bool
    best: dict[str, Any] | None
    direction_ok: bool | None = None
    actor_ok: bool | None = None


@dataclass
class Report:
    """The scores over a labelled set."""

    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def _count(self, predicted: bool, gold: bool) -> int:
        return sum(
            1
            for o in self.outcomes
            if o.predicted is predicted and o.record["is_policy_change"] is gold
        )

    @property
    def tp(self) -> int:
        """Return the number of true positives."""
        return self._count(True, True)

    @property
    def fp(self) -> int:
        """Return the number of false positives."""
        return self._count(True, False)

    @property
    def fn(self) -> int:
        """Return the number of false negatives."""
        return self._count(False, True)

    @property
    def precision(self) -> float:
        """Return TP / (TP + FP)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Return TP / (TP + FN)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Return the harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def _accuracy(self, attr: str) -> float:
        judged = [getattr(o, attr) for o in self.outcomes if getattr(o, attr) is not None]
        return sum(judged) / len(judged) if judged else 0.0

    @property
    def direction_accuracy(self) -> float:
        """Return the share of true positives whose direction matches the label."""
        return self._accuracy("direction_ok")

    @property
    def actor_accuracy(self) -> float:
        """Return the share of true positives whose actor matches the label."""
        return self._accuracy("actor_ok")


def _words(text: str) -> set[str]:
    from pipeline.policy.actors import canonical_country

    text = text.casefold().replace("’", "'")
    words: set[str] = set()
    for raw in re.split(r"[^\w.'-]+", text):
        part = raw.strip(".'-")
        if not part:
            continue
        country = canonical_country(part)
        words.add(country.casefold() if country else part)
    for country_name in ("united states", "united kingdom", "united nations", "european union"):
        if country_name in text:
            words.add(country_name)
    return words - _GENERIC


def actor_matches(predicted: str, person: str | None, gold: str | None) -> bool:
    """Return whether a predicted actor (or its person) names the labelled actor."""
    if not gold:
        return False
    from pipeline.policy.lexicon import BODIES

    expanded = predicted + " " + BODIES.get(predicted.casefold(), "")
    mine = _words(expanded) | _words(person or "")
    alternatives = re.split(r"\s*/\s*|\(|\)", gold)
    return any(mine & _words(alt) for alt in alternatives if alt.strip())


def _positive(change: dict[str, Any]) -> bool:
    return change["status"] not in NOT_POSITIVE


def evaluate(records: list[dict[str, Any]], batch_size: int = 32) -> Report:
    """Return the report of the policy stage on `records` (dev-set rows)."""
    from pipeline.config import PipelineConfig
    from pipeline.process import enrich_batch
    from schemas import EnrichedArticle, RawArticle

    config = PipelineConfig()
    raws = [RawArticle(id=r["id"], content=f"{r['title']}\n\n{r['text']}") for r in records]
    started = time.perf_counter()
    report = Report()
    for offset in range(0, len(raws), batch_size):
        batch = raws[offset : offset + batch_size]
        for record, outcome in zip(records[offset:], enrich_batch(batch, config), strict=False):
            changes = (
                [c.model_dump(mode="json") for c in outcome.policy_changes]
                if isinstance(outcome, EnrichedArticle)
                else []
            )
            positives = [c for c in changes if _positive(c)]
            best = max(positives, key=lambda c: c["confidence"]) if positives else None
            result = Outcome(record, changes, predicted=best is not None, best=best)
            if best is not None and record["is_policy_change"]:
                result.direction_ok = best["direction"] == record["direction"]
                result.actor_ok = any(
                    actor_matches(c["actor"]["name"], c["actor"]["person"], record["actor"])
                    for c in [best]
                )
            report.outcomes.append(result)
    report.seconds = time.perf_counter() - started
    return report


def load(path: Path) -> list[dict[str, Any]]:
    """Return the rows of a JSONL dev set."""
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _describe(change: dict[str, Any] | None) -> str:
    if change is None:
        return "-"
    actor = change["actor"]["name"] + (
        f" ({change['actor']['person']})" if change["actor"]["person"] else ""
    )
    what = f"{change['action']}/{change['direction']}/{change['status']}"
    return f"{actor} {what} rules={change['rules'][:3]}"


def print_report(report: Report, show_errors: bool) -> None:
    """Print the summary table (and, if asked, every error) with rich."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"Policy changes: {len(report.outcomes)} snippets")
    for column in (
        "TP",
        "FP",
        "FN",
        "precision",
        "recall",
        "F1",
        "direction acc",
        "actor acc",
        "seconds",
    ):
        table.add_column(column, justify="right")
    table.add_row(
        str(report.tp),
        str(report.fp),
        str(report.fn),
        f"{report.precision:.3f}",
        f"{report.recall:.3f}",
        f"{report.f1:.3f}",
        f"{report.direction_accuracy:.3f}",
        f"{report.actor_accuracy:.3f}",
        f"{report.seconds:.1f}",
    )
    console.print(table)
    if not show_errors:
        return
    for outcome in report.outcomes:
        record = outcome.record
        gold = record["is_policy_change"]
        kinds = []
        if outcome.predicted and not gold:
            kinds.append("FP")
        if gold and not outcome.predicted:
            kinds.append("FN")
        if outcome.direction_ok is False:
            kinds.append("DIR")
        if outcome.actor_ok is False:
            kinds.append("ACTOR")
        if not kinds:
            continue
        console.print(
            f"[bold]{'/'.join(kinds)}[/] {record['id']}: {record['title']}", highlight=False
        )
        console.print(f"  text: {record['text'][:220]}", highlight=False, markup=False)
        console.print(
            f"  gold: {record['status']}/{record['direction']} actor={record['actor']}",
            highlight=False,
        )
        shown = outcome.best or (outcome.changes[0] if outcome.changes else None)
        console.print(f"  got:  {_describe(shown)}", highlight=False, markup=False)


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print its table; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEV_SET, help="labelled JSONL (dev.jsonl)")
    parser.add_argument("--show-errors", action="store_true", help="print every error")
    options = parser.parse_args(argv)
    report = evaluate(load(options.data))
    print_report(report, options.show_errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
