"""Long articles: parse time and peak memory of the NLP stages against the length of the text.

For each size, a fresh child process (spawn, as the worker's pool) loads the model through
`pipeline.nlp.load_nlp`, warms up on a short article, then runs `pipeline.process.analyze_many`
(the spaCy parse, then the entity and policy stages: what a pool child does) on one text of that
many characters: real article bodies (`bench.corpus`) joined by blank lines, cut to the size.
Reported per size: parse and analysis seconds, the child's RSS after the model load and warm-up,
its peak RSS (`ru_maxrss`) and the difference, which is what one article of that length adds.
Sizes run one after the other, so one core is busy at a time. `--worst-case` uses instead one
sentence of one-letter words ("x x x ..."), the clean text of the hostile-input test's slow HTML:
the costliest text per character seen so far.

    .venv/bin/python -m bench.nlp_length [--sizes 25000,50000,100000,200000,400000,800000]
    .venv/bin/python -m bench.nlp_length --worst-case --sizes 100000
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bench import corpus
from bench.console import mib, progress_bar

MODEL = "en_core_web_sm"
DEFAULT_SIZES = (25_000, 50_000, 100_000, 200_000, 400_000, 800_000)
WARM_UP_CHARS = 3_000


@dataclass(frozen=True)
class Measurement:
    """One size in one fresh child: what it took to analyse a text of `chars` characters."""

    chars: int
    words: int
    parse_seconds: float
    analysis_seconds: float
    rss_loaded: int
    rss_peak: int

    @property
    def added(self) -> int:
        """Return the bytes the text added over the child's RSS after the model load."""
        return max(0, self.rss_peak - self.rss_loaded)


def long_text(chars: int) -> str:
    """Return `chars` characters of real article text: corpus bodies joined by blank lines."""
    parts: list[str] = []
    length = 0
    # Articles average ~4,200 characters; build a few more than needed in one call.
    for article in corpus.build(chars // 3_000 + 2):
        parts.append(article.text)
        length += len(article.text) + 2
        if length >= chars:
            break
    return "\n\n".join(parts)[:chars]


def worst_case_text(chars: int) -> str:
    """Return `chars` characters of one sentence of one-letter words."""
    return ("x " * (chars // 2 + 1))[:chars].rstrip()


def _rss_now() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def measure(text: str, warm_up: str, model: str = MODEL) -> Measurement:
    """Return the measurement of analysing `text` in this process (meant for a fresh child)."""
    from pipeline.config import PipelineConfig
    from pipeline.process import analyze_many

    config = PipelineConfig(spacy_model=model)
    analyze_many([{"article_id": "warm-up", "text": warm_up}], config)
    loaded = _rss_now()
    started = time.perf_counter()
    (result,) = analyze_many([{"article_id": "long", "text": text}], config)
    elapsed = time.perf_counter() - started
    if "rejected" in result:
        raise RuntimeError(result["rejected"])
    parse = float(result["timings"]["nlp"])
    return Measurement(
        chars=len(text),
        words=len(text.split()),
        parse_seconds=parse,
        analysis_seconds=elapsed - parse,
        rss_loaded=loaded,
        # Linux reports ru_maxrss in KiB.
        rss_peak=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    )


def run(sizes: list[int], worst_case: bool = False, model: str = MODEL) -> list[Measurement]:
    """Return one measurement per size, each taken in its own fresh child process."""
    make_text = worst_case_text if worst_case else long_text
    warm_up = long_text(WARM_UP_CHARS)
    spawn = multiprocessing.get_context("spawn")
    results = []
    with progress_bar() as progress:
        task = progress.add_task("sizes", total=len(sizes))
        for size in sizes:
            progress.update(task, description=f"{size:,} chars")
            with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
                results.append(child.submit(measure, make_text(size), warm_up, model).result())
            progress.advance(task)
    return results


def report(results: list[Measurement]) -> list[str]:
    """Return the report's lines: the machine, then a Markdown table with a row per size."""
    lines = [
        f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.2f}; model {MODEL}",
        "",
        "| characters | words | parse | entities + policy | RSS after load | peak RSS | added |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {m.chars:,} | {m.words:,} | {m.parse_seconds:.2f} s | {m.analysis_seconds:.2f} s | "
        f"{mib(m.rss_loaded)} | {mib(m.rss_peak)} | {mib(m.added)} |"
        for m in results
    ]
    return lines


def main() -> None:
    """Measure every size and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="comma-separated text lengths in characters (spaCy refuses more than 1,000,000)",
    )
    parser.add_argument(
        "--worst-case", action="store_true", help='one sentence of one-letter words ("x x x ...")'
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    for line in report(run(sizes, args.worst_case)):
        print(line)


if __name__ == "__main__":
    main()
