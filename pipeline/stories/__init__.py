"""Policy stories: policy changes from many articles grouped into one decision's story.

    contributions(article) -> {group key: [Contribution]}     (per article, pure)
    StoryBook(group_key).apply(StoryUpdate(...)) -> StoryChanges (per group key, a reducer)

`keys` says which changes can be one decision, `contributions` what an article says about each,
`story` how a story's state follows from its contributions, `book` how a group's contributions
become stories.
"""

from pipeline.stories.book import StoryBook, StoryChanges
from pipeline.stories.contributions import contributions, outlet_of, reported_at, updates
from pipeline.stories.keys import action_family, actor_key, group_actor, group_key, object_head
from pipeline.stories.story import build_story, story_id

__all__ = [
    "StoryBook",
    "StoryChanges",
    "action_family",
    "actor_key",
    "build_story",
    "contributions",
    "group_actor",
    "group_key",
    "object_head",
    "outlet_of",
    "reported_at",
    "story_id",
    "updates",
]
