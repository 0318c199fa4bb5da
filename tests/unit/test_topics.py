"""The topic registry: every other description of the topics agrees with it."""

from __future__ import annotations

import dataclasses
import sys

import yaml

from agents.topics import TOPICS, declare_topics, readme_topic_table, record_bytes
from newsflow.kafka import default_output_limits, max_output_bytes
from newsflow.schema_export import MODELS
from newsflow.settings import Settings
from newsflow.subscribe import topic_aliases
from tests.conftest import REPO


def _render_k8s_topics():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import render_k8s_topics
    finally:
        sys.path.pop(0)
    return render_k8s_topics


def test_k8s_kafka_topics_agree_with_the_registry() -> None:
    render = _render_k8s_topics()
    current = (REPO / "k8s" / "base" / "kafkatopics.yaml").read_text(encoding="utf-8")
    assert current == render.render(), "run scripts/render_k8s_topics.py"
    settings = render.deployment_settings()
    manifests = {d["spec"]["topicName"]: d["spec"] for d in yaml.safe_load_all(current)}
    assert list(manifests) == TOPICS.names(settings)
    for spec in TOPICS:
        topic = manifests[spec.name(settings)]
        assert topic["partitions"] == settings.topic_partitions
        assert topic["config"]["cleanup.policy"] == spec.cleanup_policy
        assert topic["config"]["retention.ms"] == spec.retention_days * 86_400_000
        assert topic["config"]["max.message.bytes"] == record_bytes(
            settings.max_message_bytes, spec.size_factor
        )


def test_readme_topic_table_is_the_registry() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme_topic_table()
    assert table in readme, "README's topic table is stale: run `newsflow settings-table --write`"
    for spec in TOPICS:
        assert f"| `{spec.default_name}`" in table and spec.model.__name__ in table


def test_settings_aliases_schemas_and_sizes_come_from_the_registry() -> None:
    settings = Settings(kafka_bootstrap_servers="k:9092", topic_policy="rules")
    for spec in TOPICS:
        assert Settings.model_fields[spec.setting].default == spec.default_name
        assert MODELS[spec.model.__name__] == (spec.model, spec.schema_mode)
    assert topic_aliases(settings) == {
        "enriched": "articles.enriched",
        "policy": "rules",
        "deadletter": "articles.deadletter",
        "raw": "articles.raw",
    }
    limit = settings.max_message_bytes
    assert TOPICS.raw.max_record_bytes(settings) == limit + 65_536
    assert max_output_bytes(settings) == 2 * limit + 65_536
    assert default_output_limits(settings).policy == 2 * limit + 65_536
    assert [s.alias for s in TOPICS.inputs()] == ["raw"]


def test_the_readme_topic_table_is_rewritten_from_the_registry() -> None:
    from newsflow import settings_doc

    assert not settings_doc.stale_readme()
    original = TOPICS.policy
    changed = dataclasses.replace(original, description="`PolicyChange`: a new description")
    object.__setattr__(TOPICS, "policy", changed)
    try:
        readme = (REPO / "README.md").read_text(encoding="utf-8")
        assert settings_doc.stale_readme()
        assert "| change id | `PolicyChange`: a new description |" in (
            settings_doc.readme_with_table(readme)
        )
    finally:
        object.__setattr__(TOPICS, "policy", original)
    assert not settings_doc.stale_readme()


def test_every_registered_topic_gets_its_setting_and_faust_topic() -> None:
    """A topic is one registry entry: its setting and its Faust topic follow from it."""
    settings = Settings(kafka_bootstrap_servers="k:9092")
    declared: dict[str, object] = {}

    class App:
        def topic(self, name: str, **options: object) -> str:
            declared[name] = options
            return name

    topics = declare_topics(App(), settings)  # type: ignore[arg-type]
    for spec in TOPICS:
        field = Settings.model_fields[spec.setting]
        assert field.description == spec.setting_help
        if spec.role == "state":  # a worker's own clients read and write it, not Faust's
            assert not hasattr(topics, spec.alias)
            continue
        assert getattr(topics, spec.alias) == spec.name(settings) == topics[spec]
    faust_topics = [spec.name(settings) for spec in TOPICS if spec.role != "state"]
    assert list(declared) == faust_topics
    assert TOPICS.dedupe.role == "state" and TOPICS.dedupe.name(settings) not in declared
