"""The command line tells the truth: bad options and settings are refused in one line naming
the flag or variable and the allowed values, start-up failures are one line and a non-zero
exit, nothing hangs, and piped output is never wrapped. Every run is a subprocess with a
timeout."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import NEWSFLOW, REPO, Env

pytestmark = pytest.mark.e2e

NO_KAFKA = "127.0.0.1:1"


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Return the finished `newsflow ARGS`, with NEWSFLOW_* overrides on a clean environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    base["NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS"] = NO_KAFKA
    return subprocess.run(
        [*NEWSFLOW, *args],
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**base, **(env or {})},
        timeout=timeout,
    )


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """Return the one error line of a failed run (asserting it is one line, no traceback)."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["subscribe", "--direction", "sideways"], ["--direction", "loosen", "mixed"]),
        (["subscribe", "--status", "rumoured"], ["--status", "enacted", "reversed"]),
        (["subscribe", "--entity-type", "PLANET"], ["--entity-type", "PERSON", "GPE"]),
        (["subscribe", "--min-confidence", "2"], ["--min-confidence", "less than or equal to 1"]),
        (["subscribe", "--format", "xml"], ["--format", "json", "table", "auto"]),
        (["subscribe", "--idle-timeout", "-1"], ["--idle-timeout", "greater than 0"]),
        (["feed", "--rate", "-3", "x.jsonl"], ["--rate", "greater than 0"]),
        (["feed", "--rate", "0", "x.jsonl"], ["--rate", "greater than 0"]),
        (["feed", "--rss", "http://x.example/f", "--interval", "0"], ["--interval", "than 0"]),
        (["demo", "--timeout", "-5"], ["--timeout", "greater than 0"]),
        (["process", "--stages", "cleaning,bogus", "-"], ["--stages", "bogus", "entities"]),
        (["subscribe", "--no-such-flag"], ["--no-such-flag"]),
    ],
)
def test_bad_options_are_one_line_usage_errors(args: list[str], names: list[str]) -> None:
    result = run(*args)
    line = one_line_error(result)
    assert result.returncode == 2
    for name in names:
        assert name in line, line


@pytest.mark.parametrize(
    ("variables", "names"),
    [
        ({"NEWSFLOW_STAGES": '["cleaning","bogus"]'}, ["NEWSFLOW_STAGES", "bogus", "policy"]),
        ({"NEWSFLOW_STAGES": '["cleaning"'}, ["NEWSFLOW_STAGES", "comma-separated"]),
        ({"NEWSFLOW_LOG_LEVEL": "LOUD"}, ["NEWSFLOW_LOG_LEVEL", "'DEBUG'", "'ERROR'"]),
    ],
)
def test_bad_settings_name_the_variable_and_allowed_values(
    variables: dict[str, str], names: list[str]
) -> None:
    line = one_line_error(run("process", "-", env=variables, stdin="Germany lifted the ban.\n"))
    for name in names:
        assert name in line, line


def test_stages_setting_takes_the_comma_form_and_misspellings_are_warned() -> None:
    result = run(
        "process",
        "-",
        env={"NEWSFLOW_STAGES": "cleaning", "NEWSFLOW_BATCH_SIZ": "3"},
        stdin="Germany lifted the ban on imports.\n",
    )
    assert result.returncode == 0, result.stderr
    assert '"entities":[]' in result.stdout
    (warning,) = result.stderr.strip().splitlines()
    assert "NEWSFLOW_BATCH_SIZ" in warning and "did you mean NEWSFLOW_BATCH_SIZE?" in warning


def test_feed_of_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    line = one_line_error(run("feed", str(tmp_path)))
    assert "no articles in" in line and str(tmp_path) in line


def test_feed_without_kafka_is_one_line_without_client_noise(tmp_path: Path) -> None:
    lines = tmp_path / "in.jsonl"
    lines.write_text('{"content": "Germany lifted the ban."}\n', encoding="utf-8")
    line = one_line_error(run("feed", str(lines)))
    assert f"cannot reach Kafka at {NO_KAFKA}" in line


@pytest.mark.parametrize("command", ["process", "worker"])
def test_a_missing_spacy_model_is_one_line(command: str) -> None:
    result = run(
        command, *(["-"] if command == "process" else []),
        env={"NEWSFLOW_SPACY_MODEL": "en_core_web_xx"},
        stdin="Germany lifted the ban.\n",
    )  # fmt: skip
    line = one_line_error(result)
    assert "en_core_web_xx" in line and "NEWSFLOW_SPACY_MODEL" in line


