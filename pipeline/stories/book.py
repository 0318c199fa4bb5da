"""The stories of one group key, as a reducer over article updates (the stories table's value).

The book keeps each article's latest contributions and nothing else: `apply` *replaces* an
article's contributions (a correction replaces, a redelivery changes nothing, an empty update
retracts), and the stories are recomputed from the set. Contributions sorted by time are chained
into stories: one joins the current story when it comes within `window_days` of that story's
last report, else it opens the next story. Being a function of the set, the state is the same
whatever order the articles arrive in; only story ids can move when a late article reports
earlier than a story's first report (its time bucket may change): the old id is then `removed`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipeline.config import PipelineConfig
from pipeline.stories.story import build_story
from schemas import Contribution, PolicyStory, StoryUpdate


@dataclass(frozen=True)
class StoryChanges:
    """What one update did: the stories whose state changed (new ones included) and the ids
    of stories that no longer exist (to be deleted from the compacted topic)."""

    changed: list[PolicyStory] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class StoryBook:
    """The stories of one group key, built from each article's latest contributions."""

    def __init__(
        self, group_key: str, window_days: float = PipelineConfig.story_window_days
    ) -> None:
        """Return an empty book for `group_key`, chaining reports `window_days` apart."""
        if window_days <= 0:
            raise ValueError(f"window_days must be positive, got {window_days}")
        self.group_key = group_key
        self.window_days = window_days
        self._by_article: dict[str, tuple[Contribution, ...]] = {}
        self._stories: dict[str, PolicyStory] | None = None

    def __len__(self) -> int:
        """Return the number of articles contributing to the book."""
        return len(self._by_article)

    def apply(self, update: StoryUpdate) -> StoryChanges:
        """Replace the update's article's contributions; return the stories that changed."""
        if update.group_key != self.group_key:
            raise ValueError(f"update for {update.group_key!r} applied to {self.group_key!r}")
        if any(c.article_id != update.article_id for c in update.contributions):
            raise ValueError(f"update for article {update.article_id!r} carries another's")
        before = self._story_map()
        new = tuple(sorted(update.contributions, key=_order))
        if new == self._by_article.get(update.article_id, ()):
            return StoryChanges()
        if new:
            self._by_article[update.article_id] = new
        else:
            self._by_article.pop(update.article_id, None)
        self._stories = None
        after = self._story_map()
        return StoryChanges(
            changed=[story for sid, story in after.items() if before.get(sid) != story],
            removed=sorted(set(before) - set(after)),
        )

    def stories(self) -> list[PolicyStory]:
        """Return the book's stories, oldest first."""
        return list(self._story_map().values())

    def forget_before(self, moment: datetime) -> list[str]:
        """Drop the stories last reported before `moment` (bounding the state); return their
        ids."""
        gone = [s for s in self.stories() if s.last_seen < moment]
        for story in gone:
            for article_id in story.article_ids:
                kept = tuple(c for c in self._by_article[article_id] if c.at >= moment)
                if kept:
                    self._by_article[article_id] = kept
                else:
                    del self._by_article[article_id]
        if gone:
            self._stories = None
        return [s.id for s in gone]

    def _story_map(self) -> dict[str, PolicyStory]:
        if self._stories is None:
            self._stories = {}
            for chain in self._chains():
                story = build_story(self.group_key, chain, self.window_days)
                self._stories[story.id] = story
        return self._stories

    def _chains(self) -> list[list[Contribution]]:
        """Return the contributions cut into stories: sorted by time, a gap of more than the
        window starts the next story."""
        items = sorted((c for cs in self._by_article.values() for c in cs), key=_order)
        window = timedelta(days=self.window_days)
        chains: list[list[Contribution]] = []
        for item in items:
            if chains and item.at - chains[-1][-1].at <= window:
                chains[-1].append(item)
            else:
                chains.append([item])
        return chains

    def to_json(self) -> str:
        """Return the book as JSON text (for the stories table)."""
        return json.dumps(
            {
                "group_key": self.group_key,
                "articles": {
                    article_id: [c.model_dump(mode="json") for c in items]
                    for article_id, items in sorted(self._by_article.items())
                },
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(
        cls, text: str | bytes, window_days: float = PipelineConfig.story_window_days
    ) -> StoryBook:
        """Return the book `to_json` wrote."""
        data = json.loads(text)
        book = cls(str(data["group_key"]), window_days)
        for article_id, items in data["articles"].items():
            book._by_article[str(article_id)] = tuple(
                sorted((Contribution.model_validate(c) for c in items), key=_order)
            )
        return book


def _order(item: Contribution) -> tuple[datetime, str, str]:
    return (item.at, item.article_id, item.change_id)
