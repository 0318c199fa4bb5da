"""Train the policy model on the labelled corpus and write it where the stage loads it.

    .venv/bin/python -m bench.train_policy [--splits train] [--out PATH] [--limit N]

Deterministic for the same labels and code (fixed seed, fixed order); ~3 minutes on 2 cores.
The labels are `bench/data/policy/labels.jsonl`, joined with their texts from `../shared`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bench.policy_corpus.store import Item, load_items
from pipeline.policy.candidates import DocReading, read_candidates
from pipeline.policy.model import MODEL_PATH
from pipeline.policy.training import LabelledDoc, TrainingSettings, train

MODEL_VERSION = "2026.12.1"


def labelled(items: Sequence[Item]) -> list[LabelledDoc]:
    """Return the items as training documents (evidence turned back into text)."""
    docs = []
    for item in items:
        content = item.content
        evidence = [content[start:end] for start, end in item.evidence_spans()]
        docs.append(
            LabelledDoc(
                id=item.id,
                content=content,
                positive=item.positive,
                status=str(item.label["status"]),
                direction=str(item.label["direction"]),
                evidence=evidence,
                group=item.pool,
            )
        )
    return docs


def read(docs: Sequence[LabelledDoc]) -> list[DocReading]:
    """Return each document read for candidates, cleaned and parsed as the stage does."""
    from pipeline.config import PipelineConfig
    from pipeline.process import parsed_documents

    parsed = parsed_documents([d.content for d in docs], PipelineConfig())
    return [read_candidates(doc, found) for doc, found in parsed]


def main(argv: list[str] | None = None) -> int:
    """Train, report the cross-validated threshold and write the model; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", default="train", help="comma list of splits to train on")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the model")
    parser.add_argument(
        "--limit", type=int, help="train on N items spread over the corpus (smoke test)"
    )
    options = parser.parse_args(argv)
    splits = [s for s in options.splits.split(",") if s]
    if "lockbox" in splits:
        print("error: the lockbox is never trained on", file=sys.stderr)
        return 2
    items = load_items(splits)
    if options.limit:  # an even slice across pools and strata, for smoke tests
        items = items[:: max(1, len(items) // options.limit)][: options.limit]
    started = time.perf_counter()

    def say(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    model, _ = train(
        labelled(items),
        read,
        TrainingSettings(folds=5 if not options.limit else 2),
        version=MODEL_VERSION,
        meta={"splits": splits, "trained_on": date.today().isoformat()},
        progress=say,
    )
    model.save(options.out)
    size = options.out.stat().st_size
    say(
        f"wrote {options.out} ({size / 1e6:.2f} MB): {len(model.change.weights)} change features, "
        f"threshold {model.threshold}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
