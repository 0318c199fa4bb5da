"""The composed pipeline on the shared sample and on small real snippets."""

from __future__ import annotations

import pytest

from pipeline.config import PipelineConfig
from pipeline.dedupe import DuplicateIndex
from pipeline.intake import Rejected
from pipeline.process import enrich, enrich_batch
from schemas import ContentType, DeadLetterReason, EnrichedArticle, RawArticle


@pytest.fixture(scope="module")
def sample_article(sample_text: str) -> EnrichedArticle:
    return enrich(RawArticle(id="seed-ukraine-us-weapons-policy", content=sample_text))


def test_sample_becomes_a_valid_enriched_article(sample_article: EnrichedArticle) -> None:
    again = EnrichedArticle.model_validate_json(sample_article.model_dump_json())
    assert again.id == "seed-ukraine-us-weapons-policy"
    assert again.clean_text.startswith("US President Joe Biden")
    assert again.content_hash and len(again.content_hash) == 64
    assert {"cleaning", "nlp", "entities", "policy", "total"} <= set(again.processing.stages)
    assert again.processing.model is not None
    assert again.processing.cleaning is not None


def test_mentions_point_into_clean_text(sample_article: EnrichedArticle) -> None:
    assert sample_article.entities
    for entity in sample_article.entities:
        assert entity.mention_count == len(entity.mentions)
        for mention in entity.mentions:
            assert sample_article.clean_text[mention.start : mention.end] == mention.text


def test_cleaning_only_skips_the_model() -> None:
    config = PipelineConfig(stages=("cleaning",))
    article = enrich(RawArticle(content="Germany  lifted\u00a0the ban."), config)
    assert article.clean_text == "Germany lifted the ban."
    assert article.entities == []
    assert "nlp" not in article.processing.stages
    assert article.processing.skipped == {}


def test_exact_duplicate_points_at_the_first_and_skips_nlp() -> None:
    dedupe = DuplicateIndex()
    text = "Germany lifted the ban on Friday, officials said."
    first, second = enrich_batch(
        [RawArticle(id="a", content=text), RawArticle(id="b", content=text + "  ")],
        PipelineConfig(),
        dedupe,
    )
    assert isinstance(first, EnrichedArticle) and first.duplicate_of is None
    assert isinstance(second, EnrichedArticle) and second.duplicate_of == "a"
    assert second.entities == []
    assert second.processing.skipped["entities"].startswith("duplicate of a")


def test_html_without_article_text_is_rejected_after_cleaning() -> None:
    (outcome,) = enrich_batch(
        [
            RawArticle(
                content="<html><body><script>x()</script></body></html>",
                content_type=ContentType.TEXT_HTML,
            )
        ],
        PipelineConfig(),
    )
    assert isinstance(outcome, Rejected)
    assert outcome.reason is DeadLetterReason.EMPTY_AFTER_CLEANING
    assert outcome.stage == "cleaning"


def test_outcomes_keep_input_order() -> None:
    raws = [RawArticle(id=str(i), content=f"Article number {i} about Paris.") for i in range(5)]
    outcomes = enrich_batch(raws, PipelineConfig())
    assert [o.id for o in outcomes if isinstance(o, EnrichedArticle)] == ["0", "1", "2", "3", "4"]
