"""Out-of-fold accuracy of the direction classifier alone, per candidate, on the train split.

Reads the train split once as `bench.train_policy` does, keeps the candidates that teach a
direction (evidence sentences of positive documents), and runs a 5-fold cross-validation grouped by
document for a grid of regularisation strengths and feature count floors. Also prints how often
the trigger word's own direction (the lexicon's `rdir:` feature) agrees with the label.

    python -m bench.policy_direction_cv
"""

from __future__ import annotations

import random
from collections import Counter

from bench.policy_corpus.store import load_items
from bench.train_policy import labelled, read
from pipeline.policy.training import _fit, examples_of

GRID_C = (0.03, 0.1, 0.3, 1.0, 3.0)
GRID_MIN_COUNT = (1, 2, 3)
FOLDS = 5
SEED = 1


def main() -> None:
    """Print the out-of-fold direction accuracy for each setting, and the lexicon's agreement."""
    docs = labelled(load_items(["train"]))
    examples = [e for d, r in zip(docs, read(docs), strict=True) for e in examples_of(d, r)]
    rows = [(e.doc_id, e.features, e.direction) for e in examples if e.direction is not None]
    ids = sorted({doc_id for doc_id, _, _ in rows})
    random.Random(SEED).shuffle(ids)
    fold = {doc_id: i % FOLDS for i, doc_id in enumerate(ids)}
    print(f"{len(rows)} direction examples in {len(ids)} documents: {Counter(r[2] for r in rows)}")
    lexicon = Counter(
        next((f[5:] for f in features if f.startswith("rdir:")), None) == label
        for _, features, label in rows
    )
    print(f"trigger's own direction agrees with the label: {lexicon[True] / len(rows):.3f}")
    for c in GRID_C:
        for min_count in GRID_MIN_COUNT:
            right = 0
            for k in range(FOLDS):
                train = [(f, y) for d, f, y in rows if fold[d] != k]
                classifier = _fit(train, c, min_count, balanced=False)
                right += sum(classifier.best(f)[0] == y for d, f, y in rows if fold[d] == k)
            print(f"C={c} min_count={min_count}: out-of-fold accuracy {right / len(rows):.3f}")


if __name__ == "__main__":
    main()
