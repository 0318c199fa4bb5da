"""Every kind of hostile input through a real worker: each ends as a dead letter with its reason
and original bytes, or as a clean enriched event; the worker stays up and keeps consuming."""

from __future__ import annotations

import json
import uuid

import pytest

from schemas import DeadLetter, EnrichedArticle
from tests.conftest import wait_for
from tests.integration.conftest import run_audit, wait_caught_up
from tests.kafka_helpers import consume_until, produce
from tests.unit.test_hostile_input import (
    DEEP_HTML,
    INJECTION,
    NEWS,
    REJECTED,
    SCRIPTED_HTML,
    article,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAX_BYTES = 1_048_576
MAX_CHARS = 900_000
# NLP over 100,000 one-letter paragraphs (one 199,999-character sentence once cleaned) takes
# ~30-60 s: far over the 10 s stage budget. The worker's NLP cap is raised to 200,000 so it reads
# all of it (the default cap's prefix takes ~13 s, too close to the budget to test the timeout).
SLOW_HTML = "<html><body>" + "<p>x</p>" * 100_000 + "</body></html>"


def hostile_inputs(tag: str) -> dict[str, tuple[bytes, str]]:
    """Return kind -> (message, expected reason or "enriched") at the worker's limits.

    Enriched events are keyed by article id: the articles built here carry TAG-KIND as id.
    """
    inputs = {kind: (data, reason.value) for kind, (data, reason) in REJECTED.items()}
    inputs["oversize_message"] = (article("word " * (MAX_BYTES // 5 + 10)), "oversize")
    inputs["oversize_field"] = (article("word " * (MAX_CHARS // 5 + 10)), "oversize")
    inputs["scripted_html"] = (
        article(SCRIPTED_HTML, content_type="text/html", id=f"{tag}-scripted_html"),
        "enriched",
    )
    inputs["deep_html"] = (
        article(DEEP_HTML, content_type="text/html", id=f"{tag}-deep_html"),
        "empty_after_cleaning",
    )
    huge = f'<html><body><p title="{"A" * 500_000}">{NEWS}</p></body></html>'
    inputs["huge_attribute_html"] = (
        article(huge, content_type="text/html", id=f"{tag}-huge_attribute_html"),
        "enriched",
    )
    inputs["slow_html"] = (
        article(SLOW_HTML, content_type="text/html", id=f"{tag}-slow_html"),
        "stage_timeout",
    )
    inputs["prompt_injection"] = (article(INJECTION, id=f"{tag}-prompt_injection"), "enriched")
    return inputs


def test_hostile_inputs_through_a_real_worker(make_env, start_worker) -> None:
    env = make_env(
        max_message_bytes=str(MAX_BYTES),
        max_content_chars=str(MAX_CHARS),
        stage_timeout_seconds="10",
        nlp_max_chars="200000",
        batch_size="8",
    )
    settings = env.settings()
    env.create_topics()
    worker = start_worker(env)
    tag = uuid.uuid4().hex[:8]
    inputs = hostile_inputs(tag)
    after = json.dumps({"id": f"after-{tag}", "content": NEWS}).encode()
    messages = [(f"{tag}-{kind}".encode(), data) for kind, (data, _) in inputs.items()]
    produce(settings, settings.topic_raw, [*messages, (f"after-{tag}".encode(), after)])

    assert wait_caught_up(settings, 480, [worker]), worker.log_text()[-4000:]
    report = run_audit(settings)
    assert report.ok and report.inputs == len(inputs) + 1, report.summary()

    records = consume_until(
        settings,
        [settings.topic_enriched, settings.topic_deadletter],
        lambda rs: len({r.key for r in rs}) >= len(inputs) + 1,
        timeout=60,
    )
    got: dict[str, tuple[str, object]] = {}
    for record in records:
        kind = (record.key or b"").decode().removeprefix(f"{tag}-").removesuffix(f"-{tag}")
        if record.topic == settings.topic_deadletter:
            letter = DeadLetter.model_validate_json(record.value or b"")
            got[kind] = (letter.reason.value, letter)
        else:
            got[kind] = ("enriched", EnrichedArticle.model_validate_json(record.value or b""))
    for kind, (data, expected) in inputs.items():
        outcome, event = got[kind]
        assert outcome == expected, f"{kind}: {outcome} != {expected}"
        if isinstance(event, DeadLetter):
            assert event.original == data, kind
            assert event.error and event.topic == settings.topic_raw
    scripted = got["scripted_html"][1]
    assert isinstance(scripted, EnrichedArticle)
    assert "alert" not in scripted.clean_text and "<" not in scripted.clean_text
    timed_out = got["slow_html"][1]
    # The budget is per stage: on a slow machine cleaning 100,000 paragraphs already exceeds it.
    assert isinstance(timed_out, DeadLetter) and timed_out.stage in {"cleaning", "nlp"}
    assert f"{timed_out.stage} stage took over" in (timed_out.error or "")
    assert got["after"][0] == "enriched"

    assert worker.process.poll() is None, "the worker must survive hostile input"
    log = worker.log_text()
    assert "restarting the stage pool" in log
    assert wait_for(lambda: worker.process.poll() is None, 1)
