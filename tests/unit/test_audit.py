"""The reconciliation: every input offset matched to one outcome, repeats only with one identity."""

from __future__ import annotations

import json

import pytest

from newsflow.audit import (
    Outcome,
    deadletter_outcome,
    enriched_outcome,
    parse_offset_ranges,
    reconcile,
)


def outcome(kind: str, identity: str, offset: int = 0) -> Outcome:
    return Outcome(kind, identity, "out", 0, offset)


def test_every_input_with_one_outcome_is_ok() -> None:
    report = reconcile(
        [(0, 0), (0, 1), (1, 0)],
        [
            ((0, 0), outcome("enriched", "article:a")),
            ((0, 1), outcome("deadletter", "deadletter:not_json:")),
            ((1, 0), outcome("duplicate", "article:c")),
        ],
    )
    assert report.ok
    assert report.inputs == 3
    assert dict(report.outcomes) == {"enriched": 1, "deadletter": 1, "duplicate": 1}
    assert report.summary()["lost"] == 0


def test_an_input_without_outcome_is_lost() -> None:
    report = reconcile([(0, 0), (0, 1)], [((0, 0), outcome("enriched", "article:a"))])
    assert not report.ok
    assert report.lost == [(0, 1)]
    assert report.summary()["lost_offsets"] == ["0:1"]


def test_repeats_with_one_identity_are_redelivered_not_conflicting() -> None:
    # A replay after a crash meets an empty duplicate window: same article id, other kind.
    report = reconcile(
        [(0, 0)],
        [
            ((0, 0), outcome("duplicate", "article:a", 1)),
            ((0, 0), outcome("enriched", "article:a", 2)),
        ],
    )
    assert report.ok
    assert list(report.redelivered) == [(0, 0)]
    assert report.summary()["extra_copies"] == 1


def test_repeats_with_different_identities_conflict() -> None:
    report = reconcile(
        [(0, 0)],
        [
            ((0, 0), outcome("enriched", "article:a")),
            ((0, 0), outcome("deadletter", "deadletter:stage_timeout:")),
        ],
    )
    assert not report.ok
    assert list(report.conflicting) == [(0, 0)]


def test_outcomes_of_inputs_outside_the_window_are_only_counted() -> None:
    report = reconcile(
        [(0, 5)],
        [((0, 5), outcome("enriched", "article:a")), ((0, 4), outcome("enriched", "article:b"))],
    )
    assert report.ok and report.unmatched == 1


def test_events_are_matched_by_their_origin() -> None:
    enriched = json.dumps(
        {
            "id": "a",
            "duplicate_of": "z",
            "processing": {"origin": {"topic": "raw", "partition": 2, "offset": 7}},
        }
    ).encode()
    key, found = enriched_outcome("raw", "enriched", 0, 3, enriched) or (None, None)
    assert key == (2, 7) and found is not None and found.kind == "duplicate"
    assert enriched_outcome("other", "enriched", 0, 3, enriched) is None
    letter = json.dumps(
        {"reason": "not_json", "topic": "raw", "partition": 1, "offset": 9}
    ).encode()
    key, found = deadletter_outcome("raw", "dl", 0, 0, letter) or (None, None)
    assert key == (1, 9) and found is not None and found.identity == "deadletter:not_json:"


def test_offset_ranges_parse_and_bad_ones_say_why() -> None:
    assert parse_offset_ranges(["0:10-20", "3:0-5"]) == {0: (10, 20), 3: (0, 5)}
    with pytest.raises(ValueError, match="PARTITION:FIRST-END"):
        parse_offset_ranges(["0:10"])
