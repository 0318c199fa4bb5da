"""JSON Schema files for non-Python consumers, generated from schemas/ (the source of truth)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from agents.topics import TOPICS
from schemas import PolicyStory, StoryUpdate

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas" / "json"

# Producers write inputs, so they are described as accepted; outputs as we emit them.
MODELS: dict[str, tuple[type[BaseModel], Literal["validation", "serialization"]]] = {
    spec.model.__name__: (spec.model, spec.schema_mode) for spec in TOPICS
}
# Policy stories' messages (issue 20), exported whether or not their topics are registered yet:
# the story state (`policy.stories`) and the update an article sends its story group.
for _model in (PolicyStory, StoryUpdate):
    MODELS.setdefault(_model.__name__, (_model, "serialization"))


def render_schemas() -> dict[str, str]:
    """Return file name -> JSON Schema text for every message model."""
    rendered: dict[str, str] = {}
    for name, (model, mode) in MODELS.items():
        schema: dict[str, Any] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://newsflow.dev/schemas/{name}.json",
            **model.model_json_schema(mode=mode),
        }
        rendered[f"{name}.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return rendered


def export_schemas(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file into `directory`; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, text in render_schemas().items():
        path = directory / filename
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_schemas(directory: Path = SCHEMA_DIR) -> list[str]:
    """Return the names of schema files that are missing or differ from the models."""
    return [
        filename
        for filename, text in render_schemas().items()
        if not (directory / filename).exists()
        or (directory / filename).read_text(encoding="utf-8") != text
    ]
