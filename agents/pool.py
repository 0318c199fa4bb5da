"""A long-lived process pool for the CPU-heavy stages; each child loads the model once.

A chunk whose child dies (a segfault, `os._exit`, the OOM killer: BrokenProcessPool), raises
outside the stage's own error handling, or overruns the stage timeout is isolated: the pool is
replaced and each article of the chunk is retried alone in the fresh pool within the timeout.
An article that fails alone too is a poison pill: it comes back as a rejection (dead letter)
after two attempts, and the batch, hence the partition, moves on.

Several batches may use the pool at once (the worker pipelines them). A child's death fails every
chunk queued in its pool, so isolation is exclusive: it stops new chunks, lets the chunks already
in the pool finish or fail, and only then retries articles alone, so that an article is never
blamed for another's crash.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import mode

from pipeline import nlp, policy
from pipeline.config import PipelineConfig
from pipeline.outcomes import Rejected
from schemas import DeadLetterReason, Stage

log = logging.getLogger(__name__)

ATTEMPTS = 2
"""Attempts per article before it is dead-lettered: once in its chunk, once alone."""

FAULT_KINDS = ("crash", "hang", "raise")
StageFunc = Callable[[list[Any], PipelineConfig], list[dict[str, Any]]]


_PR_SET_PDEATHSIG = 1
PARENT_POLL_SECONDS = 1.0


def die_with_parent(parent: int, *, deathsig: bool = True) -> None:
    """Make this process exit as soon as process `parent` is gone, `kill -9` included.

    The kernel sends SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG, Linux) when
    `deathsig`, which must be False unless the thread that started this process lives as long as
    the parent (the signal follows that thread); and a thread checks the parent every second, for
    the other systems and for a parent that died before prctl ran.
    """
    if deathsig:
        with contextlib.suppress(OSError, AttributeError):  # not Linux: the thread alone
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)  # orphaned: the worker is gone, nobody will read our results

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _warm_up(config: PipelineConfig, parent: int, deathsig: bool) -> None:
    """Initialise a pool child: bound to its parent's life, model loaded."""
    die_with_parent(parent, deathsig=deathsig)
    _load_model(config)


def _load_model(config: PipelineConfig) -> None:
    if config.needs_model():
        nlp.load_nlp(config.spacy_model)
    if config.runs(Stage.POLICY):
        policy.shipped_model()


def _model_version(config: PipelineConfig) -> str | None:
    # Answered by a child once its initializer ran: proves the model is loaded there.
    if config.needs_model():
        return nlp.model_info(nlp.load_nlp(config.spacy_model)).version
    return None


def _inject_fault(items: list[Any], fault: str) -> None:
    """Test hook (NEWSFLOW_TEST_FAULT_INJECTION=KIND:MARKER): misbehave on a marked article."""
    kind, _, marker = fault.partition(":")
    for item in items:
        values = item.values() if isinstance(item, dict) else (item,)
        if any(isinstance(v, str) and marker in v for v in values):
            if kind == "crash":
                os._exit(70)  # like a segfault: no exception, no cleanup
            if kind == "hang":
                time.sleep(3600)
            raise RuntimeError(f"injected fault for articles containing {marker!r}")


def _run_chunk(
    func: StageFunc, items: list[Any], config: PipelineConfig, fault: str | None
) -> list[dict[str, Any]]:
    """Return func(items, config), run in a child; the fault hook first, when configured."""
    if fault:
        _inject_fault(items, fault)
    return func(items, config)


def _rejection(stage: Stage, problem: BaseException | None, timeout: float) -> dict[str, Any]:
    if problem is None:
        rejected = Rejected(
            DeadLetterReason.STAGE_TIMEOUT,
            f"{stage} stage took over {timeout:g}s for this article, {ATTEMPTS} attempts",
            stage=stage,
            error_type="TimeoutError",
            attempts=ATTEMPTS,
        )
    else:
        what = (
            "its process died"
            if isinstance(problem, concurrent.futures.process.BrokenProcessPool)
            else f"{type(problem).__name__}: {problem}"
        )
        rejected = Rejected(
            DeadLetterReason.STAGE_ERROR,
            f"{stage} stage failed on this article, {ATTEMPTS} attempts: {what}",
            stage=stage,
            error_type=type(problem).__name__,
            attempts=ATTEMPTS,
        )
    return {"rejected": rejected.as_dict()}


