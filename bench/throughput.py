"""Throughput benchmark: the whole pipeline through Kafka against the model's and Kafka's ceilings.

On a fixed corpus (`bench.corpus`: real article bodies recombined into distinct articles, fed as
text/plain) and a real local Kafka broker started for the run, on the same cores:

- A, the model's ceiling: spaCy `nlp.pipe` with the default en_core_web_sm pipeline, n_process =
  cores, over the articles' cleaned texts (no Kafka, no cleaning, no rules); A1, for reference,
  the same in one process over every 4th text, its rate times the cores;
- B, the framework's ceiling: a no-op Faust worker (`bench.passthrough`) that decodes, encodes and
  re-publishes every article, with the same batch settings;
- C, the product: one `newsflow worker` (pool of `cores` processes), from the first article sent
  to the last enriched event received, the worker started and warmed up beforehand.

Then end-to-end latency (enriched event received minus article sent) with an open-loop feed at
50% and 90% of C's rate, on fresh articles into the same worker; and scaling: one worker with a
one-process pool against two such workers sharing the topics (both cores in use, one pool child
each), fed with partitions balanced by text (`balanced_layout`) and, for reference, by key.
Peak RSS sums a worker and its pool children, sampled every 0.25 s.

    .venv/bin/python -m bench.throughput [--articles N] [--quick]

The last line is `ratio C/A: X.XX`. `--quick` runs every phase on a few articles (for the test
suite; its numbers mean nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.progress import Progress

from bench import corpus, workers
from bench.console import console, mib, progress_bar
from bench.rss import PeakRss

if TYPE_CHECKING:
    from newsflow.settings import Settings

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache"
A_BATCH_SIZE = 32


@dataclass
class Run:
    """One measured run: how many articles and words in how many seconds, and what arrived."""

    name: str
    articles: int
    words: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    duplicates: int = 0
    rate_asked: float | None = None
    arrivals: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        """Return articles per second."""
        return self.articles / self.seconds if self.seconds else 0.0

    @property
    def words_per_second(self) -> float:
        """Return words per second."""
        return self.words / self.seconds if self.seconds else 0.0

    def steady_per_second(self, low: float = 0.1, high: float = 0.9) -> float:
        """Return articles/s while the workers are saturated: the slope of arrivals over time
        between the `low` and `high` fractions of them, leaving out warm-up and drain.

        With every article sent at once, each worker has a backlog until its own partitions run
        dry; the drain at the end (one worker idle while the other finishes, a matter of how a
        finite sample splits) does not exist in a continuous stream. A least-squares slope, as
        events arrive in clumps of a batch.
        """
        times = sorted(self.arrivals)
        window = times[int(low * len(times)) : int(high * len(times))]
        if len(window) < 2 or window[-1] == window[0]:
            return self.per_second
        return statistics.linear_regression(window, range(len(window))).slope

    def percentile(self, q: float) -> float:
        """Return the q-th percentile (0-100) of the latencies in seconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


@dataclass(frozen=True)
class Plan:
    """How much of the corpus each phase uses."""

    throughput: int
    latency: int
    scaling: int
    warm_up: int
    duration_cap: float


