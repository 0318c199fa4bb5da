"""Soak: one worker for N minutes at a steady feed; RSS (parent + pool children) and latency over
time, and memory growth after warm-up.

Starts a local broker in a temporary folder (or uses NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS), creates
topics of its own, starts `newsflow worker`, feeds varied real-text articles (paragraphs of the
shared extraction benchmark's bodies, recombined) at `--rate` per second and reads the enriched
topic. Every `--interval` seconds it prints one JSON line; at the end a Markdown summary.

    .venv/bin/python -m bench.soak                      # 20 minutes, 4 articles/s
    .venv/bin/python -m bench.soak --minutes 3 --warmup 1

Latency is input `ingested_at` (set when fed) to the enriched event's broker timestamp.
The duplicate window is capped (`--dedupe-window`, default 2000) so it fills during warm-up:
its growth up to NEWSFLOW_DEDUPE_WINDOW (~4.5 KB an article) is by design, not a leak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agents.procstat import rss_bytes, tree

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSFLOW_SHARED_DIR", REPO.parent / "shared"))
GROUND_TRUTH = SHARED / "benchmarks" / "article-extraction" / "ground-truth.json"


def paragraph_sets() -> list[list[str]]:
    """Return, per benchmark body, its paragraphs of 40-1200 characters (bodies with 3+)."""
    truth = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    sets = []
    for key in sorted(truth):
        body = truth[key].get("articleBody", "")
        paragraphs = [p.strip() for p in body.split("\n") if 40 <= len(p.strip()) <= 1200]
        if len(paragraphs) >= 3:
            sets.append(paragraphs)
    return sets


def article(sets: list[list[str]], rng: random.Random, article_id: str) -> bytes:
    """Return one RawArticle JSON: 2-5 paragraphs of a body plus one of another, ~1-3 KB."""
    own, other = rng.choice(sets), rng.choice(sets)
    picked = rng.sample(own, min(len(own), rng.randint(2, 5)))
    picked.insert(rng.randint(0, len(picked)), rng.choice(other))
    return json.dumps(
        {
            "id": article_id,
            "content": "\n\n".join(picked)[:3000],
            "content_type": "text/plain",
            "source": "soak",
            "ingested_at": datetime.now(UTC).isoformat(),
        }
    ).encode()


def tree_rss(pid: int) -> tuple[int, int]:
    """Return the resident set size of `pid` and of all its descendants, in bytes."""
    parent, *children = tree(pid)
    return rss_bytes(parent), sum(rss_bytes(child) for child in children)


def settings_of(env: dict[str, str]) -> Any:
    """Return the Settings that the NEWSFLOW_* variables of `env` describe."""
    from newsflow.settings import Settings

    prefix = "NEWSFLOW_"
    return Settings(**{k[len(prefix) :].lower(): v for k, v in env.items() if k.startswith(prefix)})


async def run(
    args: argparse.Namespace, env: dict[str, str], worker: subprocess.Popen[bytes]
) -> list[dict[str, Any]]:
    """Feed and measure for args.minutes; return the samples."""
    from newsflow.kafka import make_producer, start_client, tail

    settings = settings_of(env)
    sets = paragraph_sets()
    rng = random.Random(args.seed)
    latencies: list[float] = []
    done = 0
    samples: list[dict[str, Any]] = []
    started = time.monotonic()
    end = started + args.minutes * 60

    async def feed() -> None:
        producer = make_producer(settings)
        await start_client(settings, producer)
        try:
            sent = 0
            while time.monotonic() < end:
                due = int((time.monotonic() - started) * args.rate)
                while sent < due:
                    value = article(sets, rng, f"soak-{sent}")
                    await producer.send(
                        settings.topic_raw, value=value, key=f"soak-{sent}".encode()
                    )
                    sent += 1
                await asyncio.sleep(0.05)
            await producer.flush()
        finally:
            await producer.stop()

    async def follow() -> None:
        nonlocal done
        async for record in tail(settings, [settings.topic_enriched], start="earliest"):
            event = json.loads(record.value or b"{}")
            ingested = (event.get("processing") or {}).get("ingested_at")
            if ingested:
                stamp = datetime.fromisoformat(ingested).timestamp()
                latencies.append(record.timestamp_ms / 1000 - stamp)
            done += 1

    async def sample() -> None:
        while time.monotonic() < end:
            await asyncio.sleep(args.interval)
            if worker.poll() is not None:
                raise RuntimeError(f"worker exited with {worker.returncode}")
            parent, kids = tree_rss(worker.pid)
            window = sorted(latencies)
            latencies.clear()
            row = {
                "minute": round((time.monotonic() - started) / 60, 2),
                "rss_parent_mb": round(parent / 2**20, 1),
                "rss_children_mb": round(kids / 2**20, 1),
                "rss_total_mb": round((parent + kids) / 2**20, 1),
                "enriched": done,
                "latency_p50_s": round(window[len(window) // 2], 3) if window else None,
                "latency_p99_s": round(window[int(len(window) * 0.99)], 3) if window else None,
            }
            samples.append(row)
            print(json.dumps(row), flush=True)

    follower = asyncio.create_task(follow())
    try:
        await asyncio.gather(feed(), sample())
    finally:
        follower.cancel()
    return samples


def summarise(samples: list[dict[str, Any]], warmup: float, rate: float) -> str:
    """Return a Markdown summary: RSS after warm-up (first and last minute), growth, latency."""
    after = [s for s in samples if s["minute"] > warmup]
    if len(after) < 2:
        return "not enough samples after warm-up"
    per_minute = max(1, int(60 / max(1e-9, after[1]["minute"] * 60 - after[0]["minute"] * 60)))
    first = statistics.mean(s["rss_total_mb"] for s in after[:per_minute])
    last = statistics.mean(s["rss_total_mb"] for s in after[-per_minute:])
    p50s = [s["latency_p50_s"] for s in after if s["latency_p50_s"] is not None] or [0.0]
    p99s = [s["latency_p99_s"] for s in after if s["latency_p99_s"] is not None] or [0.0]
    final = after[-1]
    rows = [
        ("feed", f"{rate:g} articles/s; {final['enriched']} enriched in {final['minute']:.1f} min"),
        ("RSS total after warm-up, first -> last minute", f"{first:.0f} MB -> {last:.0f} MB"),
        ("growth after warm-up", f"{100 * (last - first) / first:+.1f}%"),
        (
            "RSS parent / children at the end",
            f"{final['rss_parent_mb']:.0f} MB / {final['rss_children_mb']:.0f} MB",
        ),
        (
            "latency p50 (median, max of windows)",
            f"{statistics.median(p50s):.2f} s, {max(p50s):.2f} s",
        ),
        (
            "latency p99 (median, max of windows)",
            f"{statistics.median(p99s):.2f} s, {max(p99s):.2f} s",
        ),
    ]
    lines = [f"| {name} | {value} |" for name, value in rows]
    return "| measure | value |\n|---|---|\n" + "\n".join(lines)


def main() -> None:
    """Run the soak and print its samples and summary."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0, help="minutes before growth counts")
    parser.add_argument("--rate", type=float, default=4.0, help="articles per second")
    parser.add_argument("--interval", type=float, default=15.0, help="seconds between samples")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--dedupe-window", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from newsflow.broker import LocalBroker, free_port

    tag = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory(prefix="newsflow-soak-") as tmp:
        broker = None
        bootstrap = os.environ.get("NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            broker = LocalBroker(
                Path(tmp) / "kafka",
                port=free_port(),
                controller_port=free_port(),
                cache_dir=REPO / ".cache" / "kafka",
            )
            broker.start()
            bootstrap = broker.bootstrap_servers
        env = {
            **os.environ,
            "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "NEWSFLOW_TOPIC_RAW": f"soak-raw-{tag}",
            "NEWSFLOW_TOPIC_ENRICHED": f"soak-enriched-{tag}",
            "NEWSFLOW_TOPIC_POLICY": f"soak-policy-{tag}",
            "NEWSFLOW_TOPIC_DEADLETTER": f"soak-deadletter-{tag}",
            "NEWSFLOW_TOPIC_DEDUPE": f"soak-dedupe-{tag}",
            "NEWSFLOW_CONSUMER_GROUP": f"soak-{tag}",
            "NEWSFLOW_METRICS_PORT": str(free_port()),
            "NEWSFLOW_METRICS_HOST": "127.0.0.1",
            "NEWSFLOW_DATA_DIR": str(Path(tmp) / "data"),
            "NEWSFLOW_PROCESSES": str(args.processes),
            "NEWSFLOW_DEDUPE_WINDOW": str(args.dedupe_window),
            "NEWSFLOW_LOG_LEVEL": "WARNING",
        }
        from newsflow.kafka import ensure_topics

        asyncio.run(ensure_topics(settings_of(env)))
        log = Path(tmp) / "worker.log"
        with log.open("wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "newsflow", "worker"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=REPO,
            )
        try:
            samples = asyncio.run(run(args, env, worker))
        finally:
            worker.terminate()
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                worker.kill()
            if broker is not None:
                broker.stop()
        print()
        print(summarise(samples, args.warmup, args.rate))


if __name__ == "__main__":
    main()
