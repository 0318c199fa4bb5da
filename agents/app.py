"""The Faust app, built once from settings, with the pool service and the enrichment agent."""

from __future__ import annotations

import logging
import ssl
from typing import Any

import faust
import mode
from prometheus_client import start_http_server

from agents import metrics
from agents.enrich import BatchHandler, process_articles
from agents.pool import StagePool
from agents.topics import Topics, declare_topics
from newsflow.settings import Settings

log = logging.getLogger(__name__)


def _broker_credentials(settings: Settings) -> faust.auth.Credentials | None:
    options = settings.kafka_client_options()
    context = options.get("ssl_context")
    if settings.kafka_security_protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=str(options["sasl_plain_username"] or ""),
            password=str(options["sasl_plain_password"] or ""),
            mechanism=str(options["sasl_mechanism"]),
            ssl_context=context if isinstance(context, ssl.SSLContext) else None,
        )
    if isinstance(context, ssl.SSLContext):
        return faust.SSLCredentials(context)
    return None


def create_app(settings: Settings) -> tuple[faust.App, Topics]:
    """Return the worker's Faust app and its topics, configured only from `settings`."""
    datadir = settings.data_dir.resolve() / "faust" / settings.consumer_group
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.consumer_group,
        broker=[f"kafka://{server.strip()}" for server in settings.bootstrap_servers.split(",")],
        broker_credentials=_broker_credentials(settings),
        # Faust reads its own variables (BROKER_URL, WEB_PORT, ...); an empty env means only
        # our settings configure it.
        env={},
        datadir=str(datadir),
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication_factor,
        topic_allow_declare=True,
        topic_disable_leader=True,
    )
    topics = declare_topics(app, settings)
    config = settings.pipeline_config()
    pool = StagePool(config, settings.processes)
    app.service(pool)
    handler = BatchHandler(topics, pool, config)
    metrics.BUILD_INFO.info(
        {"pipeline_version": config.pipeline_version, "spacy_model": config.spacy_model}
    )

    async def enrich_agent(stream: faust.StreamT) -> Any:
        try:
            async for _ in process_articles(
                handler, stream, settings.batch_size, settings.batch_wait_seconds
            ):
                pass
        except Exception as exc:
            # Un-acked input is only replayed by a fresh consumer: stop the worker rather than
            # let Faust restart the agent past it.
            log.critical("Batch failed, stopping so its input is redelivered: %r", exc)
            await app.crash(exc)
            raise

    app.agent(topics.raw, name="process_articles", concurrency=1)(enrich_agent)

    if settings.metrics_port:
        app.service(MetricsServer(settings.metrics_host, settings.metrics_port))
    return app, topics


class MetricsServer(mode.Service):
    """Serves /metrics over HTTP from a background thread."""

    def __init__(self, host: str, port: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.host = host
        self.port = port

    async def on_start(self) -> None:
        """Start serving."""
        start_http_server(self.port, addr=self.host)
        log.info("Metrics served on http://%s:%d/metrics", self.host, self.port)
