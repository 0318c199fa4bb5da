"""The typed knobs the stages take; built by the operator's settings, never read from the env."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline import __version__
from schemas import Stage

ALL_STAGES: tuple[Stage, ...] = (Stage.CLEANING, Stage.ENTITIES, Stage.POLICY)
"""The stages an operator can choose, in data-flow order (`Stage` names every step)."""


@dataclass(frozen=True)
class PipelineConfig:
    """Configuration of one pipeline instance."""

    spacy_model: str = "en_core_web_sm"
    stages: tuple[str, ...] = ALL_STAGES
    max_message_bytes: int = 8_388_608
    max_content_chars: int = 5_000_000
    min_clean_chars: int = 1
    nlp_languages: tuple[str, ...] = ("en",)
    nlp_batch_size: int = 16
    # Longer clean texts are analysed on a prefix: parse time and memory grow with length
    # (docs/benchmarks.md, "Long articles"), and spaCy refuses more than 1,000,000 characters.
    nlp_max_chars: int = 100_000
    dedupe_window: int = 50_000
    pipeline_version: str = __version__
    # Cleaning: language detection (lingua) and in-stream duplicates (MinHash LSH).
    detect_languages: tuple[str, ...] = (
        "ar", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fr", "he", "hi", "hu", "id", "it",
        "ja", "ko", "nb", "nl", "pl", "pt", "ro", "ru", "sv", "th", "tr", "uk", "vi", "zh",
    )  # fmt: skip
    language_min_distance: float = 0.1
    language_max_chars: int = 1000
    # A declared language is overruled only on this much text, by this confident a detection
    # (measured by bench/language.py; docs/benchmarks.md, "Language").
    language_override_min_chars: int = 200
    language_override_min_confidence: float = 0.9
    dedupe_near_threshold: float = 0.8
    dedupe_num_perm: int = 128
    dedupe_shingle_words: int = 5
    # Syndicated copies of a story run over a few days; 3 days of a firehose fit the count cap
    # at ~0.2 articles/s (50,000 articles), whichever bound comes first.
    dedupe_max_age_seconds: float | None = 259_200.0
    # Policy stories: a report joins a story when it comes within this many days of the story's
    # last report (issue 20); the same window bounds what the stories table remembers.
    story_window_days: float = 14.0
    html_precise: bool = False
    language_low_accuracy: bool = True

    def runs(self, stage: str) -> bool:
        """Return whether `stage` is enabled."""
        return stage in self.stages

    def needs_model(self) -> bool:
        """Return whether a stage that reads the spaCy parse (entities, policy) is enabled."""
        return self.runs(Stage.ENTITIES) or self.runs(Stage.POLICY)
