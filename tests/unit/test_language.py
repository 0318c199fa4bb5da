"""Language detection (lingua, models in the wheel) and what the pipeline does with the answer."""

from __future__ import annotations

import pytest

from pipeline.config import PipelineConfig
from pipeline.language import (
    DEFAULT_LANGUAGES,
    detect_language,
    detect_with_confidence,
    detector,
    resolve_language,
)
from pipeline.process import enrich
from schemas import RawArticle

GERMAN = (
    "Bundeskanzler Olaf Scholz hat der Ukraine erlaubt, die gelieferten Waffen auch gegen Ziele "
    "in Russland einzusetzen, sagte Regierungssprecher Steffen Hebestreit am Freitag in Berlin."
)


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("en", "The government said on Friday that it would allow the weapons to be used."),
        ("de", GERMAN),
        ("fr", "Le gouvernement a autorisé vendredi l'utilisation des armes livrées à l'Ukraine."),
        ("es", "El gobierno anunció el viernes que permitirá el uso de las armas en la frontera."),
        ("uk", "Президент заявив, що Україна отримала позитивні сигнали щодо використання зброї."),
        ("ru", "Министерство обороны сообщило, что войска отошли от границы в пятницу вечером."),
        ("pt", "O governo anunciou na sexta-feira que vai permitir o uso das armas na fronteira."),
    ],
)
def test_detects_common_news_languages(code: str, text: str) -> None:
    assert detect_language(text) == code


def test_unsure_texts_get_no_language() -> None:
    assert detect_language("12:45 2024") is None


def test_detector_is_built_once_per_process() -> None:
    first = detector(DEFAULT_LANGUAGES, True, 0.1)
    assert detector(DEFAULT_LANGUAGES, True, 0.1) is first


GERMAN_ARTICLE = (
    GERMAN + " Die Entscheidung gelte ab sofort, sagte er. Die Opposition im Bundestag begrüßte "
    "den Schritt, forderte aber weitere Lieferungen."
)


def test_non_english_article_is_published_with_language_and_nlp_skipped() -> None:
    article = enrich(RawArticle(id="de-1", content=GERMAN_ARTICLE, language="en"), PipelineConfig())
    assert article.language == "de" and article.language_source == "detected"
    assert article.clean_text == GERMAN_ARTICLE
    assert article.entities == [] and article.policy_changes == []
    assert "language 'de'" in article.processing.skipped["entities"]


def test_a_short_english_line_declared_english_is_analysed_even_if_it_looks_italian() -> None:
    article = enrich(
        RawArticle(id="it-looking", content="Italia recalled Salvatore Benedetti.", language="en")
    )
    assert article.language == "en" and article.language_source == "declared"
    assert "entities" not in article.processing.skipped
    assert any(e.name == "Salvatore Benedetti" for e in article.entities)


def test_resolve_language_trusts_the_declaration_below_the_length_line() -> None:
    config = PipelineConfig()
    below = GERMAN[: config.language_override_min_chars - 1]
    assert resolve_language(below, "en", config) == ("en", "declared")
    assert resolve_language(GERMAN + " " + GERMAN, "en", config) == ("de", "detected")
    assert resolve_language(GERMAN + " " + GERMAN, "de", config) == ("de", "declared")


def test_resolve_language_keeps_the_declaration_when_detection_is_not_confident() -> None:
    strict = PipelineConfig(language_override_min_chars=10, language_override_min_confidence=1.01)
    assert resolve_language(GERMAN, "en", strict) == ("en", "declared")


def test_detection_confidence_is_a_share() -> None:
    code, confidence = detect_with_confidence(GERMAN)
    assert code == "de" and 0.5 < confidence <= 1.0
