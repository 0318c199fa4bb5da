"""The exact attribute ruler against spaCy's: the component's own time and the pipeline's rate.

    .venv/bin/python -m bench.attribute_ruler [--articles 150] [--rounds 3]

Both pipelines are `pipeline.nlp.build_nlp` (stock: `stock_attribute_ruler=True`), in this one
process, over the cleaned text of the first --articles corpus articles (`bench/corpus.py`).
- Pipeline: `nlp.pipe(texts, batch_size=8)` end to end, rounds alternating stock and exact.
- Component: the Docs as the parser leaves them are copied, and each ruler runs on the copies
  alone, rounds alternating; the exact one is a new instance with the model's patterns.
In both, the exact ruler's first round starts with an empty memo (every new combination of token
values is tested once) and later rounds reuse it, as a long-running worker does.
Every round's Docs are compared: the run stops if any annotation differs.
"""

from __future__ import annotations

import argparse
import functools
import platform
import statistics
import time
from collections.abc import Callable, Iterable

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from bench import corpus
from bench.throughput import cleaned_texts
from pipeline.attribute_rules import ExactAttributeRuler
from pipeline.nlp import build_nlp

MODEL = "en_core_web_sm"
RULER = "attribute_ruler"


def _annotations(docs: Iterable[Doc]) -> list[tuple[int, ...]]:
    return [
        (t.pos, t.tag, t.dep, t.head.i, t.lemma, t.morph.key, t.ent_iob, t.ent_type)
        for doc in docs
        for t in doc
    ]


def component_seconds(ruler: Callable[[Doc], Doc], parsed: list[Doc]) -> tuple[float, list[Doc]]:
    """Return the seconds `ruler` takes on copies of `parsed`, and the copies."""
    copies = [doc.copy() for doc in parsed]
    started = time.perf_counter()
    for doc in copies:
        ruler(doc)
    return time.perf_counter() - started, copies


def pipe_seconds(nlp: Language, texts: list[str]) -> tuple[float, list[Doc]]:
    """Return the seconds `nlp.pipe` takes on `texts`, and the Docs."""
    started = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=8))
    return time.perf_counter() - started, docs


def alternate(
    rounds: int,
    runs: dict[str, Callable[[], tuple[float, list[Doc]]]],
    row: Callable[[int, str, float], str],
) -> dict[str, list[float]]:
    """Return each run's seconds over `rounds` alternating rounds, printing a row for each.

    Exits if the runs' annotations differ in any round.
    """
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(1, rounds + 1):
        results = {}
        for name, run in runs.items():
            took, results[name] = run()
            seconds[name].append(took)
            print(row(round_, name, took))
        first, *others = (_annotations(docs) for docs in results.values())
        if any(other != first for other in others):
            raise SystemExit("the annotations differ")
    return seconds


def main(argv: list[str] | None = None) -> None:
    """Print every round's times and the medians as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=150)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    texts = cleaned_texts(corpus.build(args.articles))
    stock, exact = build_nlp(MODEL, stock_attribute_ruler=True), build_nlp(MODEL)
    pipes = {"stock": stock, "exact": exact}
    after = stock.pipe_names[stock.pipe_names.index(RULER) :]
    parsed = list(stock.pipe(texts, batch_size=8, disable=after))
    stock_ruler = stock.get_pipe(RULER)
    exact_ruler = ExactAttributeRuler(stock.vocab)
    exact_ruler.add_patterns(stock_ruler.patterns)
    rulers = {"stock": stock_ruler, "exact": exact_ruler}
    tokens = sum(len(doc) for doc in parsed)
    print(f"{len(texts)} articles, {sum(map(len, texts))} chars, {tokens} tokens\n")

    print("| round | pipeline | seconds | articles/s |\n|---|---|---|---|")
    pipe_s = alternate(
        args.rounds,
        {name: functools.partial(pipe_seconds, nlp, texts) for name, nlp in pipes.items()},
        lambda round_, name, seconds: (
            f"| {round_} | {name} | {seconds:.2f} | {len(texts) / seconds:.2f} |"
        ),
    )
    print("\n| round | component | seconds | µs per token |\n|---|---|---|---|")
    ruler_s = alternate(
        args.rounds,
        {name: functools.partial(component_seconds, r, parsed) for name, r in rulers.items()},
        lambda round_, name, seconds: (
            f"| {round_} | {name} | {seconds:.3f} | {1e6 * seconds / tokens:.2f} |"
        ),
    )

    median = {name: statistics.median(s) for name, s in ruler_s.items()}
    rate = {name: len(texts) / statistics.median(s) for name, s in pipe_s.items()}
    print(
        f"\nMedians: component {median['stock']:.3f} s -> {median['exact']:.3f} s "
        f"({median['stock'] / median['exact']:.1f}x); nlp.pipe {rate['stock']:.2f} -> "
        f"{rate['exact']:.2f} articles/s ({100 * (rate['exact'] / rate['stock'] - 1):+.1f}%)"
    )
    print(f"Python {platform.python_version()}, spaCy {spacy.__version__}")


if __name__ == "__main__":
    main()
