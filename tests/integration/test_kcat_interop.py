"""A third-party client (kcat, librdkafka) produces raw articles and reads enriched events."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid

import pytest

from schemas import EnrichedArticle

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_kcat_produces_raw_and_consumes_enriched(make_env, start_worker) -> None:
    kcat = shutil.which("kcat")
    assert kcat, "kcat is installed by `make test` (scripts/install-system-deps.sh)"
    env = make_env()
    settings = env.settings()
    env.create_topics()
    worker = start_worker(env)
    article_id = f"kcat-{uuid.uuid4().hex[:8]}"
    value = json.dumps(
        {"id": article_id, "content": "The European Union banned the import of Russian oil."}
    )
    subprocess.run(
        [kcat, "-b", settings.bootstrap_servers, "-t", settings.topic_raw, "-P", "-K", "\t"],
        input=f"{article_id}\t{value}\n",
        text=True,
        check=True,
        timeout=30,
    )
    deadline = time.monotonic() + 120
    found: EnrichedArticle | None = None
    while found is None and time.monotonic() < deadline:
        out = subprocess.run(
            [
                kcat,
                "-b",
                settings.bootstrap_servers,
                "-t",
                settings.topic_enriched,
                "-C",
                "-o",
                "beginning",
                "-e",
                "-q",
                "-f",
                "%k\t%s\n",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        for line in out.stdout.splitlines():
            key, _, payload = line.partition("\t")
            if key == article_id:
                found = EnrichedArticle.model_validate_json(payload)
        if found is None:
            time.sleep(1)
    assert found is not None, (
        f"kcat saw no enriched event; worker log:\n{worker.log_text()[-3000:]}"
    )
    assert found.id == article_id
    assert "European Union" in found.clean_text


def test_events_read_by_kcat_validate_against_the_published_json_schemas(
    make_env, start_worker, sample_text
) -> None:
    import jsonschema

    from newsflow.schema_export import SCHEMA_DIR

    schemas = {
        name: json.loads((SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("EnrichedArticle", "PolicyChange", "DeadLetter")
    }
    env = make_env()
    settings = env.settings()
    env.create_topics()
    worker = start_worker(env)
    article = json.dumps({"id": "schema-check", "content": sample_text})
    subprocess.run(
        ["kcat", "-b", settings.bootstrap_servers, "-t", settings.topic_raw, "-P", "-K", "\t"],
        input=f"schema-check\t{article}\nbad\tnot json at all\n",
        text=True,
        check=True,
        timeout=30,
    )

    def read(topic: str) -> list[dict]:
        out = subprocess.run(
            [
                "kcat",
                "-b",
                settings.bootstrap_servers,
                "-t",
                topic,
                "-C",
                "-o",
                "beginning",
                "-e",
                "-q",
                "-f",
                "%s\n",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (
        read(settings.topic_enriched) and read(settings.topic_deadletter)
    ):
        time.sleep(1)
    enriched, letters = read(settings.topic_enriched), read(settings.topic_deadletter)
    assert enriched and letters, worker.log_text()[-3000:]
    changes = read(settings.topic_policy)
    for event in enriched:
        jsonschema.validate(event, schemas["EnrichedArticle"])
    for event in changes:
        jsonschema.validate(event, schemas["PolicyChange"])
    for event in letters:
        jsonschema.validate(event, schemas["DeadLetter"])
    assert {c["id"] for c in changes} == {c["id"] for c in enriched[0]["policy_changes"]}, (
        "every embedded change is also published on its own topic"
    )
