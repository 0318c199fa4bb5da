"""Articles: what feeders put on `articles.raw` and what workers publish on `articles.enriched`."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from schemas.entities import Entity
from schemas.policy import PolicyChange

RAW_SCHEMA_VERSION = 1
ENRICHED_SCHEMA_VERSION = 3
MAX_ID_CHARS = 256


LanguageSource = Literal["declared", "detected", "unknown"]


class ContentType(StrEnum):
    """How `content` is encoded."""

    TEXT_PLAIN = "text/plain"
    TEXT_HTML = "text/html"


def derive_article_id(url: str | None, content: str) -> str:
    """Return a stable article id: a hash of the normalised URL, or of the content when no URL."""
    if url and url.strip():
        parts = urlsplit(url.strip())
        normalised = urlunsplit(
            (parts.scheme.lower(), parts.netloc.lower(), parts.path, parts.query, "")
        )
        return "url-" + hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:24]
    return "sha-" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:24]


def _printable_id(value: Any) -> Any:
    """Return an id without control, format (bidi, zero-width) or line-separator characters.

    Ids become Kafka keys and log and terminal text, where such characters hide or reorder what
    follows; dropping them is deterministic, so a replay keeps the same id.
    """
    if not isinstance(value, str):
        return value
    kept = "".join(c for c in value if unicodedata.category(c) not in _HIDDEN_CATEGORIES)
    return kept.strip()


_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _no_epoch_number(value: Any) -> Any:
    """Refuse numbers for a time: seconds or milliseconds cannot be told apart reliably."""
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "datetime_type",
            "a number is not a time here (seconds or milliseconds?): use an ISO 8601 string "
            "such as 2026-11-24T10:00:00Z",
        )
    return value


def _media_type(value: Any) -> Any:
    """Return a MIME type's essence: `text/html; charset=utf-8` -> `text/html` (the content is
    already decoded text, so a charset says nothing more); XHTML counts as HTML."""
    if not isinstance(value, str):
        return value
    essence = value.split(";", 1)[0].strip().lower()
    return _MEDIA_ALIASES.get(essence, essence)


_MEDIA_ALIASES = {"application/xhtml+xml": "text/html"}

Instant = Annotated[datetime | None, BeforeValidator(_no_epoch_number)]
"""A time given as an ISO 8601 string (naive means UTC for latency; kept as given)."""


class RawArticle(BaseModel):
    """An article as it arrives on `articles.raw`: a UTF-8 JSON object; unknown fields ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    schema_version: int = RAW_SCHEMA_VERSION
    id: Annotated[str, BeforeValidator(_printable_id)] = Field(
        default="",
        max_length=MAX_ID_CHARS,
        description="Article id; derived from the URL (or the content) when absent. Control, "
        "format (bidi, zero-width) and line-separator characters are dropped.",
    )
    url: str | None = Field(default=None, max_length=8192)
    source: str | None = Field(default=None, max_length=512, description="Outlet or feed name.")
    title: str | None = Field(default=None, max_length=4096)
    published_at: Instant = None
    language: str | None = Field(default=None, max_length=16, description="Hint; detected anyway.")
    content: str = Field(description="Article body: plain text or an HTML page.")
    content_type: Annotated[ContentType, BeforeValidator(_media_type)] = Field(
        default=ContentType.TEXT_PLAIN,
        description="MIME type; parameters (charset) and case are ignored, XHTML is HTML.",
    )
    ingested_at: Instant = Field(
        default=None, description="When the feeder produced it; the start of end-to-end latency."
    )

    @field_validator("content")
    @classmethod
    def _content_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise PydanticCustomError("empty_content", "content is empty or only whitespace")
        return value

    @model_validator(mode="after")
    def _fill_id(self) -> RawArticle:
        if not self.id.strip():
            self.id = derive_article_id(self.url, self.content)
        return self


class ModelInfo(BaseModel):
    """The NLP model that produced the annotations."""

    model_config = ConfigDict(frozen=True)

    name: str
    version: str


class Origin(BaseModel):
    """Where the input came from, so every input offset can be matched to its outcome."""

    model_config = ConfigDict(frozen=True)

    topic: str
    partition: int
    offset: int


class CleaningReport(BaseModel):
    """What cleaning did: which extractor ran and how much each rule removed."""

    extractor: str = Field(description="'plain' for text rules, 'html' for HTML extraction.")
    removed: dict[str, int] = Field(
        default_factory=dict, description="Rule name -> number of blocks it removed."
    )
    chars_in: int = 0
    chars_out: int = 0
    byline: str | None = Field(default=None, description="Byline taken out of the body.")
    dateline: str | None = Field(default=None, description="Dateline taken out of the body.")
    language_source: LanguageSource = Field(
        default="unknown",
        description="'declared' (the raw article's language, trusted), 'detected' (lingua "
        "overruled or replaced it) or 'unknown'.",
    )
    html_recall_fallback: bool = Field(
        default=False,
        description="HTML only: the precise extraction found too little; a recall pass was used.",
    )


class Processing(BaseModel):
    """How and when the article was processed."""

    pipeline_version: str
    model: ModelInfo | None = None
    policy_model: ModelInfo | None = Field(
        default=None, description="The trained policy-change model, when the policy stage ran."
    )
    stages: dict[str, float] = Field(
        default_factory=dict, description="Stage name -> wall time in seconds."
    )
    skipped: dict[str, str] = Field(
        default_factory=dict, description="Stage name -> why it did not run."
    )
    analysed_chars: int | None = Field(
        default=None,
        ge=0,
        description="Characters of clean_text the NLP stages read (a prefix, so entity offsets "
        "hold), when the text was longer than the worker's NLP cap; null when all of it.",
    )
    cleaning: CleaningReport | None = None
    origin: Origin | None = None
    ingested_at: datetime | None = None
    processed_at: datetime


class EnrichedArticle(BaseModel):
    """One accepted article on `articles.enriched`, keyed by `id`."""

    id: str
    schema_version: int = ENRICHED_SCHEMA_VERSION
    url: str | None = None
    source: str | None = None
    title: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    language: str | None = Field(
        default=None, description="ISO 639-1 code: the declared one unless detection overruled it."
    )
    language_source: LanguageSource = Field(
        default="unknown",
        description="'declared': the feed's language was kept; 'detected': lingua's answer was "
        "used (no declaration, or a confident detection on enough text overruled it); 'unknown'.",
    )
    clean_text: str
    content_hash: str = Field(description="sha256 of the normalised clean text.")
    duplicate_of: str | None = Field(
        default=None, description="Id of the first article with the same or near-same text."
    )
    entities: list[Entity] = Field(default_factory=list)
    policy_changes: list[PolicyChange] = Field(default_factory=list)
    processing: Processing
