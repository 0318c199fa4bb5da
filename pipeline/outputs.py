"""Outcomes as the bytes of output records that fit their topics (no Kafka here).

An enriched article becomes its event plus one record per policy change; one that cannot be
encoded, or whose records exceed a topic's limit, becomes a Rejected (`oversize` or
`stage_error`, stage `output`) instead. A rejection becomes a dead letter that always fits: its
key, then its copy of the input, are cut when needed and `truncated` says so. Nothing here
raises on message data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pipeline.outcomes import Rejected
from schemas import DeadLetter, DeadLetterReason, EnrichedArticle, Stage

STAGE = Stage.OUTPUT

RECORD_OVERHEAD_BYTES = 1024
"""Room left under a limit for what Kafka adds to a record: batch and record headers (~100
bytes), and the integer fields' varints."""
KEY_KEEP_BYTES = 1024
"""A dead letter that does not fit keeps this much of its input's key."""
ERROR_MAX_CHARS = 2000
"""A dead letter's error text is cut to this many characters."""
MIN_LETTER_LIMIT_BYTES = 16_384
"""The smallest dead-letter limit honoured: below it the key and the error alone may not fit."""


@dataclass(frozen=True)
class OutputRecord:
    """One record to produce: its key and value bytes."""

    key: bytes | None
    value: bytes

    @property
    def size(self) -> int:
        """Return the bytes Kafka counts against a topic's limit, headers excepted."""
        return len(self.key or b"") + len(self.value)


@dataclass(frozen=True)
class OutputLimits:
    """The largest record (key + value, bytes) each output topic takes."""

    enriched: int
    policy: int
    deadletter: int

    @classmethod
    def uniform(cls, max_record_bytes: int) -> OutputLimits:
        """Return limits of `max_record_bytes` for every output topic."""
        return cls(max_record_bytes, max_record_bytes, max_record_bytes)


@dataclass(frozen=True)
class EnrichedRecords:
    """The records of one enriched article: its event and its policy changes."""

    event: OutputRecord
    changes: list[OutputRecord] = field(default_factory=list)


def _fits(record: OutputRecord, limit: int) -> bool:
    return record.size + RECORD_OVERHEAD_BYTES <= limit


def encode_enriched(article: EnrichedArticle, limits: OutputLimits) -> EnrichedRecords:
    """Return the article's records, or raise Rejected if one cannot be encoded or is too big."""
    try:
        event = OutputRecord(article.id.encode("utf-8"), article.model_dump_json().encode("utf-8"))
        changes = [
            OutputRecord(change.id.encode("utf-8"), change.model_dump_json().encode("utf-8"))
            for change in article.policy_changes
        ]
    except Exception as exc:
        raise Rejected(
            DeadLetterReason.STAGE_ERROR,
            f"the enriched event could not be encoded: {type(exc).__name__}: {exc}"[
                :ERROR_MAX_CHARS
            ],
            stage=STAGE,
            error_type=type(exc).__name__,
        ) from exc
    if not _fits(event, limits.enriched):
        raise Rejected(
            DeadLetterReason.OVERSIZE,
            f"the enriched event would be {event.size} bytes, over the output topic's "
            f"{limits.enriched - RECORD_OVERHEAD_BYTES}-byte limit (clean_text has "
            f"{len(article.clean_text)} characters)",
            stage=STAGE,
        )
    for change in changes:
        if not _fits(change, limits.policy):
            raise Rejected(
                DeadLetterReason.OVERSIZE,
                f"a policy change would be {change.size} bytes, over the policy topic's "
                f"{limits.policy - RECORD_OVERHEAD_BYTES}-byte limit",
                stage=STAGE,
            )
    return EnrichedRecords(event, changes)


def printable(text: str, max_chars: int = ERROR_MAX_CHARS) -> str:
    """Return `text` as valid UTF-8 (lone surrogates replaced), cut to `max_chars` characters."""
    safe = text.encode("utf-8", errors="replace").decode("utf-8")
    return safe if len(safe) <= max_chars else safe[: max_chars - 1] + "…"


def dead_letter_record(
    rejected: Rejected,
    *,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    original: bytes | None,
    failed_at: datetime,
    limit: int,
) -> OutputRecord:
    """Return the dead letter of one rejected input, cut to fit `limit` bytes, keyed by its key.

    The error text is always bounded; if the letter is still too big, the key (in the letter
    and as the record's key) is cut to KEY_KEEP_BYTES, then the copy of the input to what fits.
    `truncated` names each cut field with its full size.
    """
    original = original or b""
    truncated: dict[str, int] = {}
    error = printable(rejected.message)
    if len(error) < len(rejected.message):
        truncated["error"] = len(rejected.message)

    def letter(key: bytes | None, copy: bytes) -> OutputRecord:
        value = DeadLetter(
            reason=rejected.reason,
            error=error,
            error_type=printable(rejected.error_type, 200),
            stage=printable(rejected.stage, 200),
            attempts=max(1, rejected.attempts),
            topic=topic,
            partition=partition,
            offset=offset,
            key=key,
            original=copy,
            truncated=dict(truncated),
            failed_at=failed_at,
        ).model_dump_json()
        return OutputRecord(key, value.encode("utf-8"))

    limit = max(limit, MIN_LETTER_LIMIT_BYTES)
    record = letter(key, original)
    if _fits(record, limit):
        return record
    if key is not None and len(key) > KEY_KEEP_BYTES:
        truncated["key"] = len(key)
        key = key[:KEY_KEEP_BYTES]
        record = letter(key, original)
        if _fits(record, limit):
            return record
    # What the letter takes without its copy of the input, then as much of the input as fits.
    truncated["original"] = len(original)
    frame = letter(key, b"").size + RECORD_OVERHEAD_BYTES
    keep = max(0, (limit - frame) // 4 * 3 - 3)
    while True:
        record = letter(key, original[:keep])
        if _fits(record, limit) or keep == 0:
            return record
        keep = max(0, keep - max(3, (record.size + RECORD_OVERHEAD_BYTES - limit) // 4 * 3 + 3))
