"""The topic registry: each Newsflow topic declared once (its setting, schema, key, size, cleanup).

Everything else that needs a topic asks `TOPICS`: the Faust declarations (here), topic creation
(`newsflow.kafka`), subscribe's aliases and decoding, the audit, metric labels, the JSON Schema
export, the Kubernetes KafkaTopics (`scripts/render_k8s_topics.py`) and the README's topic table.
Payloads stay bytes on the Faust side so that bad input can be dead-lettered verbatim.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from schemas import DeadLetter, DedupeEntry, EnrichedArticle, PolicyChange, RawArticle

if TYPE_CHECKING:
    import faust

    from newsflow.settings import Settings

RECORD_SLACK_BYTES = 65_536
"""What a topic accepts beyond its size factor times the input limit (key, headers, JSON)."""

DAY_MS = 86_400_000

M = TypeVar("M", bound=BaseModel)


def record_bytes(max_message_bytes: int, size_factor: int) -> int:
    """Return the largest record a topic must accept: `size_factor` inputs of
    `max_message_bytes` (an output carries its input and then some) plus the slack."""
    return size_factor * max_message_bytes + RECORD_SLACK_BYTES


@dataclass(frozen=True)
class TopicSpec(Generic[M]):
    """One topic: how it is named, what it carries (messages of model M), how Kafka keeps it."""

    alias: str
    """Short name (`newsflow subscribe --topic ALIAS`) and the kind of its events."""
    default_name: str
    """The topic's name unless its setting (`topic_<alias>`) says otherwise."""
    model: type[M]
    schema_mode: Literal["validation", "serialization"]
    """How its JSON Schema describes the model: as accepted (inputs) or as emitted (outputs)."""
    key: str
    """What the record key is, in words."""
    role: Literal["input", "output", "state"]
    """`state`: a worker's own state (written and read by workers, no subscriber's)."""
    size_factor: int
    """Records are at most `record_bytes(max_message_bytes, size_factor)`."""
    retention_days: int
    cleanup_policy: str
    description: str
    """The message, as the README's topic table shows it."""
    setting_help: str
    """What its setting (`NEWSFLOW_TOPIC_<ALIAS>`) names, as the settings table shows it."""

    @property
    def setting(self) -> str:
        """Return the name of the settings field that holds this topic's name."""
        return f"topic_{self.alias}"

    def name(self, settings: Settings) -> str:
        """Return this topic's configured name."""
        return str(getattr(settings, self.setting))

    def max_record_bytes(self, settings: Settings) -> int:
        """Return the record size this topic must accept under `settings`."""
        return record_bytes(settings.max_message_bytes, self.size_factor)

    def kafka_config(self, settings: Settings) -> dict[str, str]:
        """Return the topic-level configuration `newsflow topics create` gives this topic: its
        record size. Retention and cleanup stay the cluster's there (a compacted topic refuses
        the keyless records a local producer may send); deployments take `retention_config`.
        A state topic always gets its cleanup: the workers write it, keyed, and compaction is
        what bounds a restore."""
        config = {"max.message.bytes": str(self.max_record_bytes(settings))}
        if self.role == "state":
            config["cleanup.policy"] = self.cleanup_policy
        return config

    def retention_config(self) -> dict[str, str]:
        """Return how a production cluster keeps this topic: cleanup policy and retention."""
        return {
            "retention.ms": str(self.retention_days * DAY_MS),
            "cleanup.policy": self.cleanup_policy,
        }


