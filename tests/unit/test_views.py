"""The human views: table rows say when, what and who, once each; consoles never wrap pipes."""

from __future__ import annotations

import io
import sys

import pytest

from newsflow.subscribe import Event
from newsflow.terminal import console
from newsflow.views import TABLE_COLUMNS, EventTable, summary_row


def event(value: dict, kind: str, timestamp_ms: int | None = 1_574_193_232_000) -> Event:
    return Event("topic", 0, 1, "k", value, timestamp_ms, kind)


def test_a_policy_row_reads_actor_action_object_and_time() -> None:
    change = {
        "actor": {"name": "Egypt", "person": None},
        "action": "change",
        "direction": "mixed",
        "status": "announced",
        "confidence": 0.6,
        "evidence": [{"text": "Egypt changed its visa rules for tourists.", "start": 0, "end": 42}],
    }
    when, kind, what, _ = EventTable().row(event(change, "policy"))
    assert when == "2019-11-19 19:53"
    assert kind == "policy" and what == "Egypt change — Egypt changed its visa rules for tourists."
    assert "-:" not in what and "for -" not in what
    full = {**change, "action": "ban", "object": "imports of used cars", "beneficiary": None}
    assert summary_row(full, "policy")[1] == "Egypt ban imports of used cars"


def test_an_article_row_shows_its_title_and_publication_time_and_nothing_twice() -> None:
    article = {
        "title": "Council bans cars from the old town",
        "clean_text": "The council voted ...",
        "published_at": "2019-11-19T19:53:52-05:00",
        "language": "en",
        "entities": [],
        "policy_changes": [],
    }
    row = EventTable().row(event(article, "enriched"))
    assert row[0] == "2019-11-20 00:53"  # in UTC
    assert row[2] == "Council bans cars from the old town"
    assert TABLE_COLUMNS == ("time", "kind", "what", "detail")
    assert "topic" not in TABLE_COLUMNS


def test_consoles_do_not_wrap_when_not_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", piped)
    line = "Metrics: http://127.0.0.1:9400/metrics " + "x" * 200
    out = console()
    out.print(line)
    assert piped.getvalue() == line + "\n"


def test_a_piped_table_keeps_each_row_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", piped)
    table = EventTable(console())
    title = "Council bans private cars from the old town after two years of consultation"
    article = {"title": title, "clean_text": "x", "language": "en", "entities": []}
    with table.live():
        table.add(event(article, "enriched"))
    rows = [line for line in piped.getvalue().splitlines() if "enriched" in line]
    assert len(rows) == 1 and title in rows[0], piped.getvalue()
