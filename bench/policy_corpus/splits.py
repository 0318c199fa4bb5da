"""Train / dev / lockbox splits of the labelled policy corpus, drawn once and frozen.

    .venv/bin/python -m bench.policy_corpus.splits --drawn DRAWN.jsonl [--seen IDS.txt]

The lockbox is stratified by pool and stratum and drawn before any item is labelled or looked at;
items a developer has read while calibrating (`--seen`) can only go to train. The file records a
digest of the lockbox ids, and a test fails if the lockbox ever changes (`docs/benchmarks.md`,
"Lockbox rules").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.policy_corpus.select import SEED

DATA = Path(__file__).resolve().parents[1] / "data" / "policy"
SPLITS = DATA / "splits.json"
SHARES = {"lockbox": 0.2, "dev": 0.18}  # the rest is train


def digest(ids: list[str]) -> str:
    """Return the sha256 of a sorted id list: what freezes a split."""
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def draw_splits(drawn: list[dict[str, Any]], seen: set[str], seed: int = SEED) -> dict[str, Any]:
    """Return {split: [ids]}: each (pool, stratum) cell divided by SHARES, seen items in train."""
    rng = random.Random(f"{seed}:splits")
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in drawn:
        cells[(row["pool"], row["stratum"])].append(row["id"])
    splits: dict[str, list[str]] = {"train": [], "dev": [], "lockbox": []}
    for key in sorted(cells):
        ids = sorted(cells[key])
        rng.shuffle(ids)
        unseen = [i for i in ids if i not in seen]
        splits["train"] += [i for i in ids if i in seen]
        cursor = 0
        for name, share in SHARES.items():
            count = round(share * len(ids))
            splits[name] += unseen[cursor : cursor + count]
            cursor += count
        splits["train"] += unseen[cursor:]
    return {name: sorted(ids) for name, ids in splits.items()}


def load_splits(path: Path = SPLITS) -> dict[str, list[str]]:
    """Return the frozen splits: split name -> ids."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {name: list(ids) for name, ids in data["splits"].items()}


def main(argv: list[str] | None = None) -> int:
    """Write splits.json; refuse to overwrite an existing lockbox. Return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drawn", type=Path, required=True, help="JSONL from select")
    parser.add_argument("--seen", type=Path, help="ids (one a line) read before the split")
    parser.add_argument(
        "--extend", action="store_true", help="split the newly drawn items, keep the rest"
    )
    options = parser.parse_args(argv)
    drawn = [json.loads(line) for line in options.drawn.read_text().splitlines() if line.strip()]
    seen = set(options.seen.read_text().split()) if options.seen else set()
    if SPLITS.exists() and not options.extend:
        print(f"{SPLITS} exists: the lockbox is frozen (delete it only to draw a new lockbox)")
        return 2
    splits = {"train": [], "dev": [], "lockbox": []}
    if options.extend:
        splits = load_splits()
        done = {i for ids in splits.values() for i in ids}
        drawn = [row for row in drawn if row["id"] not in done]
    for name, ids in draw_splits(drawn, seen).items():
        splits[name] = sorted(splits[name] + ids)
    SPLITS.write_text(
        json.dumps(
            {
                "seed": SEED,
                "lockbox_sha256": digest(splits["lockbox"]),
                "splits": splits,
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print(", ".join(f"{name} {len(ids)}" for name, ids in splits.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
