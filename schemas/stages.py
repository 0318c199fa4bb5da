"""The pipeline's stages: one vocabulary for dead letters, timings, metric labels and the CLI."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """A step an article passes through, in data-flow order (closed vocabulary)."""

    INTAKE = "intake"
    CLEANING = "cleaning"
    DEDUPE = "dedupe"
    NLP = "nlp"
    ANALYSIS = "analysis"
    ENTITIES = "entities"
    POLICY = "policy"
    OUTPUT = "output"
    PUBLISH = "publish"


TOTAL = "total"
"""The key of `Processing.stages` (and `stage` metric label) that sums the stages' times."""
