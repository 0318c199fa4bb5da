"""Policy stories, pure part: group keys, contributions and the story book's reducer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipeline.stories import (
    StoryBook,
    action_family,
    actor_key,
    contributions,
    group_key,
    object_head,
    outlet_of,
    updates,
)
from schemas import (
    Actor,
    EnrichedArticle,
    Entity,
    EntityType,
    PolicyAction,
    PolicyChange,
    PolicyDirection,
    PolicyStatus,
    Processing,
    StoryUpdate,
)

DAY0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
US = Entity(name="United States", type=EntityType.GPE, key="gpe:US", aliases=["U.S."])


def change(
    article_id: str,
    *,
    actor: str = "United States",
    action: PolicyAction = PolicyAction.IMPOSE,
    obj: str | None = "tariffs on Chinese steel",
    status: PolicyStatus = PolicyStatus.ANNOUNCED,
    confidence: float = 0.6,
    n: int = 0,
) -> PolicyChange:
    """Return a policy change as the policy stage would report it."""
    return PolicyChange(
        id=f"{article_id}-c{n}",
        article_id=article_id,
        actor=Actor(name=actor),
        action=action,
        direction=PolicyDirection.TIGHTEN,
        object=obj,
        status=status,
        confidence=confidence,
    )


def article(
    article_id: str,
    source: str | None,
    day: float,
    changes: list[PolicyChange],
    *,
    entities: list[Entity] | None = None,
    duplicate_of: str | None = None,
    url: str | None = None,
) -> EnrichedArticle:
    """Return an enriched article published `day` days after DAY0."""
    return EnrichedArticle(
        id=article_id,
        url=url,
        source=source,
        published_at=DAY0 + timedelta(days=day),
        clean_text="Washington said on Monday it would impose tariffs on Chinese steel.",
        content_hash="h-" + article_id,
        duplicate_of=duplicate_of,
        entities=[US] if entities is None else entities,
        policy_changes=changes,
        processing=Processing(pipeline_version="test", processed_at=DAY0),
    )


def book_of(*articles: EnrichedArticle) -> StoryBook:
    """Return the book of the first article's first group, fed every article's updates."""
    key = next(iter(contributions(articles[0])))
    book = StoryBook(key)
    for item in articles:
        for update in updates(item):
            if update.group_key == key:
                book.apply(update)
    return book


def test_actor_resolves_to_the_matching_entitys_key() -> None:
    biden = Entity(name="Joe Biden", type=EntityType.PERSON, key="person:joe-biden")
    assert actor_key(change("a", actor="United States"), [US]) == "gpe:US"
    assert actor_key(change("a", actor="U.S."), [US]) == "gpe:US"
    assert actor_key(change("a", actor="Joe Biden"), [US, biden]) == "person:joe-biden"
    # No entity carries the name: keyed the way the entity stage keys it.
    assert actor_key(change("a", actor="United States"), []) == "gpe:US"
    assert actor_key(change("a", actor="the Ohio Senate"), []) == "org:ohio-senate"
    assert actor_key(change("a", actor="  ...  "), []) is None


def test_reports_of_one_rule_share_a_group_key_and_other_rules_do_not() -> None:
    ban = article("a", "Reuters", 0, [change("a", action=PolicyAction.BAN, obj="TikTok")])
    curb = article("b", "AP", 0, [change("b", action=PolicyAction.RESTRICT, obj="TikTok app")])
    allow = article("c", "AP", 0, [change("c", action=PolicyAction.PERMIT, obj="TikTok")])
    keys = [group_key(a.policy_changes[0], a) for a in (ban, curb, allow)]
    assert keys[0] == "gpe:US|restrict|tiktok"
    assert keys[1] == "gpe:US|restrict|app"  # the head of "TikTok app" is "app"
    assert keys[2] == "gpe:US|permit|tiktok"
    assert action_family(PolicyAction.BAN) == action_family(PolicyAction.RESTRICT)
    assert object_head("the tariffs on Chinese steel") == object_head("tariff") == "tariff"
    assert object_head(None) == object_head("the") == "-"


def test_outlet_is_the_source_else_the_urls_host() -> None:
    assert outlet_of(article("a", "Reuters", 0, [])) == "Reuters"
    assert outlet_of(article("a", None, 0, [], url="https://www.example.com/x")) == "example.com"
    assert outlet_of(article("a", None, 0, [])) == ""


def test_three_outlets_over_three_days_make_one_story_with_a_status_history() -> None:
    book = book_of(
        article("a", "Reuters", 0, [change("a", status=PolicyStatus.CONSIDERED)]),
        article("b", "AP", 1, [change("b", status=PolicyStatus.ANNOUNCED)]),
        article("c", "Bloomberg", 3, [change("c", status=PolicyStatus.ENACTED)]),
    )
    (story,) = book.stories()
    assert story.article_ids == ["a", "b", "c"]
    assert story.outlets == ["Associated Press", "Bloomberg", "Reuters"]  # AP, canonical
    assert [(s.status, s.article_ids) for s in story.status_history] == [
        (PolicyStatus.CONSIDERED, ["a"]),
        (PolicyStatus.ANNOUNCED, ["b"]),
        (PolicyStatus.ENACTED, ["c"]),
    ]
    assert story.status is PolicyStatus.ENACTED
    assert (story.first_seen, story.last_seen) == (DAY0, DAY0 + timedelta(days=3))
    assert not story.disagreement  # a progression, not a conflict
    assert story.actor.key == "gpe:US" and story.action is PolicyAction.IMPOSE


def test_a_report_outside_the_window_opens_a_new_story() -> None:
    book = book_of(
        article("a", "Reuters", 0, [change("a")]),
        article("b", "AP", 13, [change("b")]),
        article("c", "AP", 13 + 15, [change("c")]),
    )
    stories = book.stories()
    assert [s.article_ids for s in stories] == [["a", "b"], ["c"]]
    assert len({s.id for s in stories}) == 2


def test_confidence_rises_with_independent_outlets_not_with_reprints() -> None:
    one = book_of(article("a", "Reuters", 0, [change("a")]))
    reprinted = book_of(
        article("a", "Reuters", 0, [change("a")]),
        article("r", "Yahoo News", 0, [change("r")], duplicate_of="a"),
        article("s", "Reuters", 0.5, [change("s")]),  # the same outlet again
    )
    two = book_of(article("a", "Reuters", 0, [change("a")]), article("b", "AP", 0, [change("b")]))
    conf = [b.stories()[0].confidence for b in (one, reprinted, two)]
    assert conf[0] == conf[1] == pytest.approx(0.6)
    assert conf[2] == pytest.approx(1 - 0.4 * 0.4)
    story = reprinted.stories()[0]
    assert story.reprint_ids == ["r"] and story.outlets == ["Reuters"]
    assert story.article_ids == ["a", "r", "s"]


def test_same_day_enacted_and_considered_from_two_outlets_is_a_disagreement() -> None:
    book = book_of(
        article("a", "Reuters", 0, [change("a", status=PolicyStatus.ENACTED)]),
        article("b", "AP", 0.2, [change("b", status=PolicyStatus.CONSIDERED)]),
    )
    story = book.stories()[0]
    assert story.disagreement
    assert story.conflicting_statuses == [PolicyStatus.CONSIDERED, PolicyStatus.ENACTED]


def test_a_correction_replaces_its_contribution_and_a_redelivery_changes_nothing() -> None:
    first = article("a", "Reuters", 0, [change("a", status=PolicyStatus.CONSIDERED)])
    book = book_of(first, article("b", "AP", 1, [change("b")]))
    (update,) = updates(first)
    assert book.apply(update).changed == []  # redelivered: nothing changes
    corrected = article("a", "Reuters", 0, [change("a", status=PolicyStatus.ENACTED)])
    (fix,) = updates(corrected)
    result = book.apply(fix)
    (story,) = result.changed
    assert story.article_ids == ["a", "b"]
    assert {s.status for s in story.status_history} == {
        PolicyStatus.ENACTED,
        PolicyStatus.ANNOUNCED,
    }


def test_an_article_that_leaves_a_group_retracts_its_contribution() -> None:
    first = article("a", "Reuters", 0, [change("a")])
    book = book_of(first, article("b", "AP", 1, [change("b")]))
    key = book.group_key
    rewritten = article("a", "Reuters", 0, [change("a", obj="quotas on rice")])
    by_key = {u.group_key: u for u in updates(rewritten, previous_groups=[key])}
    assert by_key[key].contributions == []
    assert by_key[key].actor_key == "gpe:US"
    (story,) = book.apply(by_key[key]).changed
    assert story.article_ids == ["b"]
    retract_b = StoryUpdate(article_id="b", group_key=key, actor_key="gpe:US")
    changes = book.apply(retract_b)
    assert changes.changed == [] and changes.removed == [story.id] and book.stories() == []


def test_a_book_survives_its_json_and_refuses_another_groups_update() -> None:
    book = book_of(
        article("a", "Reuters", 0, [change("a"), change("a", n=1, status=PolicyStatus.ENACTED)]),
        article("b", "AP", 1, [change("b")]),
    )
    again = StoryBook.from_json(book.to_json())
    assert again.stories() == book.stories() and again.to_json() == book.to_json()
    with pytest.raises(ValueError, match="applied to"):
        book.apply(StoryUpdate(article_id="x", group_key="org:x|ban|-", actor_key="org:x"))


def test_changes_without_an_actor_contribute_nothing() -> None:
    found = contributions(article("a", "AP", 0, [change("a", actor="--")]))
    assert found == {}


def test_forget_before_drops_stories_older_than_the_moment() -> None:
    book = book_of(article("a", "Reuters", 0, [change("a")]), article("c", "AP", 30, [change("c")]))
    old = book.stories()[0].id
    assert book.forget_before(DAY0 + timedelta(days=20)) == [old]
    assert [s.article_ids for s in book.stories()] == [["c"]]
