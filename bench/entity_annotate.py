"""Build the entity dev set: sample windows, pre-annotate them, apply hand corrections.

    .venv/bin/python -m bench.entity_annotate sample OUT.jsonl
    .venv/bin/python -m bench.entity_annotate pre CANDIDATES.jsonl PRE.jsonl
    .venv/bin/python -m bench.entity_annotate show PRE.jsonl FIRST COUNT > batch.txt
    .venv/bin/python -m bench.entity_annotate apply PRE.jsonl CORRECTIONS.txt...

`sample` draws AG News snippets (the same number from each class: World, Sports, Business,
Sci/Tech) and the first paragraphs of AllSides articles, and gives each a split from a hash of its
id (about a third each: train, dev, lockbox). `pre` stores each window's pre-annotation, `show`
prints windows with it inline, numbered: `[1 Texas Instruments Inc.|ORG]`; train and dev windows
are pre-annotated by the pipeline, lockbox windows by spaCy alone, so the frozen set is not seen
through Newsflow's eyes.
The hand check writes, per window, `### id` and one correction a line:
`d N` (not a name), `l N TYPE` (wrong type), `s N new surface` (wrong boundaries: the new surface
is searched overlapping the old span), `a TYPE surface` (a missed name; its next occurrence not yet
annotated), `ok` (checked, nothing to change). `apply` writes bench/data/entities/<split>.jsonl
with offsets and labels only. Correction files hold surfaces and stay out of the repository.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.entity_set import (
    DATA,
    SHARED,
    newsflow_mentions,
    sha256,
    shared_texts,
    spacy_mentions,
    vanilla_model,
)

SEED = 16
AGNEWS_PER_CLASS = 80
ALLSIDES_ARTICLES = 60
WINDOW_CHARS = 350


def split_of(doc_id: str) -> str:
    """Return the split a document belongs to, from a hash of its id."""
    bucket = int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % 100
    return "lockbox" if bucket < 34 else "dev" if bucket < 67 else "train"


def sample() -> list[dict[str, Any]]:
    """Return the candidate windows: id, source, start, end, split."""
    rng = random.Random(SEED)
    by_class: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with gzip.open(SHARED / "corpora" / "agnews-pool.jsonl.gz", "rt", encoding="utf-8") as rows:
        for line in rows:
            item = json.loads(line)
            by_class[item["class"]].append(item)
    out = []
    for name in sorted(by_class):
        for item in rng.sample(by_class[name], AGNEWS_PER_CLASS):
            out.append({"id": item["id"], "source": "agnews", "start": 0, "end": len(item["text"])})
    with gzip.open(SHARED / "corpora" / "allsides-pool.jsonl.gz", "rt", encoding="utf-8") as rows:
        articles = [json.loads(line) for line in rows]
    for item in rng.sample(articles, ALLSIDES_ARTICLES):
        text = item["text"]
        end = 0
        while end < len(text) and end < WINDOW_CHARS:
            nxt = text.find("\n\n", end + 1)
            end = len(text) if nxt < 0 else nxt
        out.append({"id": item["id"], "source": "allsides", "start": 0, "end": end})
    for row in out:
        row["split"] = split_of(row["id"])
    return out


def _inline(text: str, mentions: list[tuple[int, int, str]]) -> str:
    parts, at = [], 0
    for n, (start, end, label) in enumerate(sorted(mentions), 1):
        parts.append(text[at:start] + f"[{n} {text[start:end]}|{label}]")
        at = end
    return "".join(parts) + text[at:]


def pre(candidates: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str, list[Any]]]:
    """Return (candidate, window text, sorted pre-annotation) per candidate."""
    texts = shared_texts()
    model = vanilla_model()
    out = []
    for row in candidates:
        text = texts[(row["source"], row["id"])][row["start"] : row["end"]]
        if row["split"] == "lockbox":
            found = spacy_mentions(model(text))
        else:
            found = newsflow_mentions(text)
        out.append((row, text, sorted(found)))
    return out


def _find(
    text: str, surface: str, taken: list[tuple[int, int, str]], near: tuple[int, int] | None
) -> int:
    start = text.find(surface)
    while start >= 0:
        end = start + len(surface)
        if near is not None:
            if start < near[1] and near[0] < end:
                return start
        elif not any(s < end and start < e for s, e, _ in taken):
            return start
        start = text.find(surface, start + 1)
    raise ValueError(f"cannot place {surface!r}")


def apply(stored: list[dict[str, Any]], corrections: str) -> dict[str, list[dict[str, Any]]]:
    """Return split -> rows with the hand corrections applied to the pre-annotations."""
    blocks: dict[str, list[str]] = {}
    current = None
    for line in corrections.splitlines():
        if line.startswith("### "):
            current = line[4:].strip()
            blocks[current] = []
        elif line.strip() and current is not None:
            blocks[current].append(line.strip())
    by_id = {r["id"]: r for r in stored}
    texts = shared_texts()
    splits: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc_id, ops in blocks.items():
        row = by_id[doc_id]
        text = texts[(row["source"], row["id"])][row["start"] : row["end"]]
        mentions: list[tuple[int, int, str] | None] = [tuple(m) for m in row["pre"]]
        added: list[tuple[int, int, str]] = []
        for op in ops:
            verb, _, rest = op.partition(" ")
            if verb == "ok":
                continue
            if verb == "a":
                label, _, surface = rest.partition(" ")
                taken = [m for m in mentions if m] + added
                start = _find(text, surface, taken, None)
                added.append((start, start + len(surface), label))
                continue
            number, _, arg = rest.partition(" ")
            index = int(number) - 1
            old = mentions[index]
            if old is None:
                raise ValueError(f"{row['id']}: mention {number} changed twice")
            if verb == "d":
                mentions[index] = None
            elif verb == "l":
                mentions[index] = (old[0], old[1], arg)
            elif verb == "s":
                start = _find(text, arg, [], (old[0], old[1]))
                mentions[index] = (start, start + len(arg), old[2])
            else:
                raise ValueError(f"{row['id']}: unknown correction {op!r}")
        final = sorted({m for m in mentions if m} | set(added))
        splits[row["split"]].append(
            {
                "id": row["id"],
                "source": row["source"],
                "start": row["start"],
                "end": row["end"],
                "sha256": sha256(text),
                "mentions": [list(m) for m in final],
            }
        )
    return splits


def main() -> None:
    """Run one of the sub-commands."""
    command, *args = sys.argv[1:]
    if command == "sample":
        Path(args[0]).write_text("".join(json.dumps(r) + "\n" for r in sample()))
    elif command == "pre":
        rows = [json.loads(line) for line in Path(args[0]).read_text().splitlines()]
        with Path(args[1]).open("w") as out:
            for row, _, found in pre(rows):
                out.write(json.dumps({**row, "pre": [list(m) for m in found]}) + "\n")
    elif command == "show":
        rows = [json.loads(line) for line in Path(args[0]).read_text().splitlines()]
        texts = shared_texts()
        first, count = int(args[1]), int(args[2])
        for row in rows[first : first + count]:
            text = texts[(row["source"], row["id"])][row["start"] : row["end"]]
            found = [tuple(m) for m in row["pre"]]
            print(f"### {row['id']}  ({row['split']})\n{_inline(text, found)}\n")
    elif command == "apply":
        rows = [json.loads(line) for line in Path(args[0]).read_text().splitlines()]
        corrections = "\n".join(Path(p).read_text() for p in args[1:])
        for split, docs in apply(rows, corrections).items():
            existing = DATA / f"{split}.jsonl"
            with existing.open("a", encoding="utf-8") as out:
                for doc in docs:
                    out.write(json.dumps(doc, ensure_ascii=False) + "\n")
            mentions = sum(len(d["mentions"]) for d in docs)
            print(f"{split}: +{len(docs)} documents, +{mentions} mentions")
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
