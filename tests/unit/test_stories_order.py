"""Policy stories: the state depends on the set of latest contributions, never on arrival order,
redeliveries or how often an article was corrected (property tests)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.stories import StoryBook
from schemas import (
    Contribution,
    PolicyAction,
    PolicyDirection,
    PolicyStatus,
    StoryActor,
    StoryUpdate,
)

KEY = "gpe:US|restrict|tariff"
DAY0 = datetime(2026, 3, 2, tzinfo=UTC)
OUTLETS = ["Reuters", "Associated Press", "Bloomberg", "Yahoo News", ""]


@st.composite
def article_updates(draw: st.DrawFn, article_id: str) -> StoryUpdate:
    """Return an update of `article_id` with 0-2 contributions over some five weeks."""
    day = draw(st.integers(min_value=0, max_value=36))
    outlet = draw(st.sampled_from(OUTLETS))
    reprint = draw(st.sampled_from([None, None, "a0"]))
    items = [
        Contribution(
            article_id=article_id,
            change_id=f"{article_id}-{n}",
            outlet=outlet,
            reprint_of=reprint,
            at=DAY0 + timedelta(days=day, hours=draw(st.integers(0, 23))),
            actor=StoryActor(name="United States", key="gpe:US"),
            action=draw(st.sampled_from([PolicyAction.BAN, PolicyAction.RESTRICT])),
            direction=PolicyDirection.TIGHTEN,
            status=draw(st.sampled_from(list(PolicyStatus))),
            object=draw(st.sampled_from(["tariffs", "tariffs on steel", None])),
            confidence=draw(st.floats(0.05, 0.95)),
        )
        for n in range(draw(st.integers(0, 2)))
    ]
    return StoryUpdate(
        article_id=article_id, group_key=KEY, actor_key="gpe:US", contributions=items
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[StoryUpdate], list[StoryUpdate]]:
    """Return (final update per article, a delivery order with corrections and redeliveries
    whose last update per article is that final one)."""
    ids = [f"a{i}" for i in range(draw(st.integers(1, 8)))]
    final = [draw(article_updates(i)) for i in ids]
    earlier = [
        draw(article_updates(draw(st.sampled_from(ids)))) for _ in range(draw(st.integers(0, 6)))
    ]
    redelivered = draw(st.lists(st.sampled_from(final), max_size=6))
    shuffled = draw(st.permutations([*earlier, *final, *redelivered]))
    # Kafka keeps one article's updates in order: its last delivery is its final state.
    ordered = [u for u in shuffled if u not in final] + draw(st.permutations(final))
    return final, ordered


def _state(book: StoryBook) -> list[dict[str, object]]:
    return [story.model_dump(mode="json") for story in book.stories()]


@settings(max_examples=150, deadline=None)
@given(histories())
def test_state_is_the_same_whatever_the_order_corrections_and_redeliveries(
    history: tuple[list[StoryUpdate], list[StoryUpdate]],
) -> None:
    final, delivered = history
    reference = StoryBook(KEY)
    for update in final:
        reference.apply(update)
    replayed = StoryBook(KEY)
    for update in delivered:
        replayed.apply(update)
    assert _state(replayed) == _state(reference)
    assert replayed.to_json() == reference.to_json()
    # A replay of everything once more changes nothing.
    for update in delivered[-len(final) :]:
        assert replayed.apply(update).changed == []


@settings(max_examples=100, deadline=None)
@given(histories())
def test_published_changes_track_the_book(
    history: tuple[list[StoryUpdate], list[StoryUpdate]],
) -> None:
    """What a subscriber of the compacted topic holds (changed minus removed) is the state."""
    _, delivered = history
    book = StoryBook(KEY)
    topic: dict[str, dict[str, object]] = {}
    for update in delivered:
        result = book.apply(update)
        for story_id in result.removed:
            topic.pop(story_id)
        for story in result.changed:
            topic[story.id] = story.model_dump(mode="json")
    assert sorted(topic.values(), key=str) == sorted(_state(book), key=str)
    for story in book.stories():
        assert story.confidence <= 1.0
        assert len(story.outlets) <= len(story.article_ids)
