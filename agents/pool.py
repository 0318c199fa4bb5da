"""A long-lived process pool for the CPU-heavy stages; each child loads the model once."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
from collections.abc import Callable
from typing import Any, TypeVar

import mode

from pipeline import nlp
from pipeline.config import PipelineConfig

log = logging.getLogger(__name__)

T = TypeVar("T")


def _warm_up(config: PipelineConfig) -> None:
    if config.runs("entities") or config.runs("policy"):
        nlp.load_nlp(config.spacy_model)


def _model_version(config: PipelineConfig) -> str | None:
    # Answered by a child once its initializer ran: proves the model is loaded there.
    if config.runs("entities") or config.runs("policy"):
        return nlp.model_info(nlp.load_nlp(config.spacy_model)).version
    return None


class StagePool(mode.Service):
    """Runs pipeline functions over chunks of a batch in child processes (or one thread if 0)."""

    def __init__(self, config: PipelineConfig, processes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.processes = processes
        self._executor: concurrent.futures.Executor | None = None
        self.model_version: str | None = None
        self.ready = False

    async def on_start(self) -> None:
        """Start the children and wait until each has loaded the model."""
        if self.processes > 0:
            self._executor = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.processes,
                # spawn: the parent runs an event loop and threads, which fork would copy badly.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_warm_up,
                initargs=(self.config,),
            )
        else:
            self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
            await asyncio.get_running_loop().run_in_executor(self._executor, _warm_up, self.config)
        loop = asyncio.get_running_loop()
        workers = max(1, self.processes)
        versions = await asyncio.gather(
            *(
                loop.run_in_executor(self._executor, _model_version, self.config)
                for _ in range(workers)
            )
        )
        self.model_version = versions[0]
        self.ready = True
        log.info("Stage pool ready: %d process(es), model %s", workers, self.config.spacy_model)

    async def on_stop(self) -> None:
        """Stop the children."""
        self.ready = False
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    async def map_chunks(
        self,
        func: Callable[[list[Any], PipelineConfig], list[T]],
        items: list[Any],
    ) -> list[T]:
        """Return func applied to `items`, split into one chunk per child, results in order."""
        if not items:
            return []
        if self._executor is None:
            raise RuntimeError("stage pool is not running")
        loop = asyncio.get_running_loop()
        parts = max(1, min(self.processes, len(items)))
        size = -(-len(items) // parts)
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        results = await asyncio.gather(
            *(loop.run_in_executor(self._executor, func, chunk, self.config) for chunk in chunks)
        )
        return [item for chunk in results for item in chunk]
