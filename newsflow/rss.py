"""RSS/Atom feeds as a firehose source: conditional GET, and a seen-URL memory across restarts."""

from __future__ import annotations

import asyncio
import calendar
import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser

from newsflow.feeds import FeedSummary, feed, firehose_producer
from newsflow.inputs import InputItem
from newsflow.kafka import start_client
from newsflow.settings import Settings
from pipeline.intake import validate_raw
from pipeline.outcomes import Rejected
from schemas import ContentType

_TAG = re.compile(r"<[a-zA-Z][^>]*>")
USER_AGENT = "newsflow-feeder/1 (+https://github.com/newsflow)"


@dataclass
class FeedState:
    """What a poller remembers between polls and restarts."""

    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> FeedState:
        """Return the state saved at `path`, or a fresh one."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(validators=data.get("validators", {}), seen=data.get("seen", []))

    def save(self, path: Path) -> None:
        """Write the state atomically to `path`."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps({"validators": self.validators, "seen": self.seen}), "utf-8")
        tmp.replace(path)


def _published(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()


def _content(entry: Any) -> str:
    contents = entry.get("content") or []
    if contents and contents[0].get("value"):
        return str(contents[0]["value"])
    return str(entry.get("summary") or "")


def fetch_page(url: str, timeout: float = 20.0) -> str:
    """Return the HTML of the page at `url`."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        charset = response.headers.get_content_charset() or "utf-8"
        return str(response.read().decode(charset, errors="replace"))


class RssPoller:
    """Polls feeds and returns entries it has not sent before, as articles."""

    def __init__(
        self,
        urls: list[str],
        state_path: Path,
        *,
        fetch_pages: bool = False,
        max_seen: int = 50_000,
    ) -> None:
        self.urls = urls
        self.state_path = state_path
        self.fetch_pages = fetch_pages
        self.max_seen = max_seen
        self.state = FeedState.load(state_path)
        self._seen = set(self.state.seen)
        self._polled: list[str] = []
        self.not_modified = 0

    def poll(self) -> list[InputItem]:
        """Return the new entries of every feed (conditional GET: unchanged feeds cost a 304)."""
        items: list[InputItem] = []
        for url in self.urls:
            items.extend(self._poll_feed(url))
        return items

    def mark_sent(self) -> None:
        """Remember the entries of the last poll as handled and persist the state."""
        for link in self._polled:
            self._remember(link)
        self._polled.clear()
        self.state.save(self.state_path)

    def _remember(self, key: str) -> None:
        if key in self._seen:
            return
        self._seen.add(key)
        self.state.seen.append(key)
        if len(self.state.seen) > self.max_seen:
            dropped = self.state.seen[: len(self.state.seen) - self.max_seen]
            del self.state.seen[: len(dropped)]
            self._seen.difference_update(dropped)

    def _poll_feed(self, url: str) -> Iterator[InputItem]:
        validators = self.state.validators.get(url, {})
        parsed = feedparser.parse(
            url,
            etag=validators.get("etag"),
            modified=validators.get("modified"),
            agent=USER_AGENT,
        )
        status = parsed.get("status")
        if status == 304:
            self.not_modified += 1
            return
        if parsed.get("bozo") and not parsed.entries:
            error = parsed.get("bozo_exception")
            raise ValueError(f"{url}: not a readable RSS/Atom feed ({error})")
        self.state.validators[url] = {
            k: str(parsed[k]) for k in ("etag", "modified") if parsed.get(k)
        }
        source = parsed.feed.get("title")
        for number, entry in enumerate(parsed.entries, start=1):
            link = entry.get("link")
            if not link or link in self._seen:
                continue
            self._polled.append(link)
            yield self._entry_item(f"{url}#{number}", entry, link, source)

    def _entry_item(self, where: str, entry: Any, link: str, source: str | None) -> InputItem:
        content = _content(entry)
        content_type = ContentType.TEXT_HTML if _TAG.search(content) else ContentType.TEXT_PLAIN
        if self.fetch_pages:
            try:
                content, content_type = fetch_page(link), ContentType.TEXT_HTML
            except OSError as exc:
                where = f"{where} (page fetch failed: {exc}; using the feed's text)"
        document = {
            "url": link,
            "title": entry.get("title"),
            "source": source,
            "published_at": _published(entry),
            "content": content,
            "content_type": content_type,
        }
        try:
            return InputItem(where, validate_raw({k: v for k, v in document.items() if v}))
        except Rejected as exc:
            return InputItem(where, None, exc)


async def follow_feeds(
    settings: Settings,
    poller: RssPoller,
    *,
    interval: float,
    once: bool,
    on_poll: Callable[[FeedSummary], None] | None = None,
) -> FeedSummary:
    """Poll the feeds (once, or every `interval` seconds) and feed new entries; return totals."""
    producer = firehose_producer(settings)
    await start_client(settings, producer)
    total = FeedSummary()
    try:
        while True:
            items = await asyncio.to_thread(poller.poll)
            summary = await feed(settings, items, producer=producer, show_progress=False)
            poller.mark_sent()
            total.sent += summary.sent
            total.skipped += summary.skipped
            total.errors += summary.errors
            total.ids += summary.ids
            if on_poll is not None:
                on_poll(summary)
            if once:
                return total
            await asyncio.sleep(interval)
    finally:
        await producer.stop()
