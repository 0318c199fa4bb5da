"""Article extraction benchmark: the cleaning stage on real news pages against their true bodies.

Data: benchmarks/article-extraction/ in the shared folder (181 gzip HTML pages and
ground-truth.json with each page's `articleBody`, from scrapinghub/article-extraction-benchmark).

Metric (the benchmark's own): for each page, precision and recall of word 4-gram shingles
(tokens are `\\w+` runs) of the extracted text against the true body, counted as multisets;
precision and recall are averaged over pages (a page with no predicted shingles counts for recall
only); F1 is the harmonic mean of the two averages. Speed is pages per second in one process
(one core), the whole `pipeline.cleaning.clean` stage timed, after three warm-up pages
(one-time loading of models and tables is not per-page work in a long-lived worker).

    .venv/bin/python -m bench.extraction [--limit N] [--baseline] [--precise]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSFLOW_SHARED_DIR", REPO.parent / "shared"))
BENCHMARK = SHARED / "benchmarks" / "article-extraction"
SHINGLE = 4
_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """Return the multiset of word n-grams of `text` (a text shorter than n is one shingle)."""
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens)


def page_scores(true: str, predicted: str) -> tuple[float | None, float | None]:
    """Return (precision, recall) of `predicted` against `true`; None where undefined."""
    truth, found = shingles(true), shingles(predicted)
    tp = sum((truth & found).values())
    fp = sum((found - truth).values())
    fn = sum((truth - found).values())
    if fp == fn == 0:
        return 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    return precision, recall


@dataclass(frozen=True)
class Score:
    """Benchmark result: averaged precision and recall, their F1, and speed."""

    f1: float
    precision: float
    recall: float
    pages: int
    pages_per_second: float
    cpu_pages_per_second: float


def score(pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """Return (F1, precision, recall) over (true, predicted) pairs, the benchmark's way."""
    precisions: list[float] = []
    recalls: list[float] = []
    for true, predicted in pairs:
        precision, recall = page_scores(true, predicted)
        if precision is not None:
            precisions.append(precision)
        if recall is not None:
            recalls.append(recall)
    p = statistics.fmean(precisions) if precisions else 0.0
    r = statistics.fmean(recalls) if recalls else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def load_pages(limit: int | None = None, root: Path = BENCHMARK) -> list[tuple[str, str, str]]:
    """Return (page id, html, true body) for the benchmark's pages, sorted by id."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for path in sorted((root / "html").glob("*.html.gz"))[:limit]:
        page_id = path.name.split(".")[0]
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            pages.append((page_id, handle.read(), truth[page_id].get("articleBody", "")))
    return pages


def stage_extractor(precise: bool = False) -> Callable[[str], str]:
    """Return a function html -> clean text running the whole cleaning stage."""
    from pipeline.cleaning import clean
    from pipeline.config import PipelineConfig
    from pipeline.outcomes import Rejected
    from schemas import ContentType, RawArticle

    # Real pages reach 1.5 MB of HTML; the benchmark measures extraction, not the size limit.
    config = PipelineConfig(max_content_chars=10_000_000, html_precise=precise)

    def run(html: str) -> str:
        try:
            raw = RawArticle(content=html, content_type=ContentType.TEXT_HTML)
            return clean(raw, config).text
        except Rejected:
            return ""

    return run


def baseline_extractor() -> Callable[[str], str]:
    """Return trafilatura with its defaults (comments excluded, as the benchmark's runner)."""
    import trafilatura

    return lambda html: trafilatura.extract(html, include_comments=False) or ""


def evaluate(extract: Callable[[str], str], pages: list[tuple[str, str, str]]) -> Score:
    """Return the score of `extract` on `pages`, timing it after warming up on three pages."""
    for _, html, _ in pages[:3]:
        extract(html)
    wall, cpu = time.perf_counter(), time.process_time()
    predicted = [extract(html) for _, html, _ in pages]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    f1, precision, recall = score(
        [(true, p) for (_, _, true), p in zip(pages, predicted, strict=True)]
    )
    return Score(f1, precision, recall, len(pages), len(pages) / wall, len(pages) / cpu)


def main() -> None:
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages")
    parser.add_argument("--baseline", action="store_true", help="also run trafilatura defaults")
    parser.add_argument(
        "--precise", action="store_true", help="also run the stage with html_precise=True"
    )
    args = parser.parse_args()
    pages = load_pages(args.limit)
    runs = [("cleaning stage", stage_extractor())]
    if args.precise:
        runs.append(("cleaning, html_precise", stage_extractor(precise=True)))
    if args.baseline:
        runs.append(("trafilatura defaults", baseline_extractor()))
    for name, extract in runs:
        s = evaluate(extract, pages)
        print(
            f"{name:<22} F1={s.f1:.4f} precision={s.precision:.4f} recall={s.recall:.4f} "
            f"pages={s.pages} pages/s per core={s.pages_per_second:.1f} "
            f"(cpu-time: {s.cpu_pages_per_second:.1f})"
        )


if __name__ == "__main__":
    main()
