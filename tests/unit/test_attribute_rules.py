"""The exact attribute ruler: the stock ruler's annotations on real and generated text, fallback."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import spacy
from spacy.language import Language
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc

from bench import corpus
from bench.throughput import cleaned_texts
from pipeline import nlp
from pipeline.attribute_rules import ExactAttributeRuler, compile_rules, replace_stock_rulers
from pipeline.config import PipelineConfig

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "examples" / "articles" / "samples.jsonl"
MODEL = PipelineConfig().spacy_model
CORPUS_ARTICLES = 100

# Sentences for en_core_web_sm's special rules: contractions, dialect spellings, two-token
# patterns, "but" as an adverb, auxiliaries, expletive "there", and whitespace tokens.
CRAFTED = [
    "I ain't gonna do it. You ain't seen nothin' yet, and she aint going.",
    "Let's go! Y'all gotta see this, c'mon. Are y'all ready? Ya'll know what I'm sayin'.",
    "There is a ban on imports. There are two reasons, and there was a vote; there's more.",
    "He was doin' fine, goin' home with his ol' dog, and I told 'em 'nuff is 'nuff.",
    "It's not over; it isn't over, we don't know, I can't say, they won't, you shan't.",
    "She gets what she wants and he got what he needed. I'd have gone if I'd known; I'll go.",
    "It was but a dream. Everyone, someone, nobody and anything; somethin' happened, nuthin' did.",
    "We did it. Did we? They had done it, had they not? Do they care? He does. Does she? Have you?",
    "That is the one that I want; this and those, these are mine. The land is theirs, not ours.",
    "Each of them asked themself a question. Everybody knows and anybody can help himself.",
    "  Leading spaces.\n\nA paragraph after a double newline.\n \n\tTabbed line.   Trailing  \n",
    "Whether or not he comes, although it rains, unless told, because of that, if so.",
    "I gave it to him and her and them and us and me. It saw you; I saw it. They's coming.",
    "He has been there. Being here is good. Am I right? I am. We are. You're right, I've been.",
    "Once upon a time, well, then, here and there. The U.S. and the E.U. met in Paris on Friday.",
    "He is gonna win, got ta go, gon na try, wanna see, c'm on now. The dog wagged its tail.",
]


def _annotations(doc: Doc) -> tuple[list[tuple[Any, ...]], list[int], list[tuple[int, int, str]]]:
    """Every token's annotations, the sentence starts and the entities of `doc`."""
    tokens = [(t.text, t.pos_, t.tag_, t.dep_, t.lemma_, str(t.morph), t.head.i) for t in doc]
    sentences = [s.start for s in doc.sents] if doc.has_annotation("SENT_START") else []
    return tokens, sentences, [(e.start, e.end, e.label_) for e in doc.ents]


def _first_difference(a: Doc, b: Doc) -> str:
    for x, y in zip(_annotations(a)[0], _annotations(b)[0], strict=True):
        if x != y:
            return f"{x} != {y}"
    return "sentences or entities differ"


@cache
def _stock() -> Language:
    return nlp.build_nlp(MODEL, stock_attribute_ruler=True)


def _ruler(model: Language) -> AttributeRuler:
    ruler = model.get_pipe("attribute_ruler")
    assert isinstance(ruler, AttributeRuler)
    return ruler


# --- the pipeline in use ------------------------------------------------------------------------


def test_pipeline_uses_the_exact_ruler_in_the_stock_ones_place() -> None:
    model, stock = nlp.load_nlp(MODEL), _stock()
    ruler = model.get_pipe("attribute_ruler")
    assert isinstance(ruler, ExactAttributeRuler)
    assert ruler.rules is not None, "en_core_web_sm's patterns no longer compile: no speedup"
    assert type(_ruler(stock)) is AttributeRuler
    assert model.pipe_names == stock.pipe_names
    assert ruler.patterns == _ruler(stock).patterns
    assert nlp.model_info(model) == nlp.model_info(stock)


@pytest.mark.slow
def test_same_annotations_as_the_stock_pipeline_on_real_text() -> None:
    texts = cleaned_texts(corpus.build(CORPUS_ARTICLES))
    texts += [json.loads(line)["content"] for line in SAMPLES.read_text().splitlines()]
    texts += CRAFTED
    exact_docs = nlp.load_nlp(MODEL).pipe(texts, batch_size=8)
    stock_docs = _stock().pipe(texts, batch_size=8)
    tokens = 0
    for text, exact, stock in zip(texts, exact_docs, stock_docs, strict=True):
        assert _annotations(exact) == _annotations(stock), (
            f"{text[:60]!r}: {_first_difference(exact, stock)}"
        )
        tokens += len(exact)
    assert tokens > 100_000


