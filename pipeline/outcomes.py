"""Outcomes: what becomes of an input that is not enriched (a `Rejected`, and why)."""

from __future__ import annotations

from typing import Any

from schemas import DeadLetterReason, Stage

__all__ = ["DeadLetterReason", "Rejected"]


class Rejected(Exception):  # noqa: N818 - it is an outcome, not only an error
    """An input that cannot become an enriched article; becomes a dead letter."""

    def __init__(
        self,
        reason: DeadLetterReason,
        message: str,
        *,
        stage: Stage,
        error_type: str = "",
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.stage = Stage(stage)
        self.error_type = error_type or reason.value
        self.attempts = attempts

    def as_dict(self) -> dict[str, str | int]:
        """Return the rejection as plain data (it crosses process boundaries)."""
        return {
            "reason": self.reason.value,
            "message": self.message,
            "stage": self.stage.value,
            "error_type": self.error_type,
            "attempts": self.attempts,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rejected:
        """Return the rejection that `as_dict` described."""
        return cls(
            DeadLetterReason(data["reason"]),
            str(data["message"]),
            stage=Stage(data["stage"]),
            error_type=str(data["error_type"]),
            attempts=int(data.get("attempts", 1)),
        )
