"""The one settings class: every knob, read from the environment (prefix NEWSFLOW_) once."""

from __future__ import annotations

import difflib
import json
import os
import socket
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from agents.topics import TOPICS
from newsflow.broker import DEFAULT_LOCAL_PORT
from newsflow.errors import OperatorError
from pipeline.config import ALL_STAGES, PipelineConfig
from schemas import Stage

ENV_PREFIX = "NEWSFLOW_"
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


class TlsFilesError(OperatorError):
    """A TLS file named in the settings is missing or unreadable."""


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
        description="Kafka bootstrap servers (host:port,...). Unset: the local broker is used.",
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None

    # Topics
    topic_raw: str = Field(default=TOPICS.raw.default_name, description="input topic")
    topic_enriched: str = Field(
        default=TOPICS.enriched.default_name, description="enriched articles"
    )
    topic_policy: str = Field(default=TOPICS.policy.default_name, description="policy changes")
    topic_deadletter: str = Field(
        default=TOPICS.deadletter.default_name, description="rejected inputs"
    )
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication_factor: int = Field(default=1, ge=1)

    # Worker
    consumer_group: str = "newsflow"
    # 16 / 0.05 s: measured p99 at half load 0.94 s vs 1.44 s for 32 / 0.25 s, same throughput.
    batch_size: int = Field(default=16, ge=1, description="Max articles per processing batch.")
    batch_wait_seconds: float = Field(default=0.05, gt=0, description="Max wait to fill a batch.")
    max_in_flight: int = Field(
        default=32, ge=1, description="Max articles in processing at once; batches overlap."
    )
    processes: int = Field(
        default_factory=_default_processes, ge=0, description="NLP process pool size (0: inline)."
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="Where /metrics and the probes listen (containers: 0.0.0.0).",
    )
    metrics_port: int = Field(default=9400, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    data_dir: Path = Field(default=Path(".newsflow"), description="Local state (broker, faust).")
    lag_interval_seconds: float = Field(
        default=10.0, gt=0, description="How often consumer lag is read from Kafka."
    )
    consumer_instance_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=249,
        description="Static group membership (group.instance.id), unique per worker: a worker "
        "restarted with the same id gets its partitions back at once instead of after the "
        "session timeout. {hostname} is replaced by the host name. Unset: dynamic membership.",
    )
    consumer_session_timeout_seconds: float = Field(
        default=60.0, ge=6, le=90, description="A silent worker leaves the group after this."
    )
    stage_timeout_seconds: float = Field(
        default=120.0, gt=0, description="Time budget of a pool chunk, then of each article alone."
    )
    feed_retry_seconds: float = Field(
        default=120.0,
        gt=0,
        description="How long `feed` keeps sending what Kafka has not acknowledged before it "
        "gives up with a summary.",
    )
    test_fault_injection: str | None = Field(
        default=None,
        pattern=r"^(crash|hang|raise):.+$",
        description="Test hook, off by default: KIND:MARKER makes pool children crash, hang or "
        "raise on articles containing MARKER.",
    )

    # Pipeline
    spacy_model: str = "en_core_web_sm"
    stages: Stages = ALL_STAGES
    max_message_bytes: int = Field(default=8_388_608, ge=1024)
    max_content_chars: int = Field(default=5_000_000, ge=1)
    nlp_languages: ListSetting = Field(
        default=("en",), description="Languages the NLP stages analyse; others get clean text only."
    )
    # 100,000: twice the longest article of the throughput corpus; adds ~360 MiB to a pool child
    # at most (200,000: ~660 MiB, too much with two children under a 2 GiB limit). Above
    # 1,000,000 spaCy refuses the text. docs/benchmarks.md, "Long articles".
    nlp_max_chars: int = Field(
        default=100_000,
        ge=1_000,
        le=1_000_000,
        description="Longer clean texts are analysed (entities, policy) on a prefix this long.",
    )
    html_precise: bool = Field(
        default=False, description="Slower, more precise HTML extraction (F1 0.974 vs 0.971)."
    )
    language_override_min_chars: int = Field(
        default=PipelineConfig.language_override_min_chars,
        ge=0,
        description="A declared language is overruled by detection only on a text this long...",
    )
    language_override_min_confidence: float = Field(
        default=PipelineConfig.language_override_min_confidence,
        gt=0,
        le=1,
        description="... and only by a detection this confident (docs/benchmarks.md, Language).",
    )
    dedupe_window: int = Field(default=50_000, ge=1)
    dedupe_near_threshold: float = Field(
        default=0.8, gt=0, le=1, description="MinHash Jaccard for near-duplicates (1: exact only)."
    )
    dedupe_max_age_seconds: float | None = Field(
        default=None, gt=0, description="Forget articles older than this (unset: by count only)."
    )

    # Local broker (dev, tests, demo)
    local_broker_port: int = Field(default=DEFAULT_LOCAL_PORT, ge=1, le=65535)
    cache_dir: Path = Field(default=Path(".cache"), description="Downloaded Kafka jars.")

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
        """Return the stages' configuration."""
        return PipelineConfig(
            spacy_model=self.spacy_model,
            stages=tuple(self.stages),
            max_message_bytes=self.max_message_bytes,
            max_content_chars=self.max_content_chars,
            nlp_languages=tuple(self.nlp_languages),
            nlp_max_chars=self.nlp_max_chars,
            html_precise=self.html_precise,
            language_override_min_chars=self.language_override_min_chars,
            language_override_min_confidence=self.language_override_min_confidence,
            dedupe_window=self.dedupe_window,
            dedupe_near_threshold=self.dedupe_near_threshold,
            dedupe_max_age_seconds=self.dedupe_max_age_seconds,
        )

    def kafka_client_options(self) -> dict[str, object]:
        """Return connection keyword arguments for aiokafka clients (security included)."""
        options: dict[str, object] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.kafka_security_protocol,
        }
        if self.kafka_security_protocol.startswith("SASL"):
            options["sasl_mechanism"] = self.kafka_sasl_mechanism or "SCRAM-SHA-512"
            options["sasl_plain_username"] = self.kafka_sasl_username
            options["sasl_plain_password"] = (
                self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else None
            )
        if self.kafka_security_protocol.endswith("SSL"):
            options["ssl_context"] = self._ssl_context()
        return options

    def _ssl_context(self) -> ssl.SSLContext:
        from aiokafka.helpers import create_ssl_context

        files = {
            "NEWSFLOW_KAFKA_SSL_CAFILE": self.kafka_ssl_cafile,
            "NEWSFLOW_KAFKA_SSL_CERTFILE": self.kafka_ssl_certfile,
            "NEWSFLOW_KAFKA_SSL_KEYFILE": self.kafka_ssl_keyfile,
        }
        for variable, path in files.items():
            if path is not None and not path.is_file():
                raise TlsFilesError(f"{variable}: no such file: {path}")
        try:
            return create_ssl_context(
                cafile=str(self.kafka_ssl_cafile) if self.kafka_ssl_cafile else None,
                certfile=str(self.kafka_ssl_certfile) if self.kafka_ssl_certfile else None,
                keyfile=str(self.kafka_ssl_keyfile) if self.kafka_ssl_keyfile else None,
            )
        except (ssl.SSLError, OSError) as exc:
            named = ", ".join(f"{v}={p}" for v, p in files.items() if p is not None)
            raise TlsFilesError(
                f"cannot load the TLS files ({named}): {exc.strerror or exc}; they must be PEM "
                "files (the key unencrypted)"
            ) from exc


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
