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
