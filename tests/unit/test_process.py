"""The composed pipeline on the shared sample and on small real snippets."""

from __future__ import annotations

import pytest

from pipeline.config import PipelineConfig
from pipeline.dedupe import DuplicateIndex
from pipeline.outcomes import Rejected
from pipeline.process import analysis_prefix, analyze_many, enrich, enrich_batch
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


# A long article: a country in its first paragraph, another in its last, neutral filler between.
HEAD = "Germany lifted the ban on Friday, officials said."
FILLER = "The committee met again to discuss the rules for the coming year."
TAIL = "Brazil tightened its export limits on Monday."
LONG_TEXT = "\n\n".join([HEAD, *[FILLER] * 40, TAIL])
CAP = 2_000


def entity_names(article: EnrichedArticle) -> set[str]:
    return {entity.name for entity in article.entities}


def test_text_over_the_cap_is_analysed_on_a_prefix_cut_at_a_paragraph() -> None:
    article = enrich(RawArticle(content=LONG_TEXT), PipelineConfig(nlp_max_chars=CAP))
    analysed = article.processing.analysed_chars
    assert article.clean_text == LONG_TEXT
    assert analysed is not None and CAP // 2 < analysed <= CAP
    assert LONG_TEXT[analysed:].startswith("\n\n")
    assert "Germany" in entity_names(article) and "Brazil" not in entity_names(article)
    for entity in article.entities:
        for mention in entity.mentions:
            assert mention.end <= analysed
            assert article.clean_text[mention.start : mention.end] == mention.text


def test_text_under_the_cap_is_analysed_whole() -> None:
    article = enrich(RawArticle(content=LONG_TEXT), PipelineConfig(nlp_max_chars=10_000))
    assert article.processing.analysed_chars is None
    assert {"Germany", "Brazil"} <= entity_names(article)


def test_text_over_spacys_max_length_is_enriched_not_dead_lettered() -> None:
    paragraph = "Germany lifted the ban on Friday, officials said. " * 20
    text = "\n\n".join([paragraph.strip()] * 1_100)
    assert len(text) > 1_000_000
    config = PipelineConfig(nlp_max_chars=CAP)
    # Without the cap spaCy refuses the text (E088) and the article is a dead letter.
    (whole,) = analyze_many([{"article_id": "long", "text": text}], config)
    assert "E088" in whole["rejected"]["message"]
    (outcome,) = enrich_batch([RawArticle(id="long", content=text)], config)
    assert isinstance(outcome, EnrichedArticle)
    assert outcome.clean_text == text
    assert outcome.processing.analysed_chars is not None
    assert outcome.processing.analysed_chars <= CAP
    assert "Germany" in entity_names(outcome)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("First paragraph.\nSecond one. It goes on and on", "First paragraph."),
        ("One sentence here. Another sentence that runs on", "One sentence here."),
        ("They told him “No way.” Then he left the room", "They told him “No way.”"),
        ("no sentence ends anywhere in this line of words", "no sentence ends anywhere in"),
        ("x" * 40, "x" * 30),
        ("short enough", "short enough"),
    ],
)
def test_analysis_prefix_cuts_at_the_best_break_within_the_cap(text: str, expected: str) -> None:
    assert analysis_prefix(text, 30) == expected
