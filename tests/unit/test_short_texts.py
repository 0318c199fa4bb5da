"""Short texts are articles: a headline, an RSS summary, a sentence or a score line is enriched."""

from __future__ import annotations

import pytest

from pipeline.config import PipelineConfig
from pipeline.outcomes import Rejected
from pipeline.process import enrich
from schemas import DeadLetterReason, RawArticle

SHORT_TEXTS = {
    "headline": ("Toyota recalls 40,000 trucks in Canada", {"Toyota", "Canada"}),
    "rss_summary": (
        "Brazilian President Carla Moreira met Argentine officials in Buenos Aires on Tuesday "
        "to discuss a trade deal.",
        {"Carla Moreira", "Buenos Aires"},
    ),
    "score_report": ("SOCCER - Arsenal 2 Chelsea 1, Premier League.", {"Arsenal", "Chelsea"}),
    "dateline": ("WELLINGTON, New Zealand (Reuters) -", {"WELLINGTON", "New Zealand"}),
}


@pytest.mark.parametrize("kind", sorted(SHORT_TEXTS))
def test_short_text_declared_english_is_enriched_with_its_entities(kind: str) -> None:
    text, names = SHORT_TEXTS[kind]
    article = enrich(RawArticle(id=kind, content=text, language="en"), PipelineConfig())
    assert article.language == "en" and article.language_source == "declared"
    assert article.processing.skipped == {}
    found = {m.text for e in article.entities for m in e.mentions}
    assert names <= found, found


def test_only_an_empty_text_is_empty_after_cleaning() -> None:
    with pytest.raises(Rejected) as caught:
        enrich(RawArticle(id="blank", content=" \n\u200b\n\t ", language="en"))
    assert caught.value.reason is DeadLetterReason.EMPTY_AFTER_CLEANING
