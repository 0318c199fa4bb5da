"""Policy-change detection on labelled news: document-level P/R/F1, direction and actor, per source.

    .venv/bin/python -m bench.policy [--split dev|train|shared-dev] [--show-errors]
    .venv/bin/python -m bench.policy --split lockbox --log   # only when a piece of work is done
    .venv/bin/python -m bench.policy --data PATH             # any JSONL with dev.jsonl's fields

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

from bench.lockbox import BENCHMARKS, append_rows, stamp

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
    def balanced_precision(self) -> float:
        """Return the precision the same detector would have if half the items were positive.

        recall / (recall + false-positive rate): comparable across sets whose share of
        positives differs (the corpus splits hold ~14%, dev.jsonl and the held-out sets ~50%).
        """
        negatives = sum(1 for o in self.outcomes if not o.record["is_policy_change"])
        fpr = self.fp / negatives if negatives else 0.0
        return self.recall / (self.recall + fpr) if self.recall + fpr else 0.0

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


def evaluate(
    records: list[dict[str, Any]], batch_size: int = 32, title_as_metadata: bool = False
) -> Report:
    """Return the report of the policy stage on `records` (dev-set rows).

    The content is `title + "\n\n" + text`, or with `title_as_metadata` the text alone with the
    title in its own field, as feeds send it.
    """
    from pipeline.config import PipelineConfig
    from pipeline.process import enrich_batch
    from schemas import EnrichedArticle, RawArticle

    config = PipelineConfig()
    raws = [
        RawArticle(id=r["id"], content=r["text"], title=r["title"])
        if title_as_metadata
        else RawArticle(id=r["id"], content=f"{r['title']}\n\n{r['text']}")
        for r in records
    ]
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


def load_split(split: str) -> list[dict[str, Any]]:
    """Return a split of the labelled corpus as dev-set rows (`shared-dev`: dev.jsonl itself)."""
    if split == "shared-dev":
        rows = load(DEV_SET)
        return [{**row, "pool": "agnews-dev"} for row in rows]
    from bench.policy_corpus.store import load_items

    rows = []
    for item in load_items([split]):
        if item.pool == "agnews-dev":
            continue
        rows.append(
            {**item.label, "id": item.id, "title": item.title, "text": item.text, "pool": item.pool}
        )
    return rows


def _describe(change: dict[str, Any] | None) -> str:
    if change is None:
        return "-"
    actor = change["actor"]["name"] + (
        f" ({change['actor']['person']})" if change["actor"]["person"] else ""
    )
    what = f"{change['action']}/{change['direction']}/{change['status']}"
    return f"{actor} {what} rules={change['rules'][:3]}"


def _row(name: str, report: Report) -> list[str]:
    return [
        name,
        str(len(report.outcomes)),
        str(report.tp),
        str(report.fp),
        str(report.fn),
        f"{report.precision:.3f}",
        f"{report.balanced_precision:.3f}",
        f"{report.recall:.3f}",
        f"{report.f1:.3f}",
        f"{report.actor_accuracy:.3f}",
        f"{report.direction_accuracy:.3f}",
    ]


COLUMNS = (
    "set",
    "n",
    "TP",
    "FP",
    "FN",
    "P",
    "P@50%",
    "R",
    "F1",
    "actor",
    "direction",
)


def by_pool(report: Report) -> dict[str, Report]:
    """Return the report split by each outcome's pool (source), plus "all"."""
    pools: dict[str, Report] = {}
    for outcome in report.outcomes:
        pools.setdefault(outcome.record.get("pool", "all"), Report()).outcomes.append(outcome)
    if len(pools) > 1:
        pools["all"] = report
    return pools


def print_report(report: Report, show_errors: bool, title: str = "Policy changes") -> None:
    """Print the summary table per source (and, if asked, every error) with rich."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{title}: {len(report.outcomes)} items, {report.seconds:.1f} s")
    for column in COLUMNS:
        table.add_column(column, justify="right")
    for name, part in by_pool(report).items():
        table.add_row(*_row(name, part))
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


def log_lockbox(report: Report, path: Path = BENCHMARKS) -> str:
    """Append the lockbox scores (per source) with date and commit to the benchmarks log."""
    first = stamp()
    rows = [f"{first} " + " | ".join(_row(n, p)) + " |" for n, p in by_pool(report).items()]
    return append_rows("<!-- lockbox-log -->", rows, path)  # rows end the table


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print its table; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, help="a labelled JSONL with dev.jsonl's fields")
    parser.add_argument(
        "--split",
        default="dev",
        choices=["train", "dev", "lockbox", "shared-dev"],
        help="a split of bench/data/policy (default dev); shared-dev is dev.jsonl",
    )
    parser.add_argument("--show-errors", action="store_true", help="print every error")
    parser.add_argument("--log", action="store_true", help="append the lockbox score to the log")
    parser.add_argument(
        "--title-as-metadata", action="store_true", help="send the title in its own field"
    )
    options = parser.parse_args(argv)
    if options.split == "lockbox" and not options.data:
        if options.show_errors:
            print(
                "error: the lockbox's errors are never shown (docs/benchmarks.md)", file=sys.stderr
            )
            return 2
        if not options.log:
            print("error: a lockbox score is always logged: add --log", file=sys.stderr)
            return 2
    records = load(options.data) if options.data else load_split(options.split)
    report = evaluate(records, title_as_metadata=options.title_as_metadata)
    name = str(options.data) if options.data else options.split
    print_report(report, options.show_errors and options.split != "lockbox", title=name)
    if options.log and options.split == "lockbox" and not options.data:
        print(log_lockbox(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
