"""The Faust app, built once from settings, with the pool service and the enrichment agent."""

from __future__ import annotations

import logging
import socket
from typing import Any

import faust
from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector

from agents.dedupe_state import DedupeState
from agents.enrich import BatchHandler, process_articles
from agents.health import Health
from agents.lag import LagMonitor
from agents.metrics import WorkerMetrics
from agents.pool import StagePool
from agents.server import HttpServer, make_web_app
from agents.topics import TOPICS, Topics, declare_topics
from newsflow.kafka import default_output_limits, max_output_bytes
from newsflow.logs import lower_noise, quiet_repeats, redact_secrets
from newsflow.settings import Settings
from pipeline import policy
from pipeline.dedupe import DuplicateIndex
from pipeline.outputs import OutputLimits

log = logging.getLogger(__name__)


def create_app(
    settings: Settings, limits: OutputLimits | None = None, listener: socket.socket | None = None
) -> tuple[faust.App, Topics]:
    """Return the worker's Faust app and its topics, configured only from `settings`.

    `limits` are the output topics' record size limits (`newsflow.kafka.output_limits`); by
    default, the sizes Newsflow creates them with. `listener`: the metrics socket, bound already.
    """
    redact_secrets(settings.secrets)
    lower_noise()
    quiet_repeats()
    datadir = settings.data_dir.resolve() / "faust" / settings.consumer_group
    datadir.mkdir(parents=True, exist_ok=True)
    connection = settings.kafka_connection()
    app = faust.App(
        settings.consumer_group,
        broker=connection.faust_broker(),
        broker_credentials=connection.faust_credentials(),
        # Faust reads its own variables (BROKER_URL, WEB_PORT, ...); an empty env means only
        # our settings configure it.
        env={},
        datadir=str(datadir),
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        broker_session_timeout=settings.consumer_session_timeout_seconds,
        # Static membership: a restarted worker takes its partitions back without a rebalance.
        consumer_group_instance_id=settings.group_instance_id,
        # Dead letters carry the input (base64) and enriched events its text: twice the input.
        producer_max_request_size=max_output_bytes(settings),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        topic_allow_declare=True,
        topic_disable_leader=True,
        # On stop and on rebalance, do not wait for the batches in flight to be acked: their
        # offsets are simply not committed and they are redelivered (at-least-once, same ids).
        # Waiting held rebalances for up to NEWSFLOW_MAX_IN_FLIGHT articles of NLP, long enough
        # on a loaded machine for the group to drop the member mid-stop.
        stream_wait_empty=False,
    )
    topics = declare_topics(app, settings)
    config = settings.pipeline_config()
    registry = _registry()
    metrics = WorkerMetrics(
        registry,
        consumed_topics=[spec.name(settings) for spec in TOPICS.inputs()],
        produced_topics=[spec.name(settings) for spec in TOPICS.outputs()],
        languages=config.detect_languages,
    )
    pool = StagePool(
        config,
        settings.processes,
        stage_timeout=settings.stage_timeout_seconds,
        fault=settings.test_fault_injection,
        on_restart=metrics.pool_restarts.inc,
    )
    state = None
    if settings.dedupe_shared:
        state = DedupeState(
            DuplicateIndex.from_config(config, shared=True),
            app=app,
            topic=TOPICS.dedupe.name(settings),
            client_options=connection.aiokafka_options(),
            metrics=metrics,
        )
    health = Health(
        # Three missed lag reads (plus slack for a slow broker) before Kafka counts as gone.
        broker_contact_max_age=3 * settings.lag_interval_seconds + 5,
        pool_ready=lambda: pool.ready,
        crashed=lambda: app.crash_reason is not None,
        state_restored=lambda: state is None or state.restored.is_set(),
    )

    @app.on_partitions_assigned.connect
    async def on_assigned(_: faust.App, assigned: set[Any], **__: Any) -> None:
        health.assigned(frozenset((tp.topic, tp.partition) for tp in assigned))

    policy_model = ""
    if config.runs(policy.STAGE):
        info = policy.model_info()
        policy_model = f"{info.name} {info.version}"

    def before_scrape() -> None:
        metrics.ready.set(int(health.readiness().ok))
        # The model version is known once the pool's children have loaded the model.
        metrics.set_build_info(
            config.pipeline_version, config.spacy_model, pool.model_version, policy_model
        )

    if settings.metrics_port:
        # First, so probes answer (not ready) while the pool is still loading the model.
        web_app = make_web_app(health, registry, before_scrape)
        app.service(
            HttpServer(web_app, settings.metrics_host, settings.metrics_port, listener=listener)
        )
    app.service(pool)
    if state is not None:
        app.service(state)
    app.service(
        LagMonitor(
            topic=settings.topic_raw,
            group=settings.consumer_group,
            client_options=connection.aiokafka_options(),
            interval=settings.lag_interval_seconds,
            metrics=metrics,
            health=health,
        )
    )
    handler = BatchHandler(
        topics, pool, config, metrics, limits or default_output_limits(settings), state
    )

    async def enrich_agent(stream: faust.StreamT) -> Any:
        try:
            await process_articles(
                handler,
                stream,
                settings.batch_size,
                settings.batch_wait_seconds,
                settings.max_in_flight,
            )
        except Exception as exc:
            # Un-acked input is only replayed by a fresh consumer: stop the worker rather than
            # let Faust restart the agent past it.
            log.critical("Batch failed, stopping so its input is redelivered: %r", exc)
            await app.crash(exc)
            raise

    app.agent(topics.raw, name="process_articles", concurrency=1)(enrich_agent)

    return app, topics


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry
