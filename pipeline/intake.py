"""Intake: raw message bytes -> a validated RawArticle, or a Rejected with a precise reason."""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import ValidationError

from pipeline.outcomes import Rejected
from schemas import DeadLetterReason, RawArticle, Stage

STAGE = Stage.INTAKE


def _reason_for(exc: ValidationError) -> DeadLetterReason:
    kinds = {str(err["type"]) for err in exc.errors()}
    if "empty_content" in kinds:
        return DeadLetterReason.EMPTY_CONTENT
    if "missing" in kinds:
        return DeadLetterReason.MISSING_FIELD
    if any(kind.endswith("_type") or kind.endswith("_parsing") for kind in kinds):
        return DeadLetterReason.WRONG_TYPE
    if any(kind.endswith("too_long") for kind in kinds):
        return DeadLetterReason.OVERSIZE
    return DeadLetterReason.INVALID_VALUE


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "message"
        parts.append(f"{where}: {err['msg']}")
    more = len(exc.errors()) - 5
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def validate_raw(document: Any) -> RawArticle:
    """Return the RawArticle that a decoded JSON document describes, or raise Rejected."""
    if not isinstance(document, dict):
        raise Rejected(
            DeadLetterReason.WRONG_SHAPE,
            f"expected a JSON object, got {type(document).__name__}",
            stage=STAGE,
        )
    try:
        return RawArticle.model_validate(document)
    except ValidationError as exc:
        raise Rejected(
            _reason_for(exc), _describe(exc), stage=STAGE, error_type="ValidationError"
        ) from exc


class LongNumber:
    """A JSON integer with more digits than Python converts (`sys.get_int_max_str_digits`).

    JSON allows it; it is kept as this marker, so it is refused as `wrong_type` where a field
    is read and ignored like any unknown field's value elsewhere.
    """

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"<integer of {self.digits} digits>"


def _parse_int(text: str) -> int | LongNumber:
    limit = sys.get_int_max_str_digits()
    digits = len(text) - text.startswith("-")
    return LongNumber(digits) if limit and digits > limit else int(text)


def decode_json(text: str) -> Any:
    """Return the JSON document in `text`, or raise Rejected (`not_json`) saying why not.

    Never raises anything else: nesting too deep for the decoder and integers too long for
    Python are handled (the latter become `LongNumber`).
    """
    try:
        return json.loads(text, parse_int=_parse_int)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            detail = f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
        elif isinstance(exc, RecursionError):
            detail = "nesting too deep"
        else:
            detail = str(exc)
        raise Rejected(
            DeadLetterReason.NOT_JSON,
            f"message is not JSON: {detail}",
            stage=STAGE,
            error_type=type(exc).__name__,
        ) from exc


def parse_raw(data: bytes | None, *, max_bytes: int) -> RawArticle:
    """Return the RawArticle encoded in `data` (UTF-8 JSON), or raise Rejected saying why not.

    Rejected is the only exception it raises, whatever `data` holds.
    """
    try:
        return _parse_raw(data, max_bytes)
    except Rejected:
        raise
    except Exception as exc:  # a gap in the checks above must not take the worker down
        raise Rejected(
            DeadLetterReason.STAGE_ERROR,
            f"intake failed: {type(exc).__name__}: {exc}"[:1000],
            stage=STAGE,
            error_type=type(exc).__name__,
        ) from exc


def _parse_raw(data: bytes | None, max_bytes: int) -> RawArticle:
    if data is None or not data:
        raise Rejected(DeadLetterReason.NOT_JSON, "message value is empty", stage=STAGE)
    if len(data) > max_bytes:
        raise Rejected(
            DeadLetterReason.OVERSIZE,
            f"message is {len(data)} bytes, over the {max_bytes}-byte limit",
            stage=STAGE,
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(
            DeadLetterReason.INVALID_UTF8,
            f"message is not valid UTF-8 (byte {exc.start}: {exc.reason})",
            stage=STAGE,
            error_type="UnicodeDecodeError",
        ) from exc
    return validate_raw(decode_json(text))
