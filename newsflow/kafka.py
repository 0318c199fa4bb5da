"""Kafka clients for the operator side: topic admin, producing and tailing (aiokafka)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka import errors as Errors  # noqa: N812 - aiokafka's own name for the module
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.client import AIOKafkaClient, CoordinationType
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import Array, Int16, Int32, Schema, String

from agents.topics import TOPICS
from newsflow.errors import OperatorError
from newsflow.settings import Settings
from pipeline.outputs import OutputLimits

log = logging.getLogger(__name__)

StartFrom = Literal["earliest", "latest"] | datetime
"""Where a tail starts: the oldest retained record, new records only, or the first at a time."""


class KafkaUnavailableError(OperatorError):
    """Kafka could not be reached or refused the request; the message says what to check."""


def _tls_problem(settings: Settings) -> str | None:
    """Return why a TLS handshake with the first bootstrap server fails, or None if it succeeds
    (or the server cannot be reached at all)."""
    host, _, port = settings.bootstrap_servers.split(",")[0].strip().rpartition(":")
    host = host.strip("[]")
    context = settings.kafka_connection().ssl_context()
    if context is None:
        return None
    try:
        with (
            socket.create_connection((host, int(port)), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=host) as tls,
        ):
            # With TLS 1.3 a broker that rejects the client's certificate says so only after
            # the handshake: an alert on the first read. One it accepts waits for a request.
            tls.settimeout(2)
            try:
                tls.recv(1)
            except TimeoutError:
                return None
            except ssl.SSLError as exc:
                return (
                    f"the broker ended the TLS session ({exc.reason or exc}); it may require a "
                    "client certificate it trusts: check NEWSFLOW_KAFKA_SSL_CERTFILE and "
                    "NEWSFLOW_KAFKA_SSL_KEYFILE"
                )
            return None
    except ssl.SSLCertVerificationError as exc:
        return (
            f"the broker's TLS certificate is not trusted ({exc.verify_message}): check "
            "NEWSFLOW_KAFKA_SSL_CAFILE (the CA that signed it) and the host name in "
            "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS"
        )
    except ssl.SSLError as exc:
        return (
            f"the TLS handshake failed ({exc.reason or exc}): check that the listener speaks TLS, "
            "and NEWSFLOW_KAFKA_SSL_CAFILE, NEWSFLOW_KAFKA_SSL_CERTFILE and "
            "NEWSFLOW_KAFKA_SSL_KEYFILE"
        )
    except (OSError, ValueError):
        return None


def _unavailable(settings: Settings, exc: BaseException) -> KafkaUnavailableError:
    # aiokafka reports a failed handshake as a failed bootstrap; find out what went wrong.
    tls = _tls_problem(settings) if settings.kafka_security_protocol.endswith("SSL") else None
    if tls:
        return KafkaUnavailableError(
            f"cannot connect to Kafka at {settings.bootstrap_servers}: {tls}"
        )
    if settings.kafka_security_protocol.startswith("SASL"):
        # aiokafka reports a refused login as a failed bootstrap; say what is most likely.
        hint = (
            "if the address is right, authentication failed: check NEWSFLOW_KAFKA_SASL_USERNAME, "
            "NEWSFLOW_KAFKA_SASL_PASSWORD and NEWSFLOW_KAFKA_SASL_MECHANISM"
        )
    elif settings.uses_local_broker:
        hint = "start the local broker with `newsflow broker start`"
    else:
        hint = "check NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS and the security settings"
    return KafkaUnavailableError(
        f"cannot reach Kafka at {settings.bootstrap_servers} ({type(exc).__name__}: {exc}); {hint}"
    )


@contextlib.asynccontextmanager
async def _admin(settings: Settings) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(**settings.kafka_client_options(), request_timeout_ms=15000)
    try:
        await admin.start()
    except (KafkaConnectionError, KafkaError, OSError) as exc:
        raise _unavailable(settings, exc) from exc
    try:
        yield admin
    finally:
        await admin.close()


async def ensure_topics(settings: Settings) -> list[str]:
    """Create the registered Newsflow topics where missing; return the names it created."""
    async with _admin(settings) as admin:
        existing = set(await admin.list_topics())
        wanted = [spec for spec in TOPICS if spec.name(settings) not in existing]
        if not wanted:
            return []
        new = [
            NewTopic(
                name=spec.name(settings),
                num_partitions=settings.topic_partitions,
                replication_factor=settings.topic_replication_factor,
                topic_configs=spec.kafka_config(settings),
            )
            for spec in wanted
        ]
        # Another worker may create a topic between our list and create.
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(new)
        return [topic.name for topic in new]


def max_output_bytes(settings: Settings) -> int:
    """Return the largest record a worker publishes: outputs carry an input and then some."""
    return TOPICS.max_output_bytes(settings)


def default_output_limits(settings: Settings) -> OutputLimits:
    """Return the output topics' record size limits as Newsflow creates the topics."""
    return OutputLimits(
        enriched=TOPICS.enriched.max_record_bytes(settings),
        policy=TOPICS.policy.max_record_bytes(settings),
        deadletter=TOPICS.deadletter.max_record_bytes(settings),
    )


