"""The README's generated tables: configuration (from the settings fields' descriptions) and
topics (from the topic registry)."""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo

from agents.topics import readme_topic_table
from newsflow.settings import ENV_PREFIX, Settings

README = Path(__file__).resolve().parent.parent / "README.md"
_TABLE = re.compile(r"^\| variable \| default \| meaning \|\n(?:^\|.*\|\n)+", re.M)
_TOPIC_TABLE = re.compile(r"^\| topic \| key \| message .*\|\n(?:^\|.*\|\n)+", re.M)


def _shown(value: Any) -> str:
    """Return a default as the table shows it: as one would write it in the environment."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple | list):
        return ",".join(_shown(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _default(field: FieldInfo) -> str:
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if "shown_default" in extra:
        return str(extra["shown_default"])
    shown = _shown(field.default)
    return shown if shown == "unset" else f"`{shown}`"


def settings_table() -> str:
    """Return the Markdown table of every setting: variable, default and meaning."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        rows.append(f"| `{ENV_PREFIX}{name.upper()}` | {_default(field)} | {field.description} |")
    return "\n".join(rows) + "\n"


def readme_with_table(text: str) -> str:
    """Return README text with its configuration and topic tables replaced by generated ones."""
    for table, generated, header in (
        (_TABLE, settings_table, "| variable | default | meaning |"),
        (_TOPIC_TABLE, readme_topic_table, "| topic | key | message … |"),
    ):
        if not table.search(text):
            raise ValueError(f"README.md has no table starting {header}")
        text = table.sub(lambda _, make=generated: make(), text, count=1)
    return text


def stale_readme(path: Path = README) -> bool:
    """Return whether the README's generated tables differ from the settings and registry."""
    text = path.read_text(encoding="utf-8")
    return readme_with_table(text) != text
