"""Human views of output events: one-line summaries and a live table for terminals."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from agents.topics import TOPICS
from newsflow.subscribe import Event


def _clip(text: Any, width: int = 60) -> str:
    value = " ".join(str(text or "").split())
    return value if len(value) <= width else value[: width - 1] + "…"


def event_time(event: Event) -> str:
    """Return when an event happened, as `YYYY-MM-DD HH:MM` UTC: an article's publication time
    when it states one, else when Kafka took the record; '' when neither is known."""
    published = event.value.get("published_at") if event.kind == TOPICS.enriched.alias else None
    moment: datetime | None = None
    if isinstance(published, str):
        try:
            moment = datetime.fromisoformat(published.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None and event.timestamp_ms is not None:
        moment = datetime.fromtimestamp(event.timestamp_ms / 1000, UTC)
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


def _policy_headline(value: dict[str, Any]) -> str:
    actor = value.get("actor") or {}
    who = actor.get("name") or "?"
    if actor.get("person"):
        who = f"{who} ({actor['person']})"
    parts = [who, str(value.get("action") or "?")]
    if value.get("object"):
        parts.append(str(value["object"]))
    if value.get("beneficiary"):
        parts.append(f"for {value['beneficiary']}")
    if value.get("scope"):
        parts.append(f"in {value['scope']}")
    if not (value.get("object") or value.get("beneficiary")):
        evidence = value.get("evidence") or []
        if evidence and evidence[0].get("text"):
            parts.append(f"— {evidence[0]['text']}")
    return " ".join(parts)


def _enriched_row(value: dict[str, Any]) -> tuple[str, str]:
    names = ", ".join(e["name"] for e in (value.get("entities") or [])[:5])
    changes = len(value.get("policy_changes") or [])
    duplicate = f" duplicate of {value['duplicate_of']}" if value.get("duplicate_of") else ""
    headline = value.get("title") or value["clean_text"].split("\n", 1)[0]
    detail = f"[{value.get('language')}] {changes} policy change(s){duplicate}; {names}"
    return _clip(headline, 80), _clip(detail, 100)


def _policy_row(value: dict[str, Any]) -> tuple[str, str]:
    detail = (
        f"{value.get('direction')}, {value.get('status')}, "
        f"confidence {float(value.get('confidence', 0)):.2f}"
    )
    return _clip(_policy_headline(value), 100), detail


def _deadletter_row(value: dict[str, Any]) -> tuple[str, str]:
    return str(value.get("reason")), _clip(value.get("error"), 100)


ROWS: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    TOPICS.enriched.alias: _enriched_row,
    TOPICS.policy.alias: _policy_row,
    TOPICS.deadletter.alias: _deadletter_row,
}
"""How an event of each topic (by alias) is summed up; other topics show their JSON."""


def summary_row(value: dict[str, Any], kind: str) -> tuple[str, str, str]:
    """Return (kind, headline, detail) describing one decoded event of `kind` (its topic's
    alias): an article's title, a policy change's actor, action and object (or its evidence),
    a dead letter's reason."""
    row = ROWS.get(kind)
    if row is None:
        return kind, _clip(value), ""
    return (kind, *row(value))


TABLE_COLUMNS = ("time", "kind", "what", "detail")
"""The table's columns: the kind says the topic too (each topic carries one kind)."""


class EventTable:
    """A live-updating table of the most recent events."""

    def __init__(self, console: Console | None = None, rows: int = 25) -> None:
        self._rows: deque[tuple[str, str, str, str]] = deque(maxlen=rows)
        # On a terminal the table fills its width; piped, it is as wide as its rows.
        self._expand = console.is_terminal if console is not None else True
        self._live = Live(self._render(), console=console, auto_refresh=False, transient=False)

    def _render(self) -> Table:
        table = Table(expand=self._expand)
        table.add_column("time", no_wrap=True)
        table.add_column("kind", no_wrap=True)
        table.add_column("what", overflow="fold", ratio=3)
        table.add_column("detail", overflow="fold", ratio=2)
        for row in self._rows:
            table.add_row(*(Text(cell) for cell in row))
        return table

    def live(self) -> AbstractContextManager[Live]:
        """Return the context in which the table is shown."""
        return self._live

    def row(self, event: Event) -> tuple[str, str, str, str]:
        """Return the cells of `event`'s row, in TABLE_COLUMNS order."""
        kind, headline, detail = summary_row(event.value, event.kind)
        return (event_time(event), kind, headline, detail)

    def add(self, event: Event) -> None:
        """Show one more event."""
        self._rows.append(self.row(event))
        self._live.update(self._render(), refresh=True)
