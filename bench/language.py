"""Where a declared language may be overruled: lingua vs the declaration, by length and confidence.

    .venv/bin/python -m bench.language

Declared-English texts that are English: the AG News pool's titles and snippets and the AllSides
pool's paragraphs (../shared/corpora), every one declared "en" by its feed. A detection that
overrules them is wrong. Declared-English texts that are not: windows of 20-1,000 characters cut
from the non-English article bodies of the article-extraction benchmark (detected on their full
text), sent with "en" as a misconfigured feed would. A detection that overrules them is right.
For each minimum length and confidence the script prints how often the override is wrong on
English (false overrides per 10,000 texts) and right on the rest (share of wrong declarations
caught); the thresholds in `PipelineConfig` come from this table.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Iterator

from bench.corpus import SHARED
from pipeline.language import detect_with_confidence

LENGTHS = (0, 50, 100, 150, 200, 300, 500)
CONFIDENCES = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
WINDOWS = (20, 50, 100, 150, 200, 300, 500, 1000)


def english_texts(allsides_articles: int) -> Iterator[str]:
    """Yield the declared-English pool texts: AG News titles and snippets, AllSides paragraphs."""
    with gzip.open(SHARED / "corpora" / "agnews-pool.jsonl.gz", "rt", encoding="utf-8") as rows:
        for line in rows:
            item = json.loads(line)
            yield item["title"]
            yield item["text"]
    with gzip.open(SHARED / "corpora" / "allsides-pool.jsonl.gz", "rt", encoding="utf-8") as rows:
        for n, line in enumerate(rows):
            if n >= allsides_articles:
                break
            for paragraph in json.loads(line)["text"].split("\n\n"):
                if paragraph.strip():
                    yield paragraph.strip()


def foreign_texts() -> Iterator[tuple[str, str]]:
    """Yield (language, window) cut from the benchmark's non-English article bodies."""
    path = SHARED / "benchmarks" / "article-extraction" / "ground-truth.json"
    for page in json.loads(path.read_text(encoding="utf-8")).values():
        body = " ".join((page.get("articleBody") or "").split())
        language, _ = detect_with_confidence(body)
        if language in (None, "en"):
            continue
        for start in range(0, max(len(body) - 20, 1), 400):
            for size in WINDOWS:
                window = body[start : start + size]
                if len(window) == size:
                    yield language, window


def measure(allsides_articles: int) -> dict[str, list[tuple[int, float, bool]]]:
    """Return per side ("english", "foreign") the (length, confidence, overrules) of each text."""
    sides: dict[str, list[tuple[int, float, bool]]] = {"english": [], "foreign": []}
    for text in english_texts(allsides_articles):
        found, confidence = detect_with_confidence(text)
        sides["english"].append((len(text), confidence, found not in (None, "en")))
    for language, text in foreign_texts():
        found, confidence = detect_with_confidence(text)
        sides["foreign"].append((len(text), confidence, found == language))
    return sides


def table(sides: dict[str, list[tuple[int, float, bool]]]) -> str:
    """Return the Markdown table: false overrides per 10k English texts / share caught."""
    english, foreign = sides["english"], sides["foreign"]
    lines = [
        f"{len(english)} declared-English English texts, {len(foreign)} declared-English "
        "non-English windows. Cell: false overrides per 10,000 English texts / share of the "
        "wrong declarations caught, among the texts of at least that length (counted in brackets).",
        "",
        "| min chars (English, other) | " + " | ".join(f"conf ≥ {c}" for c in CONFIDENCES) + " |",
        "|---" * (len(CONFIDENCES) + 1) + "|",
    ]
    for length in LENGTHS:
        cells = []
        long_english = [m for m in english if m[0] >= length]
        long_foreign = [m for m in foreign if m[0] >= length]
        for conf in CONFIDENCES:
            wrong = sum(1 for n, c, o in long_english if c >= conf and o)
            caught = sum(1 for n, c, o in long_foreign if c >= conf and o)
            cells.append(
                f"{1e4 * wrong / max(len(long_english), 1):.1f} / "
                f"{caught / max(len(long_foreign), 1):.2f}"
            )
        lines.append(
            f"| {length} ({len(long_english)}, {len(long_foreign)}) | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def main() -> None:
    """Print the override table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allsides-articles", type=int, default=500)
    args = parser.parse_args()
    print(table(measure(args.allsides_articles)))


if __name__ == "__main__":
    main()
