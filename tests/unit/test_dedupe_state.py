"""The shared duplicate window: state records, applying other workers' changes, expiry."""

from __future__ import annotations

import pytest

from agents.dedupe_state import decode_record, encode_change
from pipeline.dedupe import DuplicateIndex, decode_signature, encode_signature, minhash_signature
from schemas import DedupeEntry

STORY = (
    "The transport ministry said on Tuesday it would close the northern rail line for repairs "
    "from next month, cutting the main freight route between the two ports for at least six "
    "weeks while engineers replace a bridge damaged in last winter's floods. Freight operators "
    "said the closure would add two days to deliveries and called for a temporary road permit."
)
OTHER = (
    "City councillors voted late on Monday to raise parking charges in the centre by a third, "
    "saying the extra money would pay for more buses on routes to the suburbs. Shop owners "
    "warned that the higher charges would keep customers away during the busy holiday season."
)


class Clock:
    """A hand-moved clock (Unix seconds)."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _index(clock: Clock, max_age: float | None = 3600.0) -> DuplicateIndex:
    return DuplicateIndex(100, max_age_seconds=max_age, clock=clock, shared=True)


def _hash(text: str) -> str:
    return f"h{abs(hash(text))}"


def test_a_record_survives_encode_and_decode() -> None:
    clock = Clock()
    index = _index(clock)
    assert index.check_and_add("a1", _hash(STORY), STORY) is None
    [change] = index.drain_changes()
    key, value = encode_change(change)
    assert key == b"a1" and value is not None
    article_id, entry = decode_record(key, value)
    assert article_id == "a1" and entry == change[1]
    assert entry is not None and entry.first_seen == clock.now and entry.num_perm == 128


def test_a_tombstone_decodes_to_forget() -> None:
    assert encode_change(("a1", None)) == (b"a1", None)
    assert decode_record(b"a1", None) == ("a1", None)


@pytest.mark.parametrize("key, value", [(None, b"{}"), (b"", b"{}"), (b"a1", b'{"x": 1}')])
def test_records_no_worker_writes_are_refused(key: bytes | None, value: bytes) -> None:
    with pytest.raises(ValueError):
        decode_record(key, value)


def test_signature_round_trips_and_other_lengths_match_exactly_only() -> None:
    values = minhash_signature(STORY, 128)
    text = encode_signature(values)
    assert list(decode_signature(text, 128)) == values
    assert decode_signature(text, 64) is None
    assert encode_signature(None) is None and decode_signature(None, 128) is None


def test_another_workers_entry_marks_a_near_copy_here() -> None:
    clock = Clock()
    writer, reader = _index(clock), _index(clock)
    writer.check_and_add("first", _hash(STORY), STORY)
    for article_id, entry in writer.drain_changes():
        assert reader.apply(article_id, entry) is False
    copy = STORY.replace("on Tuesday", "on Tuesday (June 3)")
    assert reader.check_and_add("reprint", _hash(copy), copy) == "first"
    assert reader.drain_changes() == []  # a duplicate is not remembered itself


def test_exact_copy_from_another_worker_matches_without_signature() -> None:
    clock = Clock()
    reader = DuplicateIndex(10, threshold=1.0, clock=clock, shared=True)
    entry = DedupeEntry(
        article_id="first", content_hash="abc", num_perm=0, first_seen=clock.now, seen_at=clock.now
    )
    reader.apply("first", entry)
    assert reader.check_and_add("reprint", "abc", "whatever text") == "first"


def test_a_tombstone_forgets_the_entry() -> None:
    clock = Clock()
    writer, reader = _index(clock), _index(clock)
    writer.check_and_add("first", _hash(STORY), STORY)
    for change in writer.drain_changes():
        reader.apply(*change)
    reader.apply("first", None)
    assert len(reader) == 0
    assert reader.check_and_add("reprint", _hash(STORY), STORY) is None


def test_earliest_first_seen_wins_whichever_arrived_first() -> None:
    clock = Clock()
    late, early = _index(clock), _index(clock)
    clock.now += 10
    late.check_and_add("b-late", _hash(STORY), STORY)
    late_changes = late.drain_changes()
    clock.now -= 5
    early.check_and_add("a-early", _hash(STORY), STORY)
    early_changes = early.drain_changes()
    clock.now += 5
    for order in (late_changes + early_changes, early_changes + late_changes):
        reader = _index(clock)
        for change in order:
            reader.apply(*change)
        assert reader.check_and_add("third", _hash(STORY), STORY) == "a-early"


def test_redelivery_of_the_first_copy_is_not_its_own_duplicate() -> None:
    clock = Clock()
    index = _index(clock)
    index.check_and_add("first", _hash(STORY), STORY)
    restored = _index(clock)
    for change in index.drain_changes():
        restored.apply(*change)
    assert restored.check_and_add("first", _hash(STORY), STORY) is None
    assert restored.check_and_add("copy", _hash(STORY), STORY) == "first"


def test_expiry_publishes_a_tombstone() -> None:
    clock = Clock()
    index = _index(clock, max_age=100.0)
    index.check_and_add("old", _hash(STORY), STORY)
    index.drain_changes()
    clock.now += 101
    assert index.check_and_add("new", _hash(OTHER), OTHER) is None
    changes = dict(index.drain_changes())
    assert changes["old"] is None and changes["new"] is not None
    assert index.check_and_add("copy", _hash(STORY), STORY) is None  # the window forgot it


def test_a_restored_entry_past_the_age_limit_is_reported_and_ignored() -> None:
    clock = Clock()
    entry = DedupeEntry(
        article_id="old",
        content_hash="abc",
        num_perm=0,
        first_seen=clock.now - 500,
        seen_at=clock.now - 500,
    )
    index = _index(clock, max_age=100.0)
    assert index.apply("old", entry) is True
    assert len(index) == 0


def test_a_duplicate_hit_refreshes_the_first_on_the_topic_now_and_then() -> None:
    clock = Clock()
    index = _index(clock, max_age=100.0)
    index.check_and_add("first", _hash(STORY), STORY)
    index.drain_changes()
    clock.now += 5  # under 10% of the age limit: no refresh record
    assert index.check_and_add("c1", _hash(STORY), STORY) == "first"
    assert index.drain_changes() == []
    clock.now += 10
    assert index.check_and_add("c2", _hash(STORY), STORY) == "first"
    [(article_id, entry)] = index.drain_changes()
    assert article_id == "first" and entry is not None and entry.seen_at == clock.now
    clock.now += 95  # 95 s after the refresh, 110 after the first sighting: still in the window
    assert index.check_and_add("c3", _hash(STORY), STORY) == "first"


def test_an_unshared_index_keeps_no_changes() -> None:
    index = DuplicateIndex(10, clock=Clock())
    index.check_and_add("first", _hash(STORY), STORY)
    assert index.drain_changes() == []
