"""Dead letters: every rejected input, with why and its original bytes."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, WithJsonSchema

from schemas.stages import Stage

DEADLETTER_SCHEMA_VERSION = 2
"""2: `truncated` (fields cut so the dead letter fits its topic)."""


def _from_base64(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"not standard base64: {exc}") from exc
    return value


Base64Bytes = Annotated[
    bytes,
    BeforeValidator(_from_base64),
    PlainSerializer(lambda raw: base64.b64encode(raw).decode("ascii"), when_used="json"),
    WithJsonSchema({"type": "string", "contentEncoding": "base64"}),
]
"""Bytes carried in JSON as standard (RFC 4648 section 4) base64, readable by `base64 -d`."""


class DeadLetterReason(StrEnum):
    """Why an input was rejected (closed vocabulary; metrics use it as a label)."""

    INVALID_UTF8 = "invalid_utf8"
    NOT_JSON = "not_json"
    WRONG_SHAPE = "wrong_shape"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    INVALID_VALUE = "invalid_value"
    EMPTY_CONTENT = "empty_content"
    BINARY_CONTENT = "binary_content"
    OVERSIZE = "oversize"
    EMPTY_AFTER_CLEANING = "empty_after_cleaning"
    STAGE_TIMEOUT = "stage_timeout"
    STAGE_ERROR = "stage_error"


class DeadLetter(BaseModel):
    """One rejected input on `articles.deadletter`, keyed like the input."""

    schema_version: int = DEADLETTER_SCHEMA_VERSION
    reason: DeadLetterReason
    error: str = Field(description="Human-readable message saying what is wrong.")
    error_type: str = Field(description="Exception class or validation error type.")
    stage: Stage = Field(description="Pipeline stage that rejected it.")
    topic: str
    partition: int
    offset: int
    key: Base64Bytes | None = Field(default=None, description="Original key (base64 in JSON).")
    original: Base64Bytes = Field(description="Original message bytes (base64 in JSON).")
    article_id: str | None = None
    truncated: dict[str, int] = Field(
        default_factory=dict,
        description="Fields cut so the dead letter fits its topic's size limit: field name "
        "('key', 'original', 'error') -> its full size (bytes; characters for 'error'). Empty "
        "when nothing was cut. The whole input is still at topic/partition/offset.",
    )
    attempts: int = Field(
        default=1,
        ge=1,
        description="Times the article was tried: 2 when a stage crashed or overran its time on it "
        "(in its chunk, then alone), 1 otherwise.",
    )
    failed_at: datetime
