"""Policy-change events: who changed which rule, for whom, within which limits, on whose word."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

POLICY_SCHEMA_VERSION = 1


class PolicyAction(StrEnum):
    """What the actor did to the rule (closed vocabulary)."""

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
    """Whether the change loosens or tightens what is allowed."""

    LOOSEN = "loosen"
    TIGHTEN = "tighten"
    NEW = "new"
    REPEAL = "repeal"
    MIXED = "mixed"


class PolicyStatus(StrEnum):
    """How far the change has gone, as the article tells it."""

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
    """A sentence the change was built from: `clean_text[start:end] == text`."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


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
    confidence: float = Field(ge=0.0, le=1.0)
    rules: list[str] = Field(default_factory=list, description="Detection rules that fired.")
