"""Roles and alias merges: the fixes measured by bench.entity_roles, on sentences written here."""

from __future__ import annotations

import json

import spacy

from bench import entity_roles
from pipeline import entities
from pipeline.config import PipelineConfig
from pipeline.process import enrich
from schemas import Entity, RawArticle


def _entities(text: str) -> dict[str, Entity]:
    article = enrich(RawArticle(id="r", content=text, language="en"), PipelineConfig())
    return {e.name: e for e in article.entities}


def test_a_title_of_the_body_names_the_body_as_its_owner() -> None:
    found = _entities(
        "Marta Quill, executive director of the Lakeside Housing Council, said rents rose."
    )
    roles = [(r.title, r.of) for r in found["Marta Quill"].roles]
    assert roles == [("executive director", "Lakeside Housing Council")]


def test_a_title_before_the_next_name_is_not_the_previous_persons() -> None:
    found = _entities(
        "The shortlist names 3rd Circuit Judge Ellen Marsh, 9th Circuit Judge Paul Okafor "
        "and Judge Dana Ruiz."
    )
    assert [(r.title, r.of) for r in found["Ellen Marsh"].roles] == [("Judge", "3rd Circuit")]
    assert [(r.title, r.of) for r in found["Paul Okafor"].roles] == [("Judge", "9th Circuit")]


def test_a_full_name_makes_the_surname_mentions_a_person() -> None:
    text = "Lena Harwick spoke. The Harwick campaign and the Harwick team agreed."
    doc = spacy.blank("en").make_doc(text)
    # What the model does with famous surnames: the full name PERSON, the rest ORG.
    doc.ents = [
        doc.char_span(0, 12, label="PERSON"),
        doc.char_span(24, 31, label="ORG"),
        doc.char_span(49, 56, label="ORG"),
    ]
    (entity,) = entities.extract_entities(doc)
    assert (entity.name, entity.type.value) == ("Lena Harwick", "PERSON")
    assert entity.aliases == ["Lena Harwick", "Harwick"]


def test_the_judgements_cover_fifty_articles_and_hold_no_text() -> None:
    rows = [json.loads(line) for line in entity_roles.JUDGED.read_text().splitlines()]
    assert len({r["id"] for r in rows}) >= 45  # articles with at least one role or alias
    assert {r["kind"] for r in rows} == {"role", "alias"}
    for row in rows:
        for field in ("title", "of", "alias"):
            assert field not in row or len(row[field]) in (0, 16)
