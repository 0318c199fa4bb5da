"""The shared sample's golden entity expectations, on the raw text and through the pipeline."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline import entities, nlp
from pipeline.cleaning import normalise_text
from pipeline.config import PipelineConfig
from pipeline.process import enrich
from schemas import Entity, RawArticle


def _found(expected: dict[str, Any], found: list[Entity]) -> Entity | None:
    wanted = expected["name"].casefold()
    for entity in found:
        names = {entity.name.casefold(), *(a.casefold() for a in entity.aliases)}
        if wanted in names and entity.type.value == expected["type"]:
            return entity
    return None


def _check_must(expected: dict[str, Any], found: list[Entity]) -> None:
    entity = _found(expected, found)
    assert entity is not None, f"missing {expected['name']} ({expected['type']})"
    aliases = {a.casefold() for a in entity.aliases}
    for alias in expected.get("aliases_seen", []):
        assert alias.casefold() in aliases, (
            f"{entity.name}: alias {alias!r} not in {entity.aliases}"
        )
    if "role_contains" in expected:
        titles = [r.title.casefold() for r in entity.roles]
        assert any(expected["role_contains"].casefold() in t for t in titles), (
            f"{entity.name}: no role containing {expected['role_contains']!r} in {entity.roles}"
        )


def _check_must_not(forbidden: dict[str, Any], found: list[Entity]) -> None:
    for entity in found:
        for mention in entity.mentions:
            same_text = mention.text.casefold() == forbidden["text"].casefold()
            same_type = "type" not in forbidden or entity.type.value == forbidden["type"]
            assert not (same_text and same_type), f"{forbidden} found as {entity.name}"


@pytest.fixture(scope="module")
def from_raw_text(sample_text: str) -> list[Entity]:
    """Entities of the sample with its boilerplate still in (only whitespace normalised)."""
    doc = nlp.load_nlp(PipelineConfig().spacy_model)(normalise_text(sample_text))
    return entities.extract_entities(doc)


@pytest.fixture(scope="module")
def from_pipeline(sample_text: str) -> list[Entity]:
    """Entities of the sample after the cleaning stage, as consumers get them."""
    return enrich(RawArticle(id="seed-ukraine-us-weapons-policy", content=sample_text)).entities


@pytest.mark.parametrize("source", ["from_raw_text", "from_pipeline"])
def test_every_must_entity_is_found(
    source: str, sample_expected: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    found = request.getfixturevalue(source)
    for expected in sample_expected["entities"]["must"]:
        _check_must(expected, found)


@pytest.mark.parametrize("source", ["from_raw_text", "from_pipeline"])
def test_no_must_not_entity_is_found(
    source: str, sample_expected: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    found = request.getfixturevalue(source)
    for forbidden in sample_expected["entities"]["must_not"]:
        _check_must_not(forbidden, found)


def test_roles_name_whose_they_are(from_raw_text: list[Entity]) -> None:
    roles = {e.name: {(r.title, r.of) for r in e.roles} for e in from_raw_text}
    assert ("President", "United States") in roles["Joe Biden"]
    assert ("press secretary", "Volodymyr Zelensky") in roles["Serhii Nykyforov"]
    assert ("spokesman", "Olaf Scholz") in roles["Steffen Hebestreit"]
    assert ("Secretary of State", "United States") in roles["Antony Blinken"]


def test_entities_are_joinable(from_raw_text: list[Entity]) -> None:
    names = [e.name for e in from_raw_text]
    assert len(names) == len(set(names)), "one entity per referent"
    by_name = {e.name: e for e in from_raw_text}
    assert by_name["American"].country == "United States"
    assert sum(e.salience for e in from_raw_text) == pytest.approx(1.0, abs=0.01)
    assert from_raw_text[0].name in {"Ukraine", "United States", "Russia"}
