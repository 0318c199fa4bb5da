"""Topic declarations: names and partitions from settings; payloads stay bytes (schemas/ decode)."""

from __future__ import annotations

from dataclasses import dataclass

import faust

from newsflow.settings import Settings


@dataclass(frozen=True)
class Topics:
    """The four topics a worker reads and writes."""

    raw: faust.TopicT
    enriched: faust.TopicT
    policy: faust.TopicT
    deadletter: faust.TopicT


def declare_topics(app: faust.App, settings: Settings) -> Topics:
    """Return the app's topics; payloads stay bytes so bad input can be dead-lettered verbatim."""

    def topic(name: str) -> faust.TopicT:
        return app.topic(
            name,
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.topic_partitions,
            replicas=settings.topic_replication_factor,
        )

    return Topics(
        raw=topic(settings.topic_raw),
        enriched=topic(settings.topic_enriched),
        policy=topic(settings.topic_policy),
        deadletter=topic(settings.topic_deadletter),
    )
