"""Cross-article entity keys: the same entity gets the same key in every article."""

from __future__ import annotations

import pytest

from pipeline.config import PipelineConfig
from pipeline.entity_keys import entity_key, normalised_name
from pipeline.process import enrich
from schemas import RawArticle


def _keys(text: str) -> dict[str, str]:
    article = enrich(RawArticle(id="k", content=text, language="en"), PipelineConfig())
    return {m.text: e.key for e in article.entities for m in e.mentions}


def test_gazetteer_codes_key_every_alias_alike_across_articles() -> None:
    first = _keys("U.S. officials met Americans in Texas on Monday.")
    second = _keys("The United States told American farmers in Houston and London to wait.")
    assert first["U.S."] == second["United States"] == "gpe:US"
    assert first["Americans"] == second["American"] == "norp:US"
    assert first["Texas"] == "gpe:US-TX"
    assert second["London"].startswith("gpe:geonames:")


def test_other_entities_key_on_type_and_normalised_name() -> None:
    first = _keys("Toyota Motor Corp. said on Tuesday that Akio Toyoda would step down.")
    second = _keys("Shares of Toyota Motor rose after Akio Toyoda's speech in Nagoya.")
    assert first["Toyota Motor Corp."] == second["Toyota Motor"] == "org:toyota-motor"
    assert first["Akio Toyoda"] == second["Akio Toyoda"] == "person:akio-toyoda"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("José Álvarez", "jose-alvarez"),
        ("The Washington Post", "washington-post"),
        ("Apple Inc.", "apple"),
        ("McDonald's", "mcdonald"),
        ("U.S. Steel", "us-steel"),
    ],
)
def test_names_are_normalised(name: str, expected: str) -> None:
    assert normalised_name(name) == expected


def test_a_key_carries_the_type() -> None:
    assert entity_key("ORG", "Chelsea") == "org:chelsea" != entity_key("GPE", "Chelsea")
