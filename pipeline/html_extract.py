"""HTML page -> article body text and metadata, with trafilatura tuned on the shared benchmark.

Measured on benchmarks/article-extraction (see docs/benchmarks.md): `favor_precision` with
trafilatura's fallback extractors beats the defaults; when that leaves almost nothing (paywall
notices, unusual layouts) a second, fast recall-oriented pass recovers the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import trafilatura

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


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def extract_html(html: str) -> Extracted:
    """Return the article body and metadata of an HTML page (empty text when none is found)."""
    document = trafilatura.bare_extraction(
        html, favor_precision=True, include_comments=False, with_metadata=True
    )
    text = (document.text or "") if document is not None else ""
    fallback = False
    if len(text) < SHORT_CHARS:
        recalled = trafilatura.extract(html, favor_recall=True, fast=True, include_comments=False)
        if recalled and len(recalled) > RECALL_GAIN * len(text):
            text, fallback = recalled, True
    if document is None:
        return Extracted(text=text, recall_fallback=fallback)
    return Extracted(
        text=text,
        title=document.title or None,
        author=document.author or None,
        published_at=_date(document.date),
        recall_fallback=fallback,
    )
