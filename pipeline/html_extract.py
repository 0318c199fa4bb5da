"""HTML page -> article body text and metadata, with trafilatura tuned on the shared benchmark.

Measured on benchmarks/article-extraction (docs/benchmarks.md), each followed by the furniture
rules: a fast recall-oriented pass reaches F1 0.970 at ~80 pages/s; `favor_precision` with
trafilatura's fallback extractors reaches 0.974 at about half the speed (`precise=True`). When
the precise pass leaves almost nothing (paywall notices, odd layouts), a recall pass recovers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import trafilatura
from htmldate import find_date
from trafilatura.metadata import examine_meta, extract_meta_json, extract_title
from trafilatura.utils import load_html

from pipeline.html_metadata import page_metadata, prefer_url_date

SHORT_CHARS = 500
"""A precise extraction shorter than this is checked against a recall-oriented one."""
RECALL_GAIN = 2.0
"""The recall pass replaces the precise one only when it finds this many times more text."""


@dataclass(frozen=True)
class Extracted:
    """What trafilatura found in a page: body text (one paragraph per line) and metadata."""

    text: str
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    recall_fallback: bool = False
    url: str | None = None
    """The canonical URL the page states (`pipeline.html_metadata`)."""
    source: str | None = None
    """The outlet the page names (og:site_name, JSON-LD publisher)."""


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Metadata:
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    url: str | None = None
    source: str | None = None


def _metadata(html: str, with_date: bool, url: str | None) -> _Metadata:
    # Meta tags, JSON-LD and <title> only: trafilatura's full metadata pass also searches the
    # page for authors and dates and costs three times as much (6 ms against 2 ms a page).
    tree = load_html(html)
    if tree is None:
        return _Metadata()
    meta = extract_meta_json(tree, examine_meta(tree))
    page = page_metadata(tree, url)
    published = page.published_at if with_date else None
    if published is None and with_date:
        # No date in the metadata nor the URL: htmldate's quick look (a date, no time).
        found = find_date(tree, extensive_search=False, original_date=True)
        published = prefer_url_date(_date(meta.date or found), url or page.url)
    return _Metadata(
        title=meta.title or extract_title(tree) or None,
        author=meta.author or None,
        published_at=published,
        url=page.url,
        source=page.source,
    )


def extract_html(
    html: str, *, precise: bool = False, with_date: bool = True, url: str | None = None
) -> Extracted:
    """Return the article body and metadata of an HTML page (empty text when none is found).

    `precise` favours precision (trafilatura's fallback extractors compared, ~12 ms a page);
    otherwise a fast recall-oriented pass runs (~6 ms). `with_date` looks for a publication date;
    `url`, the address the page came from, if known, is checked for the date it is filed under.
    """
    text = trafilatura.extract(
        html,
        favor_precision=precise,
        favor_recall=not precise,
        fast=not precise,
        include_comments=False,
    )
    text = text or ""
    fallback = False
    if precise and len(text) < SHORT_CHARS:
        recalled = trafilatura.extract(html, favor_recall=True, fast=True, include_comments=False)
        if recalled and len(recalled) > RECALL_GAIN * len(text):
            text, fallback = recalled, True
    meta = _metadata(html, with_date, url)
    return Extracted(
        text,
        meta.title,
        meta.author,
        meta.published_at,
        recall_fallback=fallback,
        url=meta.url,
        source=meta.source,
    )