async def output_limits(settings: Settings) -> OutputLimits:
    """Return the largest record each output topic takes: its `max.message.bytes` as the
    broker reports it, capped by what the producer sends. Topics that cannot be described
    (missing, or no DescribeConfigs permission) count with the size Newsflow creates them with.
    """
    topics = tuple(spec.name(settings) for spec in TOPICS.outputs())
    found: dict[str, int] = {}
    try:
        async with _admin(settings) as admin:
            responses = await admin.describe_configs(
                [
                    ConfigResource(ConfigResourceType.TOPIC, t, {"max.message.bytes": None})
                    for t in topics
                ]
            )
    except (KafkaError, OSError, OperatorError) as exc:
        log.warning("Could not read the output topics' size limits (%s); assuming defaults", exc)
        responses = []
    for response in responses:
        for error_code, _, _, name, entries in response.resources:
            for entry in entries if error_code == 0 else ():
                if entry[0] == "max.message.bytes" and str(entry[1]).isdigit():
                    found[name] = int(entry[1])
    ceiling = max_output_bytes(settings)
    default = default_output_limits(settings)
    return OutputLimits(
        enriched=min(found.get(topics[0], default.enriched), ceiling),
        policy=min(found.get(topics[1], default.policy), ceiling),
        deadletter=min(found.get(topics[2], default.deadletter), ceiling),
    )


class _LeaveGroupResponseV3(Response):
    API_KEY = 13
    API_VERSION = 3
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("error_code", Int16),
        (
            "members",
            Array(
                ("member_id", String("utf-8")),
                ("group_instance_id", String("utf-8")),
                ("error_code", Int16),
            ),
        ),
    )


class _LeaveGroupRequestV3(RequestStruct):
    API_KEY = 13
    API_VERSION = 3
    RESPONSE_TYPE = _LeaveGroupResponseV3
    SCHEMA = Schema(
        ("group", String("utf-8")),
        ("members", Array(("member_id", String("utf-8")), ("group_instance_id", String("utf-8")))),
    )


class _StaticMemberLeave(Request[_LeaveGroupRequestV3]):
    """LeaveGroup v3 naming a static member by its instance id (aiokafka sends only v0-v1)."""

    API_KEY = 13

    def __init__(self, group: str, instance_id: str) -> None:
        self.group = group
        self.instance_id = instance_id

    def build(self, request_struct_class: type[_LeaveGroupRequestV3]) -> _LeaveGroupRequestV3:
        return request_struct_class(self.group, [("", self.instance_id)])


async def leave_group(settings: Settings, group: str, instance_id: str) -> None:
    """Remove the static member `instance_id` from `group` now, so its partitions move at once.

    A static member does not leave its group when it stops (so that a restart gets its
    partitions back without a rebalance); a worker that stops for good calls this instead of
    leaving its partitions idle until the session times out.
    """
    client = AIOKafkaClient(**settings.kafka_client_options(), request_timeout_ms=10_000)
    try:
        await client.bootstrap()
        node = await client.coordinator_lookup(CoordinationType.GROUP, group)
        response = await client.send(node, _StaticMemberLeave(group, instance_id))
    finally:
        await client.close()
    codes = [response.error_code, *(member[2] for member in response.members)]
    failed = [Errors.for_code(code).__name__ for code in codes if code]
    if failed:
        raise KafkaUnavailableError(f"Kafka refused to remove {instance_id!r}: {failed[0]}")


async def list_topics(settings: Settings) -> list[str]:
    """Return the names of the topics on the cluster."""
    async with _admin(settings) as admin:
        return sorted(await admin.list_topics())


def make_producer(settings: Settings, **overrides: Any) -> AIOKafkaProducer:
    """Return a producer that waits for all replicas and never duplicates on retry."""
    options: dict[str, Any] = {
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 20,
        "max_request_size": max_output_bytes(settings),
        **settings.kafka_client_options(),
        **overrides,
    }
    return AIOKafkaProducer(**options)


async def start_client(settings: Settings, client: AIOKafkaProducer | AIOKafkaConsumer) -> None:
    """Start an aiokafka client, turning connection failures into KafkaUnavailableError; a
    client that failed to start is closed (no "Unclosed AIOKafkaProducer" at exit)."""
    try:
        await client.start()
    except (KafkaConnectionError, KafkaError, OSError) as exc:
        with contextlib.suppress(Exception):
            await client.stop()
        raise _unavailable(settings, exc) from exc


