"""The entity stage's cost over spaCy's own time on the same text (quality: `bench.entity_set`).

    .venv/bin/python -m bench.entities [--repeat 3] [--timing-docs N]

spaCy's `nlp.pipe` over the texts with the model alone, then the stage's component and
`extract_entities` on the same Docs; the best of --repeat runs each, overhead = stage / spaCy.
Two sets of texts: real article bodies (the article-extraction benchmark's ground truth) and
short wire texts (the entity dev set's windows: AG News snippets and AllSides openings).
Target (issue 16): the stage adds at most 15% to spaCy's own time on either.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import spacy
from spacy.language import Language

from bench.entity_set import SHARED, load_split, vanilla_model
from pipeline import entities, nlp
from pipeline.config import PipelineConfig

REPO = Path(__file__).resolve().parent.parent
TIMING_TEXTS = SHARED / "benchmarks" / "article-extraction" / "ground-truth.json"
OVERHEAD_TARGET_PERCENT = 15.0


def timing_texts(limit: int | None = None) -> list[str]:
    """Return real article bodies to time on (the article-extraction benchmark's ground truth)."""
    data = json.loads(TIMING_TEXTS.read_text(encoding="utf-8"))
    texts = [item["articleBody"] for item in data.values() if item.get("articleBody")]
    return texts[:limit] if limit else texts


def short_texts() -> list[str]:
    """Return the entity set's windows (train and dev): one- to three-sentence wire texts."""
    return [d.text for split in ("train", "dev") for d in load_split(split)]


def time_stage(
    vanilla: Language, staged: Language, texts: list[str], repeat: int
) -> dict[str, float]:
    """Return spaCy's own seconds on `texts`, the stage's seconds on the same Docs, and the ratio.

    The stage's time is its component plus `extract_entities`, timed on the Docs spaCy just made:
    subtracting two end-to-end runs would measure the neighbours on 2 shared cores, not the stage.
    """
    component = staged.get_pipe(entities.COMPONENT)
    spacy_runs, stage_runs = [], []
    for _ in range(repeat + 1):  # the first run warms caches and is dropped
        started = time.perf_counter()
        docs = list(vanilla.pipe(texts, batch_size=16))
        parsed = time.perf_counter()
        for doc in docs:
            entities.extract_entities(component(doc))
        done = time.perf_counter()
        spacy_runs.append(parsed - started)
        stage_runs.append(done - parsed)
    spacy_s, stage_s = min(spacy_runs[1:]), min(stage_runs[1:])
    return {
        "spacy_seconds": spacy_s,
        "stage_seconds": stage_s,
        "overhead_percent": 100.0 * stage_s / spacy_s,
        "chars": float(sum(len(t) for t in texts)),
        "docs": float(len(texts)),
    }


def main(argv: list[str] | None = None) -> None:
    """Print the stage's overhead over spaCy on article bodies and on short texts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timing-docs", type=int, default=0, help="0: all")
    args = parser.parse_args(argv)
    vanilla, staged = vanilla_model(), nlp.load_nlp(PipelineConfig().spacy_model)
    print("| texts | docs | chars | spaCy s | stage s | overhead | target |")
    print("|---|---|---|---|---|---|---|")
    for name, texts in (
        ("article bodies", timing_texts(args.timing_docs or None)),
        ("short wire texts", short_texts()),
    ):
        t = time_stage(vanilla, staged, texts, args.repeat)
        verdict = "met" if t["overhead_percent"] <= OVERHEAD_TARGET_PERCENT else "MISSED"
        print(
            f"| {name} | {int(t['docs'])} | {int(t['chars'])} | {t['spacy_seconds']:.2f} | "
            f"{t['stage_seconds']:.3f} | {t['overhead_percent']:.1f}% | ≤ 15%: {verdict} |"
        )
    print(f"\nbest of {args.repeat}; Python {platform.python_version()}, spaCy {spacy.__version__}")


if __name__ == "__main__":
    main()
