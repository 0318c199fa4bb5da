"""The `newsflow` command: offline processing, worker, feeding, subscribing and local Kafka."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import PositiveFloat, ValidationError
from pydantic_settings import SettingsError
from rich.markup import escape

from agents.topics import TOPICS
from newsflow.errors import OperatorError
from newsflow.options import checked, parse
from newsflow.settings import Settings, Stages
from newsflow.terminal import OutputFormat, console
from pipeline.config import PipelineConfig
from schemas import Confidence, EntityType, PolicyDirection, PolicyStatus

err = console(stderr=True)
out = console()
log = logging.getLogger(__name__)
app = typer.Typer(
    name="newsflow",
    help="Real-time enrichment of a news firehose on Kafka. Settings: NEWSFLOW_* env vars.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
TOPIC_ALIASES = ", ".join(spec.alias for spec in TOPICS.followed())
"""The short topic names `subscribe --topic` takes, outputs first."""

broker_app = typer.Typer(help="Run a local single-node Kafka broker (dev, tests, demo).")
topics_app = typer.Typer(help="Create or list Newsflow's topics.")
schemas_app = typer.Typer(help="JSON Schema files for the topics' messages.")
app.add_typer(broker_app, name="broker", no_args_is_help=True)
app.add_typer(topics_app, name="topics", no_args_is_help=True)
app.add_typer(schemas_app, name="schemas", no_args_is_help=True)

T = TypeVar("T")


class CliError(OperatorError):
    """A failure to report as one line, without a traceback."""


def _settings() -> Settings:
    """Return the settings, with this command's logging set up from them (secrets redacted)."""
    from newsflow.logs import configure_logging
    from newsflow.settings import unknown_variables

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"NEWSFLOW_{'_'.join(str(p) for p in e['loc'][:1]).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise CliError(f"invalid settings: {problems}") from exc
    except SettingsError as exc:  # a value the environment source could not even decode
        field = re.search(r'field "(\w+)"', str(exc))
        name = f"NEWSFLOW_{field.group(1).upper()}" if field else "a NEWSFLOW_* variable"
        raise CliError(f"invalid settings: {name}: {exc.__cause__ or exc}") from exc
    configure_logging(settings.log_level, settings.secrets, cli=True)
    for warning in unknown_variables(os.environ):
        log.warning(warning)
    return settings


def _require_model(config: PipelineConfig) -> None:
    """Raise CliError when the NLP stages are to run and their spaCy model is not installed."""
    from pipeline.nlp import model_problem

    if config.needs_model():
        missing = model_problem(config.spacy_model)
        if missing:
            raise CliError(missing)


def _run(coro_factory: Callable[[], Any]) -> Any:
    return asyncio.run(coro_factory())


@app.command()
def process(
    inputs: Annotated[
        list[str], typer.Argument(help="Files (.txt .html .json .jsonl, optionally .gz), dirs or -")
    ],
    stages: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated stages to run, cleaning first (default: NEWSFLOW_STAGES, "
            "which defaults to cleaning,entities,policy)"
        ),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(help="Show sentences with triggers, actors and objects highlighted, not JSON"),
    ] = False,
) -> None:
    """Run the stages offline (no Kafka) and print one EnrichedArticle JSON per line, in order."""
    from newsflow.inputs import read_inputs
    from pipeline.dedupe import DuplicateIndex
    from pipeline.outcomes import Rejected
    from pipeline.process import enrich_batch

    chosen: tuple[str, ...] | None = parse(Stages, stages, "--stages") if stages else None
    settings = _settings()
    config = settings.pipeline_config()
    if chosen is not None:
        config = type(config)(**{**config.__dict__, "stages": chosen})
    _require_model(config)
    dedupe = DuplicateIndex.from_config(config)
    failures = 0
    items = list(read_inputs(inputs))
    ready = [item for item in items if item.article is not None]
    outcomes = iter(enrich_batch([i.article for i in ready if i.article], config, dedupe))
    for item in items:
        if item.article is None:
            failures += 1
            err.print(f"[red]{item.where}[/]: {item.error}", highlight=False)
            continue
        outcome = next(outcomes)
        if isinstance(outcome, Rejected):
            failures += 1
            err.print(f"[red]{item.where}[/]: {outcome.reason}: {outcome.message}", highlight=False)
            continue
        if explain:
            from newsflow.explain import render_explanation

            render_explanation(outcome, out)
        else:
            sys.stdout.write(outcome.model_dump_json() + "\n")
    sys.stdout.flush()
    if failures:
        raise typer.Exit(1)


