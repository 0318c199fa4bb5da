"""Consumer lag per assigned input partition: the group's committed offset vs the end offset.

Polled with clients of its own rather than through Faust's consumer, so lag keeps being reported
(and Kafka's reachability keeps being checked) when the consumer itself is stuck.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import mode
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from agents.health import Health
from agents.metrics import WorkerMetrics
from newsflow.connection import AiokafkaOptions

log = logging.getLogger(__name__)


def compute_lag(
    end: Mapping[TopicPartition, int],
    committed: Mapping[TopicPartition, int],
    earliest: Mapping[TopicPartition, int],
) -> dict[TopicPartition, int]:
    """Return messages left per partition: end minus committed (or minus earliest, uncommitted)."""
    lags: dict[TopicPartition, int] = {}
    for tp, end_offset in end.items():
        position = committed.get(tp, -1)
        if position < 0:
            # Nothing committed yet: the group starts at the earliest offset (auto_offset_reset).
            position = earliest.get(tp, 0)
        lags[tp] = max(0, end_offset - position)
    return lags


def publish_lag(metrics: WorkerMetrics, lags: Mapping[TopicPartition, int]) -> None:
    """Set the lag gauge to `lags`, removing series of partitions no longer assigned."""
    wanted = {(tp.topic, str(tp.partition)) for tp in lags}
    for labels in _label_sets(metrics.lag):
        if labels not in wanted:
            metrics.lag.remove(*labels)
    for tp, lag in lags.items():
        metrics.lag.labels(topic=tp.topic, partition=str(tp.partition)).set(lag)
    metrics.assigned_partitions.set(len(lags))


def _label_sets(gauge: Any) -> list[tuple[str, str]]:
    return [
        (sample.labels["topic"], sample.labels["partition"])
        for family in gauge.collect()
        for sample in family.samples
    ]


class LagMonitor(mode.Service):
    """Every `interval` seconds: records lag of this worker's input partitions and Kafka contact."""

    def __init__(
        self,
        *,
        topic: str,
        group: str,
        client_options: AiokafkaOptions,
        interval: float,
        metrics: WorkerMetrics,
        health: Health,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.topic = topic
        self.group = group
        self.client_options = client_options
        self.interval = interval
        self.metrics = metrics
        self.health = health
        self._admin: AIOKafkaAdminClient | None = None
        self._offsets: AIOKafkaConsumer | None = None

    async def on_stop(self) -> None:
        """Close the clients."""
        await self._close()

    async def _close(self) -> None:
        if self._admin is not None:
            await self._admin.close()
            self._admin = None
        if self._offsets is not None:
            await self._offsets.stop()
            self._offsets = None

    async def _clients(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        if self._admin is None or self._offsets is None:
            await self._close()
            admin = AIOKafkaAdminClient(**self.client_options, request_timeout_ms=10_000)
            offsets = AIOKafkaConsumer(
                **self.client_options, enable_auto_commit=False, request_timeout_ms=10_000
            )
            try:
                await admin.start()
                await offsets.start()
            except BaseException:
                await admin.close()
                await offsets.stop()
                raise
            self._admin, self._offsets = admin, offsets
        return self._admin, self._offsets

    async def poll(self) -> dict[TopicPartition, int]:
        """Ask Kafka for this worker's offsets; publish and return the lag per partition."""
        admin, offsets = await self._clients()
        partitions = sorted(
            TopicPartition(topic, partition)
            for topic, partition in self.health.assignment or ()
            if topic == self.topic
        )
        committed = await admin.list_consumer_group_offsets(
            self.group, partitions=partitions or None
        )
        lags: dict[TopicPartition, int] = {}
        if partitions:
            end = await offsets.end_offsets(partitions)
            earliest = await offsets.beginning_offsets(partitions)
            lags = compute_lag(end, {tp: meta.offset for tp, meta in committed.items()}, earliest)
        self.health.broker_answered()
        publish_lag(self.metrics, lags)
        return lags

    @mode.Service.task
    async def _poll_forever(self) -> None:
        unreachable_since: float | None = None
        while not self.should_stop:
            try:
                await self.poll()
            except Exception as exc:
                # One line when Kafka goes away, not one per poll: an outage must not flood logs.
                if unreachable_since is None:
                    unreachable_since = time.monotonic()
                    log.warning(
                        "Kafka is unreachable (%s: %s); worker not ready, retrying every %gs",
                        type(exc).__name__,
                        exc,
                        self.interval,
                    )
                else:
                    log.debug("Kafka still unreachable: %r", exc)
                # Reconnect next time: a broken client may not recover by itself.
                await self._close()
            else:
                if unreachable_since is not None:
                    log.warning(
                        "Kafka is reachable again after %.0fs", time.monotonic() - unreachable_since
                    )
                    unreachable_since = None
            await self.sleep(self.interval)
