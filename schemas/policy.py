"""Policy-change events: who changed which rule, for whom, within which limits, on whose word."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

POLICY_SCHEMA_VERSION = 2

Confidence = Annotated[float, Field(ge=0.0, le=1.0)]
"""A policy change's confidence, from 0 to 1 (also what `subscribe --min-confidence` takes)."""


class PolicyAction(StrEnum):
    """What the actor did to the rule (closed vocabulary).

    permit: allows something that was not allowed (allow, permit, authorise, legalise);
    ban: forbids it outright (ban, prohibit, outlaw, block); restrict: narrows it (restrict, limit,
    curb, cap, close, crack down); lift: removes a restriction (lift, ease, relax, exempt);
    impose: puts a new burden in place (impose sanctions, levy tariffs, enforce a regime);
    suspend / resume: pauses or restarts a rule or programme; expand / reduce: widens or narrows a
    programme or quantity (extend, increase output / cut flights); approve: a rule-setter approves a
    specific deal, product or plan; reject: it vetoes one; repeal: a rule is abolished, revoked,
    overturned or struck down; require: an obligation is added (require, mandate); fund: money is
    granted or forgiven (fund, compensate, write off); raise / lower: a rate, price, fee or tax
    set by the actor goes up / down; adopt: a new law, resolution or programme is passed or
    introduced; change: any other change of a rule or of an official stance.
    """

    PERMIT = "permit"
    BAN = "ban"
    RESTRICT = "restrict"
    LIFT = "lift"
    IMPOSE = "impose"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXPAND = "expand"
    REDUCE = "reduce"
    APPROVE = "approve"
    REJECT = "reject"
    REPEAL = "repeal"
    REQUIRE = "require"
    FUND = "fund"
    RAISE = "raise"
    LOWER = "lower"
    ADOPT = "adopt"
    CHANGE = "change"


class PolicyDirection(StrEnum):
    """Whether the change loosens or tightens what is allowed.

    loosen: more is allowed or cheaper; tighten: less is allowed or dearer; new: a rule or
    programme that did not exist; repeal: a rule is removed or reversed; mixed: both at once.
    """

    LOOSEN = "loosen"
    TIGHTEN = "tighten"
    NEW = "new"
    REPEAL = "repeal"
    MIXED = "mixed"


class PolicyStatus(StrEnum):
    """How far the change has gone, as the article tells it.

    announced: the actor (or its spokesperson) says it will or did change the rule; reported: a
    third party (outlet, anonymous officials, documents) says so; approved: the actor approved it;
    enacted: it was decided, passed, signed or took effect; signaled: the actor hinted at it;
    proposed: someone proposes, urges or drafts it; considered: it is weighed, debated or possible
    ("may", "considers"); unchanged: the article says an existing rule stays ("remains
    unchanged", "rules out", a negated trigger); reversed: an earlier decision or rule is undone.
    """

    ANNOUNCED = "announced"
    REPORTED = "reported"
    APPROVED = "approved"
    ENACTED = "enacted"
    SIGNALED = "signaled"
    PROPOSED = "proposed"
    CONSIDERED = "considered"
    UNCHANGED = "unchanged"
    REVERSED = "reversed"


class SourceKind(StrEnum):
    """How a source is cited."""

    OUTLET = "outlet"
    AGENCY = "agency"
    SPOKESPERSON = "spokesperson"
    OFFICIAL = "official"
    ANONYMOUS_OFFICIALS = "anonymous_officials"
    DOCUMENT = "document"
    PERSON = "person"
    OTHER = "other"


class HighlightKind(StrEnum):
    """What a highlighted piece of an evidence sentence is."""

    TRIGGER = "trigger"
    ACTOR = "actor"
    BENEFICIARY = "beneficiary"
    OBJECT = "object"
    SCOPE = "scope"
    SOURCE = "source"


class EvidencePart(StrEnum):
    """Which part of the article a piece of evidence comes from."""

    BODY = "body"
    TITLE = "title"


class Highlight(BaseModel):
    """A piece of the text that a detection rule used: `clean_text[start:end] == text` (body),
    `title[start:end] == text` (headline)."""

    model_config = ConfigDict(frozen=True)

    kind: HighlightKind
    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    part: EvidencePart = EvidencePart.BODY


class Actor(BaseModel):
    """The body that changed the rule and, where stated, the person who decided or announced it."""

    model_config = ConfigDict(frozen=True)

    name: str
    person: str | None = None


class Source(BaseModel):
    """Who says so."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: SourceKind


class Evidence(BaseModel):
    """A sentence the change was built from: `clean_text[start:end] == text` for the body,
    `title[start:end] == text` for the headline."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    part: EvidencePart = EvidencePart.BODY


class Decision(BaseModel):
    """What the trained model said: its probability that a decided change is reported."""

    model_config = ConfigDict(frozen=True)

    model: str = Field(description="Model name and version, as in processing and build info.")
    score: float = Field(ge=0.0, le=1.0)
    threshold: float = Field(ge=0.0, le=1.0, description="Scores at or above it are accepted.")


class PolicyChange(BaseModel):
    """One policy change, published on `policy.changes` keyed by `id`."""

    id: str = Field(description="Deterministic: article id + actor + action + beneficiary/object.")
    schema_version: int = POLICY_SCHEMA_VERSION
    article_id: str
    actor: Actor
    action: PolicyAction
    direction: PolicyDirection
    beneficiary: str | None = None
    object: str | None = Field(default=None, description="What is permitted or restricted.")
    scope: str | None = Field(default=None, description="Geographic or functional limits.")
    constraints: list[str] = Field(default_factory=list, description="Explicit exclusions.")
    status: PolicyStatus
    sources: list[Source] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    confidence: Confidence
    rules: list[str] = Field(default_factory=list, description="Detection rules that fired.")
    decision: Decision | None = Field(
        default=None, description="The model's score of the best candidate behind the change."
    )
    highlights: list[Highlight] = Field(
        default_factory=list,
        description="Triggers, actors, objects and sources in the evidence, for explanations.",
    )
