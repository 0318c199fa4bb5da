"""What the NLP stages read: spaCy's time per component, and how many sentences of an article the
policy and attribution logic look at (issue 19's first step: profile before doing less).

    .venv/bin/python -m bench.stage_needs [--articles 200]

Over the cleaned text of the first --articles corpus articles (`bench/corpus.py`), in this one
process: the tokenizer makes every Doc, then each pipe of `pipeline.nlp.load_nlp` runs over all
of them in batches of 8 with its own clock (after a warm-up on 20 articles). Then, on the
finished Docs:
- sentences holding a lexicon trigger (`pipeline.policy.mentions.find_triggers`): where the
  policy stage can find anything at all;
- sentences where the parse-based reader produced a candidate;
- sentences with an attribution (a source or speaker: `pipeline.policy.attribution.attribute`).
Prints one table per measure, with shares.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections import Counter

from spacy.language import Language
from spacy.tokens import Doc

from bench import corpus
from bench.console import console
from bench.throughput import cleaned_texts
from pipeline.nlp import load_nlp
from pipeline.policy.actors import DocActors
from pipeline.policy.attribution import attribute
from pipeline.policy.mentions import MentionReader, find_triggers

MODEL = "en_core_web_sm"
WARM_UP = 20


def timed_docs(nlp: Language, texts: list[str]) -> tuple[Counter[str], list[Doc]]:
    """Return the seconds each component (and the tokenizer) took over `texts`, batched as the
    stage pipes them (batch_size 8), and the Docs."""
    seconds: Counter[str] = Counter()
    started = time.perf_counter()
    docs = [nlp.make_doc(text) for text in texts]
    seconds["tokenizer"] += time.perf_counter() - started
    for name, pipe in nlp.pipeline:
        started = time.perf_counter()
        if hasattr(pipe, "pipe"):
            docs = list(pipe.pipe(docs, batch_size=8))
        else:
            docs = [pipe(doc) for doc in docs]
        seconds[name] += time.perf_counter() - started
    return seconds, docs


def sentence_needs(docs: list[Doc]) -> Counter[str]:
    """Return counts of sentences: all, with a trigger, with a candidate, with an attribution."""
    counts: Counter[str] = Counter()
    for doc in docs:
        actors = DocActors(doc, [])
        reader = MentionReader(actors)
        for index, sent in enumerate(doc.sents):
            counts["sentences"] += 1
            triggered = bool(find_triggers(doc, sent.start, sent.end))
            attribution = attribute(sent, actors)
            attributed = bool(attribution.sources or attribution.speakers)
            counts["with a trigger"] += triggered
            counts["with an attribution"] += attributed
            if triggered:
                counts["with a candidate"] += bool(reader.read(sent, index, attribution))
    return counts


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print its tables; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    args = parser.parse_args(argv)
    texts = cleaned_texts(corpus.build(args.articles + WARM_UP))
    nlp = load_nlp(MODEL)
    timed_docs(nlp, texts[:WARM_UP])
    seconds, docs = timed_docs(nlp, texts[WARM_UP:])
    words = sum(len(t.split()) for t in texts[WARM_UP:])
    console.print(
        f"{len(docs)} articles, {words / len(docs):.0f} words on average; {MODEL}; "
        f"Python {platform.python_version()}"
    )
    total = sum(seconds.values())
    console.print("| component | seconds | share |\n|---|---|---|")
    for name, spent in seconds.most_common():
        console.print(f"| {name} | {spent:.2f} | {spent / total:.1%} |")
    console.print(f"| all | {total:.2f} | {len(docs) / total:.1f} articles/s |")
    counts = sentence_needs(docs)
    console.print("| sentences | count | share |\n|---|---|---|")
    for name, count in counts.items():
        console.print(f"| {name} | {count} | {count / counts['sentences']:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
