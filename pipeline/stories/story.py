"""One story's state from its contributions: status history, outlets, corroboration, conflict.

Everything here is a pure function of the *set* of contributions (ties broken by sorted values),
so the state does not depend on the order in which articles arrived.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from schemas import Contribution, PolicyStatus, PolicyStory, StatusStep, StoryActor

STATUS_RANK: dict[PolicyStatus, int] = {
    PolicyStatus.CONSIDERED: 0,
    PolicyStatus.UNCHANGED: 0,
    PolicyStatus.PROPOSED: 1,
    PolicyStatus.SIGNALED: 1,
    PolicyStatus.REPORTED: 2,
    PolicyStatus.ANNOUNCED: 2,
    PolicyStatus.APPROVED: 3,
    PolicyStatus.ENACTED: 4,
    PolicyStatus.REVERSED: 5,
}
"""How far a status has gone: a story's current status is the furthest reported."""

TENTATIVE = frozenset({PolicyStatus.CONSIDERED, PolicyStatus.PROPOSED, PolicyStatus.SIGNALED})
DECIDED = frozenset(
    {PolicyStatus.REPORTED, PolicyStatus.ANNOUNCED, PolicyStatus.APPROVED, PolicyStatus.ENACTED}
)
SAME_TIME = timedelta(days=1)
"""Reports this close together describe the same moment: differing statuses then conflict."""

T = TypeVar("T")


def _most_common(values: Iterable[T | None]) -> T | None:
    """Return the most frequent non-None value (the smallest by text on ties), else None."""
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    return min(counts, key=lambda v: (-counts[v], str(v)))


def story_id(group_key: str, first_seen: datetime, window_days: float) -> str:
    """Return the id of the story of `group_key` that starts at `first_seen`: a hash of the
    group key and the window-sized time bucket its first report falls in (unique in a group,
    since stories of one group start more than a window apart)."""
    bucket = int(first_seen.timestamp() // (window_days * 86_400))
    digest = hashlib.sha256(f"{group_key}\n{bucket}".encode()).hexdigest()
    return f"story-{digest[:24]}"


def status_history(items: Sequence[Contribution]) -> list[StatusStep]:
    """Return each status reported, with its earliest report and its articles, in the order
    the statuses were first reported (the lower status first at the same moment)."""
    by_status: dict[PolicyStatus, list[Contribution]] = {}
    for item in items:
        by_status.setdefault(item.status, []).append(item)
    steps = [
        StatusStep(
            status=status,
            at=min(c.at for c in reports),
            article_ids=sorted({c.article_id for c in reports}),
        )
        for status, reports in by_status.items()
    ]
    return sorted(steps, key=lambda s: (s.at, STATUS_RANK[s.status], s.status.value))


def current_status(items: Sequence[Contribution]) -> PolicyStatus:
    """Return the furthest status reported; among equally far ones, the latest reported."""
    return max(items, key=lambda c: (STATUS_RANK[c.status], c.at, c.status.value)).status


def _independent(item: Contribution) -> str:
    """Return who vouches for a contribution: its outlet (the article itself without one)."""
    return item.outlet.casefold() or f"article:{item.article_id}"


def corroboration(items: Sequence[Contribution]) -> float:
    """Return the story's confidence: 1 - prod(1 - c) over independent reporters (distinct
    outlets of non-reprints), each counted with its best change confidence."""
    best: dict[str, float] = {}
    for item in items:
        if item.reprint_of is None:
            who = _independent(item)
            best[who] = max(best.get(who, 0.0), item.confidence)
    if not best:  # only reprints: they vouch for one report
        best = {"reprint": max(item.confidence for item in items)}
    doubt = 1.0
    for value in sorted(best.values()):
        doubt *= 1.0 - value
    return round(1.0 - doubt, 4)


def _conflict(a: Contribution, b: Contribution) -> bool:
    """Return whether two reports by different outlets contradict each other: close in time,
    one tentative and one decided with the tentative one not earlier (so not a progression),
    or one saying the rule stays unchanged while the other says it changes."""
    if _independent(a) == _independent(b) or abs(a.at - b.at) > SAME_TIME:
        return False
    statuses = {a.status, b.status}
    if PolicyStatus.UNCHANGED in statuses:
        return len(statuses) == 2 and PolicyStatus.REVERSED not in statuses
    for low, high in ((a, b), (b, a)):
        if low.status in TENTATIVE and high.status in DECIDED and low.at >= high.at:
            return True
    return False


def conflicting_statuses(items: Sequence[Contribution]) -> list[PolicyStatus]:
    """Return the statuses of reports that contradict another report (sorted), else []."""
    independent = [c for c in items if c.reprint_of is None]
    found: set[PolicyStatus] = set()
    for i, first in enumerate(independent):
        for second in independent[i + 1 :]:
            if _conflict(first, second):
                found |= {first.status, second.status}
    return sorted(found, key=lambda s: (STATUS_RANK[s], s.value))


def build_story(group_key: str, items: Sequence[Contribution], window_days: float) -> PolicyStory:
    """Return the state of the story made of `items` (one or more contributions of a group)."""
    if not items:
        raise ValueError("a story needs at least one contribution")
    first_seen = min(c.at for c in items)
    actor = _most_common((c.actor.name, c.actor.key) for c in items)
    assert actor is not None
    conflicts = conflicting_statuses(items)
    return PolicyStory(
        id=story_id(group_key, first_seen, window_days),
        group_key=group_key,
        actor=StoryActor(name=actor[0], key=actor[1]),
        action=_most_common(c.action for c in items) or items[0].action,
        direction=_most_common(c.direction for c in items) or items[0].direction,
        object=_most_common(c.object for c in items),
        scope=_most_common(c.scope for c in items),
        status=current_status(items),
        status_history=status_history(items),
        article_ids=sorted({c.article_id for c in items}),
        reprint_ids=sorted({c.article_id for c in items if c.reprint_of is not None}),
        outlets=sorted({c.outlet for c in items if c.reprint_of is None and c.outlet}),
        first_seen=first_seen,
        last_seen=max(c.at for c in items),
        confidence=corroboration(items),
        disagreement=bool(conflicts),
        conflicting_statuses=conflicts,
    )
