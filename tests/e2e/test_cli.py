"""The `newsflow` command as a user runs it: offline processing, schemas, helpful errors."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import NEWSFLOW, REPO, SAMPLE_TXT

pytestmark = pytest.mark.e2e


def run(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*NEWSFLOW, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
        env=env,
    )


def test_process_prints_one_enriched_article_per_input_in_order(tmp_path: Path) -> None:
    lines = tmp_path / "in.jsonl"
    lines.write_text(
        json.dumps({"id": "one", "content": "Japan raised interest rates on Tuesday."})
        + "\n"
        + json.dumps({"id": "two", "content": "France banned the sale of the drug."})
        + "\n",
        encoding="utf-8",
    )
    result = run("process", str(SAMPLE_TXT), str(lines))
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["id"] for e in events][1:] == ["one", "two"]
    for event in events:
        assert {"id", "clean_text", "entities", "policy_changes"} <= set(event)
    assert "Joe Biden" in events[0]["clean_text"]
    assert any(e["name"] == "Japan" for e in events[1]["entities"])


def test_process_reads_stdin_and_can_run_cleaning_only() -> None:
    result = run("process", "--stages", "cleaning", "-", stdin="Germany  lifted the ban.\n")
    assert result.returncode == 0, result.stderr
    (event,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert event["clean_text"] == "Germany lifted the ban."
    assert event["entities"] == []


def test_process_reports_bad_lines_without_traceback(tmp_path: Path) -> None:
    lines = tmp_path / "bad.jsonl"
    lines.write_text('{"content": "fine"}\nnot json\n{"title": "no content"}\n', encoding="utf-8")
    result = run("process", "--stages", "cleaning", str(lines))
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 1
    assert "bad.jsonl:2" in result.stderr and "not JSON" in result.stderr
    assert "bad.jsonl:3" in result.stderr and "content" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_and_bad_stage_are_one_line_errors() -> None:
    missing = run("process", "/no/such/file.txt")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = run("process", "--stages", "magic", str(SAMPLE_TXT))
    assert bad.returncode == 2 and "--stages" in bad.stderr


def test_unreachable_kafka_is_a_helpful_error() -> None:
    import os

    env = {**os.environ, "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    result = run("topics", "create", env=env)
    assert result.returncode == 2
    assert "cannot reach Kafka at 127.0.0.1:1" in result.stderr
    assert "Traceback" not in result.stderr


def test_schemas_export_check_passes_on_the_checked_in_files() -> None:
    result = run("schemas", "export", "--check")
    assert result.returncode == 0, result.stderr


def test_every_command_has_help() -> None:
    for command in (
        [],
        ["process"],
        ["worker"],
        ["feed"],
        ["subscribe"],
        ["demo"],
        ["broker"],
        ["broker", "start"],
        ["topics"],
        ["schemas", "export"],
    ):
        result = run(*command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert "Usage" in result.stdout
