"""Entities found in an article's clean text: one per real-world referent, with its mentions."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class EntityType(StrEnum):
    """Entity labels: spaCy's OntoNotes labels plus the project's WEAPON."""

    PERSON = "PERSON"
    ORG = "ORG"
    GPE = "GPE"
    LOC = "LOC"
    NORP = "NORP"
    FAC = "FAC"
    EVENT = "EVENT"
    LAW = "LAW"
    WEAPON = "WEAPON"
    PRODUCT = "PRODUCT"
    WORK_OF_ART = "WORK_OF_ART"
    LANGUAGE = "LANGUAGE"
    DATE = "DATE"
    TIME = "TIME"
    PERCENT = "PERCENT"
    MONEY = "MONEY"
    QUANTITY = "QUANTITY"
    ORDINAL = "ORDINAL"
    CARDINAL = "CARDINAL"


class Mention(BaseModel):
    """One occurrence of an entity: `clean_text[start:end] == text`."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: int = Field(ge=0, description="Character offset into clean_text (inclusive).")
    end: int = Field(ge=0, description="Character offset into clean_text (exclusive).")


class Role(BaseModel):
    """A title or function the article gives a person.

    E.g. title 'press secretary' of 'Volodymyr Zelensky'.
    """

    model_config = ConfigDict(frozen=True)

    title: str
    of: str | None = Field(
        default=None, description="Organisation, country or person the role belongs to."
    )


class Entity(BaseModel):
    """A canonical entity with every mention of it in the article."""

    name: str = Field(description="Canonical name, e.g. 'Joe Biden' for 'Biden' and 'Joe Biden'.")
    type: EntityType
    key: str = Field(
        default="",
        description="Stable cross-article key, the same for the same entity in every article: "
        "'<type>:<code>' from the gazetteers where known ('gpe:US', 'norp:US' for 'Americans', "
        "'gpe:US-CA', 'gpe:geonames:2643743' for London), else '<type>:<normalised name>' "
        "('org:nato', 'person:joe-biden', 'org:toyota-motor' for 'Toyota Motor Corp.').",
    )
    aliases: list[str] = Field(default_factory=list, description="Distinct surface forms seen.")
    mentions: list[Mention] = Field(default_factory=list)
    roles: list[Role] = Field(default_factory=list)
    salience: float = Field(default=0.0, ge=0.0, le=1.0)
    mention_count: int = Field(default=0, ge=0)
    first_position: int = Field(default=0, ge=0, description="Offset of the first mention.")
    country: str | None = Field(
        default=None,
        description="For a nationality or demonym (NORP), the country it belongs to, "
        "e.g. 'United States' for 'American'.",
    )
