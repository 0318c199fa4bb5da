"""Entity extraction: quality (spaCy alone vs the stage) and the stage's cost over spaCy's own time.

    .venv/bin/python -m bench.entities [--eval bench/data/entities-eval.jsonl] [--repeat 3]

Quality: precision/recall/F1 of mention spans with their types on hand-annotated real news
(bench/data/README.md says where it comes from and how it was annotated). Three matchings:
- strict: exact character offsets and label;
- normalised: offsets after trimming a leading "the" and a trailing possessive from both sides
  (annotation conventions differ on these; the entity is the same);
- untyped: normalised offsets, any label (did it find the name at all?).
"spaCy alone" is en_core_web_sm's doc.ents (numeric labels dropped, as the stage drops them);
"stage" is every mention of every entity `extract_entities` returns, with the entity's type.

Speed: spaCy's `nlp.pipe` over real article bodies with the model alone, then the stage's component
and `extract_entities` on the same Docs; the best of --repeat runs each, overhead = stage / spaCy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

from pipeline import entities, nlp

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO / "bench" / "data" / "entities-eval.jsonl"
SHARED = Path(os.environ.get("NEWSFLOW_SHARED_DIR", REPO.parent / "shared"))
TIMING_TEXTS = SHARED / "benchmarks" / "article-extraction" / "ground-truth.json"
MODEL = "en_core_web_sm"
NAME_LABELS = entities.NAME_LABELS

Mention = tuple[int, int, str]
_LEADING_THE = re.compile(r"(?i)^the\s+")
_POSSESSIVE = re.compile(r"(?:['’]s?|s['’])$")


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of one system under one matching."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted: int
    gold: int


def load_eval(path: Path = EVAL) -> list[dict[str, Any]]:
    """Return the annotated documents: id, source, text, entities (start, end, label, text)."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def normalise(text: str, mention: Mention) -> Mention:
    """Return `mention` without a leading "the" and a trailing possessive."""
    start, end, label = mention
    surface = text[start:end]
    lead = _LEADING_THE.match(surface)
    if lead and lead.end() < len(surface):
        start += lead.end()
    tail = _POSSESSIVE.search(text[start:end])
    if tail and tail.start() > 0:
        end = start + tail.start()
    return start, end, label


def score(gold: Sequence[set[Mention]], predicted: Sequence[set[Mention]]) -> Scores:
    """Return micro-averaged P/R/F1 of `predicted` against `gold`, document by document."""
    tp = sum(len(g & p) for g, p in zip(gold, predicted, strict=True))
    n_pred = sum(len(p) for p in predicted)
    n_gold = sum(len(g) for g in gold)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, tp, n_pred, n_gold)


def _views(text: str, mentions: Iterable[Mention]) -> dict[str, set[Mention]]:
    ms = set(mentions)
    normal = {normalise(text, m) for m in ms}
    return {
        "strict": ms,
        "normalised": normal,
        "untyped": {(s, e, "") for s, e, _ in normal},
    }


def model_mentions(doc: Any) -> set[Mention]:
    """Return spaCy's own name mentions in `doc`."""
    return {(e.start_char, e.end_char, e.label_) for e in doc.ents if e.label_ in NAME_LABELS}


def stage_mentions(doc: Any) -> set[Mention]:
    """Return the stage's mentions in `doc`, each with its entity's type."""
    return {
        (m.start, m.end, e.type.value)
        for e in entities.extract_entities(doc)
        for m in e.mentions
        if e.type.value in NAME_LABELS
    }


def evaluate(
    docs: Sequence[dict[str, Any]], model: Language, mentions_of: Any
) -> dict[str, Scores]:
    """Return the scores of `mentions_of(doc)` on the annotated `docs` under every matching."""
    gold: dict[str, list[set[Mention]]] = {"strict": [], "normalised": [], "untyped": []}
    pred: dict[str, list[set[Mention]]] = {"strict": [], "normalised": [], "untyped": []}
    for item, doc in zip(docs, model.pipe(d["text"] for d in docs), strict=True):
        text = item["text"]
        expected = [(e["start"], e["end"], e["label"]) for e in item["entities"]]
        for view, ms in _views(text, expected).items():
            gold[view].append(ms)
        for view, ms in _views(text, mentions_of(doc)).items():
            pred[view].append(ms)
    return {view: score(gold[view], pred[view]) for view in gold}


def errors_by_label(docs: Sequence[dict[str, Any]], model: Language) -> Counter[str]:
    """Return the stage's normalised false positives and negatives, counted by label."""
    counts: Counter[str] = Counter()
    for item, doc in zip(docs, model.pipe(d["text"] for d in docs), strict=True):
        text = item["text"]
        gold = {normalise(text, (e["start"], e["end"], e["label"])) for e in item["entities"]}
        pred = {normalise(text, m) for m in stage_mentions(doc)}
        counts.update(f"FP {m[2]}" for m in pred - gold)
        counts.update(f"FN {m[2]}" for m in gold - pred)
    return counts


def load_models() -> tuple[Language, Language]:
    """Return (spaCy alone, spaCy with the stage's component), loaded the same way."""
    vanilla = spacy.load(nlp.resolve_model_name(MODEL), exclude=list(nlp._UNUSED_COMPONENTS))
    return vanilla, nlp.load_nlp(MODEL)


def timing_texts(limit: int | None = None) -> list[str]:
    """Return real article bodies to time on (the article-extraction benchmark's ground truth)."""
    data = json.loads(TIMING_TEXTS.read_text(encoding="utf-8"))
    texts = [item["articleBody"] for item in data.values() if item.get("articleBody")]
    return texts[:limit] if limit else texts


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


def _row(name: str, s: Scores) -> str:
    counts = f"{s.true_positives} | {s.predicted} | {s.gold}"
    return f"| {name} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {counts} |"


def main(argv: list[str] | None = None) -> None:
    """Print the quality and speed tables as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=EVAL)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timing-docs", type=int, default=0, help="0: all")
    parser.add_argument("--errors", action="store_true", help="print the stage's errors by label")
    args = parser.parse_args(argv)

    docs = load_eval(args.eval)
    vanilla, staged = load_models()
    alone = evaluate(docs, vanilla, model_mentions)
    stage = evaluate(docs, staged, stage_mentions)
    gold = sum(len(d["entities"]) for d in docs)
    print(f"Evaluation set: {args.eval.relative_to(REPO)} ({len(docs)} docs, {gold} mentions)\n")
    print("| system / matching | precision | recall | F1 | TP | predicted | gold |")
    print("|---|---|---|---|---|---|---|")
    for view in ("strict", "normalised", "untyped"):
        print(_row(f"spaCy alone / {view}", alone[view]))
        print(_row(f"stage / {view}", stage[view]))
    if args.errors:
        print()
        for key, count in sorted(errors_by_label(docs, staged).items()):
            print(f"- {key}: {count}")
    texts = timing_texts(args.timing_docs or None)
    timing = time_stage(vanilla, staged, texts, args.repeat)
    print(
        f"\nSpeed on {int(timing['docs'])} article bodies ({int(timing['chars'])} chars), "
        f"best of {args.repeat}: spaCy's nlp.pipe {timing['spacy_seconds']:.2f} s, "
        f"the stage on the same Docs {timing['stage_seconds']:.3f} s, "
        f"overhead {timing['overhead_percent']:.1f}%"
    )
    print(f"Python {platform.python_version()}, spaCy {spacy.__version__}")


if __name__ == "__main__":
    main()