# --- generated Docs: every rule of the model, in every combination ----------------------------

_WHITESPACE = [" ", "  ", "\n", "\n\n", "\t", " \n "]
_FILLERS = ["house", "run", "Paris", "42", ",", ".", "'", "y", "y'", "nt", "nothin'", "nuthin'"]


@cache
def _universe() -> dict[str, list[str]]:
    """Every value the model's patterns name, per attribute, plus fillers and missing values."""
    found: dict[str, set[str]] = {"TAG": {""}, "LOWER": set(_FILLERS), "DEP": {"", "nsubj"}}
    for rule in _ruler(_stock()).patterns:
        for pattern in rule["patterns"]:
            for spec in pattern:
                for key, value in spec.items():
                    if key in found:
                        if isinstance(value, str):
                            found[key].add(value)
                        else:
                            found[key].update([*value.get("IN", []), *value.get("NOT_IN", [])])
    return {key: sorted(values) for key, values in found.items()}


def _choose(rng: random.Random, key: str, constraint: Any) -> str:
    """Return a value of attribute `key` that satisfies `constraint` (None: any value)."""
    universe = _universe()[key]
    if constraint is None:
        return rng.choice(universe)
    if isinstance(constraint, str):
        return constraint
    (operator, operand), *rest = constraint.items()
    assert not rest, constraint
    if operator == "IN":
        return str(rng.choice(operand))
    if operator == "NOT_IN":
        return rng.choice([v for v in universe if v not in operand])
    assert operator == "REGEX", constraint
    return rng.choice([v for v in universe if re.search(operand, v)])


def _token(rng: random.Random, spec: dict[str, Any]) -> tuple[str, str, str]:
    """Return (word, tag, dep) of a token that satisfies `spec`, random where it is silent."""
    assert set(spec) <= {"TAG", "LOWER", "DEP", "IS_SPACE"}, spec
    if spec.get("IS_SPACE") is True:
        word = rng.choice(_WHITESPACE)
    else:
        word = _choose(rng, "LOWER", spec.get("LOWER"))
        if "IS_SPACE" not in spec and "LOWER" not in spec and rng.random() < 0.1:
            word = rng.choice(_WHITESPACE)
        word = word.upper() if rng.random() < 0.2 else word  # LOWER ignores case
    return word, _choose(rng, "TAG", spec.get("TAG")), _choose(rng, "DEP", spec.get("DEP"))


def _generated_docs(model: Language, n: int, seed: int) -> list[Doc]:
    """Return `n` Docs of runs of tokens that satisfy random patterns of the model, and fillers."""
    rng = random.Random(seed)
    patterns = [p for rule in _ruler(model).patterns for p in rule["patterns"]]
    docs = []
    for _ in range(n):
        tokens: list[tuple[str, str, str]] = []
        for _ in range(rng.randint(1, 12)):
            pattern = rng.choice(patterns) if rng.random() < 0.8 else [{}]
            tokens.extend(_token(rng, spec) for spec in pattern)
        doc = Doc(model.vocab, words=[word for word, _, _ in tokens])
        for token, (_, tag, dep) in zip(doc, tokens, strict=True):
            if tag:
                token.tag_ = tag
            if dep:
                token.dep_ = dep
        docs.append(doc)
    return docs


def _same_results(stock: AttributeRuler, exact: ExactAttributeRuler, docs: Iterable[Doc]) -> None:
    for doc in docs:
        by_stock, by_exact = stock(doc.copy()), exact(doc.copy())
        assert _annotations(by_exact) == _annotations(by_stock), (
            f"{doc.text!r}: {_first_difference(by_exact, by_stock)}"
        )


def test_same_annotations_as_the_stock_ruler_on_generated_docs() -> None:
    stock = _ruler(_stock())
    exact = ExactAttributeRuler(stock.vocab)
    exact.add_patterns(stock.patterns)
    assert exact.rules is not None
    docs = _generated_docs(_stock(), 2000, seed=7)
    matched = {attr_id for doc in docs for attr_id, *_ in stock.match(doc)}
    assert matched == set(range(len(stock.attrs))), "some rule never matched: weak test"
    _same_results(stock, exact, docs)