@dataclass(frozen=True)
class Record:
    """One consumed message."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int


async def end_offsets(settings: Settings, topics: Iterable[str]) -> dict[TopicPartition, int]:
    """Return the current end offset of every partition of `topics`."""
    consumer = AIOKafkaConsumer(**settings.kafka_client_options(), enable_auto_commit=False)
    await start_client(settings, consumer)
    try:
        partitions = await _partitions(consumer, topics)
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    """Return every partition of `topics`, waiting for topics that do not exist yet."""
    wanted = list(topics)
    while True:
        await consumer._client.force_metadata_update()  # aiokafka has no public call for this
        known = {topic: consumer.partitions_for_topic(topic) for topic in wanted}
        if all(known.values()):
            return [TopicPartition(t, p) for t in wanted for p in sorted(known[t] or ())]
        await asyncio.sleep(0.5)


async def _seek_to_time(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], when: datetime
) -> None:
    stamp = int(when.timestamp() * 1000)
    found = await consumer.offsets_for_times(dict.fromkeys(partitions, stamp))
    ends = await consumer.end_offsets(partitions)
    for tp in partitions:
        position = found.get(tp)
        # No record at or after `when`: start at the end, explicitly (no lazy reset to race).
        consumer.seek(tp, ends[tp] if position is None else position.offset)


async def tail(
    settings: Settings,
    topics: list[str],
    *,
    start: StartFrom | dict[TopicPartition, int] = "latest",
    group: str | None = None,
    idle_timeout: float | None = None,
    commit_interval: float = 2.0,
) -> AsyncIterator[Record]:
    """Yield records of `topics` from `start` (earliest, latest, a time or explicit offsets).

    With a `group`, a record's offset is committed once the caller asks for the next record or
    stops iterating (at-least-once for a caller that crashes mid-record). Stops after
    `idle_timeout` seconds without a record, if given.
    """
    consumer = AIOKafkaConsumer(
        **settings.kafka_client_options(),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if start == "earliest" else "latest",
    )
    await start_client(settings, consumer)
    done: dict[TopicPartition, int] = {}
    committed_at = time.monotonic()
    try:
        if isinstance(start, dict):
            consumer.assign(list(start))
            for tp, offset in start.items():
                consumer.seek(tp, offset)
        elif group is None or isinstance(start, datetime):
            partitions = await _partitions(consumer, topics)
            consumer.assign(partitions)
            if isinstance(start, datetime):
                await _seek_to_time(consumer, partitions, start)
            elif start == "earliest":
                await consumer.seek_to_beginning(*partitions)
            else:
                await consumer.seek_to_end(*partitions)
        else:
            consumer.subscribe(topics)
        while True:
            if group is not None and done and time.monotonic() - committed_at > commit_interval:
                await consumer.commit(dict(done))
                committed_at = time.monotonic()
            batch = await consumer.getmany(
                timeout_ms=int((idle_timeout if idle_timeout is not None else 1.0) * 1000)
            )
            if not batch and idle_timeout is not None:
                return
            for tp, records in batch.items():
                for r in records:
                    try:
                        yield Record(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp)
                    finally:
                        # Reached when the caller asks for more or stops iterating.
                        done[tp] = r.offset + 1
    finally:
        try:
            if group is not None and done:
                await consumer.commit(dict(done))
        finally:
            await consumer.stop()


async def rewind_group(
    settings: Settings, group: str, topic: str, when: datetime
) -> dict[TopicPartition, int]:
    """Commit, for `group`, the first offset of every partition of `topic` at or after `when`.

    Returns the committed offsets. The group's workers must be stopped: Kafka refuses offset
    commits from outside a group that has live members.
    """
    consumer = AIOKafkaConsumer(
        **settings.kafka_client_options(), group_id=group, enable_auto_commit=False
    )
    await start_client(settings, consumer)
    try:
        partitions = await _partitions(consumer, [topic])
        consumer.assign(partitions)
        found = await consumer.offsets_for_times(
            dict.fromkeys(partitions, int(when.timestamp() * 1000))
        )
        ends = await consumer.end_offsets(partitions)
        offsets = {
            tp: (found[tp].offset if found.get(tp) is not None else ends[tp]) for tp in partitions
        }
        try:
            await consumer.commit(offsets)
        except KafkaError as exc:
            raise OperatorError(
                f"Kafka refused to move group {group!r} ({type(exc).__name__}); stop its workers "
                "first, or start them with a new NEWSFLOW_CONSUMER_GROUP to reprocess history"
            ) from exc
        return offsets
    finally:
        await consumer.stop()
