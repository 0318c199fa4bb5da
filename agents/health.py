"""Liveness and readiness of a worker, for Kubernetes probes and the `newsflow_ready` gauge."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Check:
    """The answer to a probe: whether it passes and the facts it was decided on."""

    ok: bool
    details: dict[str, Any]


@dataclass
class Health:
    """What the probes need to know, updated by the services that know it.

    Ready means: Kafka answered recently (`broker_contact_max_age` seconds), the consumer has
    joined its group and received an assignment (possibly empty, when there are more workers than
    partitions: such a worker is a healthy standby), every pool child has loaded the model, and
    the duplicate window is restored from its state topic.
    """

    broker_contact_max_age: float
    pool_ready: Callable[[], bool]
    crashed: Callable[[], bool]
    state_restored: Callable[[], bool] = lambda: True
    assignment: frozenset[tuple[str, int]] | None = None
    last_broker_contact: float | None = None
    clock: Callable[[], float] = field(default=time.monotonic)

    def broker_answered(self) -> None:
        """Note that a request to Kafka just succeeded."""
        self.last_broker_contact = self.clock()

    def assigned(self, partitions: frozenset[tuple[str, int]]) -> None:
        """Note the consumer's new assignment (a rebalance completed)."""
        self.assignment = partitions

    def liveness(self) -> Check:
        """Return whether the worker is alive: its event loop answers and it has not crashed."""
        crashed = self.crashed()
        return Check(not crashed, {"crashed": crashed})

    def readiness(self) -> Check:
        """Return whether the worker is ready to process: connected, assigned, model loaded."""
        age = None if self.last_broker_contact is None else self.clock() - self.last_broker_contact
        connected = age is not None and age <= self.broker_contact_max_age
        assigned = self.assignment is not None
        model_loaded = self.pool_ready()
        crashed = self.crashed()
        restored = self.state_restored()
        details: dict[str, Any] = {
            "kafka_connected": connected,
            "kafka_last_contact_seconds_ago": None if age is None else round(age, 3),
            "partitions_assigned": assigned,
            "partitions": sorted(f"{t}:{p}" for t, p in self.assignment or ()),
            "model_loaded": model_loaded,
            "dedupe_window_restored": restored,
            "crashed": crashed,
        }
        ready = connected and assigned and model_loaded and restored and not crashed
        return Check(ready, details)
