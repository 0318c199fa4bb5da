"""Command-line options checked by the types the schemas and settings use, so the CLI, the
environment and the messages accept the same values and say so in one line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from pydantic import TypeAdapter, ValidationError


def problem(exc: ValidationError) -> str:
    """Return a validation error as one line: each problem's message, without pydantic's URLs."""
    return "; ".join(str(error["msg"]).removeprefix("Value error, ") for error in exc.errors())


def _with_value(message: str, value: Any) -> str:
    return message if str(value) in message else f"{message} (got {value!r})"


def parse(annotation: Any, value: Any, flag: str) -> Any:
    """Return `value` validated as `annotation`; a bad value is a usage error naming `flag`."""
    try:
        return TypeAdapter(annotation).validate_python(value)
    except ValidationError as exc:
        raise typer.BadParameter(_with_value(problem(exc), value), param_hint=flag) from None


def checked(annotation: Any, normalise: Callable[[Any], Any] | None = None) -> Callable[[Any], Any]:
    """Return a typer callback that validates an option's value (after `normalise`, if given)
    as `annotation`; a bad value is a usage error naming the flag (None, an option left out,
    passes)."""
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)

    def callback(value: Any) -> Any:
        if value is None:
            return None
        try:
            return adapter.validate_python(normalise(value) if normalise else value)
        except ValidationError as exc:
            raise typer.BadParameter(_with_value(problem(exc), value)) from None

    return callback
