"""The duplicate window's entries, as kept on the compacted state topic (`articles.dedupe`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class DedupeEntry(BaseModel):
    """One article the duplicate window remembers: the first copy of its text.

    Keyed by `article_id`; a tombstone (no value) forgets it. Every worker reads the whole
    topic, so each sees every other worker's entries; a restarted worker reads it back.
    """

    schema_version: Literal[1] = 1
    article_id: str = Field(min_length=1)
    content_hash: str = Field(min_length=1)
    signature: str | None = Field(
        default=None,
        description=(
            "base64 of the MinHash values (little-endian uint32, `num_perm` of them); "
            "null for texts matched exactly only"
        ),
    )
    num_perm: int = Field(ge=0, description="MinHash permutations the signature was made with")
    first_seen: float = Field(description="when a worker first saw this text (Unix seconds)")
    seen_at: float = Field(
        description="when a copy was last seen (Unix seconds): the window counts from here"
    )
