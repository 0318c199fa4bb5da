"""Property-based fuzzing (Hypothesis) of what a worker does with one message, Kafka aside:
intake, cleaning, event assembly and the output encoders. Whatever the bytes and the key, each
message ends as exactly one valid enriched event (with its policy changes) or one valid dead
letter, every record within its topic's limit, and the metrics take it without raising.

Messages: arbitrary bytes; JSON of every shape; article objects whose fields are drawn from every
Unicode category (surrogates included), numbers, huge integers, odd dates and MIME types;
hostile HTML (DTD blocks, entities, scripts, deep nesting); contents and messages at their
limits, give or take a few. Keys: none, empty, or around the dead-letter limit.

The suite runs the bounded `suite` profile (tests/conftest.py); `python -m bench.fuzz` runs the
same properties under the `long` profile.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import event as note_event
from hypothesis import example, given
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from agents.metrics import WorkerMetrics
from agents.topics import TOPICS, record_bytes
from pipeline.config import PipelineConfig
from pipeline.intake import parse_raw
from pipeline.outcomes import Rejected
from pipeline.outputs import (
    KEY_KEEP_BYTES,
    MIN_LETTER_LIMIT_BYTES,
    RECORD_OVERHEAD_BYTES,
    OutputLimits,
    OutputRecord,
    dead_letter_record,
    encode_enriched,
)
from pipeline.process import clean_many, finish, plan_analysis
from schemas import DeadLetter, DeadLetterReason, EnrichedArticle, Origin, PolicyChange
from tests.unit.test_hostile_input import crash_inputs

MAX_MESSAGE_BYTES = 16_384
MAX_CONTENT_CHARS = 1500
CONFIG = PipelineConfig(
    stages=("cleaning",),
    max_message_bytes=MAX_MESSAGE_BYTES,
    max_content_chars=MAX_CONTENT_CHARS,
)
# Output limits below what a full event of a large input takes, so `oversize` happens too.
OUTPUT_LIMITS = st.integers(2_000, 40_000).map(OutputLimits.uniform)
METRICS = WorkerMetrics(CollectorRegistry(), languages=CONFIG.detect_languages)
NEWS = "Germany lifted the ban on arms exports to Ukraine on Friday, the government said."

# -- strategies ------------------------------------------------------------------------------


def sometimes(strategy: st.SearchStrategy[Any], mostly: st.SearchStrategy[Any]) -> Any:
    """Return a strategy that draws from `mostly` 19 times in 20, else from `strategy`."""
    return st.integers(0, 19).flatmap(lambda n: strategy if n == 0 else mostly)


any_char = st.characters(codec=None, categories=None)  # every category, surrogates included
# Lone surrogates (refused at intake) one time in 20, every other category the rest of the time.
any_text = sometimes(
    st.text(any_char, max_size=60), st.text(st.characters(codec="utf-8"), max_size=60)
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=12,
)
offsets = st.timedeltas(min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23))
datetimes = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31))
instants = sometimes(
    st.sampled_from(["yesterday", "", "2026-13-45"]) | st.integers(-(10**20), 10**20) | st.floats(),
    st.one_of(
        datetimes.map(datetime.isoformat),
        st.builds(
            lambda moment, offset: moment.replace(tzinfo=timezone(offset)).isoformat(),
            datetimes,
            offsets,
        ),
        st.sampled_from(["0001-01-01T00:00:00", "9999-12-31T23:59:59-23:00"]),
    ),
)
media_types = (
    st.sampled_from(
        [
            "text/plain",
            "text/html",
            "TEXT/HTML; charset=utf-8",
            "application/xhtml+xml",
            "image/png",
        ]
    )
    | json_values
)
html_pieces = st.sampled_from(
    [
        '<!DOCTYPE root [<!ENTITY a "&b;&b;&b;"><!ENTITY b "lol">]>',
        "<?xml version='1.0'?>",
        "<!DOCTYPE html>",
        "<html><head><title>",
        "</title><script>alert(1)</script><style>p{}</style></head><body>",
        "<div>" * 30,
        "<p onclick='x()'>",
        "</p>",
        "&a; &amp; &#0; &#x110000; &nbsp;",
        "<iframe src=x></iframe>",
        "<![CDATA[",
        "]]>",
        "<!--",
        "-->",
        NEWS,
    ]
)
html_pages = st.lists(html_pieces | any_text, max_size=12).map("".join)


def _sized_text(size: int) -> str:
    return ("word " * (size // 5 + 1))[:size]


contents = st.one_of(
    any_text,
    any_text.map(lambda text: f"{NEWS} {text} {NEWS}"),
    html_pages,
    st.just(NEWS),
    # Around the content limit, and around the message limit once in JSON.
    st.integers(MAX_CONTENT_CHARS - 3, MAX_CONTENT_CHARS + 3).map(_sized_text),
    st.integers(-3, 3).map(lambda d: "\U0001d160" * ((MAX_CONTENT_CHARS + d) // 3)),
)
huge_integer = st.integers(4000, 6000).map(lambda digits: "9" * digits)


@st.composite
def article_messages(draw: st.DrawFn) -> bytes:
    """Return an article object as message bytes: valid in shape most of the time, with
    hostile values (every Unicode category, odd dates and types) in its fields."""
    fields: dict[str, Any] = {}
    if draw(sometimes(st.just(False), st.just(True))):
        fields["content"] = draw(sometimes(json_values, contents))
    for name, values in (
        ("id", sometimes(json_values, any_text)),
        ("url", sometimes(json_values, any_text)),
        ("title", sometimes(json_values, any_text)),
        ("source", any_text),
        ("language", any_text),
        ("content_type", sometimes(json_values, media_types)),
        ("published_at", instants),
        ("ingested_at", instants),
        ("schema_version", sometimes(json_values, st.just(1))),
        ("extra", json_values),
    ):
        if draw(st.booleans()):
            fields[name] = draw(values)
    text = json.dumps(fields, ensure_ascii=draw(st.booleans()))
    if draw(sometimes(st.just(True), st.just(False))):
        # A 5,000-digit integer where a field would be, or in a field of its own.
        field = draw(st.sampled_from(["content", "title", "schema_version", "word_count"]))
        number = f'"{field}": {draw(huge_integer)}'
        text = "{" + number + ("}" if text == "{}" else ", " + text[1:])
    return text.encode("utf-8", errors="surrogatepass")


messages = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    article_messages(),
    article_messages(),
    article_messages(),
    st.integers(-3, 3).map(
        lambda d: json.dumps({"content": _sized_text(MAX_MESSAGE_BYTES + d - 15)}).encode()
    ),
)
keys = st.one_of(
    st.none(),
    st.binary(max_size=40),
    st.integers(0, 3 * MAX_MESSAGE_BYTES).map(lambda size: b"k" * size),
)

# -- the message's path, as the worker takes it -------------------------------------------------


def outcome_records(
    data: bytes, key: bytes | None, limits: OutputLimits
) -> tuple[EnrichedArticle | Rejected, list[OutputRecord]]:
    """Return what one message becomes and the records the worker would publish for it."""
    try:
        raw = parse_raw(data, max_bytes=CONFIG.max_message_bytes)
    except Rejected as rejected:
        outcome: EnrichedArticle | Rejected = rejected
    else:
        plan = plan_analysis([raw], clean_many([raw.model_dump(mode="json")], CONFIG), CONFIG)
        (outcome,) = finish(
            plan, [{}] * len(plan.requests), CONFIG, [Origin(topic="raw", partition=0, offset=7)]
        )
    if isinstance(outcome, EnrichedArticle):
        try:
            encoded = encode_enriched(outcome, limits)
        except Rejected as rejected:
            outcome = rejected
        else:
            return outcome, [encoded.event, *encoded.changes]
    return outcome, [letter_record(outcome, key, data, limits.deadletter)]


def letter_record(rejected: Rejected, key: bytes | None, data: bytes, limit: int) -> OutputRecord:
    """Return the dead letter of input raw[0]@7."""
    return dead_letter_record(
        rejected,
        topic="raw",
        partition=0,
        offset=7,
        key=key,
        original=data,
        failed_at=datetime.now(UTC),
        limit=limit,
    )


def fits(record: OutputRecord, limit: int) -> bool:
    return record.size + RECORD_OVERHEAD_BYTES <= limit


CRASHERS = crash_inputs(MAX_MESSAGE_BYTES, "fuzz")
PRODUCER_LIMITS = OutputLimits.uniform(record_bytes(MAX_MESSAGE_BYTES, TOPICS.enriched.size_factor))


@given(data=messages, key=keys, limits=OUTPUT_LIMITS)
@example(*CRASHERS["huge_integer"][1::-1], PRODUCER_LIMITS)
@example(*CRASHERS["huge_integer_content"][1::-1], PRODUCER_LIMITS)
@example(*CRASHERS["year_one_ingest"][1::-1], PRODUCER_LIMITS)
@example(*CRASHERS["huge_key"][1::-1], PRODUCER_LIMITS)
@example(*CRASHERS["tripled_text"][1::-1], PRODUCER_LIMITS)
def test_any_message_ends_as_one_valid_event_or_one_valid_dead_letter(
    data: bytes, key: bytes | None, limits: OutputLimits
) -> None:
    outcome, records = outcome_records(data, key, limits)
    rejected = isinstance(outcome, Rejected)
    note_event(
        f"outcome: {f'{outcome.reason.value} ({outcome.stage})' if rejected else 'enriched'}"
    )
    if isinstance(outcome, EnrichedArticle):
        event, *changes = records
        parsed = EnrichedArticle.model_validate_json(event.value)
        assert parsed.id == outcome.id and event.key == outcome.id.encode()
        assert parsed.processing.origin == Origin(topic="raw", partition=0, offset=7)
        assert fits(event, limits.enriched)
        assert all(fits(c, limits.policy) for c in changes)
        assert [PolicyChange.model_validate_json(c.value).id for c in changes] == [
            c.id for c in outcome.policy_changes
        ]
    else:
        (record,) = records
        letter = DeadLetter.model_validate_json(record.value)
        assert isinstance(letter.reason, DeadLetterReason) and letter.error
        assert fits(record, max(limits.deadletter, MIN_LETTER_LIMIT_BYTES))
        assert (letter.topic, letter.partition, letter.offset) == ("raw", 0, 7)
        assert data.startswith(letter.original)
        assert (letter.original == data) == ("original" not in letter.truncated)
        assert (letter.key == key) == ("key" not in letter.truncated)
        assert record.key == letter.key
    # Metrics take every outcome without raising.
    METRICS.count_outcome(outcome, time.time() - 1, time.time())


@given(
    reason=st.sampled_from(DeadLetterReason),
    error=st.text(any_char, max_size=5000),
    key=keys,
    original=st.integers(0, 3 * MAX_MESSAGE_BYTES).map(lambda size: b"\xff" * size),
    limit=st.integers(0, 3 * MAX_MESSAGE_BYTES),
)
def test_a_dead_letter_always_fits_and_says_what_it_cut(
    reason: DeadLetterReason, error: str, key: bytes | None, original: bytes, limit: int
) -> None:
    record = letter_record(Rejected(reason, error, stage="intake"), key, original, limit)
    letter = DeadLetter.model_validate_json(record.value)
    assert fits(record, max(limit, MIN_LETTER_LIMIT_BYTES))
    if "key" in letter.truncated:
        assert key is not None and letter.truncated["key"] == len(key)
        assert letter.key == key[:KEY_KEEP_BYTES]
    else:
        assert letter.key == key
    if "original" in letter.truncated:
        assert letter.truncated["original"] == len(original)
        assert original.startswith(letter.original) and len(letter.original) < len(original)
        # Cut only as far as needed: a few more bytes of the input would not have fitted.
        assert (
            record.size + RECORD_OVERHEAD_BYTES + 8 > max(limit, MIN_LETTER_LIMIT_BYTES)
            or not letter.original
        )
    else:
        assert letter.original == original
