"""Pydantic models for every message on every Newsflow topic: the single source of truth.

`schemas/` imports nothing of ours; every other package imports from here.
"""

from schemas.articles import (
    CleaningReport,
    ContentType,
    EnrichedArticle,
    ModelInfo,
    Origin,
    Processing,
    RawArticle,
    derive_article_id,
)
from schemas.deadletter import DeadLetter, DeadLetterReason
from schemas.dedupe import DedupeEntry
from schemas.entities import Entity, EntityType, Mention, Role
from schemas.policy import (
    Actor,
    Confidence,
    Evidence,
    EvidencePart,
    Highlight,
    HighlightKind,
    PolicyAction,
    PolicyChange,
    PolicyDirection,
    PolicyStatus,
    Source,
    SourceKind,
)
from schemas.stages import Stage
from schemas.stories import (
    Contribution,
    PolicyStory,
    StatusStep,
    StoryActor,
    StoryUpdate,
)

__all__ = [
    "Actor",
    "CleaningReport",
    "Confidence",
    "ContentType",
    "Contribution",
    "DeadLetter",
    "DeadLetterReason",
    "DedupeEntry",
    "EnrichedArticle",
    "Entity",
    "EntityType",
    "Evidence",
    "EvidencePart",
    "Highlight",
    "HighlightKind",
    "Mention",
    "ModelInfo",
    "Origin",
    "PolicyAction",
    "PolicyChange",
    "PolicyDirection",
    "PolicyStatus",
    "PolicyStory",
    "Processing",
    "RawArticle",
    "Role",
    "Source",
    "SourceKind",
    "Stage",
    "StatusStep",
    "StoryActor",
    "StoryUpdate",
    "derive_article_id",
]
