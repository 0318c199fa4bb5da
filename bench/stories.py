"""How well policy stories group the same decision: pairwise precision and recall of membership.

Every labelled article of the same-day groups (`bench/data/stories/labels-*.jsonl`: the stories'
articles and the groups' other articles) and the frozen single-article distractors of the other
pools run through the whole pipeline (`pipeline.process.enrich_batch`, as in production); their
`pipeline.stories` contributions are applied to story books exactly as the stories agent does.
A predicted pair is two articles of one predicted story; a gold pair, two articles of one
labelled story. Precision = correct predicted pairs / predicted pairs; recall = correct / gold.
One split of groups is run at a time (dev / lockbox: a seeded hash of each group's name), with
all the distractors. The lockbox is scored only with `--split lockbox --log`, when a
piece of work is finished (its errors are never shown).

    python -m bench.stories [--split dev] [--show-errors]
    python -m bench.stories --split lockbox --log   # only when a piece of work is done
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench.console import console
from bench.lockbox import append_rows, stamp
from bench.story_set import (
    REPO,
    GroupLabels,
    load_distractors,
    load_labels,
    load_split,
    pool_articles,
    same_day_articles,
)

CACHE = REPO / ".cache" / "stories"
LOCKBOX_MARK = "<!-- stories-lockbox-log -->"
TARGETS = {"precision": 0.90, "recall": 0.75}

Pair = tuple[str, str]


def pairs(ids: Iterable[str]) -> set[Pair]:
    """Return the unordered pairs (sorted tuples) of distinct ids."""
    return {(a, b) for a, b in itertools.combinations(sorted(set(ids)), 2)}


def _code_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((REPO / "pipeline").rglob("*")):
        if path.is_file() and path.suffix in {".py", ".json", ".txt", ".jsonl"}:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def raw_of(row: dict[str, Any]) -> Any:
    """Return the RawArticle a corpus row arrives as (outlet as source, its day as time)."""
    from schemas import RawArticle

    day = row.get("date") or None
    return RawArticle(
        id=row["id"],
        title=row.get("title") or None,
        content=row.get("text") or row.get("title") or "-",
        source=row.get("outlet") or None,
        url=row.get("url") or None,
        published_at=f"{day}T12:00:00Z" if day else None,
    )


def enriched(rows: list[dict[str, Any]], batch_size: int = 32) -> Iterator[Any]:
    """Yield the EnrichedArticle of each row that is not rejected (cached per pipeline code)."""
    from pipeline.config import PipelineConfig
    from pipeline.process import enrich_batch
    from schemas import EnrichedArticle

    ids = hashlib.sha256("\n".join(sorted(r["id"] for r in rows)).encode()).hexdigest()[:12]
    cache = CACHE / f"enriched-{_code_digest()}-{ids}.jsonl"
    if cache.exists():
        for line in cache.read_text(encoding="utf-8").splitlines():
            yield EnrichedArticle.model_validate_json(line)
        return
    CACHE.mkdir(parents=True, exist_ok=True)
    config = PipelineConfig()
    started = time.monotonic()
    lines: list[str] = []
    for offset in range(0, len(rows), batch_size):
        batch = [raw_of(r) for r in rows[offset : offset + batch_size]]
        for outcome in enrich_batch(batch, config):
            if isinstance(outcome, EnrichedArticle):
                lines.append(outcome.model_dump_json())
                yield outcome
        done = min(offset + batch_size, len(rows))
        rate = done / max(time.monotonic() - started, 1e-9)
        console.print(f"  enriched {done}/{len(rows)} ({rate:.1f} articles/s)", end="\r")
    console.print()
    cache.write_text("\n".join(lines) + "\n", encoding="utf-8")


def predicted_stories(articles: Iterable[Any]) -> list[list[str]]:
    """Return the article ids of each story the stories agent's books would hold."""
    from pipeline.stories import StoryBook, updates

    books: dict[str, StoryBook] = {}
    for article in articles:
        for update in updates(article):
            book = books.setdefault(update.group_key, StoryBook(update.group_key))
            book.apply(update)
    return [list(s.article_ids) for book in books.values() for s in book.stories()]


