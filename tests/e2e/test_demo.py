"""`newsflow demo` from nothing: it starts its own broker and worker, feeds, shows, cleans up."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import NEWSFLOW, REPO, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_demo_runs_end_to_end_and_leaves_nothing_running(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    env.update(
        {
            "NEWSFLOW_LOCAL_BROKER_PORT": str(free_port()),
            "NEWSFLOW_METRICS_PORT": str(free_port()),
            "NEWSFLOW_DATA_DIR": str(tmp_path / "state"),
            "NEWSFLOW_CACHE_DIR": str(REPO / ".cache"),
            "NEWSFLOW_PROCESSES": "1",
        }
    )
    result = subprocess.run(
        [*NEWSFLOW, "demo", "--json", "--timeout", "240"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=400,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    events = [json.loads(line) for line in result.stdout.splitlines()]
    enriched = [e["event"] for e in events if "clean_text" in e["event"]]
    sample = next(e for e in enriched if e["id"] == "seed-ukraine-us-weapons-policy")
    assert "Joe Biden" in sample["clean_text"]
    assert len(enriched) >= 2, "the HTML sample is enriched too"
    # The summary counts what the demo printed: every policy change an article announced.
    announced = {c["id"] for e in enriched for c in e["policy_changes"]}
    changes = {e["event"]["id"] for e in events if e["topic"] == "policy.changes"}
    assert announced and changes == announced
    summary = f"Received {len(enriched)} enriched article(s), {len(changes)} policy change(s)"
    assert summary in result.stderr, result.stderr[-2000:]
    # No dead metrics URL once the demo is over: it says what to run next instead.
    assert "/metrics)" in result.stderr and "Metrics: http" not in result.stderr
    assert "newsflow broker start && newsflow subscribe --topic enriched,policy" in result.stderr
    # Stderr is not a terminal: lines are not wrapped (they were at 80 columns).
    assert (
        "Created topics: articles.raw, articles.enriched, policy.changes, articles.deadletter"
        in (result.stderr)
    )
    page = next(e for e in enriched if e["id"] != "seed-ukraine-us-weapons-policy")
    assert page["published_at"] and "T" in page["published_at"], "the page's own time is kept"
    status = subprocess.run(
        [*NEWSFLOW, "broker", "status"], capture_output=True, text=True, cwd=REPO, env=env
    )
    assert status.returncode == 1, "the demo stops the broker it started"


def test_demo_uses_a_configured_kafka_and_starts_no_broker(make_env, tmp_path: Path) -> None:
    env = make_env()
    state = Path(env.vars["NEWSFLOW_DATA_DIR"])
    result = subprocess.run(
        [*NEWSFLOW, "demo", "--json", "--timeout", "240"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env.process_env,
        timeout=400,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Starting a local Kafka broker" not in result.stderr
    assert not (state / "broker").exists()
    ids = [json.loads(line)["event"].get("id") for line in result.stdout.splitlines()]
    assert "seed-ukraine-us-weapons-policy" in ids
