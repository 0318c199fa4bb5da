"""Intake turns bytes into a RawArticle or a precise, distinct rejection reason."""

from __future__ import annotations

import json

import pytest

from pipeline.intake import parse_raw
from pipeline.outcomes import Rejected
from schemas import DeadLetterReason

LIMIT = 10_000


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"this is not json {", DeadLetterReason.NOT_JSON),
        (b"", DeadLetterReason.NOT_JSON),
        (b"[1, 2, 3]", DeadLetterReason.WRONG_SHAPE),
        (json.dumps({"url": "https://example.com"}).encode(), DeadLetterReason.MISSING_FIELD),
        (json.dumps({"content": 42}).encode(), DeadLetterReason.WRONG_TYPE),
        (
            json.dumps({"content": "x", "published_at": "soon"}).encode(),
            DeadLetterReason.WRONG_TYPE,
        ),
        (json.dumps({"content": " \n\t "}).encode(), DeadLetterReason.EMPTY_CONTENT),
        (b'{"content": "caf\xe9"}', DeadLetterReason.INVALID_UTF8),
        (json.dumps({"content": "x" * LIMIT}).encode(), DeadLetterReason.OVERSIZE),
        (
            json.dumps({"content": "x", "content_type": "image/png"}).encode(),
            DeadLetterReason.INVALID_VALUE,
        ),
        (b"[" * 100_000 + b"]" * 100_000, DeadLetterReason.OVERSIZE),
    ],
)
def test_bad_input_gets_its_reason(data: bytes, reason: DeadLetterReason) -> None:
    with pytest.raises(Rejected) as caught:
        parse_raw(data, max_bytes=LIMIT)
    assert caught.value.reason is reason
    assert caught.value.stage == "intake"
    assert caught.value.message


def test_deeply_nested_json_is_rejected_not_crashing() -> None:
    data = b"[" * 50_000 + b"]" * 50_000
    with pytest.raises(Rejected) as caught:
        parse_raw(data, max_bytes=len(data))
    assert caught.value.reason is DeadLetterReason.NOT_JSON


def test_validation_message_names_the_field() -> None:
    with pytest.raises(Rejected) as caught:
        parse_raw(json.dumps({"content": 42}).encode(), max_bytes=LIMIT)
    assert "content" in caught.value.message


def test_valid_article_parses_and_gets_an_id() -> None:
    raw = parse_raw(
        json.dumps({"content": "Text.", "url": "https://Example.com/a#frag", "extra": 1}).encode(),
        max_bytes=LIMIT,
    )
    assert raw.id.startswith("url-")
    same = parse_raw(
        json.dumps({"content": "Other.", "url": "https://example.com/a"}).encode(), max_bytes=LIMIT
    )
    assert same.id == raw.id


def test_rejection_round_trips_as_plain_data() -> None:
    rejected = Rejected(DeadLetterReason.STAGE_ERROR, "boom", stage="nlp", error_type="ValueError")
    again = Rejected.from_dict(rejected.as_dict())
    assert (again.reason, again.message, again.stage, again.error_type) == (
        DeadLetterReason.STAGE_ERROR,
        "boom",
        "nlp",
        "ValueError",
    )
