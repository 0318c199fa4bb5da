"""Five-fold cross-validated policy detection on train + dev: P / P@50% / R per source.

    .venv/bin/python -m bench.policy_cv [--splits train,dev]

Each fold's documents are scored by a model trained on the other four, through the detector's
own decision path, and cut at the shipped model's threshold. P@50% is the precision the same
detector would have if half the documents reported a change (the held-out sets' share).
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.policy_corpus.store import load_items
from bench.train_policy import labelled, read
from pipeline.policy.model import shipped_model
from pipeline.policy.training import TrainingSettings, cross_validated, examples_of


def main(argv: list[str] | None = None) -> int:
    """Print the cross-validated scores; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", default="train,dev", help="comma list of splits")
    options = parser.parse_args(argv)
    started = time.perf_counter()
    docs = labelled(load_items(options.splits.split(",")))
    print(f"reading {len(docs)} documents", file=sys.stderr, flush=True)
    readings = read(docs)
    examples = [e for d, r in zip(docs, readings, strict=True) for e in examples_of(d, r)]
    scored = cross_validated(docs, readings, examples, TrainingSettings())
    threshold = shipped_model().threshold
    group = {d.id: d.group for d in docs}
    print(f"threshold {threshold} (shipped model), {time.perf_counter() - started:.0f} s")
    print("| source | n | positives | P | P@50% | R | F1 |")
    print("|---|---|---|---|---|---|---|")
    for name in ("agnews", "allsides", "agnews-dev", "all"):
        rows = [(s, g) for i, s, g in scored if name == "all" or group[i] == name]
        if not rows:
            continue
        tp = sum(1 for s, g in rows if g and s >= threshold)
        fp = sum(1 for s, g in rows if not g and s >= threshold)
        pos = sum(1 for _, g in rows if g)
        neg = len(rows) - pos
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / pos if pos else 0.0
        fpr = fp / neg if neg else 0.0
        p50 = r / (r + fpr) if r + fpr else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"| {name} | {len(rows)} | {pos} | {p:.3f} | {p50:.3f} | {r:.3f} | {f1:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
