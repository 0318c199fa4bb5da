"""A no-op Faust worker: the framework's ceiling for the throughput benchmark (run B).

It does what `newsflow worker` does around the stages and nothing else: consume the raw topic in
batches (`noack_take`, same batch size and wait), decode each JSON message, encode it again,
produce it to the enriched topic keyed as it came, wait for the broker's acks, then ack the input.
Configured by the same NEWSFLOW_* variables as a worker (bootstrap servers, topics, group, batch).

    NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS=... .venv/bin/python -m bench.passthrough
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import faust
from faust.worker import Worker

from agents.topics import declare_topics
from newsflow.kafka import max_output_bytes
from newsflow.settings import Settings


def create_app(settings: Settings) -> faust.App:
    """Return a Faust app whose one agent copies raw messages to the enriched topic."""
    datadir = settings.data_dir.resolve() / "faust" / settings.consumer_group
    datadir.mkdir(parents=True, exist_ok=True)
    app = faust.App(
        settings.consumer_group,
        broker=[f"kafka://{server.strip()}" for server in settings.bootstrap_servers.split(",")],
        env={},
        datadir=str(datadir),
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=max_output_bytes(settings),
        topic_partitions=settings.topic_partitions,
        topic_disable_leader=True,
    )

    topics = declare_topics(app, settings)
    source, sink = topics.raw, topics.enriched

    async def passthrough(stream: faust.StreamT) -> Any:
        async for events in stream.noack_take(
            settings.batch_size, within=settings.batch_wait_seconds
        ):
            sends = []
            for event in events:
                article = json.loads(event.message.value)
                sends.append(
                    await sink.send(
                        key=event.message.key, value=json.dumps(article).encode(), force=True
                    )
                )
            await asyncio.gather(*sends)
            for event in events:
                await stream.ack(event)
            yield len(events)

    app.agent(source, name="passthrough", concurrency=1)(passthrough)
    return app


def main() -> None:
    """Run the passthrough worker until it is terminated."""
    app = create_app(Settings())
    Worker(app, loglevel="warning", quiet=True).execute_from_commandline()


if __name__ == "__main__":
    main()
