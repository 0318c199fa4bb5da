"""The cleaning stage: the sample's golden checks, normalisation, HTML extraction, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from bench.extraction import load_pages, score
from pipeline.cleaning import CleanedArticle, clean, content_hash, normalise_text
from pipeline.config import PipelineConfig
from pipeline.outcomes import Rejected
from schemas import ContentType, DeadLetterReason, RawArticle
from tests.conftest import SHARED

CONFIG = PipelineConfig()


@pytest.fixture(scope="module")
def cleaned_sample(sample_text: str) -> CleanedArticle:
    return clean(RawArticle(id="seed", content=sample_text, language="en"), CONFIG)


def test_sample_loses_every_must_remove_item(
    cleaned_sample: CleanedArticle, sample_expected: dict[str, Any]
) -> None:
    text = cleaned_sample.text.casefold()
    for item in sample_expected["cleaning"]["must_remove"]:
        assert item.casefold() not in text, item


def test_sample_keeps_every_must_keep_item(
    cleaned_sample: CleanedArticle, sample_expected: dict[str, Any]
) -> None:
    text = cleaned_sample.text.casefold()
    for item in sample_expected["cleaning"]["must_keep"]:
        assert item.casefold() in text, item


def test_sample_loses_the_teaser_standfirst_too(
    cleaned_sample: CleanedArticle, sample_expected: dict[str, Any]
) -> None:
    for item in sample_expected["cleaning"]["should_remove"]:
        assert item.casefold() not in cleaned_sample.text.casefold(), item


def test_sample_report_says_what_each_rule_removed(cleaned_sample: CleanedArticle) -> None:
    report = cleaned_sample.cleaning_report()
    assert report.extractor == "plain"
    assert report.removed == {"correction_footer": 2, "related_block": 2, "repeated_teaser": 2}
    assert report.chars_out == len(cleaned_sample.text) < report.chars_in
    assert cleaned_sample.language == "en" and report.language_source == "declared"


def test_sample_keeps_paragraphs_apart(cleaned_sample: CleanedArticle) -> None:
    paragraphs = cleaned_sample.text.split("\n\n")
    assert len(paragraphs) == 10
    assert paragraphs[0].startswith("US President Joe Biden")
    assert paragraphs[-1].endswith("a limitation Kyiv has previously acknowledged.")
    assert all(p == p.strip() and "\n" not in p for p in paragraphs)


def test_normalisation_fixes_mojibake_and_keeps_quotes_and_dashes() -> None:
    raw = "Kyivâ€™s  mayor said\u00a0“no” â€” again.\r\n\r\n\r\nCafe\u0301 soci\u00e9t\u00e9\u200b."
    assert normalise_text(raw) == "Kyiv’s mayor said “no” — again.\n\nCafé société."


def test_content_hash_ignores_case_and_whitespace_only() -> None:
    assert content_hash("Germany lifted  the ban.") == content_hash("germany lifted\nthe ban.")
    assert content_hash("Germany lifted the ban.") != content_hash("Germany lifted a ban.")


def test_byline_and_dateline_become_metadata() -> None:
    text = (
        "By Jane Doe and John Roe\n\nNovember 20, 2019 - 11:28 AMT\n\n"
        "Officials said on Tuesday that the border would reopen next week after talks."
    )
    cleaned = clean(RawArticle(content=text), CONFIG)
    assert cleaned.text.startswith("Officials said on Tuesday")
    assert cleaned.author == "Jane Doe and John Roe"
    report = cleaned.cleaning_report()
    assert report.byline == "Jane Doe and John Roe"
    assert report.dateline == "November 20, 2019 - 11:28 AMT"
    assert report.removed == {"byline": 1, "dateline": 1}


def test_html_page_gives_body_title_and_report() -> None:
    html = (
        "<html><head><title>Germany lifts the ban</title>"
        '<meta name="author" content="Jane Doe"></head><body><nav>Home | World</nav>'
        "<article><h1>Germany lifts the ban</h1>"
        + "".join(
            f"<p>Paragraph {i}: the government in Berlin said on Friday that Ukraine may "
            "use the weapons it supplied against targets in Russia.</p>"
            for i in range(4)
        )
        + "<p>Click here to get the app</p></article><footer>© 2024 Example News</footer>"
        "</body></html>"
    )
    cleaned = clean(RawArticle(content=html, content_type=ContentType.TEXT_HTML), CONFIG)
    assert cleaned.title == "Germany lifts the ban"
    assert cleaned.author == "Jane Doe"
    assert cleaned.text.startswith("Paragraph 0: the government in Berlin")
    assert cleaned.text.count("\n\n") == 3
    assert "Click here" not in cleaned.text and "Home" not in cleaned.text
    report = cleaned.cleaning_report()
    assert report.extractor == "html"
    assert report.removed.get("call_to_action") == 1


def test_html_sent_as_plain_text_is_still_extracted() -> None:
    html = "<!DOCTYPE html><html><body><article><p>" + "Real words here. " * 20 + "</p>"
    cleaned = clean(RawArticle(content=html), CONFIG)
    assert cleaned.cleaning_report().extractor == "html"
    assert "<" not in cleaned.text


def test_html_extraction_f1_on_benchmark_pages() -> None:
    pages = load_pages(limit=12, root=SHARED / "benchmarks" / "article-extraction")
    config = PipelineConfig(max_content_chars=10_000_000)
    pairs = []
    for _, html, truth in pages:
        raw = RawArticle(content=html, content_type=ContentType.TEXT_HTML)
        pairs.append((truth, clean(raw, config).text))
    f1, precision, recall = score(pairs)
    assert f1 >= 0.95, (f1, precision, recall)


def test_only_furniture_is_rejected_as_empty_after_cleaning() -> None:
    text = (
        "Share this article\n\nTo suggest a correction or clarification, write to us here\n"
        "You can also highlight the text and press Ctrl + Enter"
    )
    with pytest.raises(Rejected) as caught:
        clean(RawArticle(content=text), CONFIG)
    assert caught.value.reason is DeadLetterReason.EMPTY_AFTER_CLEANING
    assert caught.value.stage == "cleaning"
    assert "correction_footer: 2" in caught.value.message


def test_text_without_letters_or_digits_is_rejected_as_empty_after_cleaning() -> None:
    with pytest.raises(Rejected) as caught:
        clean(RawArticle(content="--- *** ---\n\n..."), CONFIG)
    assert caught.value.reason is DeadLetterReason.EMPTY_AFTER_CLEANING


def test_a_score_line_of_digits_is_content() -> None:
    assert clean(RawArticle(content="2-1 (1-0)"), CONFIG).text == "2-1 (1-0)"


@pytest.mark.parametrize(
    "line",
    [
        "Share this article",
        "LONDON, March 3 (Reuters) -",
        "By Jane Smithers, Reuters",
        "RELATED ARTICLES",
    ],
)
def test_furniture_rules_never_delete_the_only_line(line: str) -> None:
    cleaned = clean(RawArticle(content=line, language="en"), CONFIG)
    assert cleaned.text == line
    assert cleaned.cleaning_report().removed == {}


def test_binary_content_is_rejected_with_a_clear_reason() -> None:
    png = "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 50
    with pytest.raises(Rejected) as caught:
        clean(RawArticle(content=png), CONFIG)
    assert caught.value.reason is DeadLetterReason.BINARY_CONTENT
    assert "binary" in caught.value.message


def test_oversize_content_is_rejected() -> None:
    with pytest.raises(Rejected) as caught:
        clean(RawArticle(content="word " * 30), PipelineConfig(max_content_chars=100))
    assert caught.value.reason is DeadLetterReason.OVERSIZE


def test_a_declared_language_is_kept_on_short_text() -> None:
    short = clean(RawArticle(content="OK 2024", language="de-AT"), CONFIG)
    assert short.language == "de"
    assert short.cleaning_report().language_source == "declared"
    # Detection would say French; one sentence is too little to overrule the feed.
    french = clean(
        RawArticle(
            content="Le gouvernement a annoncé vendredi une nouvelle aide militaire.",
            language="en",
        ),
        CONFIG,
    )
    assert french.language == "en"
    assert french.cleaning_report().language_source == "declared"


def test_a_confident_detection_on_enough_text_overrules_the_declaration() -> None:
    text = (
        "Le gouvernement a annoncé vendredi une nouvelle aide militaire à l'Ukraine. Le ministre "
        "des Armées a précisé que les livraisons commenceraient dès le mois prochain, selon un "
        "communiqué publié à Paris après le conseil de défense."
    )
    cleaned = clean(RawArticle(content=text, language="en"), CONFIG)
    assert cleaned.language == "fr"
    assert cleaned.cleaning_report().language_source == "detected"


def test_without_a_declaration_the_language_is_detected() -> None:
    cleaned = clean(
        RawArticle(content="Le gouvernement a annoncé vendredi une nouvelle aide militaire."),
        CONFIG,
    )
    assert cleaned.language == "fr"
    assert cleaned.cleaning_report().language_source == "detected"
    assert clean(RawArticle(content="OK 2024"), CONFIG).cleaning_report().language_source == (
        "unknown"
    )
