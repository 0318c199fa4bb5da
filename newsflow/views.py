"""Human views of output events: one-line summaries and a live table for terminals."""

from __future__ import annotations

from collections import deque
from contextlib import AbstractContextManager
from typing import Any

from rich.live import Live
from rich.table import Table
from rich.text import Text

from newsflow.subscribe import Event, event_kind


def _clip(text: Any, width: int = 60) -> str:
    value = str(text or "")
    return value if len(value) <= width else value[: width - 1] + "…"


def summary_row(value: dict[str, Any]) -> tuple[str, str, str]:
    """Return (kind, headline, detail) describing one decoded event."""
    kind = event_kind(value)
    if kind == "enriched":
        names = ", ".join(e["name"] for e in (value.get("entities") or [])[:5])
        changes = len(value.get("policy_changes") or [])
        duplicate = f" duplicate of {value['duplicate_of']}" if value.get("duplicate_of") else ""
        headline = value.get("title") or value["clean_text"].split("\n", 1)[0]
        detail = f"[{value.get('language')}] {changes} policy change(s){duplicate}; {names}"
        return kind, _clip(headline), _clip(detail, 100)
    if kind == "policy":
        actor = value.get("actor") or {}
        person = f" ({actor['person']})" if actor.get("person") else ""
        headline = (
            f"{actor.get('name')}{person} {value.get('action')} "
            f"for {value.get('beneficiary') or '-'}: {value.get('object') or '-'}"
        )
        detail = (
            f"{value.get('direction')}, {value.get('status')}, "
            f"confidence {float(value.get('confidence', 0)):.2f}"
        )
        return kind, _clip(headline, 80), detail
    if kind == "deadletter":
        return kind, str(value.get("reason")), _clip(value.get("error"), 100)
    return kind, _clip(value), ""


class EventTable:
    """A live-updating table of the most recent events."""

    def __init__(self, rows: int = 25) -> None:
        self._rows: deque[tuple[str, str, str, str]] = deque(maxlen=rows)
        self._live = Live(self._render(), auto_refresh=False, transient=False)

    def _render(self) -> Table:
        table = Table(expand=True)
        for column in ("topic", "kind", "what", "detail"):
            table.add_column(column, overflow="fold")
        for row in self._rows:
            table.add_row(*(Text(cell) for cell in row))
        return table

    def live(self) -> AbstractContextManager[Live]:
        """Return the context in which the table is shown."""
        return self._live

    def add(self, event: Event) -> None:
        """Show one more event."""
        kind, headline, detail = summary_row(event.value)
        self._rows.append((event.topic, kind, headline, detail))
        self._live.update(self._render(), refresh=True)
