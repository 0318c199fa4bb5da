"""`newsflow demo`: a local broker, a worker, the sample articles fed, the results shown."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from agents.topics import TOPICS
from newsflow.broker import LocalBroker, local_broker
from newsflow.errors import OperatorError
from newsflow.feeds import feed
from newsflow.inputs import read_inputs
from newsflow.kafka import end_offsets, ensure_topics
from newsflow.processes import stop_process
from newsflow.settings import Settings
from newsflow.subscribe import Event, events
from newsflow.terminal import console as make_console
from newsflow.views import summary_row

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "articles"


class DemoError(OperatorError):
    """The demo could not complete; the message says why and where to look."""


def _start_worker(settings: Settings, log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": settings.bootstrap_servers}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "newsflow", "worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def _tail(path: Path, lines: int = 15) -> str:
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


async def _collect(
    settings: Settings,
    worker: subprocess.Popen[bytes],
    log_path: Path,
    article_ids: set[str],
    timeout: float,
    console: Console,
    as_json: bool,
) -> list[Event]:
    topics = [spec.name(settings) for spec in TOPICS.outputs()]
    start = await end_offsets(settings, topics)
    summary = await feed(settings, list(read_inputs([str(EXAMPLES)])), show_progress=False)
    article_ids.update(summary.ids)
    console.print(f"Fed {summary.sent} sample article(s) to [bold]{settings.topic_raw}[/]")
    received: list[Event] = []
    waiting = set(article_ids)
    # An enriched article names its policy changes; each is also published on the policy topic,
    # possibly after the article: the demo reads on until every announced one has arrived.
    announced: set[str] = set()
    seen_changes: set[str] = set()

    async def receive() -> None:
        async for event in events(settings, topics, start=start):
            received.append(event)
            _show(event, console, as_json)
            if event.topic == settings.topic_policy:
                seen_changes.add(str(event.value.get("id")))
            else:
                waiting.discard(str(event.key))
                changes = event.value.get("policy_changes") or []
                announced.update(str(change.get("id")) for change in changes)
            if not waiting and announced <= seen_changes:
                return

    async def watch_worker() -> None:
        while worker.poll() is None:
            await asyncio.sleep(0.5)
        raise DemoError(f"the worker exited with code {worker.returncode}:\n{_tail(log_path)}")

    tasks = {asyncio.create_task(receive()), asyncio.create_task(watch_worker())}
    done, pending = await asyncio.wait(tasks, timeout=timeout, return_when="FIRST_COMPLETED")
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        task.result()  # re-raises the worker's failure
    if waiting or not announced <= seen_changes:
        missing = f"{len(waiting)} article(s)" if waiting else "some policy changes"
        raise DemoError(
            f"no result for {missing} after {timeout:.0f}s; worker log "
            f"{log_path}:\n{_tail(log_path)}"
        )
    return received


def next_steps(settings: Settings, *, started_broker: bool) -> list[str]:
    """Return the demo's closing lines: what to run next to follow, keep and watch the stream."""
    follow = "newsflow subscribe --topic enriched,policy --from earliest --idle-timeout 5"
    if started_broker:
        follow = f"newsflow broker start && {follow}"
    return [
        "Next:",
        f"  follow the topics:        {follow}",
        "  keep it running, metrics: newsflow demo --keep-running  (then "
        f"http://127.0.0.1:{settings.metrics_port}/metrics)",
        "  dashboards:               docker compose up -d --build  (Grafana on http://localhost:3000)",
    ]


COLOURS = {
    TOPICS.enriched.alias: "cyan",
    TOPICS.policy.alias: "green",
    TOPICS.deadletter.alias: "red",
}
"""The colour of each topic's events (by alias) in the demo's output."""


def _show(event: Event, console: Console, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"topic": event.topic, "event": event.value}, ensure_ascii=False))
        return
    kind, headline, detail = summary_row(event.value, event.kind)
    colour = COLOURS.get(kind, "white")
    console.print(
        f"[bold {colour}]{kind}[/] {escape(headline)}\n    {escape(detail)}", highlight=False
    )


def run_demo(settings: Settings, *, keep_running: bool, as_json: bool, timeout: float) -> int:
    """Run the demo end to end; return the process exit code."""
    console = make_console(stderr=as_json)
    broker: LocalBroker | None = None
    if settings.uses_local_broker:
        broker = local_broker(settings)
        if broker.status().running:
            broker = None  # somebody else's run started it; leave it up
        else:
            console.print(f"Starting a local Kafka broker on {settings.bootstrap_servers} …")
            broker.start()
    worker: subprocess.Popen[bytes] | None = None
    log_path = settings.data_dir.resolve() / "logs" / "demo-worker.log"
    try:
        created = asyncio.run(ensure_topics(settings))
        if created:
            console.print(f"Created topics: {', '.join(created)}")
        console.print(f"Starting a worker (log: {log_path}) …")
        worker = _start_worker(settings, log_path)
        received = asyncio.run(
            _collect(settings, worker, log_path, set(), timeout, console, as_json)
        )
        enriched = sum(1 for e in received if e.topic == settings.topic_enriched)
        changes = sum(1 for e in received if e.topic == settings.topic_policy)
        letters = sum(1 for e in received if e.topic == settings.topic_deadletter)
        console.print(
            f"Received {enriched} enriched article(s), {changes} policy change(s) and "
            f"{letters} dead letter(s)."
        )
        if keep_running:
            console.print(
                f"Worker and broker keep running; metrics on "
                f"http://127.0.0.1:{settings.metrics_port}/metrics. Press Ctrl-C to stop."
            )
            with contextlib.suppress(KeyboardInterrupt):
                worker.wait()
        else:
            for line in next_steps(settings, started_broker=broker is not None):
                console.print(line, highlight=False, markup=False)
        return 0
    finally:
        if worker is not None:
            stop_process(worker)
        if broker is not None:
            broker.stop()
