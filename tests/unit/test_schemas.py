"""The message models: validation, ids, wire formats and the checked-in JSON Schemas."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import jsonschema
import pytest
from pydantic import ValidationError

from newsflow.schema_export import SCHEMA_DIR, render_schemas, stale_schemas
from schemas import DeadLetter, RawArticle, derive_article_id


def test_raw_article_id_comes_from_url_then_content() -> None:
    by_url = RawArticle(content="a", url="https://example.com/x")
    assert by_url.id == derive_article_id("https://example.com/x", "ignored")
    by_content = RawArticle(content="same text")
    assert by_content.id == RawArticle(content="same text").id
    assert by_content.id != RawArticle(content="other text").id
    assert RawArticle(content="a", id="given").id == "given"


def test_validation_errors_name_field_and_problem() -> None:
    with pytest.raises(ValidationError) as caught:
        RawArticle.model_validate({"content": "   "})
    assert caught.value.errors()[0]["type"] == "empty_content"
    with pytest.raises(ValidationError) as caught:
        RawArticle.model_validate({"content": "x", "content_type": "application/pdf"})
    assert "content_type" in str(caught.value)


def test_unknown_fields_are_ignored_for_forward_compatibility() -> None:
    assert RawArticle.model_validate({"content": "x", "new_field": 1}).content == "x"


def test_dead_letter_carries_bytes_as_standard_base64() -> None:
    letter = DeadLetter(
        reason="not_json",
        error="message is not JSON",
        error_type="JSONDecodeError",
        stage="intake",
        topic="articles.raw",
        partition=0,
        offset=7,
        key=b"k",
        original=b"\xff\xfe>?",
        failed_at=datetime.now(UTC),
    )
    wire = json.loads(letter.model_dump_json())
    assert base64.b64decode(wire["original"]) == b"\xff\xfe>?"
    assert DeadLetter.model_validate_json(letter.model_dump_json()) == letter


def test_json_schema_files_are_fresh() -> None:
    assert stale_schemas() == [], "run `newsflow schemas export` and commit schemas/json/"


def test_json_schemas_accept_what_the_models_emit() -> None:
    schema = json.loads(render_schemas()["RawArticle.json"])
    jsonschema.validate({"content": "x", "content_type": "text/html"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"title": "no content"}, schema)
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(render_schemas())


def test_stage_vocabulary_is_closed_and_shared() -> None:
    from agents.metrics import STAGES
    from pipeline.config import ALL_STAGES
    from pipeline.outcomes import Rejected
    from schemas import DeadLetterReason, Stage

    assert set(ALL_STAGES) <= set(Stage)
    assert set(STAGES) - set(Stage) == {"total"}
    rejected = Rejected(DeadLetterReason.STAGE_ERROR, "boom", stage=Stage.NLP)
    assert Rejected.from_dict(rejected.as_dict()).stage is Stage.NLP
    with pytest.raises(ValueError):
        Rejected(DeadLetterReason.STAGE_ERROR, "boom", stage="parsing")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        DeadLetter.model_validate(
            {
                "reason": "not_json",
                "error": "x",
                "error_type": "x",
                "stage": "parsing",
                "topic": "t",
                "partition": 0,
                "offset": 0,
                "original": "",
                "failed_at": "2026-01-01T00:00:00Z",
            }
        )
