"""The labelled corpus joined with its texts: labels from the repository, texts from ../shared.

An `Item` is what the detector is scored on: its content is `title + "\\n\\n" + text` (the text
being an AllSides article's lead), the form the dev set's README prescribes. Evidence is kept in
the repository as offsets into the title or the text and turned back into text here.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from bench.policy_corpus.select import POOLS, read_pool
from bench.policy_corpus.splits import DATA, load_splits

LABELS = DATA / "labels.jsonl"
SECOND_LABELS = DATA / "labels-second.jsonl"
SHARED_DEV = POOLS["agnews"].parents[1] / "benchmarks" / "policy-changes" / "dev.jsonl"
POSITIVE = frozenset({"enacted", "announced", "reported", "reversed"})
SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Span:
    """A piece of an item's content: `field` is "title" or "text", offsets into that field."""

    field: str
    start: int
    end: int


@dataclass
class Item:
    """One labelled news item with its text."""

    id: str
    pool: str
    title: str
    text: str
    label: dict[str, Any]
    evidence: list[Span] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def content(self) -> str:
        """Return what the detector reads: the title, a blank line, the text."""
        return self.title + SEPARATOR + self.text if self.title else self.text

    @property
    def positive(self) -> bool:
        """Return whether the item reports a policy change."""
        return bool(self.label["is_policy_change"])

    def content_span(self, span: Span) -> tuple[int, int]:
        """Return `span` as offsets into `content`."""
        if span.field == "title":
            return span.start, span.end
        shift = len(self.title) + len(SEPARATOR) if self.title else 0
        return span.start + shift, span.end + shift

    def evidence_spans(self) -> list[tuple[int, int]]:
        """Return the evidence sentences as offsets into `content`."""
        return [self.content_span(span) for span in self.evidence]


@lru_cache(maxsize=2)
def _pool_texts(pool: str) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in read_pool(POOLS[pool])}


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _item(label: dict[str, Any]) -> Item:
    pool = label["pool"]
    if pool == "agnews-dev":
        source = {row["id"]: row for row in _read_jsonl(SHARED_DEV)}[label["id"]]
        text = source["text"]
    else:
        source = _pool_texts(pool)[label["id"]]
        text = source["text"][: label["lead_end"]] if "lead_end" in label else source["text"]
    evidence = [Span(e["field"], e["start"], e["end"]) for e in label.get("evidence", [])]
    meta = {k: source[k] for k in ("outlet", "date", "topic", "class") if k in source}
    return Item(label["id"], pool, source["title"], text, label, evidence, meta)


@lru_cache(maxsize=2)
def _labels(path: Path) -> tuple[dict[str, Any], ...]:
    return tuple(_read_jsonl(path)) if path.exists() else ()


def load_items(
    splits: Iterable[str] = ("train", "dev"),
    path: Path = LABELS,
    pools: Iterable[str] | None = None,
) -> list[Item]:
    """Return the labelled items of the named splits (and pools), texts joined from ../shared."""
    wanted_splits = set(splits)
    assignment = {i: name for name, ids in load_splits().items() for i in ids}
    wanted_pools = set(pools) if pools is not None else None
    items = []
    for label in _labels(path):
        split = assignment.get(label["id"], "train")  # the shared dev set's rows are train
        if split not in wanted_splits:
            continue
        if wanted_pools is not None and label["pool"] not in wanted_pools:
            continue
        items.append(_item(label))
    return items


def split_of(item_id: str) -> str:
    """Return the split an item belongs to."""
    for name, ids in load_splits().items():
        if item_id in ids:
            return name
    return "train"