@app.command()
def worker() -> None:
    """Run a worker: consume articles.raw, publish enriched events, policy changes, dead letters."""
    from faust.worker import Worker

    from agents.app import create_app
    from agents.server import bind_listener
    from newsflow.kafka import ensure_topics, output_limits
    from newsflow.logs import configure_logging

    # Start-up checks first, with the CLI's logging (warnings only): each failure is one line.
    settings = _settings()
    config = settings.pipeline_config()
    _require_model(config)
    settings.kafka_client_options()  # TLS files readable
    # Bound now, so a port in use is one line before anything starts, not a crashed service.
    listener = bind_listener(settings.metrics_host, settings.metrics_port)
    created = _run(lambda: ensure_topics(settings))
    if created:
        err.print(f"created topics: {', '.join(created)}")
    limits = _run(lambda: output_limits(settings))
    configure_logging(settings.log_level, settings.secrets)
    faust_app, _ = create_app(settings, limits, listener=listener)
    try:
        Worker(
            faust_app, loglevel=settings.log_level.lower(), quiet=True
        ).execute_from_commandline()
    finally:
        _leave_static_group(settings)


def _leave_static_group(settings: Settings) -> None:
    """Take a stopped static member out of its group, so its partitions move now (kill -9
    skips this: the restarted worker takes them back instead)."""
    from newsflow.kafka import leave_group

    instance = settings.group_instance_id
    if instance is None:
        return
    try:
        _run(lambda: asyncio.wait_for(leave_group(settings, settings.consumer_group, instance), 15))
    except Exception as exc:  # the session timeout frees the partitions anyway
        logging.getLogger(__name__).warning("Could not leave the group as %s: %r", instance, exc)
    else:
        logging.getLogger(__name__).info("Left the group as static member %s", instance)


