"""Language detection (lingua, models in the wheel) and what the pipeline does with the answer."""

from __future__ import annotations

import pytest

from pipeline.config import PipelineConfig
from pipeline.language import DEFAULT_LANGUAGES, detect_language, detector
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


def test_non_english_article_is_published_with_language_and_nlp_skipped() -> None:
    article = enrich(RawArticle(id="de-1", content=GERMAN, language="en"), PipelineConfig())
    assert article.language == "de"
    assert article.clean_text == GERMAN
    assert article.entities == [] and article.policy_changes == []
    assert "language 'de'" in article.processing.skipped["entities"]
