"""Settings: the one place configuration is read, fully documented, and Faust kept out of it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from newsflow.settings import Settings
from tests.conftest import REPO


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [
        f"NEWSFLOW_{name.upper()}"
        for name in Settings.model_fields
        if f"`NEWSFLOW_{name.upper()}`" not in readme
    ]
    assert missing == []


def test_environment_is_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSFLOW_TOPIC_RAW", "firehose")
    monkeypatch.setenv("NEWSFLOW_STAGES", '["cleaning"]')
    monkeypatch.setenv("TOPIC_RAW", "ignored")
    settings = Settings()
    assert settings.topic_raw == "firehose"
    assert settings.pipeline_config().stages == ("cleaning",)


def test_nlp_cap_reaches_the_pipeline_within_spacys_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEWSFLOW_NLP_MAX_CHARS", raising=False)
    assert Settings().pipeline_config().nlp_max_chars == 100_000
    monkeypatch.setenv("NEWSFLOW_NLP_MAX_CHARS", "250000")
    assert Settings().pipeline_config().nlp_max_chars == 250_000
    # spaCy refuses texts over 1,000,000 characters: a larger cap would bring E088 back.
    with pytest.raises(ValidationError):
        Settings(nlp_max_chars=1_000_001)


def test_local_broker_is_used_only_without_bootstrap_servers() -> None:
    local = Settings(kafka_bootstrap_servers=None, local_broker_port=40000)
    assert local.uses_local_broker and local.bootstrap_servers == "127.0.0.1:40000"
    remote = Settings(kafka_bootstrap_servers="kafka:9092")
    assert not remote.uses_local_broker and remote.bootstrap_servers == "kafka:9092"


def test_sasl_options_come_from_settings_and_hide_the_password() -> None:
    settings = Settings(
        kafka_bootstrap_servers="kafka:9093",
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username="newsflow",
        kafka_sasl_password="s3cret",
    )
    options = settings.kafka_client_options()
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_password"] == "s3cret"
    assert "s3cret" not in repr(settings) and "s3cret" not in str(settings.model_dump())


def test_faust_ignores_its_own_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from agents.app import create_app

    monkeypatch.setenv("BROKER_URL", "kafka://elsewhere:1")
    monkeypatch.setenv("APP_DATADIR", "/nonexistent")
    app, topics = create_app(
        Settings(kafka_bootstrap_servers="a:1,b:2", data_dir=tmp_path, metrics_port=0)
    )
    assert [str(url) for url in app.conf.broker] == ["kafka://a:1", "kafka://b:2"]
    assert topics.raw.get_topic_name() == "articles.raw"


@pytest.mark.parametrize(
    ("given", "stages"),
    [
        ("cleaning", ("cleaning",)),
        ("cleaning, entities", ("cleaning", "entities")),
        ('["cleaning","policy"]', ("cleaning", "policy")),
    ],
)
def test_stages_take_a_comma_list_or_json(
    monkeypatch: pytest.MonkeyPatch, given: str, stages: tuple[str, ...]
) -> None:
    monkeypatch.setenv("NEWSFLOW_STAGES", given)
    assert Settings().stages == stages


@pytest.mark.parametrize("given", ['["cleaning","bogus"]', "entities", "cleaning,bogus", '["x"'])
def test_bad_stages_are_refused_with_the_allowed_ones(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("NEWSFLOW_STAGES", given)
    with pytest.raises(ValidationError, match=r"stages|comma-separated"):
        Settings()


def test_unknown_variables_are_named_with_the_closest_setting() -> None:
    from newsflow.settings import unknown_variables

    warnings = unknown_variables(
        {
            "NEWSFLOW_BATCH_SIZ": "3",
            "NEWSFLOW_BATCH_SIZE": "3",
            "NEWSFLOW_TEST_KAFKA": "k:1",
            "NEWSFLOW_ZZZZZZZZZZZZZZZZ": "1",
            "PATH": "/bin",
        }
    )
    assert len(warnings) == 2
    assert (
        "NEWSFLOW_BATCH_SIZ" in warnings[0] and "did you mean NEWSFLOW_BATCH_SIZE?" in warnings[0]
    )
    assert "NEWSFLOW_ZZZZZZZZZZZZZZZZ" in warnings[1] and "did you mean" not in warnings[1]


def test_tls_files_that_are_missing_or_not_pem_name_the_variable(tmp_path) -> None:
    from newsflow.settings import TlsFilesError

    missing = Settings(kafka_security_protocol="SSL", kafka_ssl_certfile=tmp_path / "no.pem")
    with pytest.raises(TlsFilesError, match="NEWSFLOW_KAFKA_SSL_CERTFILE: no such file"):
        missing.kafka_client_options()
    garbage = tmp_path / "ca.pem"
    garbage.write_text("not a certificate", encoding="utf-8")
    with pytest.raises(TlsFilesError, match=r"NEWSFLOW_KAFKA_SSL_CAFILE=.*PEM"):
        Settings(kafka_security_protocol="SSL", kafka_ssl_cafile=garbage).kafka_client_options()


def test_the_language_override_line_reaches_the_pipeline(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.config import PipelineConfig

    defaults = Settings().pipeline_config()
    assert defaults.language_override_min_chars == PipelineConfig.language_override_min_chars
    monkeypatch.setenv("NEWSFLOW_LANGUAGE_OVERRIDE_MIN_CHARS", "600")
    monkeypatch.setenv("NEWSFLOW_LANGUAGE_OVERRIDE_MIN_CONFIDENCE", "0.95")
    config = Settings().pipeline_config()
    assert (config.language_override_min_chars, config.language_override_min_confidence) == (
        600,
        0.95,
    )
    with pytest.raises(ValidationError):
        Settings(language_override_min_confidence=1.5)


def test_readme_configuration_table_is_generated_from_the_settings(monkeypatch) -> None:
    from newsflow import settings_doc

    assert not settings_doc.stale_readme(), "run `newsflow settings-table --write`"
    field = Settings.model_fields["batch_size"]
    monkeypatch.setattr(field, "description", "a new meaning")
    assert settings_doc.stale_readme()
    assert "| `NEWSFLOW_BATCH_SIZE` | `16` | a new meaning |" in settings_doc.settings_table()


def test_pipeline_defaults_are_written_once_in_pipeline_config() -> None:
    from newsflow.settings import PIPELINE_SETTINGS
    from pipeline.config import PipelineConfig

    assert {"spacy_model", "stages", "max_message_bytes", "dedupe_window"} <= set(PIPELINE_SETTINGS)
    for name in PIPELINE_SETTINGS:
        assert Settings.model_fields[name].default == getattr(PipelineConfig, name), name
    assert Settings(kafka_bootstrap_servers="k:9092").pipeline_config() == PipelineConfig()
    tuned = Settings(kafka_bootstrap_servers="k:9092", dedupe_window=7, html_precise=True)
    assert tuned.pipeline_config() == PipelineConfig(dedupe_window=7, html_precise=True)
