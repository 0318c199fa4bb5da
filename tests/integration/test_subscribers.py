"""Downstream consumers on the real broker: CLI filters, time starts, groups, the Python client."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from datetime import UTC, datetime

import pytest

from agents.topics import TOPICS
from newsflow.subscribe import EventFilter, messages, policy_changes
from schemas import DeadLetter, PolicyChange
from tests.conftest import NEWSFLOW, REPO
from tests.kafka_helpers import produce

pytestmark = pytest.mark.integration


def change(number: int, direction: str, actor: str, confidence: float) -> PolicyChange:
    return PolicyChange(
        id=f"pc-{number}",
        article_id=f"a-{number}",
        actor={"name": actor},
        action="permit" if direction == "loosen" else "ban",
        direction=direction,
        beneficiary="Ukraine",
        object="weapons",
        status="announced",
        confidence=confidence,
        evidence=[{"text": "x", "start": 0, "end": 1}],
    )


def publish(env, changes: list[PolicyChange]) -> None:
    settings = env.settings()
    produce(
        settings,
        settings.topic_policy,
        [(c.id.encode(), c.model_dump_json().encode()) for c in changes],
    )


def subscribe(env, *args: str) -> list[dict]:
    result = subprocess.run(
        [*NEWSFLOW, "subscribe", "--topic", "policy", "--idle-timeout", "3", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env.process_env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_cli_filters_and_starting_points(make_env) -> None:
    env = make_env()
    env.create_topics()
    publish(
        env,
        [
            change(1, "loosen", "United States", 0.9),
            change(2, "tighten", "Germany", 0.8),
            change(3, "loosen", "Germany", 0.4),
        ],
    )
    assert sorted(e["id"] for e in subscribe(env, "--from", "earliest")) == ["pc-1", "pc-2", "pc-3"]
    loosening = subscribe(env, "--from", "earliest", "--direction", "loosen")
    assert sorted(e["id"] for e in loosening) == ["pc-1", "pc-3"]
    germany = subscribe(env, "--from", "earliest", "--actor", "germany", "--min-confidence", "0.5")
    assert [e["id"] for e in germany] == ["pc-2"]

    time.sleep(1.5)
    boundary = datetime.now(UTC).isoformat()
    time.sleep(0.5)
    publish(env, [change(4, "new", "Japan", 0.7)])
    assert [e["id"] for e in subscribe(env, "--from", boundary)] == ["pc-4"]
    assert subscribe(env, "--from", "latest") == []


def test_named_group_shares_work_and_resumes(make_env) -> None:
    env = make_env()
    env.create_topics()
    publish(env, [change(n, "loosen", "France", 0.9) for n in range(1, 5)])
    first = subscribe(env, "--from", "earliest", "--group", "analysts", "--max", "2")
    rest = subscribe(env, "--from", "earliest", "--group", "analysts")
    assert len(first) == 2
    assert sorted(e["id"] for e in first + rest) == ["pc-1", "pc-2", "pc-3", "pc-4"]


def test_python_client_yields_validated_models(make_env) -> None:
    env = make_env()
    env.create_topics()
    publish(env, [change(1, "loosen", "United States", 0.9), change(2, "tighten", "China", 0.9)])
    settings = env.settings()

    async def first_loosening() -> PolicyChange:
        async for item in policy_changes(
            settings, start="earliest", filters=EventFilter(direction="loosen")
        ):
            return item
        raise AssertionError("no event")

    found = asyncio.run(asyncio.wait_for(first_loosening(), timeout=60))
    assert isinstance(found, PolicyChange)
    assert found.id == "pc-1" and found.actor.name == "United States"


def test_one_typed_generator_serves_every_topic_and_skips_invalid_records(make_env) -> None:
    env = make_env()
    env.create_topics()
    settings = env.settings()
    letter = DeadLetter(
        reason="not_json",
        error="message is not JSON",
        error_type="JSONDecodeError",
        stage="intake",
        topic=settings.topic_raw,
        partition=0,
        offset=3,
        original=b"{not json",
        failed_at=datetime.now(UTC),
    )
    produce(
        settings,
        settings.topic_deadletter,
        [(b"bad", b'{"reason": "no such reason"}'), (b"k", letter.model_dump_json().encode())],
    )

    async def first() -> DeadLetter:
        async for item in messages(TOPICS.deadletter, settings, start="earliest"):
            return item
        raise AssertionError("no event")

    found = asyncio.run(asyncio.wait_for(first(), timeout=60))
    assert isinstance(found, DeadLetter) and found.offset == 3 and found.original == b"{not json"


def test_table_format_shows_readable_rows(make_env) -> None:
    env = make_env()
    env.create_topics()
    publish(env, [change(1, "loosen", "United States", 0.9)])
    result = subprocess.run(
        [
            *NEWSFLOW,
            "subscribe",
            "--topic",
            "policy",
            "--from",
            "earliest",
            "--format",
            "table",
            "--idle-timeout",
            "3",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**env.process_env, "COLUMNS": "160"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "United States permit weapons for Ukraine" in result.stdout
    assert "loosen, announced, confidence 0.90" in result.stdout
    header = next(line for line in result.stdout.splitlines() if "kind" in line)
    assert header.split("┃")[1:-1] and [c.strip() for c in header.split("┃")[1:-1]] == [
        "time", "kind", "what", "detail"
    ]  # fmt: skip
    assert "policy.changes" not in result.stdout  # the kind says it once