@dataclass(frozen=True)
class TopicRegistry:
    """Every Newsflow topic, inputs first, then outputs in the order a worker writes them.


    Adding a topic is one field here (its spec as the default) plus its schema: the setting
    `topic_<alias>`, the Faust topic, topic creation, subscribe, k8s and the README follow.
    """

    raw: TopicSpec[RawArticle] = TopicSpec(
        alias="raw",
        default_name="articles.raw",
        model=RawArticle,
        schema_mode="validation",
        key="article id",
        role="input",
        size_factor=1,
        retention_days=7,
        cleanup_policy="delete",
        description="`RawArticle`: `content` (required), `content_type` `text/plain`\\|"
        "`text/html`, `id`, `url`, `source`, `title`, `published_at`, `language`, `ingested_at`",
        setting_help="input topic",
    )
    enriched: TopicSpec[EnrichedArticle] = TopicSpec(
        alias="enriched",
        default_name="articles.enriched",
        model=EnrichedArticle,
        schema_mode="serialization",
        key="article id",
        role="output",
        size_factor=2,
        retention_days=30,
        cleanup_policy="compact,delete",
        description="`EnrichedArticle` (`schema_version` 3): `id`, `clean_text`, `language` and "
        "`language_source` (`declared`\\|`detected`\\|`unknown`), `content_hash`, `duplicate_of`, "
        "`entities` (each with `name`, `type`, cross-article `key` such as `gpe:US` or "
        "`person:joe-biden`, `aliases`, `mentions`, `roles`, `salience`), `policy_changes`, "
        "`processing` (versions, spaCy model and `policy_model`, stage timings, origin offset, "
        "`analysed_chars` when the NLP read only a prefix)",
        setting_help="enriched articles",
    )
    policy: TopicSpec[PolicyChange] = TopicSpec(
        alias="policy",
        default_name="policy.changes",
        model=PolicyChange,
        schema_mode="serialization",
        key="change id",
        role="output",
        size_factor=2,
        retention_days=90,
        cleanup_policy="compact,delete",
        description="`PolicyChange`: `id`, `actor`, `action`, `direction`, `beneficiary`, "
        "`object`, `scope`, `constraints`, `status`, `sources`, `evidence` (`text`, `start`, "
        "`end`, `part`: `body` offsets into `clean_text`, `title` offsets into the title), "
        "`confidence`, `decision` (the policy model, its score and threshold), `rules`, "
        "`article_id`",
        setting_help="policy changes",
    )
    deadletter: TopicSpec[DeadLetter] = TopicSpec(
        alias="deadletter",
        default_name="articles.deadletter",
        model=DeadLetter,
        schema_mode="serialization",
        key="input key",
        role="output",
        size_factor=2,
        retention_days=30,
        cleanup_policy="delete",
        description="`DeadLetter`: `reason`, `error`, `stage`, `topic`, `partition`, `offset`, "
        "`original` (base64 of the input bytes), `attempts`, `failed_at`",
        setting_help="rejected inputs",
    )
    dedupe: TopicSpec[DedupeEntry] = TopicSpec(
        alias="dedupe",
        default_name="articles.dedupe",
        model=DedupeEntry,
        schema_mode="serialization",
        key="article id",
        role="state",
        size_factor=1,
        retention_days=7,  # compaction keeps it; expired entries leave by tombstone
        cleanup_policy="compact",
        description="`DedupeEntry` (workers' state: the duplicate window, every worker reads "
        "all of it): `article_id`, `content_hash`, `signature` (MinHash), `num_perm`, "
        "`first_seen`, `seen_at`; a tombstone forgets the article",
        setting_help="the duplicate window's state (compacted; one per deployment)",
    )

    def __iter__(self) -> Iterator[TopicSpec[Any]]:
        """Return the topics in declaration order."""
        return iter(getattr(self, field.name) for field in dataclasses.fields(self))

    def inputs(self) -> list[TopicSpec[Any]]:
        """Return the topics a worker consumes."""
        return [spec for spec in self if spec.role == "input"]

    def outputs(self) -> list[TopicSpec[Any]]:
        """Return the topics a worker produces."""
        return [spec for spec in self if spec.role == "output"]

    def followed(self) -> list[TopicSpec[Any]]:
        """Return the topics in the order a subscriber is offered them: outputs first."""
        return [*self.outputs(), *self.inputs()]

    def by_name(self, settings: Settings, name: str) -> TopicSpec[Any] | None:
        """Return the topic configured under `name` in `settings`, or None (not ours)."""
        return next((spec for spec in self if spec.name(settings) == name), None)

    def names(self, settings: Settings) -> list[str]:
        """Return every topic's configured name, in declaration order."""
        return [spec.name(settings) for spec in self]

    def max_output_bytes(self, settings: Settings) -> int:
        """Return the largest record a worker publishes (its producer's request size)."""
        return max(spec.max_record_bytes(settings) for spec in self.outputs())


TOPICS = TopicRegistry()
"""The registry: `TOPICS.raw`, `TOPICS.enriched`, …; iterate it for every topic."""


def readme_topic_table() -> str:
    """Return the README's topic table (Markdown), one row per registered topic."""
    rows = [
        "| topic | key | message (JSON, schema in `schemas/json/`) |",
        "|---|---|---|",
    ]
    for spec in TOPICS:
        role = {"input": " (input)", "state": " (state)"}.get(spec.role, "")
        rows.append(f"| `{spec.default_name}`{role} | {spec.key} | {spec.description} |")
    return "\n".join(rows) + "\n"


class Topics:
    """The Faust topics a worker reads and writes, one per registered topic but state ones
    (read and written with clients of their own), by alias: `topics.enriched`, or
    `topics[spec]`."""

    def __init__(self, by_alias: dict[str, faust.TopicT]) -> None:
        missing = [
            spec.alias for spec in TOPICS if spec.role != "state" and spec.alias not in by_alias
        ]
        if missing:
            raise ValueError(f"no Faust topic for {', '.join(missing)}")
        self._by_alias = dict(by_alias)

    def __getattr__(self, alias: str) -> faust.TopicT:
        try:
            return self.__dict__["_by_alias"][alias]
        except KeyError:
            raise AttributeError(alias) from None

    def __getitem__(self, spec: TopicSpec[Any]) -> faust.TopicT:
        return self._by_alias[spec.alias]


def declare_topics(app: faust.App, settings: Settings) -> Topics:
    """Return the app's topics; payloads stay bytes so bad input can be dead-lettered verbatim."""

    def topic(spec: TopicSpec[Any]) -> faust.TopicT:
        return app.topic(
            spec.name(settings),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
            partitions=settings.topic_partitions,
            replicas=settings.topic_replication_factor,
        )

    # State topics are read and written with clients of their own (agents/dedupe_state.py).
    return Topics({spec.alias: topic(spec) for spec in TOPICS if spec.role != "state"})
