"""Pure parts of the feeders: rate limiting, front matter, time arguments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsflow.cli import CliError, parse_time
from newsflow.feeds import RateLimiter
from newsflow.inputs import read_path, split_front_matter


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_spaces_calls_evenly_without_bursting_after_a_stall() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4.0, clock)
    assert [limiter.delay() for _ in range(3)] == [0.0, 0.25, 0.5]
    clock.now += 10  # a long stall: the next call goes now, not a burst of catch-up calls
    assert limiter.delay() == 0.0
    assert limiter.delay() == pytest.approx(0.25)


def test_no_rate_means_no_delay() -> None:
    assert RateLimiter(None).delay() == 0.0


def test_front_matter_becomes_metadata_and_is_removed_from_the_body() -> None:
    text = "---\ntitle: Biden allows strikes\nurl: https://example.com/a\nauthor: x\n---\nBody.\n"
    metadata, body = split_front_matter(text)
    assert metadata == {"title": "Biden allows strikes", "url": "https://example.com/a"}
    assert body == "Body.\n"
    assert split_front_matter("No front matter.\n---\n") == ({}, "No front matter.\n---\n")


def test_parse_time_accepts_iso_and_ages() -> None:
    assert parse_time("2026-11-24T10:00Z") == datetime(2026, 11, 24, 10, tzinfo=UTC)
    assert parse_time("2026-11-24") == datetime(2026, 11, 24, tzinfo=UTC)
    two_hours = datetime.now(UTC) - parse_time("2h")
    assert abs(two_hours - timedelta(hours=2)) < timedelta(seconds=30)
    with pytest.raises(CliError):
        parse_time("yesterday-ish")


def test_a_bad_jsonl_line_is_reported_with_its_number_and_the_rest_is_read(tmp_path) -> None:
    lines = [
        '{"id": "a", "content": "Germany lifted the ban."}',
        '{"id": "b", "content": "x", "n": ' + "1" * 5000 + "}",  # unknown field: fine
        '{"id": "c", "content": ' + "1" * 5000 + "}",  # 5,000 digits where text belongs
        '{"id": "d", "content": "broken',
        '{"id": "e", "content": "Spain eased the rules."}',
    ]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    items = list(read_path(path))
    assert [item.article.id for item in items if item.article] == ["a", "b", "e"]
    errors = {item.where: item.error for item in items if item.article is None}
    assert set(errors) == {f"{path}:3", f"{path}:4"}
    assert "content" in str(errors[f"{path}:3"]) and "not JSON" in str(errors[f"{path}:4"])


def test_a_json_array_that_does_not_parse_is_one_reported_input(tmp_path) -> None:
    path = tmp_path / "feed.json"
    path.write_text('[{"content": "x"}, {"content": ')
    (item,) = read_path(path)
    assert item.article is None and item.where == str(path) and "not JSON" in str(item.error)
