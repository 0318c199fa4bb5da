"""Cleaning: raw article -> clean text, with language, content hash and a report of what was removed."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ftfy
import trafilatura

from pipeline.config import PipelineConfig
from pipeline.intake import Rejected
from schemas import CleaningReport, ContentType, DeadLetterReason, RawArticle

STAGE = "cleaning"

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


@dataclass(frozen=True)
class CleanedArticle:
    """The cleaning stage's output; plain data so it can cross process boundaries."""

    text: str
    content_hash: str
    language: str | None
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    report: dict[str, Any] = field(default_factory=dict)

    def cleaning_report(self) -> CleaningReport:
        """Return the report as the schema model."""
        return CleaningReport.model_validate(self.report)


def content_hash(text: str) -> str:
    """Return the sha256 hex digest of `text` with case and whitespace folded."""
    folded = " ".join(text.casefold().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def normalise_text(text: str) -> str:
    """Return `text` with mojibake fixed, NFC, runs of spaces folded and paragraphs kept."""
    text = ftfy.fix_text(text, uncurl_quotes=False, fix_line_breaks=True)
    text = unicodedata.normalize("NFC", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _extract_html(html: str) -> tuple[str, dict[str, Any]]:
    text = trafilatura.extract(html, include_comments=False, include_tables=False) or ""
    meta = trafilatura.extract_metadata(html)
    fields: dict[str, Any] = {}
    if meta is not None:
        fields = {"title": meta.title, "author": meta.author, "date": meta.date}
    return text, fields


def clean(raw: RawArticle, config: PipelineConfig) -> CleanedArticle:
    """Return the article's clean text and metadata, or raise Rejected when nothing usable is left."""
    if len(raw.content) > config.max_content_chars:
        raise Rejected(
            DeadLetterReason.OVERSIZE,
            f"content has {len(raw.content)} characters, over the "
            f"{config.max_content_chars}-character limit",
            stage=STAGE,
        )
    title, author = raw.title, None
    if raw.content_type is ContentType.TEXT_HTML:
        body, meta = _extract_html(raw.content)
        extractor = "html"
        title = title or meta.get("title")
        author = meta.get("author")
    else:
        body, extractor = raw.content, "plain"
    text = normalise_text(body)
    if len(text) < config.min_clean_chars:
        raise Rejected(
            DeadLetterReason.EMPTY_AFTER_CLEANING,
            f"no article text left after cleaning ({extractor} extractor)",
            stage=STAGE,
        )
    report = CleaningReport(extractor=extractor, chars_in=len(raw.content), chars_out=len(text))
    return CleanedArticle(
        text=text,
        content_hash=content_hash(text),
        language=raw.language,
        title=title,
        author=author,
        published_at=raw.published_at,
        report=report.model_dump(),
    )
