"""Entity rules that follow how news is written: one test per family, on sentences written here.

Each test runs the real pipeline with the family on, and checks that switching it off loses what
it adds (so the test fails if the family stops working or stops being switchable).
"""

from __future__ import annotations

import pytest
from spacy.tokens import Span

from pipeline import entities, nlp
from pipeline import entities_news as news
from pipeline.config import PipelineConfig


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return nlp.load_nlp(PipelineConfig().spacy_model)


@pytest.fixture
def without(model):  # type: ignore[no-untyped-def]
    """Return a function that switches one family off for the rest of the test."""
    component = model.get_pipe(entities.COMPONENT)

    def switch(family: str) -> None:
        component.families = frozenset(entities.RULE_FAMILIES) - {family}

    yield switch
    component.families = frozenset(entities.RULE_FAMILIES)


def _ents(model, text: str) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(e.text, e.label_) for e in model(text).ents}


def _on_off(
    model, without, family: str, text: str
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    on = _ents(model, text)
    without(family)
    return on, _ents(model, text)


def test_scores_cut_a_results_line_into_teams(model, without) -> None:  # type: ignore[no-untyped-def]
    on, off = _on_off(model, without, "scores", "SOCCER - Arsenal 2 Chelsea 1, Premier League.")
    assert {("Arsenal", "ORG"), ("Chelsea", "ORG")} <= on
    assert ("Arsenal", "ORG") not in off


def test_datelines_are_places_and_sources(model, without) -> None:  # type: ignore[no-untyped-def]
    sourced = _ents(model, "Tulsa, OK (Sports Network) - Mark Ridley scored twice on Friday.")
    assert {("Tulsa", "GPE"), ("OK", "GPE"), ("Sports Network", "ORG")} <= sourced
    text = "DETROIT -- Carmakers sold more trucks in March, the industry group said."
    on, _off = _on_off(model, without, "datelines", text)
    assert ("DETROIT", "GPE") in on and ("DETROIT", "ORG") not in on
    assert ("Sports Network", "ORG") not in _ents(
        model, "Tulsa, OK (Sports Network) - Mark Ridley scored twice on Friday."
    )


def test_a_headline_in_capitals_is_read_in_title_case(model, without) -> None:  # type: ignore[no-untyped-def]
    text = "FORMER BANKER DAVID ASHWORTH JOINS MERIDIAN BOARD\n\nThe bank said so on Monday."
    on, off = _on_off(model, without, "caps", text)
    assert ("DAVID ASHWORTH", "PERSON") in on
    assert ("DAVID ASHWORTH", "PERSON") not in off


def test_a_lede_opening_in_capitals_is_not_a_name(model, without) -> None:  # type: ignore[no-untyped-def]
    text = "SHOPPERS crowded the malls of Ohio on Friday as retailers cut prices."
    on, off = _on_off(model, without, "caps", text)
    assert not any(t == "SHOPPERS" for t, _ in on)
    assert ("Ohio", "GPE") in on
    assert any(t == "SHOPPERS" for t, _ in off)


def test_a_name_before_its_ticker_is_a_company(model) -> None:  # type: ignore[no-untyped-def]
    doc = model.make_doc("Shares of Rexmoor (RXM.L) and of Tallis.com Inc. rose on Tuesday.")
    person = Span(doc, 2, 3, label="PERSON")  # what the model might say of an unknown name
    company = Span(doc, 8, 9, label="ORG")  # "Tallis.com", its suffix left out
    fixed = {(s.text, s.label_) for s in news.tickers(doc, [person, company])}
    assert fixed == {("Rexmoor", "ORG"), ("Tallis.com Inc.", "ORG")}


def test_a_common_word_opening_a_sentence_is_not_a_name(model, without) -> None:  # type: ignore[no-untyped-def]
    text = "Reuters - Facing a weaker dollar, Toyota raised its prices in Canada."
    on, off = _on_off(model, without, "sentence_starts", text)
    assert not any(t.startswith("Facing") for t, _ in on)
    assert ("Toyota", "ORG") in on
    assert any(t.startswith("Facing") for t, _ in off)


def test_sports_sides_named_after_places_are_teams(model, without) -> None:  # type: ignore[no-untyped-def]
    text = (
        "Minnesota beat Cleveland 24-17 on Sunday, and the Vikings' coach praised his defense "
        "after the game in Chicago. Kenya won the rugby title against France."
    )
    on, off = _on_off(model, without, "sports", text)
    assert ("Minnesota", "ORG") in on and ("Cleveland", "ORG") in on
    assert ("Chicago", "GPE") in on  # where the game was played stays a place
    assert ("France", "GPE") in on  # a national side is written as its country
    assert ("Minnesota", "ORG") not in off


def test_competitions_are_events_and_scores_are_cut_off_sides(model, without) -> None:  # type: ignore[no-untyped-def]
    text = "The striker scored twice as Hull City won the Atlantic League title, their first."
    on, off = _on_off(model, without, "sports", text)
    assert ("Atlantic League", "EVENT") in on and ("Hull City", "ORG") in on
    assert ("Atlantic League", "EVENT") not in off
    scores = _ents(model, "The midfielder scored as Porto beat Lyon 2-1 in the league game.")
    assert ("Lyon", "ORG") in scores


def test_names_in_a_squad_list_are_people(model, without) -> None:  # type: ignore[no-untyped-def]
    text = "Squad: Tomas Berdan, Alvaro Quintela, Mikel Ostrander, Dario Fenwick and Lukas Pirnat."
    on, off = _on_off(model, without, "lists", text)
    names = {"Tomas Berdan", "Alvaro Quintela", "Mikel Ostrander", "Dario Fenwick", "Lukas Pirnat"}
    assert names <= {t for t, label in on if label == "PERSON"}
    assert not names <= {t for t, label in off if label == "PERSON"}


def test_results_lines_and_standings_rows_name_teams(model, without) -> None:  # type: ignore[no-untyped-def]
    text = "Bristol Rovers 2 Halifax Town 1\nHalifax Town 10 6 2 2 18 9 20"
    on, off = _on_off(model, without, "scores", text)
    assert {("Bristol Rovers", "ORG"), ("Halifax Town", "ORG")} <= on
    assert ("Halifax Town", "ORG") not in off


def test_a_sport_named_before_a_dash_is_a_section_not_a_city(model) -> None:  # type: ignore[no-untyped-def]
    found = _ents(model, "SOCCER - Bristol Rovers beat Halifax Town on Saturday.")
    assert not any(text == "SOCCER" for text, _ in found)


def test_a_squad_label_is_not_a_name(model, without) -> None:  # type: ignore[no-untyped-def]
    text = "Squad : Tom Harlan , Piet Vermeulen , Joao Andrade , Karel Novak , Sven Lindqvist ."
    on, off = _on_off(model, without, "lists", text)
    assert not any(t == "Squad" for t, _ in on)
    assert any(t == "Squad" for t, _ in off)
