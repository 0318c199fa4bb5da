"""Pure parts of the feeders: rate limiting, front matter, time arguments."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka.errors import KafkaConnectionError, OutOfOrderSequenceNumber

from newsflow import feeds
from newsflow.cli import CliError, parse_time
from newsflow.feeds import FeedAbortedError, FeedSummary, RateLimiter, _Delivery
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


class _StaleProducer:
    """A producer whose every send fails as an idempotent producer's does once the broker has
    lost its sequence numbers; `renewed` says whether a new one replaced it."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.sent: list[bytes] = []

    async def send(self, topic: str, value: bytes, key: bytes) -> asyncio.Future[object]:
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        if self.error is None:
            self.sent.append(key)
            future.set_result(None)
        else:
            future.set_exception(self.error)
        return future


def _deliver(first: _StaleProducer, renewable: bool, retry_seconds: float) -> tuple:
    fresh = _StaleProducer(None)
    renewed: list[object] = []

    async def renew(old: object) -> object:
        renewed.append(old)
        return fresh

    async def run() -> FeedSummary:
        delivery = _Delivery(first, "raw", retry_seconds, renew=renew if renewable else None)  # type: ignore[arg-type]
        summary = FeedSummary()
        await delivery.send("a.jsonl:1", "a", b"a", b"{}", summary)
        await delivery.settle(summary)
        return summary

    return asyncio.run(run()), fresh, renewed


def test_a_producer_whose_sequence_the_broker_refuses_is_replaced_and_the_article_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(feeds, "RETRY_PAUSE_SECONDS", 0.0)
    stale = _StaleProducer(OutOfOrderSequenceNumber())
    summary, fresh, renewed = _deliver(stale, renewable=True, retry_seconds=5)
    assert renewed == [stale] and fresh.sent == [b"a"]
    assert summary.sent == 1 and summary.unacknowledged == 0


def test_a_transient_refusal_keeps_the_producer_and_gives_up_after_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(feeds, "RETRY_PAUSE_SECONDS", 0.0)
    down = _StaleProducer(KafkaConnectionError())
    with pytest.raises(FeedAbortedError) as aborted:
        _deliver(down, renewable=True, retry_seconds=0.05)
    assert aborted.value.summary.unacknowledged == 1
    assert aborted.value.summary.first_unacknowledged == "a.jsonl:1"