def parse_time(text: str) -> datetime:
    """Return the instant `text` names: ISO 8601 (naive means UTC) or an age such as 90m, 2h, 3d."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhdw])", text.strip())
    if match:
        unit = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]
        return datetime.now(UTC) - timedelta(seconds=float(match.group(1)) * unit)
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise CliError(
            f"not a time: {text!r} (use ISO 8601 like 2026-11-24T10:00Z, or 2h)"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command()
def feed(
    inputs: Annotated[
        list[str] | None, typer.Argument(help="JSONL/JSON/.txt/.html(.gz) files, dirs, or -")
    ] = None,
    rss: Annotated[
        list[str] | None, typer.Option(help="RSS/Atom feed URL (repeatable); polled for new items")
    ] = None,
    interval: Annotated[
        float,
        typer.Option(help="Seconds between RSS polls", callback=checked(PositiveFloat)),
    ] = 300.0,
    once: Annotated[bool, typer.Option(help="Poll the RSS feeds once and exit")] = False,
    fetch_pages: Annotated[
        bool, typer.Option(help="Fetch each RSS entry's linked page instead of its summary")
    ] = False,
    state_file: Annotated[
        Path | None, typer.Option(help="RSS memory (validators, seen URLs); default in data dir")
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(
            help="Max articles per second (replays); above 0", callback=checked(PositiveFloat)
        ),
    ] = None,
) -> None:
    """Send articles to the raw topic, keyed by article id; waits until Kafka has them."""
    from newsflow.feeds import FeedAbortedError, FeedSummary
    from newsflow.feeds import feed as run_feed
    from newsflow.inputs import SUPPORTED, read_inputs
    from newsflow.rss import RssPoller, follow_feeds

    if not inputs and not rss:
        raise CliError("give files, directories or - (stdin), or --rss URL")
    settings = _settings()
    summary = FeedSummary()
    if inputs:
        items = read_inputs(inputs)
        first = next(items, None)
        if first is None:
            raise CliError(
                f"no articles in {', '.join(inputs)}: no {', '.join(SUPPORTED)} file, or empty"
            )
        try:
            summary = _run(
                lambda: run_feed(
                    settings,
                    itertools.chain([first], items),
                    rate=rate,
                    show_progress=sys.stderr.isatty(),
                )
            )
        except FeedAbortedError as aborted:
            done = aborted.summary
            for error in done.errors:
                err.print(f"[yellow]skipped[/] {error}", highlight=False)
            raise CliError(
                f"{aborted}: acknowledged {done.sent}, not acknowledged {done.unacknowledged} "
                f"(from {done.first_unacknowledged}; they may or may not be in), skipped "
                f"{done.skipped}; the rest was not sent. Feed again from "
                f"{done.first_unacknowledged} (ids are stable: repeats are harmless)"
            ) from aborted
    if rss:
        poller = RssPoller(
            rss,
            state_file or settings.data_dir / "rss-state.json",
            fetch_pages=fetch_pages,
        )

        def report(polled: FeedSummary) -> None:
            err.print(f"polled {len(rss)} feed(s): sent {polled.sent}, skipped {polled.skipped}")

        try:
            polled = _run(
                lambda: follow_feeds(settings, poller, interval=interval, once=once, on_poll=report)
            )
        except KeyboardInterrupt:
            polled = FeedSummary()
        summary.sent += polled.sent
        summary.skipped += polled.skipped
        summary.errors += polled.errors
    for error in summary.errors:
        err.print(f"[yellow]skipped[/] {error}", highlight=False)
    err.print(f"sent {summary.sent}, skipped {summary.skipped} to {settings.topic_raw}")
    if summary.skipped:
        raise typer.Exit(1)


@app.command()
def subscribe(
    topic: Annotated[
        list[str],
        typer.Option(help=f"{TOPIC_ALIASES}, or a topic name; repeat or a,b"),
    ] = ["enriched"],  # noqa: B006 - typer needs a literal default
    start: Annotated[
        str, typer.Option("--from", help="earliest, latest, an ISO time or an age like 2h")
    ] = "latest",
    group: Annotated[
        str | None, typer.Option(help="Consumer group: shared work and committed offsets")
    ] = None,
    entity: Annotated[str | None, typer.Option(help="Entity name or alias contains")] = None,
    entity_type: Annotated[
        str | None,
        typer.Option(
            help="Entity type: PERSON, ORG, GPE, ... (schemas.EntityType)",
            callback=checked(EntityType, normalise=str.upper),
        ),
    ] = None,
    actor: Annotated[str | None, typer.Option(help="Policy actor (country, body) contains")] = None,
    direction: Annotated[PolicyDirection | None, typer.Option(help="Policy direction")] = None,
    status: Annotated[PolicyStatus | None, typer.Option(help="Policy status")] = None,
    language: Annotated[str | None, typer.Option(help="Article language (ISO 639-1)")] = None,
    min_confidence: Annotated[
        float | None,
        typer.Option(help="Minimum policy confidence, 0 to 1", callback=checked(Confidence)),
    ] = None,
    output: Annotated[
        OutputFormat,
        typer.Option("--format", help="json lines, a table, or auto (table on a terminal)"),
    ] = OutputFormat.AUTO,
    max_events: Annotated[
        int | None, typer.Option("--max", help="Stop after N events", min=1)
    ] = None,
    idle_timeout: Annotated[
        float | None,
        typer.Option(
            help="Stop after this many seconds without events, whatever the state",
            callback=checked(PositiveFloat),
        ),
    ] = None,
) -> None:
    """Follow output topics: JSON lines when piped, a live table on a terminal."""
    from newsflow.subscribe import EventFilter, events, topic_names
    from newsflow.views import EventTable

    begin: Any = start if start in ("earliest", "latest") else parse_time(start)
    as_table = output is OutputFormat.TABLE or (output is OutputFormat.AUTO and sys.stdout.isatty())
    settings = _settings()
    names = topic_names(settings, topic)
    filters = EventFilter(
        entity=entity,
        entity_type=entity_type,
        actor=actor,
        direction=direction,
        status=status,
        language=language,
        min_confidence=min_confidence,
    )

    async def follow() -> None:
        count = 0
        table = EventTable(out) if as_table else None
        stream = events(
            settings, names, start=begin, group=group, idle_timeout=idle_timeout, filters=filters
        )
        async with contextlib.aclosing(stream):
            with table.live() if table else contextlib.nullcontext():
                async for event in stream:
                    if table is not None:
                        table.add(event)
                    else:
                        sys.stdout.write(json.dumps(event.value, ensure_ascii=False) + "\n")
                        sys.stdout.flush()
                    count += 1
                    if max_events is not None and count >= max_events:
                        return

    with contextlib.suppress(KeyboardInterrupt):
        _run(follow)


@app.command()
def replay(
    since: Annotated[str, typer.Option(help="ISO time or age (2h, 3d) to reprocess from")],
    group: Annotated[
        str | None, typer.Option(help="Consumer group to rewind (default: the workers')")
    ] = None,
) -> None:
    """Rewind the workers' consumer group on the raw topic, to reprocess history after an upgrade.

    Stop the workers first; restart them afterwards. Deterministic ids make the replay
    idempotent for consumers that dedupe by id.
    """
    from newsflow.kafka import rewind_group

    settings = _settings()
    when = parse_time(since)
    name = group or settings.consumer_group
    offsets = _run(lambda: rewind_group(settings, name, settings.topic_raw, when))
    for tp, offset in sorted(offsets.items()):
        err.print(f"{tp.topic}[{tp.partition}] -> offset {offset}")
    err.print(f"group {name!r} will reprocess {settings.topic_raw} from {when.isoformat()}")


@broker_app.command("fetch")
def broker_fetch() -> None:
    """Fetch the Kafka broker's jars from Maven Central into the cache (once)."""
    from newsflow.broker import ensure_jars

    settings = _settings()
    libs = ensure_jars(settings.cache_dir.resolve() / "kafka")
    err.print(f"Kafka jars in {libs}")