def test_a_taken_metrics_port_is_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run("worker", env={"NEWSFLOW_METRICS_PORT": str(port)})
    line = one_line_error(result)
    assert f"127.0.0.1:{port}" in line and "NEWSFLOW_METRICS_PORT" in line


def test_bad_tls_files_are_one_line(tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n", encoding="utf-8")
    for path, expected in ((tmp_path / "missing.pem", "no such file"), (not_pem, "PEM")):
        env = {"NEWSFLOW_KAFKA_SECURITY_PROTOCOL": "SSL", "NEWSFLOW_KAFKA_SSL_CAFILE": str(path)}
        line = one_line_error(run("worker", env=env))
        assert "NEWSFLOW_KAFKA_SSL_CAFILE" in line and expected in line, line


def test_an_unreachable_broker_stops_the_worker_in_one_line() -> None:
    line = one_line_error(run("worker", env={"NEWSFLOW_STAGES": "cleaning"}))
    assert f"cannot reach Kafka at {NO_KAFKA}" in line


def test_the_traceback_is_in_the_log_at_debug_only() -> None:
    env = {"NEWSFLOW_SPACY_MODEL": "en_core_web_xx"}
    assert "Traceback" not in run("worker", env=env).stderr
    debug = run("worker", env={**env, "NEWSFLOW_LOG_LEVEL": "DEBUG"})
    assert debug.returncode == 2 and "Traceback" in debug.stderr


@pytest.mark.integration
def test_subscribe_refuses_unknown_topics_naming_the_aliases(
    make_env: Callable[..., Env],
) -> None:
    env = make_env()
    env.create_topics()
    started = time.monotonic()
    result = env.cli("subscribe", "--topic", "nosuchtopic", "--from", "earliest",
                     "--idle-timeout", "3", timeout=60)  # fmt: skip
    assert time.monotonic() - started < 30
    line = one_line_error(result)
    assert "nosuchtopic" in line
    for alias in ("enriched", "policy", "deadletter", "raw"):
        assert alias in line


@pytest.mark.integration
def test_subscribe_follows_several_topics_and_its_idle_timeout_holds(
    make_env: Callable[..., Env],
) -> None:
    from tests.kafka_helpers import produce

    env = make_env()
    env.create_topics()
    settings = env.settings()
    produce(settings, settings.topic_policy, [(b"p", b'{"action": "ban", "actor": {"name": "X"}}')])
    produce(
        settings, settings.topic_deadletter, [(b"d", b'{"reason": "not_json", "original": ""}')]
    )
    for topics in (
        ["--topic", "policy,deadletter"],
        ["--topic", "policy", "--topic", "deadletter"],
    ):
        result = env.cli("subscribe", *topics, "--from", "earliest", "--format", "json",
                         "--idle-timeout", "3", timeout=60)  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.splitlines()) == 2, result.stdout
    # A filter that matches nothing: records keep coming, events do not; it stops anyway.
    started = time.monotonic()
    quiet = env.cli("subscribe", "--topic", "policy", "--from", "earliest", "--actor", "nobody",
                    "--idle-timeout", "3", timeout=60)  # fmt: skip
    assert quiet.returncode == 0 and quiet.stdout == "", quiet.stderr
    assert time.monotonic() - started < 30


def test_piped_output_is_never_wrapped() -> None:
    sentence = (
        "The European Union banned imports of Russian oil on Tuesday, the commission's "
        "president Ursula von der Leyen said in a statement in Brussels."
    )
    result = run("process", "--explain", "-", stdin=sentence + "\n", timeout=120)
    assert result.returncode == 0, result.stderr
    assert any(line.strip().endswith(sentence) for line in result.stdout.splitlines())


def test_the_idle_timeout_holds_against_a_broker_that_never_answers() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        result = run(
            "subscribe", "--idle-timeout", "2",
            env={"NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": address},
        )  # fmt: skip
        took = time.monotonic() - started
    line = one_line_error(result)
    assert address in line and "did not answer" in line
    assert took < 12, took


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    lines = tmp_path / "many.jsonl"
    lines.write_text(
        "".join(
            f'{{"id": "a{i}", "content": "Germany lifted the ban on imports."}}\n'
            for i in range(3000)
        ),
        encoding="utf-8",
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    with subprocess.Popen(
        [*NEWSFLOW, "process", "--stages", "cleaning", str(lines)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        cwd=REPO,
        env=base,
    ) as reader:  # like `newsflow process ... | head -1`
        assert reader.stdout is not None and reader.stderr is not None
        assert reader.stdout.readline().startswith(b'{"id":"a0"')
        reader.stdout.close()
        stderr = reader.stderr.read().decode()
        assert reader.wait(timeout=120) == 1
    assert stderr == "", stderr
