"""Each rule family of the entity stage, on real news sentences with hand-made model output."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline import entities, nlp
from schemas import Entity


@pytest.fixture(scope="module")
def rules() -> Language:
    """A tokenizer-only English pipeline with the entity rules: Docs get their ents by hand."""
    blank = spacy.blank("en")
    blank.add_pipe(entities.COMPONENT)
    return blank


def _doc(rules: Language, text: str, ents: Sequence[tuple[str, str]]) -> Doc:
    """Return `text` with `ents` (surface, label) set as the model would, then the rules run."""
    doc = rules.make_doc(text)
    spans: list[Span] = []
    cursor = 0
    for surface, label in ents:
        start = text.index(surface, cursor)
        span = doc.char_span(start, start + len(surface), label=label)
        assert span is not None, surface
        spans.append(span)
        cursor = start + len(surface)
    doc.ents = spans
    return rules.get_pipe(entities.COMPONENT)(doc)


def _ents(doc: Doc) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in doc.ents]


def _by_name(found: list[Entity]) -> dict[str, Entity]:
    return {e.name: e for e in found}


# --- corrections of the model's spans ---------------------------------------------------------


def test_possessive_is_stripped_and_a_title_makes_a_person(rules: Language) -> None:
    doc = _doc(
        rules,
        "Chancellor Olaf Scholz’s spokesman, Steffen Hebestreit, said on Friday.",
        [("Olaf Scholz’s", "ORG"), ("Steffen Hebestreit", "PERSON")],
    )
    assert _ents(doc) == [("Olaf Scholz", "PERSON"), ("Steffen Hebestreit", "PERSON")]


def test_determiner_and_title_are_trimmed(rules: Language) -> None:
    doc = _doc(
        rules,
        "The decision was welcomed by the European Commission and President Joe Biden.",
        [("the European Commission", "ORG"), ("President Joe Biden", "PERSON")],
    )
    assert _ents(doc) == [("European Commission", "ORG"), ("Joe Biden", "PERSON")]


def test_keyboard_junk_is_dropped(rules: Language) -> None:
    doc = _doc(
        rules,
        "You can also highlight the text and press Ctrl + Enter",
        [("Ctrl + Enter", "PERSON")],
    )
    assert _ents(doc) == []


def test_department_of_a_ministers_title_is_not_an_org(rules: Language) -> None:
    doc = _doc(
        rules,
        "On Wednesday, US Secretary of State Antony Blinken hinted at policy adjustments.",
        [("US", "GPE"), ("State", "ORG"), ("Antony Blinken", "PERSON")],
    )
    assert ("State", "ORG") not in _ents(doc)
    assert ("Antony Blinken", "PERSON") in _ents(doc)


def test_wire_prefix_and_brackets_split_a_span(rules: Language) -> None:
    doc = _doc(
        rules,
        "Reuters - Southwest Airlines Inc. (LUV.N), the largest U.S. discount carrier, said.",
        [("Reuters - Southwest Airlines Inc.", "ORG"), ("U.S.", "GPE")],
    )
    assert ("Reuters", "ORG") in _ents(doc)
    assert ("Southwest Airlines Inc.", "ORG") in _ents(doc)


def test_dateline_names_city_region_and_agency(rules: Language) -> None:
    doc = _doc(
        rules,
        "CARACAS, Venezuela (Reuters) - Venezuelans voted in huge numbers on Sunday.",
        [("CARACAS", "ORG"), ("Venezuelans", "NORP")],
    )
    assert _ents(doc)[:3] == [("CARACAS", "GPE"), ("Venezuela", "GPE"), ("Reuters", "ORG")]


def test_byline_names_a_person(rules: Language) -> None:
    doc = _doc(rules, "By RACHEL KONRAD CARSON CITY, Nev. (AP) -- Nevada voters cast ballots.", [])
    assert ("RACHEL KONRAD", "PERSON") in _ents(doc)
    assert ("CARSON CITY", "GPE") in _ents(doc)


def test_a_names_own_words_give_its_type(rules: Language) -> None:
    doc = _doc(
        rules,
        "Supplies were disrupted by Hurricane Ivan under the Uniformed Services Employment Act.",
        [("Hurricane Ivan", "FAC"), ("Uniformed Services Employment Act", "ORG")],
    )
    assert _ents(doc) == [("Hurricane Ivan", "EVENT"), ("Uniformed Services Employment Act", "LAW")]


def test_corporate_suffix_joins_its_company(rules: Language) -> None:
    doc = _doc(
        rules,
        "Arch Coal Inc. may buy the assets of rival Triton Coal Co. LLC, a court ruled.",
        [("Arch Coal Inc.", "ORG"), ("Triton Coal Co.", "ORG"), ("LLC", "ORG")],
    )
    assert ("Triton Coal Co. LLC", "ORG") in _ents(doc)


# --- gazetteers -------------------------------------------------------------------------------


def test_gazetteer_corrects_places_and_outlets(rules: Language) -> None:
    doc = _doc(
        rules,
        "Russian forces attacked Kharkiv and Kyiv, Politico reported, citing US officials.",
        [("Russian", "NORP"), ("Kharkiv", "PERSON"), ("Kyiv", "PERSON"), ("Politico", "GPE")],
    )
    assert _ents(doc) == [
        ("Russian", "NORP"),
        ("Kharkiv", "GPE"),
        ("Kyiv", "GPE"),
        ("Politico", "ORG"),
        ("US", "GPE"),
    ]
    assert [e.kb_id_ for e in doc.ents][-1] == "United States"


def test_weapon_systems_are_found_with_context_for_ambiguous_names(rules: Language) -> None:
    doc = _doc(
        rules,
        "Ukraine can use HIMARS and ATACMS and more Patriot missiles, but the Patriot Act stands.",
        [("Ukraine", "GPE"), ("HIMARS", "ORG"), ("Patriot Act", "LAW")],
    )
    assert ("HIMARS", "WEAPON") in _ents(doc)
    assert ("ATACMS", "WEAPON") in _ents(doc)
    assert ("Patriot", "WEAPON") in _ents(doc)
    assert ("Patriot Act", "LAW") in _ents(doc)


def test_weapon_is_cut_out_of_a_longer_model_span(rules: Language) -> None:
    doc = _doc(
        rules,
        "A squadron of US Air Force F-15E fighters based in Alaska will fly to South Korea.",
        [("US Air Force F-15E", "ORG"), ("Alaska", "GPE"), ("South Korea", "GPE")],
    )
    assert ("US Air Force", "ORG") in _ents(doc)
    assert ("F-15E", "WEAPON") in _ents(doc)


def test_a_longer_model_name_keeps_its_place_in_the_gazetteer(rules: Language) -> None:
    doc = _doc(
        rules,
        "The Bank of England held interest rates and the U.S. Army shortened tours.",
        [("The Bank of England", "ORG"), ("the U.S. Army", "ORG")],
    )
    assert ("Bank of England", "ORG") in _ents(doc)
    assert ("U.S. Army", "ORG") in _ents(doc)


# --- grouping: aliases, votes, roles, salience ------------------------------------------------


def test_aliases_merge_into_one_entity(rules: Language) -> None:
    doc = _doc(
        rules,
        "President Joe Biden spoke. Biden said the U.S. and the United States are one, as the "
        "Guardian reported. Steffen Hebestreit agreed; Hebestreit added more.",
        [
            ("President Joe Biden", "PERSON"),
            ("Biden", "PERSON"),
            ("U.S.", "GPE"),
            ("the United States", "GPE"),
            ("Guardian", "ORG"),
            ("Steffen Hebestreit", "PERSON"),
            ("Hebestreit", "ORG"),
        ],
    )
    found = _by_name(entities.extract_entities(doc))
    assert found["Joe Biden"].aliases == ["Joe Biden", "Biden"]
    assert found["Joe Biden"].mention_count == 2
    assert found["United States"].aliases == ["U.S.", "United States"]
    assert found["The Guardian"].aliases == ["Guardian"]
    assert found["Steffen Hebestreit"].type.value == "PERSON"
    assert "Hebestreit" not in found


def test_acronym_joins_its_expansion(rules: Language) -> None:
    doc = _doc(
        rules,
        "Troops are protected by the Uniformed Services Employment and Reemployment Rights Act "
        "(USERRA).",
        [
            ("the Uniformed Services Employment and Reemployment Rights Act", "ORG"),
            ("USERRA", "ORG"),
        ],
    )
    (law,) = entities.extract_entities(doc)
    assert law.type.value == "LAW"
    assert law.aliases[-1] == "USERRA"


def test_gazetteer_wins_the_type_vote(rules: Language) -> None:
    doc = _doc(
        rules,
        "An article in Politico said so. Politico stressed it. One official told Politico.",
        [("Politico", "GPE"), ("Politico", "PERSON"), ("Politico", "PERSON")],
    )
    (outlet,) = entities.extract_entities(doc)
    assert (outlet.name, outlet.type.value, outlet.mention_count) == ("Politico", "ORG", 3)


def test_roles_from_compounds_and_appositions(rules: Language) -> None:
    doc = _doc(
        rules,
        "German Chancellor Olaf Scholz met Ukraine's foreign minister, Dmytro Kuleba, while "
        "Dmitry Peskov, the Kremlin spokesman, spoke to US Secretary of State Antony Blinken.",
        [
            ("German", "NORP"),
            ("Olaf Scholz", "PERSON"),
            ("Ukraine", "GPE"),
            ("Dmytro Kuleba", "PERSON"),
            ("Dmitry Peskov", "PERSON"),
            ("Kremlin", "ORG"),
            ("US", "GPE"),
            ("Antony Blinken", "PERSON"),
        ],
    )
    roles = {e.name: [(r.title, r.of) for r in e.roles] for e in entities.extract_entities(doc)}
    assert roles["Olaf Scholz"] == [("Chancellor", "Germany")]
    assert roles["Dmytro Kuleba"] == [("foreign minister", "Ukraine")]
    assert roles["Dmitry Peskov"] == [("spokesman", "Kremlin")]
    assert roles["Antony Blinken"] == [("Secretary of State", "United States")]


def test_no_role_without_a_title(rules: Language) -> None:
    doc = _doc(
        rules,
        "Ukraine, Russia and Germany met; Olaf Scholz, Joe Biden and Emmanuel Macron spoke.",
        [("Ukraine", "GPE"), ("Russia", "GPE"), ("Germany", "GPE"), ("Olaf Scholz", "PERSON"),
         ("Joe Biden", "PERSON"), ("Emmanuel Macron", "PERSON")],
    )  # fmt: skip
    assert all(e.roles == [] for e in entities.extract_entities(doc))


def test_salience_favours_frequent_and_early_entities(rules: Language) -> None:
    doc = _doc(
        rules,
        "Ukraine asked Germany for help. Ukraine said more. Later, Ukraine thanked Poland.",
        [
            ("Ukraine", "GPE"),
            ("Germany", "GPE"),
            ("Ukraine", "GPE"),
            ("Ukraine", "GPE"),
            ("Poland", "GPE"),
        ],
    )
    found = entities.extract_entities(doc)
    assert [e.name for e in found] == ["Ukraine", "Germany", "Poland"]
    assert all(0.0 <= e.salience <= 1.0 for e in found)
    assert sum(e.salience for e in found) == pytest.approx(1.0, abs=0.001)
    assert found[0].first_position == 0


# --- the real pipeline ------------------------------------------------------------------------


def test_model_is_loaded_once_with_the_rules_after_ner() -> None:
    model = nlp.load_nlp("en_core_web_sm")
    assert model is nlp.load_nlp("en_core_web_sm")
    names = model.pipe_names
    assert names.index(entities.COMPONENT) == names.index("ner") + 1
    assert {"parser", "tagger", "attribute_ruler", "lemmatizer"} <= set(names)


def test_real_model_end_to_end_on_a_wire_story() -> None:
    text = (
        "KYIV (Reuters) - Ukraine's foreign minister, Dmytro Kuleba, said on Monday that "
        "Germany would send more IRIS-T systems. Kuleba thanked Chancellor Olaf Scholz."
    )
    found = _by_name(entities.extract_entities(nlp.load_nlp("en_core_web_sm")(text)))
    assert found["Kyiv"].type.value == "GPE"
    assert found["Reuters"].type.value == "ORG"
    assert found["Dmytro Kuleba"].mention_count == 2
    assert ("foreign minister", "Ukraine") in {
        (r.title, r.of) for r in found["Dmytro Kuleba"].roles
    }
    assert found["IRIS-T"].type.value == "WEAPON"
    for entity in found.values():
        for mention in entity.mentions:
            assert text[mention.start : mention.end] == mention.text