@broker_app.command("start")
def broker_start() -> None:
    """Start the local broker (fetching Kafka's jars from Maven Central once)."""
    from newsflow.broker import local_broker

    settings = _settings()
    status = local_broker(settings).start()
    err.print(
        f"Kafka is running on {status.bootstrap_servers} (pid {status.pid}, log {status.log_file})"
    )


@broker_app.command("stop")
def broker_stop() -> None:
    """Stop the local broker."""
    from newsflow.broker import local_broker

    local_broker(_settings()).stop()
    err.print("Kafka is stopped")


@broker_app.command("status")
def broker_status() -> None:
    """Say whether the local broker runs; exit 1 if not."""
    from newsflow.broker import local_broker

    status = local_broker(_settings()).status()
    if status.running:
        err.print(f"running on {status.bootstrap_servers} (pid {status.pid})")
    else:
        err.print("not running")
        raise typer.Exit(1)


@topics_app.command("create")
def topics_create() -> None:
    """Create the four topics where missing."""
    from newsflow.kafka import ensure_topics

    settings = _settings()
    created = _run(lambda: ensure_topics(settings))
    err.print(f"created: {', '.join(created)}" if created else "all topics exist")


@topics_app.command("list")
def topics_list() -> None:
    """List the cluster's topics."""
    from newsflow.kafka import list_topics

    settings = _settings()
    for name in _run(lambda: list_topics(settings)):
        print(name)


