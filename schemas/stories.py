"""Policy stories: one decision of one rule-setter as many articles report it, over time.

`StoryUpdate` carries one article's contributions to one story group (the internal repartition
topic, keyed by the rule-setter's entity key); `PolicyStory` is a story's latest state (the
compacted topic `policy.stories`, keyed by the story id).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from schemas.policy import Confidence, PolicyAction, PolicyDirection, PolicyStatus

STORY_SCHEMA_VERSION = 1
STORY_UPDATE_SCHEMA_VERSION = 1


class StoryActor(BaseModel):
    """The rule-setter of a story: its canonical name and cross-article entity key."""

    model_config = ConfigDict(frozen=True)

    name: str
    key: str = Field(description="The entity stage's cross-article key, e.g. 'gpe:US'.")


class Contribution(BaseModel):
    """What one policy change of one article says about a story."""

    model_config = ConfigDict(frozen=True)

    article_id: str
    change_id: str
    outlet: str = Field(description="The article's source, else its URL's host; '' if neither.")
    reprint_of: str | None = Field(
        default=None,
        description="The article this one duplicates (`duplicate_of`): a reprint corroborates "
        "nothing on its own.",
    )
    at: datetime = Field(description="published_at, else when the pipeline received it.")
    actor: StoryActor
    action: PolicyAction
    direction: PolicyDirection
    status: PolicyStatus
    object: str | None = None
    scope: str | None = None
    confidence: Confidence


class StoryUpdate(BaseModel):
    """An article's current contributions to one story group (an empty list retracts them)."""

    schema_version: int = STORY_UPDATE_SCHEMA_VERSION
    article_id: str
    group_key: str = Field(description="Rule-setter key, action family and object of the group.")
    actor_key: str = Field(description="The rule-setter's entity key: the partitioning key.")
    contributions: list[Contribution] = Field(default_factory=list)


class StatusStep(BaseModel):
    """One status a story reached: when it was first reported so, and by which articles."""

    model_config = ConfigDict(frozen=True)

    status: PolicyStatus
    at: datetime = Field(description="The earliest report of this status.")
    article_ids: list[str] = Field(description="Every article reporting this status, sorted.")


class PolicyStory(BaseModel):
    """A story's latest state, published on `policy.stories` keyed by `id`."""

    id: str = Field(description="Deterministic: group key + the story's first time bucket.")
    schema_version: int = STORY_SCHEMA_VERSION
    group_key: str
    actor: StoryActor
    action: PolicyAction = Field(description="The action most reports give.")
    direction: PolicyDirection
    object: str | None = None
    scope: str | None = None
    status: PolicyStatus = Field(description="The furthest status reported (latest on ties).")
    status_history: list[StatusStep] = Field(
        default_factory=list, description="Each status reported, in the order first reported."
    )
    article_ids: list[str] = Field(default_factory=list, description="Every article, sorted.")
    reprint_ids: list[str] = Field(
        default_factory=list, description="Articles that duplicate another (no corroboration)."
    )
    outlets: list[str] = Field(
        default_factory=list, description="Distinct outlets of independent (non-reprint) reports."
    )
    first_seen: datetime
    last_seen: datetime
    confidence: Confidence = Field(
        description="Rises with independent corroboration: 1 - prod(1 - c) over distinct "
        "outlets' best change confidence; reprints add nothing."
    )
    disagreement: bool = Field(
        default=False,
        description="Outlets report incompatible statuses at the same time (one says enacted, "
        "another considered), as opposed to a progression over time.",
    )
    conflicting_statuses: list[PolicyStatus] = Field(
        default_factory=list, description="The statuses in conflict when `disagreement`."
    )
