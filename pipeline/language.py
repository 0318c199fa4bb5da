"""Language detection with lingua (models ship inside the wheel; nothing is downloaded).

The detector is built once per process, on first use, from a restricted set of languages:
fewer candidates make it faster and its answers less noisy on short texts. Measured here:
~1 ms per article (first 1000 characters) in either mode, same answers on the benchmark's 181
articles. Low-accuracy mode (trigram models only) is the default: its models load in 0.1 s and
take ~45 MB, where high accuracy loads 1- to 5-gram models of every candidate on the first short
text (2.2 s, ~500 MB per process); it is less sure only on texts under ~120 characters.
Models load lazily per language; preloading them would only move that cost to start-up.

A language the feed declares is trusted (`resolve_language`): detection overrules it only on a
text long enough for detection to be reliable and only when detection is confident, thresholds
measured by `bench/language.py` (docs/benchmarks.md, "Language"). Short texts, where detection
is weakest (headlines, one-line wire sentences), keep the declaration.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lingua import IsoCode639_1, LanguageDetectorBuilder

from pipeline.config import PipelineConfig

DEFAULT_LANGUAGES: tuple[str, ...] = PipelineConfig.detect_languages
"""Common news languages (ISO 639-1)."""


@lru_cache(maxsize=4)
def detector(languages: tuple[str, ...], low_accuracy: bool, min_distance: float) -> Any:
    """Return the lingua detector for these ISO 639-1 codes (built once per process)."""
    codes = [getattr(IsoCode639_1, code.upper()) for code in languages]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    builder = builder.with_minimum_relative_distance(min_distance)
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.build()


def detect_language(
    text: str,
    languages: tuple[str, ...] = DEFAULT_LANGUAGES,
    *,
    low_accuracy: bool = PipelineConfig.language_low_accuracy,
    min_distance: float = PipelineConfig.language_min_distance,
    max_chars: int = PipelineConfig.language_max_chars,
) -> str | None:
    """Return the ISO 639-1 code (lowercase) of `text`'s language, or None when not confident."""
    found = detector(languages, low_accuracy, min_distance).detect_language_of(text[:max_chars])
    if found is None:
        return None
    return str(found.iso_code_639_1.name.lower())


def detect_with_confidence(
    text: str,
    languages: tuple[str, ...] = DEFAULT_LANGUAGES,
    *,
    low_accuracy: bool = PipelineConfig.language_low_accuracy,
    max_chars: int = PipelineConfig.language_max_chars,
) -> tuple[str | None, float]:
    """Return lingua's most likely ISO 639-1 code for `text` and its confidence (0..1)."""
    values = detector(languages, low_accuracy, 0.0).compute_language_confidence_values(
        text[:max_chars]
    )
    if not values or values[0].value <= 0:
        return None, 0.0
    return str(values[0].language.iso_code_639_1.name.lower()), float(values[0].value)


def declared_code(declared: str | None) -> str | None:
    """Return the ISO 639-1 part of a declared language tag ("en-GB" -> "en"), or None."""
    if not declared or not declared.strip():
        return None
    return declared.strip().lower().replace("_", "-").split("-")[0] or None


def resolve_language(
    text: str, declared: str | None, config: PipelineConfig
) -> tuple[str | None, str]:
    """Return (language, source): source is "declared", "detected" or "unknown".

    The declaration wins unless the text has at least `language_override_min_chars` characters
    and detection names another language with at least `language_override_min_confidence`.
    Without a declaration the detector's answer (or None when unsure) is used.
    """
    code = declared_code(declared)
    if code is None:
        detected = detect_language(
            text,
            config.detect_languages,
            low_accuracy=config.language_low_accuracy,
            min_distance=config.language_min_distance,
            max_chars=config.language_max_chars,
        )
        return detected, "detected" if detected is not None else "unknown"
    if len(text) < config.language_override_min_chars:
        return code, "declared"
    found, confidence = detect_with_confidence(
        text,
        config.detect_languages,
        low_accuracy=config.language_low_accuracy,
        max_chars=config.language_max_chars,
    )
    if (
        found is not None
        and found != code
        and confidence >= config.language_override_min_confidence
    ):
        return found, "detected"
    return code, "declared"