@schemas_app.command("export")
def schemas_export(
    directory: Annotated[Path | None, typer.Option(help="Where to write")] = None,
    check: Annotated[bool, typer.Option(help="Only check the files are fresh")] = False,
) -> None:
    """Write JSON Schema files for every message (schemas/json/ by default)."""
    from newsflow.schema_export import SCHEMA_DIR, export_schemas, stale_schemas

    target = directory or SCHEMA_DIR
    if check:
        stale = stale_schemas(target)
        if stale:
            raise CliError(f"stale JSON schemas: {', '.join(stale)}; run `newsflow schemas export`")
        err.print("JSON schemas are fresh")
        return
    for path in export_schemas(target):
        err.print(f"wrote {path}")


@app.command("settings-table")
def settings_table(
    write: Annotated[
        bool, typer.Option(help="Rewrite README.md's generated tables (configuration, topics)")
    ] = False,
    check: Annotated[
        bool, typer.Option(help="Only check README.md's generated tables are fresh")
    ] = False,
) -> None:
    """Print the configuration table (Markdown) generated from the settings' descriptions;
    --write and --check also cover the README's topic table, generated from the registry."""
    from newsflow.settings_doc import README, readme_with_table, settings_table, stale_readme

    if check:
        if stale_readme():
            raise CliError(
                "README.md's generated tables are stale; run `newsflow settings-table --write`"
            )
        err.print("README.md's configuration and topic tables are fresh")
    elif write:
        README.write_text(readme_with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
        err.print(f"wrote {README}")
    else:
        print(settings_table(), end="")


@app.command()
def demo(
    keep_running: Annotated[bool, typer.Option(help="Keep the worker and broker up")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print events as JSON lines")] = False,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for results", callback=checked(PositiveFloat))
    ] = 180.0,
) -> None:
    """Start a local broker (unless one is configured) and a worker, feed samples, show results."""
    from newsflow.demo import run_demo

    raise typer.Exit(
        run_demo(_settings(), keep_running=keep_running, as_json=as_json, timeout=timeout)
    )


@app.command()
def audit(
    since: Annotated[
        str | None, typer.Option(help="ISO time or age (2h): inputs from then (default: all)")
    ] = None,
    until: Annotated[str | None, typer.Option(help="ISO time or age: inputs before then")] = None,
    offsets: Annotated[
        list[str] | None,
        typer.Option("--offsets", help="PARTITION:FIRST-END input range (repeatable)"),
    ] = None,
) -> None:
    """Match every raw input offset to one outcome; print a JSON report; exit 1 if any is lost."""
    from newsflow.audit import audit as run_audit
    from newsflow.audit import parse_offset_ranges

    settings = _settings()
    ranges = parse_offset_ranges(offsets) if offsets else None
    begin = parse_time(since) if since else None
    end = parse_time(until) if until else None
    report = _run(lambda: run_audit(settings, since=begin, until=end, offsets=ranges))
    sys.stdout.write(json.dumps(report.summary(), indent=2) + "\n")
    if not report.ok:
        raise typer.Exit(1)


def main() -> None:
    """Run the CLI, printing failures as one helpful line instead of a traceback (which goes
    to the log at debug level: NEWSFLOW_LOG_LEVEL=DEBUG shows it)."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as exc:  # typer's (vendored) click: usage errors and the like
        if type(exc).__name__ == "NoArgsIsHelpError":
            getattr(exc, "show", lambda: None)()
            sys.exit(exc.exit_code)
        context = getattr(exc, "ctx", None)
        where = f" (see `{context.command_path} --help`)" if context is not None else ""
        message = exc.format_message().replace("Value error, ", "")
        _fail(f"{message}{where}", exc, exc.exit_code)
    except typer.Abort:
        sys.exit(130)
    except (OperatorError, FileNotFoundError, ValueError) as exc:
        _fail(str(exc), exc, 2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # the reader went away (`| head`): nothing left to say to it
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except Exception as exc:  # a failure we did not foresee: still one line, and exit 1
        _fail(f"{type(exc).__name__}: {exc}", exc, 1)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, exc: BaseException, code: int) -> None:
    log.debug("%s", message, exc_info=exc)
    err.print(f"[bold red]error:[/] {escape(' '.join(message.split()))}", highlight=False)
    sys.exit(code)