def plan_for(articles: int, quick: bool) -> Plan:
    """Return the phase sizes for a run over `articles` articles (a small set when quick)."""
    if quick:
        return Plan(throughput=articles, latency=6, scaling=articles, warm_up=2, duration_cap=60)
    return Plan(
        throughput=articles,
        latency=max(50, articles * 3 // 10),
        scaling=max(50, articles * 8 // 10),
        warm_up=4,
        duration_cap=900,
    )


# ---------------------------------------------------------------------------------------------
# A: the model alone


def cleaned_texts(articles: list[corpus.Article]) -> list[str]:
    """Return the cleaning stage's text of every article (what the model sees in the pipeline)."""
    from pipeline.cleaning import clean
    from pipeline.config import PipelineConfig
    from schemas import RawArticle

    config = PipelineConfig()
    return [clean(RawArticle(id=a.id, content=a.text), config).text for a in articles]


def model_ceiling(
    texts: list[str], cores: int, model: str = "en_core_web_sm"
) -> tuple[Run, Run, Run]:
    """Return run A, the default model's `nlp.pipe` over `texts` on `cores` processes, A1 and A2.

    A1 is the same pipeline in this one process over a quarter of the texts, its rate times
    `cores`: the ideal of `cores` processes that nothing but the model, which A's own
    multiprocessing (Docs sent back to the parent as bytes) falls short of. A2 is A with the
    attribute ruler the stages use (`pipeline.attribute_rules`: identical annotations, less
    work), so that C can also be compared like for like.
    """
    import spacy

    from pipeline.attribute_rules import replace_stock_rulers
    from pipeline.nlp import resolve_model_name

    nlp = spacy.load(resolve_model_name(model))
    list(nlp.pipe(texts[:2]))
    words = sum(len(t.split()) for t in texts)
    with progress_bar() as progress:
        seconds = _pipe(progress, "A: nlp.pipe", nlp, texts, cores)
        # Every fourth text: the same length mix as the whole.
        sample = texts[::4]
        one = _pipe(progress, "A1: nlp.pipe, one process", nlp, sample, 1)
        replace_stock_rulers(nlp)
        list(nlp.pipe(texts[:2]))
        exact = _pipe(progress, "A2: nlp.pipe, exact attribute ruler", nlp, texts, cores)
    return (
        Run("A", len(texts), words, seconds),
        Run("A1", len(sample) * cores, sum(len(t.split()) for t in sample) * cores, one),
        Run("A2", len(texts), words, exact),
    )


def _pipe(progress: Progress, label: str, nlp: Any, texts: list[str], processes: int) -> float:
    """Return the seconds `nlp.pipe` takes over `texts` on `processes` processes."""
    task = progress.add_task(label, total=len(texts))
    started = time.perf_counter()
    options = {"n_process": processes} if processes > 1 else {}
    for _ in nlp.pipe(texts, batch_size=A_BATCH_SIZE, **options):
        progress.advance(task)
    return time.perf_counter() - started


def _parse_timed(texts: list[str], start: Any, results: Any) -> None:
    """In a child: load the stages' model, wait for the others, put the seconds `texts` take."""
    from pipeline.nlp import load_nlp

    nlp = load_nlp("en_core_web_sm")
    list(nlp.pipe(texts[:2]))
    start.wait()
    started = time.perf_counter()
    list(nlp.pipe(texts, batch_size=A_BATCH_SIZE))
    results.put(time.perf_counter() - started)


def model_scaling(texts: list[str], cores: int) -> tuple[float, float]:
    """Return the model's articles/s in 1 process and in `cores` independent processes at once.

    The machine's own ceiling for the workers' scaling: no Kafka, no parents, no broker, each
    process parsing all of `texts` with the pipeline the stages use.
    """
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    rates = []
    for processes in (1, cores):
        start, results = context.Barrier(processes), context.Queue()
        children = [
            context.Process(target=_parse_timed, args=(texts, start, results))
            for _ in range(processes)
        ]
        for child in children:
            child.start()
        slowest = max(results.get() for _ in children)
        for child in children:
            child.join()
        rates.append(processes * len(texts) / slowest)
    return rates[0], rates[1]


# ---------------------------------------------------------------------------------------------
# Kafka phases


@dataclass
class Stage:
    """One isolated set of topics and a consumer group on the benchmark's broker."""

    bootstrap: str
    home: Path
    extra: dict[str, str] = field(default_factory=dict)
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def env(self, processes: int, metrics_port: int = 0) -> dict[str, str]:
        """Return a worker's environment for these topics."""
        return {
            **os.environ,
            **self.extra,
            "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "NEWSFLOW_TOPIC_RAW": f"raw-{self.tag}",
            "NEWSFLOW_TOPIC_ENRICHED": f"enriched-{self.tag}",
            "NEWSFLOW_TOPIC_POLICY": f"policy-{self.tag}",
            "NEWSFLOW_TOPIC_DEADLETTER": f"deadletter-{self.tag}",
            "NEWSFLOW_TOPIC_DEDUPE": f"dedupe-{self.tag}",
            "NEWSFLOW_CONSUMER_GROUP": f"group-{self.tag}",
            "NEWSFLOW_PROCESSES": str(processes),
            "NEWSFLOW_METRICS_PORT": str(metrics_port),
            "NEWSFLOW_METRICS_HOST": "127.0.0.1",
            "NEWSFLOW_DATA_DIR": str(self.home / f"data-{self.tag}"),
            "NEWSFLOW_CACHE_DIR": str(CACHE),
            "NEWSFLOW_LOG_LEVEL": "WARNING",
        }

    def settings(self) -> Settings:
        """Return the Settings of these topics."""
        from newsflow.settings import Settings

        env = self.env(0)
        names = {k.removeprefix("NEWSFLOW_").lower(): v for k, v in env.items()}
        return Settings(**{k: v for k, v in names.items() if k in Settings.model_fields})

    @contextlib.contextmanager
    def workers(self, command: list[str], count: int, processes: int) -> Iterator[list[int]]:
        """Start `count` workers, wait until ready, yield their pids, stop them afterwards."""
        from newsflow.broker import free_port
        from newsflow.kafka import ensure_topics

        asyncio.run(ensure_topics(self.settings()))
        started: list[workers.Worker] = []
        try:
            for i in range(count):
                port = free_port() if command == workers.NEWSFLOW_WORKER else 0
                log = self.home / f"worker-{self.tag}-{i}.log"
                started.append(workers.start(command, self.env(processes, port), log, port))
            for worker in started:
                worker.wait_ready()
            yield [w.pid for w in started]
        finally:
            for worker in started:
                worker.stop()


async def _exchange(
    settings: Settings,
    articles: list[corpus.Article],
    rate: float | None,
    timeout: float,
    label: str,
    layout: dict[str, int] | None = None,
) -> tuple[dict[str, float], dict[str, float], int]:
    """Send `articles` (at `rate`/s, or at once) and wait for their enriched events.

    `layout` sends each article to a given partition instead of the one its key hashes to.
    Returns the send and receive times by id and how many arrived marked as duplicates.
    """
    from newsflow.feeds import RateLimiter, encode_article, firehose_producer
    from newsflow.kafka import end_offsets, start_client, tail
    from schemas import RawArticle

    enriched = settings.topic_enriched
    offsets = await end_offsets(settings, [enriched])
    wanted = {a.id.encode() for a in articles}
    sent: dict[str, float] = {}
    received: dict[str, float] = {}
    duplicates = 0

    async def collect() -> None:
        nonlocal duplicates
        async for record in tail(settings, [enriched], start=offsets):
            if record.key not in wanted or record.key.decode() in received:
                continue
            received[record.key.decode()] = time.time()
            # Cheaper than decoding every event: the field is written compactly when unset.
            if b'"duplicate_of":null' not in (record.value or b""):
                duplicates += 1
            progress.advance(task)
            if len(received) == len(wanted):
                return

    producer = firehose_producer(settings)
    await start_client(settings, producer)
    limiter = RateLimiter(rate)
    with progress_bar() as progress:
        task = progress.add_task(label, total=len(articles))
        collector = asyncio.create_task(collect())
        try:
            pending = []
            for article in articles:
                wait = limiter.delay()
                if wait > 0:
                    await asyncio.sleep(wait)
                raw = RawArticle(id=article.id, source=article.source, content=article.text)
                key, value = encode_article(raw)
                sent[article.id] = time.time()
                partition = layout.get(article.id) if layout else None
                pending.append(
                    await producer.send(settings.topic_raw, value, key, partition=partition)
                )
            await asyncio.gather(*pending)
            await asyncio.wait_for(collector, timeout)
        except TimeoutError:
            console.print(f"[red]{label}: {len(received)}/{len(wanted)} arrived in time")
        finally:
            collector.cancel()
            await producer.stop()
    return sent, received, duplicates


def exchange(
    stage: Stage,
    articles: list[corpus.Article],
    name: str,
    rate: float | None = None,
    timeout: float = 900,
    layout: dict[str, int] | None = None,
) -> Run:
    """Return the run of sending `articles` through the stage's running workers."""
    sent, received, duplicates = asyncio.run(
        _exchange(stage.settings(), articles, rate, timeout, name, layout)
    )
    done = [a for a in articles if a.id in received]
    seconds = (max(received.values()) - min(sent.values())) if received else float("inf")
    return Run(
        name,
        len(done),
        sum(a.words for a in done),
        seconds,
        latencies=[received[a.id] - sent[a.id] for a in done],
        arrivals=list(received.values()),
        duplicates=duplicates,
        rate_asked=rate,
    )


def balanced_layout(articles: list[corpus.Article], partitions: int) -> dict[str, int]:
    """Return a partition per article id such that every partition gets the same text length.

    Keys hash a few hundred articles of very unequal length unevenly: on the scaling sample one
    worker's two partitions get 55% of the text, which caps 2 workers at 1.83x whatever the
    workers do. Balanced partitions measure the workers; keyed ones, reported beside, the sample.
    """
    from agents.pool import balanced_groups

    groups = balanced_groups([len(a.text) for a in articles], partitions)
    return {articles[i].id: partition for partition, group in enumerate(groups) for i in group}


def keyed_shares(articles: list[corpus.Article], partitions: int) -> list[float]:
    """Return each partition's share of the text when articles are keyed by id (as fed)."""
    from aiokafka.partitioner import DefaultPartitioner

    choose = DefaultPartitioner()
    every = list(range(partitions))
    totals = [0] * partitions
    for article in articles:
        totals[choose(article.id.encode(), every, every)] += len(article.text)
    return [t / (sum(totals) or 1) for t in totals]


# ---------------------------------------------------------------------------------------------
# Report


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def report(
    model: tuple[Run, Run, Run],
    b: Run,
    c: Run,
    latency: list[Run],
    scaling: tuple[Run, Run, Run],
    shares: list[float],
    hardware: tuple[float, float],
    rss: dict[str, tuple[int, int]],
    cores: int,
) -> list[str]:
    """Return the report's lines; the last one is `ratio C/A: X.XX`."""
    a, a1, a2 = model
    lines = [
        f"cores: {cores}; articles: A/B/C {a.articles}/{b.articles}/{c.articles}, "
        f"words/article {c.words / max(c.articles, 1):.0f}; duplicates marked in C: "
        f"{c.duplicates}",
        "",
        "| run | articles/s | words/s | vs C |",
        "|---|---|---|---|",
    ]
    for run, what in (
        (a, "A model ceiling: nlp.pipe, default en_core_web_sm"),
        (a1, f"A1 same, 1 process (every 4th text), rate x {cores}"),
        (a2, "A2 as A, with the exact attribute ruler the stages use"),
        (b, "B no-op Faust passthrough through Kafka"),
        (c, "C newsflow worker through Kafka"),
    ):
        lines.append(
            f"| {what} | {run.per_second:,.1f} | {run.words_per_second:,.0f} | "
            f"{_ratio(run.per_second, c.per_second):,.2f}x |"
        )
    lines += ["", "| load | rate asked | achieved | p50 | p95 | p99 |", "|---|---|---|---|---|---|"]
    for run in latency:
        lines.append(
            f"| {run.name} | {run.rate_asked or 0:.2f}/s | {run.per_second:.2f}/s | "
            f"{run.percentile(50):.2f} s | {run.percentile(95):.2f} s | "
            f"{run.percentile(99):.2f} s |"
        )
    one, two, keyed = scaling
    text_shares = "/".join(f"{share:.0%}" for share in shares)
    lines += [
        "",
        "| scaling (pool of 1 process per worker) | articles/s, to the last event "
        "| saturated (10-90% of events) |",
        "|---|---|---|",
        f"| 1 worker | {one.per_second:.2f} | {one.steady_per_second():.2f} |",
        f"| 2 workers, partitions balanced by text | {two.per_second:.2f} "
        f"| {two.steady_per_second():.2f} |",
        f"| 2 workers, partitions by article key (text per partition {text_shares}) "
        f"| {keyed.per_second:.2f} | {keyed.steady_per_second():.2f} |",
        f"| 2 workers / 1 worker | {_ratio(two.per_second, one.per_second):.2f}x "
        f"| {_ratio(two.steady_per_second(), one.steady_per_second()):.2f}x |",
        f"| 2 workers / 1 worker, by key | {_ratio(keyed.per_second, one.per_second):.2f}x "
        f"| {_ratio(keyed.steady_per_second(), one.steady_per_second()):.2f}x |",
        f"| the model alone, {cores} processes / 1 (the machine's ceiling) "
        f"| {_ratio(hardware[1], hardware[0]):.2f}x | |",
        "",
        "| worker | peak RSS (worker + pool children) | processes |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {mib(peak)} | {count} |" for name, (peak, count) in rss.items()]
    lines += [
        "",
        f"B/C: {_ratio(b.per_second, c.per_second):.1f}x",
        f"C/A1: {_ratio(c.per_second, a1.per_second):.2f}",
        f"C/A2: {_ratio(c.per_second, a2.per_second):.2f}",
        f"ratio C/A: {_ratio(c.per_second, a.per_second):.2f}",
    ]
    return lines


# ---------------------------------------------------------------------------------------------


def run(articles: int, quick: bool, extra: dict[str, str] | None = None) -> list[str]:
    """Run every phase on a fresh local broker and return the report's lines.

    `extra` environment variables go to every worker (e.g. NEWSFLOW_BATCH_SIZE to try a size).
    """
    extra = extra or {}
    from newsflow.broker import LocalBroker, free_port

    cores = len(os.sched_getaffinity(0))
    plan = plan_for(articles, quick)
    total = plan.warm_up * 3 + plan.throughput + 2 * plan.latency + plan.scaling
    pool = corpus.build(total)
    take = iter(range(total))

    def next_articles(n: int) -> list[corpus.Article]:
        return [pool[next(take)] for _ in range(n)]

    main = next_articles(plan.throughput)
    console.print(f"corpus: {len(pool)} articles; cleaning the {len(main)} of A and C")
    a, a1, a2 = model_ceiling(cleaned_texts(main), cores)
    with tempfile.TemporaryDirectory(prefix="newsflow-bench-") as tmp:
        home = Path(tmp)
        broker = LocalBroker(
            home / "kafka", port=free_port(), controller_port=free_port(), cache_dir=CACHE / "kafka"
        )
        console.print("starting the local Kafka broker")
        with broker:
            bootstrap = broker.bootstrap_servers
            rss: dict[str, tuple[int, int]] = {}
            stage = Stage(bootstrap, home, extra)
            with stage.workers(workers.PASSTHROUGH_WORKER, 1, 0):
                exchange(stage, next_articles(plan.warm_up), "B: warm-up", timeout=120)
                b = exchange(stage, main, "B: passthrough")
            stage = Stage(bootstrap, home, extra)
            with stage.workers(workers.NEWSFLOW_WORKER, 1, cores) as pids, PeakRss(pids) as peak:
                exchange(stage, next_articles(plan.warm_up), "C: warm-up", timeout=300)
                c = exchange(stage, main, "C: newsflow worker")
                latency = [
                    exchange(
                        stage,
                        next_articles(plan.latency),
                        f"{int(share * 100)}% load",
                        rate=share * c.per_second,
                    )
                    for share in (0.5, 0.9)
                ]
            rss[f"1 worker, pool of {cores}"] = (peak.peak[pids[0]], peak.processes[pids[0]])
            scaling = []
            scale_articles = next_articles(plan.scaling)
            console.print("the model alone in 1 and in 2 processes (the machine's ceiling)")
            hardware = model_scaling(cleaned_texts(scale_articles[: plan.scaling // 4]), cores)
            partitions = stage.settings().topic_partitions
            balanced = balanced_layout(scale_articles, partitions)
            warm_up = next_articles(plan.warm_up)
            for count, layout, name in (
                (1, balanced, "1 worker"),
                (2, balanced, "2 workers, balanced"),
                (2, None, "2 workers, by key"),
            ):
                stage = Stage(bootstrap, home, extra)
                with (
                    stage.workers(workers.NEWSFLOW_WORKER, count, 1) as pids,
                    PeakRss(pids) as peak,
                ):
                    # One warm-up article per partition, so every worker has seen one.
                    exchange(
                        stage,
                        warm_up,
                        "scaling: warm-up",
                        timeout=300,
                        layout={a.id: i % partitions for i, a in enumerate(warm_up)},
                    )
                    scaling.append(exchange(stage, scale_articles, name, layout=layout))
                row = f"{count} worker(s), pool of 1 (each)"
                rss[row] = max(
                    rss.get(row, (0, 0)),
                    (max(peak.peak.values()), max(peak.processes.values())),
                )
    shares = keyed_shares(scale_articles, partitions)
    return report(
        (a, a1, a2),
        b,
        c,
        latency,
        (scaling[0], scaling[1], scaling[2]),
        shares,
        hardware,
        rss,
        cores,
    )


def main() -> None:
    """Run the benchmark and print its report; the last line is `ratio C/A: X.XX`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=None, help="articles in A, B and C")
    parser.add_argument("--quick", action="store_true", help="tiny corpus, short phases")
    parser.add_argument(
        "--worker-env",
        action="append",
        default=[],
        metavar="NEWSFLOW_X=VALUE",
        help="setting for every worker (repeatable), e.g. NEWSFLOW_BATCH_SIZE=64",
    )
    args = parser.parse_args()
    # Stopped by SIGTERM, still stop the broker and workers on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    articles = args.articles or (8 if args.quick else 1000)
    extra = dict(item.split("=", 1) for item in args.worker_env)
    overrides = " ".join(args.worker_env) or "none (defaults)"
    print(f"worker settings overridden: {overrides}")
    for line in run(articles, args.quick, extra):
        print(line)


if __name__ == "__main__":
    main()
