"""Chaos: two static-member workers, 1,500 real-text articles fed by `newsflow feed --rate` at a
steady rate, `kill -9` of a worker twice (each restarted at once, as an orchestrator would) and
one broker stop/start on the local broker's default port; then the audit: nothing lost, nothing
conflicting. Prints redelivered inputs, how long each restarted worker took to be processing
again, how long the broker took to start again and the catch-up time."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from newsflow.broker import DEFAULT_LOCAL_PORT, LocalBroker, ephemeral_ports, free_port
from newsflow.broker import _port_in_use as port_in_use
from tests.conftest import NEWSFLOW, REPO, Env, wait_for
from tests.integration.conftest import (
    build_articles,
    kill_hard,
    outputs_published,
    run_audit,
    wait_caught_up,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ARTICLES = 1500
RATE = 12.0  # articles/s: about what two one-process workers sustain here
DOWN_SECONDS = 15
SESSION_TIMEOUT = 60.0  # the default: what a restarted dynamic member would wait


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=3) as response:
            return bool(response.status == 200 and json.loads(response.read())["partitions"])
    except (OSError, urllib.error.HTTPError, ValueError, KeyError):
        return False


def members(settings) -> int:
    async def count() -> int:
        admin = AIOKafkaAdminClient(**settings.kafka_client_options())
        await admin.start()
        try:
            (response,) = await admin.describe_consumer_groups([settings.consumer_group])
            return len(response.groups[0][5])
        finally:
            await admin.close()

    return asyncio.run(count())


@pytest.mark.timeout(1500)
def test_two_workers_survive_two_kills_and_a_broker_restart(
    make_env, start_worker, tmp_path
) -> None:
    port = DEFAULT_LOCAL_PORT
    if port_in_use("127.0.0.1", port) or port_in_use("127.0.0.1", port + 1):
        port = free_port()  # a developer's own local broker runs there: the same kind of port
        print(f"default port {DEFAULT_LOCAL_PORT} is taken; using {port}")
    assert port not in ephemeral_ports() and port + 1 not in ephemeral_ports()
    broker = LocalBroker(
        tmp_path / "kafka", port=port, controller_port=port + 1, cache_dir=REPO / ".cache/kafka"
    )
    broker.start()
    feeder = None
    started = []

    def start(env: Env):
        worker = start_worker(env)
        started.append(worker)
        return worker

    try:
        base = make_env(
            kafka_bootstrap_servers=broker.bootstrap_servers,
            topic_partitions="4",
            batch_size="16",
            lag_interval_seconds="2",
            consumer_session_timeout_seconds=str(SESSION_TIMEOUT),
        )
        settings = base.settings()
        base.create_topics()
        envs = {
            name: Env(
                {
                    **base.vars,
                    "NEWSFLOW_METRICS_PORT": str(free_port()),
                    "NEWSFLOW_CONSUMER_INSTANCE_ID": f"chaos-{name}-{{hostname}}",
                }
            )
            for name in ("a", "b")
        }
        workers = {name: start(env) for name, env in envs.items()}
        ports = {name: int(env.vars["NEWSFLOW_METRICS_PORT"]) for name, env in envs.items()}
        assert wait_for(lambda: all(ready(p) for p in ports.values()), 300), workers[
            "a"
        ].log_text()[-3000:]

        articles = tmp_path / "articles.jsonl"
        articles.write_bytes(
            b"".join(value + b"\n" for _, value in build_articles(ARTICLES, uuid.uuid4().hex[:8]))
        )
        feed_log = tmp_path / "feed.log"
        feeder = subprocess.Popen(
            [*NEWSFLOW, "feed", str(articles), "--rate", str(RATE)],
            env=base.process_env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=feed_log.open("wb"),
        )
        rejoin: dict[str, float] = {}

        last_shown = [0.0]

        def progress() -> int:
            """Return the outputs published so far, printing the count every 20 s."""
            published = outputs_published(settings)
            assert feeder.poll() in (None, 0), diagnosis("the feed stopped")
            if time.monotonic() - last_shown[0] > 20:
                last_shown[0] = time.monotonic()
                print(f"chaos: {published} outputs at {time.strftime('%H:%M:%S')}", flush=True)
            return published

        def diagnosis(what: str) -> str:
            """Say where the run stands: outputs so far, each worker's state and log tail."""
            lines = [f"{what}: {outputs_published(settings)} outputs published"]
            state = "running" if feeder.poll() is None else f"exited {feeder.returncode}"
            lines.append(f"--- feed ({state}):\n{feed_log.read_text(errors='replace')[-2500:]}")
            for key, worker in workers.items():
                state = "running" if worker.process.poll() is None else "exited"
                lines.append(f"--- worker {key} ({state}):\n{worker.log_text()[-2500:]}")
            return "\n".join(lines)

        def kill_and_restart(name: str, at_outputs: int) -> None:
            assert wait_for(lambda: progress() >= at_outputs, 600, 0.5), diagnosis(
                f"waiting for {at_outputs} outputs before killing {name}"
            )
            kill_hard(workers[name].process)  # and its pool children die with it
            killed = time.monotonic()
            workers[name] = start(envs[name])
            assert wait_for(lambda: ready(ports[name]), 300), workers[name].log_text()[-3000:]
            rejoin[name] = time.monotonic() - killed

        kill_and_restart("a", 250)

        assert wait_for(lambda: progress() >= 650, 600, 0.5), diagnosis(
            "waiting for 650 outputs before the broker restart"
        )
        broker.stop()
        time.sleep(DOWN_SECONDS)
        restarting = time.monotonic()
        broker.start()  # a port outside the ephemeral range: no client can hold it
        broker_start = time.monotonic() - restarting

        kill_and_restart("b", 1050)

        assert feeder.wait(timeout=900) == 0, diagnosis("the feed failed")
        feed_err = feed_log.read_text(errors="replace")
        fed = time.monotonic()
        assert wait_caught_up(settings, 900, list(workers.values())), workers["a"].log_text()[
            -4000:
        ]
        catch_up = time.monotonic() - fed

        report = run_audit(settings)
        summary = report.summary()
        print(
            f"chaos: {summary}; processing again after kill -9 (ready, partitions assigned): "
            f"{ {k: round(v, 1) for k, v in rejoin.items()} } s; broker start after "
            f"{DOWN_SECONDS} s down: {broker_start:.1f} s; catch-up after the feed: "
            f"{catch_up:.1f} s; feed said: {feed_err.strip().splitlines()[-1:]}"
        )
        assert report.inputs == ARTICLES
        assert report.lost == [] and report.conflicting == {}, summary
        # Static members: a restarted worker does not wait for its old session to time out.
        assert all(seconds < SESSION_TIMEOUT for seconds in rejoin.values()), rejoin
        assert all(w.process.poll() is None for w in workers.values())

        # A worker that stops cleanly leaves at once, though static: its partitions move.
        assert members(settings) == 2
        assert workers["a"].stop() == 0
        assert wait_for(lambda: members(settings) == 1, 20), "the stopped worker stayed a member"
        assert "Left the group as static member" in workers["a"].log_text()
    finally:
        if feeder is not None and feeder.poll() is None:
            feeder.kill()
            feeder.wait()
        for worker in started:  # while the broker is up: a clean stop leaves the group
            worker.stop()
        broker.stop()