def test_same_annotations_for_features_the_model_does_not_use() -> None:
    blank = spacy.blank("en")
    patterns: list[dict[str, Any]] = [
        {"patterns": [[{"ORTH": "Cats"}], [{"text": "dogs"}]], "attrs": {"LEMMA": "pet"}},
        {"patterns": [[{"NORM": "and"}, {}, {"IS_PUNCT": True}]], "attrs": {"POS": "CCONJ"}},
        {
            "patterns": [[{"LIKE_NUM": True}, {"IS_ALPHA": True}], [{"IS_DIGIT": True}]],
            "attrs": {"TAG": "CD", "MORPH": "NumType=Card"},
            "index": -1,
        },
        {
            "patterns": [[{"is_stop": False, "lower": {"not_in": ["x", "y"]}}]],
            "attrs": {"DEP": "d"},
        },
        {"patterns": [[{"LEMMA": "pet", "POS": {"IN": ["NOUN", ""]}}]], "attrs": {"POS": "PROPN"}},
        {"patterns": [[{"ORTH": {"REGEX": "^[A-Z]"}}, {"ORTH": "."}]], "attrs": {"LEMMA": "end"}},
        {
            "patterns": [[{"LOWER": {"REGEX": "s$", "NOT_IN": ["is"]}}]],
            "attrs": {"MORPH": "Number=Plur"},
        },
    ]
    stock = blank.add_pipe("attribute_ruler")
    stock.add_patterns(patterns)
    exact = ExactAttributeRuler(blank.vocab)
    exact.add_patterns(patterns)
    assert exact.rules is not None
    texts = ["Cats and dogs, 3 mice and 42.", "Pet cats and X.", "Y and Z !", "and", "4 dogs 5"]
    docs = [blank.make_doc(text) for text in texts]
    for doc in docs[:2]:
        doc[0].pos_, doc[0].lemma_ = "NOUN", "pet"  # lets the LEMMA/POS rule see values
    _same_results(stock, exact, docs)


# --- fallback -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        [{"LOWER": "gon", "OP": "+"}],  # operators
        [{"SHAPE": "xxx"}],  # an attribute not compiled
        [{"LOWER": {"FUZZY": "gonna"}}],  # a predicate not compiled
        [{"LENGTH": {">=": 3}}],
        [{"_": {"flag": True}}],  # extension attributes
        [{"LOWER": {"REGEX": {"IN": ["^a"]}}}],  # predicates inside REGEX
    ],
)
def test_unsupported_patterns_keep_the_stock_ruler(pattern: list[dict[str, Any]]) -> None:
    model = spacy.blank("en")
    stock = model.add_pipe("attribute_ruler")
    stock.add_patterns(_ruler(_stock()).patterns)
    stock.add([pattern], {"LEMMA": "x"})
    assert compile_rules(stock) is None
    assert replace_stock_rulers(model) == []
    assert model.get_pipe("attribute_ruler") is stock


def test_unsupported_attributes_to_set_keep_the_stock_ruler() -> None:
    ruler = AttributeRuler(spacy.blank("en").vocab)
    ruler.add([[{"LOWER": "x"}]], {"NORM": "y"})  # NORM is also written to the shared lexeme
    assert compile_rules(ruler) is None
    ruler.clear()
    ruler.add([[{"LOWER": "x"}, {"LOWER": "y"}]], {"LEMMA": "z"}, index=2)  # outside the match
    assert compile_rules(ruler) is None


def test_exact_ruler_falls_back_to_the_matcher_when_patterns_stop_compiling() -> None:
    model = spacy.blank("en")
    ruler = ExactAttributeRuler(model.vocab)
    ruler.add([[{"LOWER": "a"}]], {"LEMMA": "one"})
    assert ruler.rules is not None
    ruler.add([[{"LOWER": "b", "OP": "+"}]], {"LEMMA": "two"})
    assert ruler.rules is None
    doc = ruler(model.make_doc("A b b c"))
    assert [t.lemma_ for t in doc] == ["one", "two", "two", ""]


def test_replacement_keeps_name_position_and_patterns() -> None:
    model = spacy.blank("en")
    model.add_pipe("sentencizer")
    stock = model.add_pipe("attribute_ruler", name="rules")
    model.add_pipe("sentencizer", name="last")
    stock.add_patterns(_ruler(_stock()).patterns)
    assert replace_stock_rulers(model) == ["rules"]
    assert model.pipe_names == ["sentencizer", "rules", "last"]
    exact = model.get_pipe("rules")
    assert isinstance(exact, ExactAttributeRuler)
    assert exact.patterns == stock.patterns
    assert replace_stock_rulers(model) == []
