"""A fixed corpus of distinct, realistic articles for the throughput benchmark.

Built from the 181 true article bodies of the shared extraction benchmark plus the shared sample.
Article 0 is the sample as scraped; article k > 0 takes a seeded random subset of the paragraphs
of body (k - 1) mod 181, in their order, and tops it up to about the body's length with
paragraphs of another seeded body. Variants of one body then share roughly half their shingles,
far below the duplicate detector's near-duplicate threshold (Jaccard 0.8), so the pipeline runs
the NLP stages on (almost) every one; `duplicates` checks that with the pipeline's own index.

    .venv/bin/python -m bench.corpus [--articles N]      # prints size, words and duplicates
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSFLOW_SHARED_DIR", REPO.parent / "shared"))
GROUND_TRUTH = SHARED / "benchmarks" / "article-extraction" / "ground-truth.json"
SAMPLE = SHARED / "samples" / "ukraine-us-weapons-policy.txt"
SEED = 20261124
_MIN_UNITS = 8
_MAX_UNIT_CHARS = 1500
_SENTENCE_END = re.compile(r"(?<=[.!?”\"])\s+(?=[A-Z“\"])")


@dataclass(frozen=True)
class Article:
    """One corpus article: a stable id, a source label and its plain text."""

    id: str
    source: str
    text: str

    @property
    def words(self) -> int:
        """Return the number of whitespace-separated words of the text."""
        return len(self.text.split())


@lru_cache(maxsize=1)
def _bodies() -> tuple[tuple[str, tuple[str, ...]], ...]:
    truth = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    bodies = []
    for page_id in sorted(truth):
        paragraphs = tuple(
            p.strip() for p in truth[page_id].get("articleBody", "").split("\n") if p.strip()
        )
        if len(paragraphs) < _MIN_UNITS or max(map(len, paragraphs)) > _MAX_UNIT_CHARS:
            # Too few or too long paragraphs to vary: use pairs of sentences as the units.
            sentences = [s for p in paragraphs for s in _SENTENCE_END.split(p) if s.strip()]
            paragraphs = tuple(" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2))
        if paragraphs:
            bodies.append((page_id, paragraphs))
    return tuple(bodies)


def _variant(k: int, seed: int) -> Article:
    bodies = _bodies()
    page_id, paragraphs = bodies[(k - 1) % len(bodies)]
    rng = random.Random(seed * 1_000_003 + k)
    keep = rng.uniform(0.45, 0.75)
    chosen = [p for p in paragraphs if rng.random() < keep] or [rng.choice(paragraphs)]
    target = sum(len(p) for p in paragraphs)
    # Another body than the variant's own.
    _, others = bodies[((k - 1) % len(bodies) + rng.randrange(1, len(bodies))) % len(bodies)]
    start = rng.randrange(len(others))
    extra: list[str] = []
    length = sum(len(p) for p in chosen)
    for offset in range(len(others)):
        if length >= target and extra:
            break
        paragraph = others[(start + offset) % len(others)]
        extra.append(paragraph)
        length += len(paragraph)
    # The borrowed paragraphs go in one block at a seeded position, as a related story would.
    at = rng.randrange(len(chosen) + 1)
    text = "\n\n".join([*chosen[:at], *extra, *chosen[at:]])
    return Article(id=f"bench-{seed}-{k:05d}", source=f"bench/{page_id}", text=text)


def build(n: int, seed: int = SEED) -> list[Article]:
    """Return `n` deterministic articles: the sample first, then recombined benchmark bodies."""
    articles: list[Article] = []
    if n > 0:
        sample = SAMPLE.read_text(encoding="utf-8")
        articles.append(Article(id=f"bench-{seed}-00000", source="sample", text=sample))
    articles.extend(_variant(k, seed) for k in range(1, n))
    return articles


def duplicates(articles: list[Article]) -> list[tuple[str, str]]:
    """Return (article id, id of its first) for every article the pipeline would call a copy."""
    from pipeline.cleaning import clean
    from pipeline.config import PipelineConfig
    from pipeline.dedupe import DuplicateIndex
    from schemas import RawArticle

    config = PipelineConfig()
    index = DuplicateIndex.from_config(config)
    found = []
    for article in articles:
        cleaned = clean(RawArticle(id=article.id, content=article.text), config)
        first = index.check_and_add(article.id, cleaned.content_hash, cleaned.text, cleaned.minhash)
        if first is not None:
            found.append((article.id, first))
    return found


def main() -> None:
    """Build the corpus and print its size and duplicates as the pipeline sees them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    articles = build(args.articles)
    chars = sum(len(a.text) for a in articles)
    words = sum(a.words for a in articles)
    dupes = duplicates(articles)
    print(
        f"{len(articles)} articles, {chars:,} chars ({chars / len(articles):,.0f} per article), "
        f"{words:,} words, {len(dupes)} near-duplicates"
    )
    for article_id, first in dupes:
        print(f"  {article_id} ~ {first}")


if __name__ == "__main__":
    main()