def _size(item: Any) -> int:
    """Return an item's weight for balancing: the length of its text (articles, requests)."""
    if isinstance(item, dict):
        return sum(len(value) for value in item.values() if isinstance(value, str)) or 1
    return 1


def balanced_groups(sizes: list[int], parts: int) -> list[list[int]]:
    """Return item indices split into at most `parts` groups of near-equal total size, in order.

    The model's time grows with an article's length: chunks of equal count but unequal text
    leave one child idle while another finishes (about 11% of a 32-article batch on real
    articles); largest-first into the lightest group balances them within a fraction of a %.
    """
    groups: list[list[int]] = [[] for _ in range(parts)]
    totals = [0] * parts
    for index in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        lightest = totals.index(min(totals))
        groups[lightest].append(index)
        totals[lightest] += sizes[index]
    return [sorted(group) for group in groups if group]


class StagePool(mode.Service):
    """Runs pipeline functions over chunks of a batch in child processes (or one thread if 0)."""

    def __init__(
        self,
        config: PipelineConfig,
        processes: int,
        *,
        stage_timeout: float = 120.0,
        fault: str | None = None,
        on_restart: Callable[[], object] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.processes = processes
        self.stage_timeout = stage_timeout
        self.fault = fault if processes > 0 else None  # a crash hook would kill the worker
        self._executor: concurrent.futures.Executor | None = None
        self.model_version: str | None = None
        self.ready = False
        self.restarts = 0
        self.on_restart = on_restart
        self._launched = False  # once on_start ran; the executor itself is briefly None on restart
        self._stopping = False
        # Isolation is exclusive (see the module's docstring): chunks wait for `_open`,
        # isolation waits for `_drained`, one isolation at a time.
        self._open = asyncio.Event()  # set once the children are up
        self._drained = asyncio.Event()
        self._drained.set()
        self._running = 0
        self._isolating = asyncio.Lock()
        self._generation = 0  # how many times the children were replaced

    async def on_start(self) -> None:
        """Start the children and wait until each has loaded the model."""
        self._launched = True
        await self._start_executor()
        self._open.set()
        workers = max(1, self.processes)
        log.info("Stage pool ready: %d process(es), model %s", workers, self.config.spacy_model)

    async def _start_executor(self) -> None:
        loop = asyncio.get_running_loop()
        if self.processes > 0:
            self._executor = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.processes,
                # spawn: the parent runs an event loop and threads, which fork would copy badly.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm_up,
                # Children are started by this thread's submissions: the death signal may follow
                # it when it is the main thread, which lives as long as the process.
                initargs=(
                    self.config,
                    os.getpid(),
                    threading.current_thread() is threading.main_thread(),
                ),
            )
        else:
            self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
            await loop.run_in_executor(self._executor, _load_model, self.config)
        versions = await asyncio.gather(
            *(
                loop.run_in_executor(self._executor, _model_version, self.config)
                for _ in range(max(1, self.processes))
            )
        )
        self.model_version = versions[0]
        self.ready = True

    async def on_stop(self) -> None:
        """Stop the children."""
        self.ready = False
        self._stopping = True
        executor, self._executor = self._executor, None
        if executor is not None:
            # In a thread: a child finishing its chunk must not block the event loop (and with it
            # the consumer's heartbeats) while the worker stops.
            await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)

    async def restart(self) -> None:
        """Replace the pool: kill its children (hung or not) and start fresh ones."""
        self.ready = False
        self.restarts += 1
        self._generation += 1
        if self.on_restart is not None:
            self.on_restart()
        executor, self._executor = self._executor, None
        if isinstance(executor, concurrent.futures.ProcessPoolExecutor):
            # The executor has no public way to stop a hung child; its process table does.
            children = list(getattr(executor, "_processes", {}).values())
            for child in children:
                child.kill()
            executor.shutdown(wait=False, cancel_futures=True)
            await asyncio.to_thread(lambda: [child.join(10) for child in children])
        await self._start_executor()

    async def map_chunks(
        self, func: StageFunc, items: list[Any], *, stage: Stage
    ) -> list[dict[str, Any]]:
        """Return func applied to `items`, split into one chunk per child, results in order.

        Items of a chunk that crashed its child, raised or overran the timeout are retried
        alone; one that fails again gets a `{"rejected": ...}` result (dead letter) instead.
        """
        if not items:
            return []
        self._check_running()
        if self.processes == 0:
            # A thread cannot be killed: no timeout or isolation without processes.
            await self._open.wait()
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, func, items, self.config)
        groups = balanced_groups(
            [_size(item) for item in items], max(1, min(self.processes, len(items)))
        )
        results: list[dict[str, Any]] = [{}] * len(items)
        failed, generation = await self._run_chunks(func, items, groups, results)
        if failed:
            self._check_running()  # chunks cancelled by a stopping pool are nobody's fault
            await self._isolate(func, items, failed, results, stage, generation)
        return results

    def _check_running(self) -> None:
        """Raise unless the pool takes work: a stopping worker abandons its batches (cancelled,
        un-acked, redelivered), a pool never started is an error."""
        if self._stopping:
            raise asyncio.CancelledError("the stage pool is stopping")
        if not self._launched:
            raise RuntimeError("stage pool is not running")

    async def _run_chunks(
        self,
        func: StageFunc,
        items: list[Any],
        groups: list[list[int]],
        results: list[dict[str, Any]],
    ) -> tuple[list[tuple[list[int], BaseException | None]], int]:
        """Fill `results` from one chunk per group; return the failed groups and the pool used."""
        while not self._open.is_set():
            await self._open.wait()
        generation = self._generation
        self._running += 1
        self._drained.clear()
        futures: list[asyncio.Future[list[dict[str, Any]]]] = []
        try:
            loop = asyncio.get_running_loop()
            futures = [
                loop.run_in_executor(
                    self._executor,
                    _run_chunk,
                    func,
                    [items[i] for i in group],
                    self.config,
                    self.fault,
                )
                for group in groups
            ]
            await asyncio.wait(futures, timeout=self.stage_timeout)
        finally:
            self._running -= 1
            if self._running == 0:
                self._drained.set()
        for future in futures:
            # Futures of killed children fail later; nobody else will read them.
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
        failed: list[tuple[list[int], BaseException | None]] = []
        for group, future in zip(groups, futures, strict=True):
            if not future.done():
                failed.append((group, None))  # overran the timeout
            elif future.cancelled():
                # Still queued when another batch's failure replaced the pool.
                failed.append((group, concurrent.futures.CancelledError("pool replaced")))
            elif future.exception() is not None:
                failed.append((group, future.exception()))
            else:
                for index, result in zip(group, future.result(), strict=True):
                    results[index] = result
        return failed, generation

    async def _isolate(
        self,
        func: StageFunc,
        items: list[Any],
        failed: list[tuple[list[int], BaseException | None]],
        results: list[dict[str, Any]],
        stage: Stage,
        generation: int,
    ) -> None:
        """Replace the pool, then retry the failed chunks' articles alone, nothing else running.

        `generation` is the pool the chunks ran in: if another batch's isolation replaced it
        since, it is not replaced again.
        """
        for _, problem in failed:
            log.warning(
                "%s chunk failed (%s); restarting the stage pool and retrying its articles "
                "one by one",
                stage,
                "timeout" if problem is None else type(problem).__name__,
            )
        async with self._isolating:
            self._open.clear()
            try:
                if generation == self._generation:
                    # Kills the children: chunks of other batches still in the pool fail at
                    # once and queue here for their own retries.
                    await self.restart()
                while not self._drained.is_set():
                    await self._drained.wait()
                for group, _ in failed:
                    for index in group:
                        results[index] = await self._alone(func, items[index], stage)
            finally:
                self._open.set()

    async def _alone(self, func: StageFunc, item: Any, stage: Stage) -> dict[str, Any]:
        self._check_running()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(
            self._executor, _run_chunk, func, [item], self.config, self.fault
        )
        try:
            (result,) = await asyncio.wait_for(future, timeout=self.stage_timeout)
            return result
        except TimeoutError:
            problem: BaseException | None = None
        except Exception as exc:
            problem = exc
        log.error(
            "%s stage: an article failed alone too (%s); dead-lettering it",
            stage,
            "timeout" if problem is None else type(problem).__name__,
        )
        await self.restart()
        return _rejection(stage, problem, self.stage_timeout)
