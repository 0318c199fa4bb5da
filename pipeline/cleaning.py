"""Cleaning: raw article -> clean text, language, content hash and a report of what was removed.

HTML goes through trafilatura (`pipeline.html_extract`); then every text, HTML-extracted or
scraped plain text, is normalised (ftfy, NFC, whitespace) and stripped of page furniture by the
rules in `pipeline.boilerplate_rules`. The clean text keeps paragraphs apart with blank lines.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ftfy

from pipeline.boilerplate import strip_furniture
from pipeline.config import PipelineConfig
from pipeline.dedupe import minhash_signature
from pipeline.html_extract import extract_html
from pipeline.language import resolve_language
from pipeline.outcomes import Rejected
from schemas import CleaningReport, ContentType, DeadLetterReason, RawArticle, Stage

STAGE = Stage.CLEANING

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
# Terminal escapes and bidi overrides are never article text; they could disguise what follows.
_UNSAFE_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_WORD_CHAR = re.compile(r"[^\W_]")  # a letter or a digit: "2-1" is a score line
_HTML_START = re.compile(r"\s*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])", re.IGNORECASE)
# An XML declaration and a document type with an internal subset (entity declarations) before
# the page: the HTML parser reads the subset as text and loses the page behind it. Dropped
# before extraction; entities are never expanded (no entity-expansion bombs).
_PROLOG = re.compile(
    r"""\A\s*(?:<\?xml[^>]*\?>\s*)?(?:<!doctype\s[^\[>]*(?:\[(?:[^\]"']|"[^"]*"|'[^']*')*\]\s*)?>)?""",
    re.IGNORECASE,
)
BINARY_SAMPLE_CHARS = 8192
BINARY_MAX_RATIO = 0.05
"""Share of control characters (NUL, replacement char, ...) above which content is binary."""


@dataclass(frozen=True)
class CleanedArticle:
    """The cleaning stage's output; plain data so it can cross process boundaries."""

    text: str
    content_hash: str
    language: str | None
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    url: str | None = None
    """The raw article's URL, else the canonical URL its HTML page states."""
    source: str | None = None
    """The raw article's source, else the outlet its HTML page names."""
    report: dict[str, Any] = field(default_factory=dict)
    minhash: list[int] = field(default_factory=list)
    """MinHash signature for near-duplicate lookup (`pipeline.dedupe`); empty if too short."""

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
    text = _UNSAFE_CONTROL.sub(" ", _INVISIBLE.sub("", text))
    text = unicodedata.normalize("NFC", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_field(value: str | None) -> str | None:
    """Return a metadata field (title, author) as one normalised line, or None if empty."""
    if value is None:
        return None
    line = " ".join(normalise_text(value).split())
    return line or None


def _reject_binary(content: str) -> None:
    sample = content[:BINARY_SAMPLE_CHARS]
    controls = len(_CONTROL.findall(sample))
    if controls > BINARY_MAX_RATIO * len(sample):
        raise Rejected(
            DeadLetterReason.BINARY_CONTENT,
            f"content looks binary: {controls} of its first {len(sample)} characters are "
            "control characters (NUL, U+FFFD, ...)",
            stage=STAGE,
            error_type="binary_content",
        )


def clean(raw: RawArticle, config: PipelineConfig) -> CleanedArticle:
    """Return the article's clean text and metadata, or raise Rejected if nothing usable is left."""
    if len(raw.content) > config.max_content_chars:
        raise Rejected(
            DeadLetterReason.OVERSIZE,
            f"content has {len(raw.content)} characters, over the "
            f"{config.max_content_chars}-character limit",
            stage=STAGE,
        )
    _reject_binary(raw.content)
    title, author, published_at = raw.title, None, raw.published_at
    url, source = raw.url, raw.source
    fallback = False
    content = raw.content
    prolog = _PROLOG.match(content)
    if (
        prolog
        and prolog.end()
        and (raw.content_type is ContentType.TEXT_HTML or _HTML_START.match(content, prolog.end()))
    ):
        content = content[prolog.end() :]
    if raw.content_type is ContentType.TEXT_HTML or _HTML_START.match(content):
        page = extract_html(
            content, precise=config.html_precise, with_date=raw.published_at is None, url=raw.url
        )
        body, extractor, fallback = page.text, "html", page.recall_fallback
        title, author = title or page.title, page.author
        published_at = published_at or page.published_at
        url, source = url or page.url, source or clean_field(page.source)
    else:
        body, extractor = raw.content, "plain"
    stripped = strip_furniture(normalise_text(body), title)
    text = stripped.text
    if len(text) < config.min_clean_chars or not _WORD_CHAR.search(text):
        removed = ", ".join(f"{rule}: {count}" for rule, count in stripped.removed.items())
        raise Rejected(
            DeadLetterReason.EMPTY_AFTER_CLEANING,
            f"no article text left after cleaning ({extractor} extractor"
            + (f"; removed {removed})" if removed else ")"),
            stage=STAGE,
        )
    language, language_source = resolve_language(text, raw.language, config)
    report = CleaningReport(
        extractor=extractor,
        removed=stripped.removed,
        chars_in=len(raw.content),
        chars_out=len(text),
        byline=stripped.byline,
        dateline=stripped.dateline,
        language_source=language_source,
        html_recall_fallback=fallback,
    )
    return CleanedArticle(
        text=text,
        content_hash=content_hash(text),
        language=language,
        title=clean_field(title),
        author=clean_field(author or stripped.byline),
        published_at=published_at,
        url=url,
        source=source,
        report=report.model_dump(),
        minhash=(
            minhash_signature(text, config.dedupe_num_perm, config.dedupe_shingle_words)
            if config.dedupe_near_threshold < 1
            else []
        ),
    )