@dataclass
class Score:
    """Pairwise counts of one split."""

    gold: set[Pair] = field(default_factory=set)
    predicted: set[Pair] = field(default_factory=set)

    @property
    def correct(self) -> int:
        """Return how many predicted pairs are gold."""
        return len(self.gold & self.predicted)

    @property
    def precision(self) -> float:
        """Return correct / predicted (1.0 when nothing is predicted)."""
        return self.correct / len(self.predicted) if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Return correct / gold (1.0 when there is no gold pair)."""
        return self.correct / len(self.gold) if self.gold else 1.0


def score(groups: Iterable[GroupLabels], stories: list[list[str]]) -> Score:
    """Return the pairwise score of predicted stories against the labelled groups' stories."""
    result = Score()
    for labels in groups:
        for story in labels.stories:
            result.gold |= pairs(story.article_ids)
    for ids in stories:
        result.predicted |= pairs(ids)
    return result


def _log_lockbox(result: Score, stories: int, articles: int) -> str:
    row = (
        f"{stamp()} {stories} | {articles} | {len(result.gold)} | {len(result.predicted)} | "
        f"{result.correct} | {result.precision:.3f} | {result.recall:.3f} |"
    )
    return append_rows(LOCKBOX_MARK, [row])


def main(argv: list[str] | None = None) -> int:
    """Run the grouping benchmark; print pairwise P/R; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "lockbox"), default="dev")
    parser.add_argument("--show-errors", action="store_true", help="dev only")
    parser.add_argument("--log", action="store_true", help="append a lockbox score")
    args = parser.parse_args(argv)
    if args.split != "dev" and args.show_errors:
        print("error: --show-errors is for the dev split only", file=sys.stderr)
        return 2
    if args.log and args.split != "lockbox":
        print("error: --log is for the lockbox split only", file=sys.stderr)
        return 2
    groups = load_labels()
    split = load_split()
    distractor_ids = load_distractors()
    wanted = set(split[args.split])
    corpus = same_day_articles()
    rows = [
        corpus[i]
        for name in sorted(groups)
        if name in wanted
        for i in sorted(groups[name].article_ids())
    ]
    extra = pool_articles(distractor_ids)
    rows += [extra[i] for i in sorted(extra)]
    console.print(f"{len(rows)} articles ({len(extra)} distractors), split {args.split}")
    stories = predicted_stories(enriched(rows))
    chosen = {name: groups[name] for name in groups if name in wanted}
    part = score(chosen.values(), stories)
    labelled = sum(len(g.stories) for g in chosen.values())
    print(
        f"split {args.split}: {labelled} labelled stories in {len(chosen)} groups; "
        f"{sum(1 for s in stories if len(s) > 1)} predicted stories with 2+ articles"
    )
    print("| split | gold pairs | predicted pairs | correct | P | R |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {args.split} | {len(part.gold)} | {len(part.predicted)} | {part.correct} | "
        f"{part.precision:.3f} | {part.recall:.3f} |"
    )
    if args.show_errors:
        _show_errors(part, corpus | extra)
    if args.log:
        _log_lockbox(part, labelled, len(rows))
    return 0


def _show_errors(result: Score, articles: dict[str, dict[str, Any]]) -> None:
    def title(article_id: str) -> str:
        return str(articles.get(article_id, {}).get("title", ""))[:70]

    for label, missing in (
        ("false pair", result.predicted - result.gold),
        ("missed pair", result.gold - result.predicted),
    ):
        for a, b in sorted(missing)[:40]:
            print(f"{label}: {a} {title(a)!r} ~ {b} {title(b)!r}")


if __name__ == "__main__":
    sys.exit(main())
