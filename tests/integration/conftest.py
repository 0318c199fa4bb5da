"""Helpers of the reliability tests: a varied real-text corpus, worker kills, the audit."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import time
from functools import lru_cache
from typing import Any

import psutil

from newsflow.audit import AuditReport, audit, group_caught_up
from newsflow.kafka import end_offsets
from tests.conftest import SAMPLE_TXT, SHARED

GROUND_TRUTH = SHARED / "benchmarks" / "article-extraction" / "ground-truth.json"


@lru_cache(maxsize=1)
def _paragraph_sets() -> tuple[tuple[str, ...], ...]:
    truth = json.loads(GROUND_TRUTH.read_text(encoding="utf-8"))
    bodies = [SAMPLE_TXT.read_text(encoding="utf-8")]
    bodies += [truth[key].get("articleBody", "") for key in sorted(truth)]
    sets = []
    for body in bodies:
        paragraphs = tuple(p.strip() for p in body.split("\n") if 40 <= len(p.strip()) <= 1200)
        if len(paragraphs) >= 3:
            sets.append(paragraphs)
    return tuple(sets)


def build_articles(count: int, tag: str, seed: int = 9) -> list[tuple[bytes, bytes]]:
    """Return `count` (key, RawArticle JSON) pairs of real text, recombined so few are copies.

    Each takes 2-4 paragraphs of one real article and one of another, ~1-2 KB of text/plain.
    """
    rng = random.Random(seed)
    sets = _paragraph_sets()
    messages = []
    for index in range(count):
        own = sets[index % len(sets)]
        other = sets[rng.randrange(len(sets))]
        picked = rng.sample(own, min(len(own), rng.randint(2, 4)))
        picked.insert(rng.randint(0, len(picked)), rng.choice(other))
        text = "\n\n".join(picked)[:2500]
        article_id = f"{tag}-{index}"
        value = {"id": article_id, "content": text, "content_type": "text/plain", "source": tag}
        messages.append((article_id.encode(), json.dumps(value).encode()))
    return messages


def descendants(pid: int) -> list[int]:
    """Return the pids of every live descendant of `pid`."""
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def alive(pid: int) -> bool:
    """Return whether `pid` runs (a zombie, dead but not reaped, does not)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def kill_hard(process: Any) -> None:
    """SIGKILL a worker subprocess (like kill -9) and check its pool children die with it."""
    children = descendants(process.pid)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 15
    while any(alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = [child for child in children if alive(child)]
    for child in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
    assert not left, f"pool children {left} outlived their killed worker {process.pid}"


def outputs_published(settings: Any) -> int:
    """Return how many enriched events and dead letters were published so far."""
    ends = asyncio.run(end_offsets(settings, [settings.topic_enriched, settings.topic_deadletter]))
    return sum(ends.values())


def caught_up(settings: Any) -> bool:
    """Return whether the workers' group committed every input (so every input has outputs)."""
    try:
        return asyncio.run(group_caught_up(settings))
    except Exception:  # the broker may be restarting: not yet
        return False


def run_audit(settings: Any) -> AuditReport:
    """Return the audit of every input of the settings' raw topic."""
    return asyncio.run(audit(settings))


def wait_caught_up(settings: Any, timeout: float, workers: list[Any] | None = None) -> bool:
    """Return True once the group caught up; False after timeout or if every worker died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if caught_up(settings):
            return True
        if workers and all(w.process.poll() is not None for w in workers):
            return False
        time.sleep(2)
    return caught_up(settings)
