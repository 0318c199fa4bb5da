"""An enriched article's contributions to story groups: one per policy change with an actor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from pipeline.gazetteers import outlets
from pipeline.stories.keys import actor_key, group_actor, group_key
from schemas import Contribution, EnrichedArticle, PolicyChange, StoryActor, StoryUpdate


def outlet_of(article: EnrichedArticle) -> str:
    """Return the article's outlet: its source's canonical name (gazetteer) or the source as
    given, else its URL's host without "www."; "" when it has neither."""
    source = (article.source or "").strip()
    if source:
        known = outlets().get(source.casefold())
        return known[0] if known else source
    if article.url:
        host = urlsplit(article.url.strip()).hostname or ""
        return host.removeprefix("www.")
    return ""


def as_utc(moment: datetime) -> datetime:
    """Return `moment` as an aware UTC time (a naive time is taken to be UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def reported_at(article: EnrichedArticle) -> datetime:
    """Return when the article reported its news: published_at, else when it was received
    (ingested, else processed), in UTC."""
    processing = article.processing
    moment = article.published_at or processing.ingested_at or processing.processed_at
    return as_utc(moment)


def contribution(change: PolicyChange, article: EnrichedArticle, key: str) -> Contribution:
    """Return what `change` (found in `article`) says about its story; `key` is its actor key."""
    return Contribution(
        article_id=article.id,
        change_id=change.id,
        outlet=outlet_of(article),
        reprint_of=article.duplicate_of,
        at=reported_at(article),
        actor=StoryActor(name=change.actor.name, key=key),
        action=change.action,
        direction=change.direction,
        status=change.status,
        object=change.object,
        scope=change.scope,
        confidence=change.confidence,
    )


def contributions(article: EnrichedArticle) -> dict[str, list[Contribution]]:
    """Return the article's contributions by story group key (changes without an actor are
    left out); the lists follow the order of `article.policy_changes`."""
    found: dict[str, list[Contribution]] = {}
    for change in article.policy_changes:
        key = group_key(change, article)
        if key is None:
            continue
        actor = actor_key(change, article.entities) or ""
        found.setdefault(key, []).append(contribution(change, article, actor))
    return found


def updates(article: EnrichedArticle, previous_groups: Iterable[str] = ()) -> list[StoryUpdate]:
    """Return one StoryUpdate per group the article contributes to now or did before
    (`previous_groups`, e.g. from the story-article-groups table): a group it left gets an
    empty update, which retracts its earlier contribution. Sorted by group key."""
    found = contributions(article)
    return [
        StoryUpdate(
            article_id=article.id,
            group_key=key,
            actor_key=group_actor(key),
            contributions=found.get(key, []),
        )
        for key in sorted(set(found) | set(previous_groups))
    ]
