"""The stage pool isolates poison pills: a crashing, hanging or raising article is dead-lettered
after two attempts and the rest of its batch is processed (real child processes, no Kafka)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from typing import Any

import pytest

from agents.pool import ATTEMPTS, StagePool
from pipeline.config import PipelineConfig
from pipeline.process import clean_many
from schemas import RawArticle
from tests.conftest import REPO, wait_for
from tests.integration.conftest import alive

pytestmark = pytest.mark.slow

CLEANING_ONLY = PipelineConfig(stages=("cleaning",))


def run_batch(fault: str | None, contents: list[str], processes: int = 2) -> tuple[list[Any], int]:
    async def run() -> tuple[list[Any], int]:
        pool = StagePool(CLEANING_ONLY, processes, stage_timeout=5.0, fault=fault)
        await pool.on_start()
        try:
            items = [RawArticle(content=c).model_dump(mode="json") for c in contents]
            results = await pool.map_chunks(clean_many, items, stage="cleaning")
            # The pool still works after isolating the poison pill.
            again = await pool.map_chunks(clean_many, items[:1], stage="cleaning")
            assert "cleaned" in again[0]
            return results, pool.restarts
        finally:
            await pool.on_stop()

    return asyncio.run(run())


CONTENTS = [
    "Germany lifted the ban on Friday.",
    "France eased the rules. POISON here.",
    "Spain approved the plan on Monday.",
    "Italy suspended the tariffs.",
]


@pytest.mark.parametrize(
    ("kind", "reason", "error_type"),
    [
        ("crash", "stage_error", "BrokenProcessPool"),
        ("raise", "stage_error", "RuntimeError"),
        ("hang", "stage_timeout", "TimeoutError"),
    ],
)
def test_poison_pill_is_rejected_and_the_rest_processed(
    kind: str, reason: str, error_type: str
) -> None:
    results, restarts = run_batch(f"{kind}:POISON", CONTENTS)
    assert [("cleaned" in r) for r in results] == [True, False, True, True]
    rejected = results[1]["rejected"]
    assert rejected["reason"] == reason
    assert rejected["error_type"] == error_type
    assert rejected["stage"] == "cleaning"
    assert f"{ATTEMPTS} attempts" in rejected["message"]
    assert rejected["attempts"] == ATTEMPTS
    assert results[0]["cleaned"]["text"] == "Germany lifted the ban on Friday."
    assert restarts == 2  # once for the chunk, once after the article failed alone


def test_without_fault_nothing_restarts() -> None:
    results, restarts = run_batch(None, CONTENTS, processes=1)
    assert all("cleaned" in r for r in results)
    assert restarts == 0


def test_fault_hook_is_off_without_processes() -> None:
    assert StagePool(CLEANING_ONLY, 0, fault="crash:POISON").fault is None


@pytest.mark.parametrize("kind", ["crash", "hang"])
def test_concurrent_batches_blame_only_the_poison_pill(kind: str) -> None:
    """Another batch's chunks, killed with the pool, are retried, not dead-lettered."""
    clean = [f"Country {n} eased the rules on Friday." for n in range(6)]

    async def run() -> tuple[list[Any], list[Any], int]:
        pool = StagePool(CLEANING_ONLY, 2, stage_timeout=5.0, fault=f"{kind}:POISON")
        await pool.on_start()
        try:
            poisoned, healthy = (
                [RawArticle(content=c).model_dump(mode="json") for c in contents]
                for contents in (CONTENTS, clean)
            )
            first, second = await asyncio.gather(
                pool.map_chunks(clean_many, poisoned, stage="cleaning"),
                pool.map_chunks(clean_many, healthy, stage="cleaning"),
            )
            return first, second, pool.restarts
        finally:
            await pool.on_stop()

    first, second, restarts = asyncio.run(run())
    assert [("cleaned" in r) for r in first] == [True, False, True, True]
    assert all("cleaned" in r for r in second)
    assert restarts == 2


def test_a_batch_arriving_while_the_pool_is_replaced_waits_for_it() -> None:
    clean = [RawArticle(content="Spain approved the plan.").model_dump(mode="json")]
    poisoned = [RawArticle(content=c).model_dump(mode="json") for c in CONTENTS]

    async def run() -> list[Any]:
        pool = StagePool(CLEANING_ONLY, 1, stage_timeout=5.0, fault="crash:POISON")
        await pool.on_start()
        try:
            first = asyncio.create_task(pool.map_chunks(clean_many, poisoned, stage="cleaning"))
            while pool.restarts == 0:  # polled every loop turn: caught as the pool is replaced
                await asyncio.sleep(0)
            later = await pool.map_chunks(clean_many, clean, stage="cleaning")
            await first
            return later
        finally:
            await pool.on_stop()

    assert "cleaned" in asyncio.run(run())[0]


def test_a_stopping_pool_abandons_work_instead_of_failing_it() -> None:
    async def run() -> None:
        pool = StagePool(CLEANING_ONLY, 1)
        await pool.on_start()
        await pool.on_stop()
        with pytest.raises(asyncio.CancelledError):
            await pool.map_chunks(clean_many, [{"content": "x"}], stage="cleaning")

    asyncio.run(run())


POOL_OWNER = """
import asyncio, sys
from agents.pool import StagePool
from pipeline.config import PipelineConfig
from tests.integration.conftest import descendants

async def main():
    pool = StagePool(PipelineConfig(stages=("cleaning",)), 2)
    await pool.on_start()
    print(" ".join(map(str, descendants(__import__("os").getpid()))), flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


@pytest.mark.parametrize("deathsig", [True, False], ids=["prctl", "parent-watch"])
def test_pool_children_die_with_their_parent_on_kill_9(deathsig: bool) -> None:
    owner = POOL_OWNER
    if not deathsig:  # the parent-watch thread alone (other systems, or a late prctl)
        no_prctl = "import agents.pool as p\np.threading.main_thread = lambda: None\n"
        owner = no_prctl + owner
    process = subprocess.Popen(
        [sys.executable, "-c", owner], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        assert process.stdout is not None
        children = [int(pid) for pid in process.stdout.readline().split()]
        assert len([c for c in children if alive(c)]) >= 2, children
    finally:
        process.kill()  # SIGKILL: no cleanup runs in the parent
        process.wait()
    gone = wait_for(lambda: not any(alive(c) for c in children), 15)
    left = [c for c in children if alive(c)]
    for child in left:  # a failing run must not leave them behind
        os.kill(child, signal.SIGKILL)
    assert gone, f"pool children outlived their parent: {left}"
