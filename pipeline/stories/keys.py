"""Story group keys: which policy changes can be one decision (same rule-setter, same rule).

A group key is `<actor key>|<action family>|<object head>`. The actor key is the entity stage's
cross-article key of the change's rule-setter (`Entity.key`), so "U.S." in one article and
"United States" in another meet. The action family folds verbs that reports of one decision use
interchangeably ("bans" and "restricts" TikTok). The object head is the object's head word,
singular and lower case ("tariffs on Chinese goods" -> "tariff"), so wordings of one object meet.
"""

from __future__ import annotations

import re

from pipeline.entity_keys import entity_key, normalised_name
from pipeline.gazetteers import by_name
from schemas import EnrichedArticle, Entity, EntityType, PolicyAction, PolicyChange

ACTION_FAMILIES: dict[PolicyAction, str] = {
    PolicyAction.BAN: "restrict",
    PolicyAction.RESTRICT: "restrict",
    PolicyAction.IMPOSE: "restrict",
    PolicyAction.REQUIRE: "restrict",
    PolicyAction.SUSPEND: "restrict",
    PolicyAction.REDUCE: "restrict",
    PolicyAction.PERMIT: "permit",
    PolicyAction.LIFT: "permit",
    PolicyAction.RESUME: "permit",
    PolicyAction.EXPAND: "permit",
    PolicyAction.APPROVE: "approve",
    PolicyAction.ADOPT: "approve",
    PolicyAction.REJECT: "repeal",
    PolicyAction.REPEAL: "repeal",
    PolicyAction.FUND: "fund",
    PolicyAction.RAISE: "rate",
    PolicyAction.LOWER: "rate",
    PolicyAction.CHANGE: "change",
}
"""Action -> the family whose reports can describe one decision."""

SEPARATOR = "|"
NO_OBJECT = "-"
_ACTOR_TYPES = (EntityType.GPE, EntityType.ORG, EntityType.PERSON, EntityType.NORP)
_WORD = re.compile(r"[a-z][a-z0-9'-]*")
_BREAKS = frozenset((
    "of", "on", "for", "to", "in", "from", "against", "with", "by", "over", "at", "into", "under",
    "about", "that", "which", "who", "as",
))  # fmt: skip
"""Words after which an object's head has been said ("tariffs *on* steel")."""
_FILLER = frozenset((
    "a", "an", "the", "its", "their", "his", "her", "our", "new", "more", "some", "all", "any",
    "this", "these", "those",
))  # fmt: skip


def action_family(action: PolicyAction) -> str:
    """Return the family of `action` ("restrict" for ban, restrict, impose ...)."""
    return ACTION_FAMILIES[action]


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def object_head(obj: str | None) -> str:
    """Return the head word of a change's object, singular and lower case ("-" if none).

    The head is the last word before the first preposition or relative word: "tariffs on
    Chinese goods" -> "tariff", "new offshore drilling" -> "drilling".
    """
    if not obj:
        return NO_OBJECT
    head = ""
    for word in _WORD.findall(obj.casefold()):
        if word in _BREAKS:
            if head:
                break
            continue
        if word not in _FILLER:
            head = word
    return _singular(head.strip("'-")) or NO_OBJECT


def actor_key(change: PolicyChange, entities: list[Entity]) -> str | None:
    """Return the cross-article key of the change's rule-setter, or None without a usable name.

    The actor's canonical name is matched to the article's entities (by name, then by alias),
    so it gets that entity's key; a name no entity carries is keyed the way the entity stage
    would key it (a gazetteer code where there is one, else "org:<normalised name>").
    """
    name = change.actor.name.strip()
    if not normalised_name(name):
        return None
    folded = name.casefold()
    candidates = [e for e in entities if e.type in _ACTOR_TYPES and e.key]
    for matches in (
        lambda e: e.name.casefold() == folded,
        lambda e: any(a.casefold() == folded for a in e.aliases),
    ):
        found = [e for e in candidates if matches(e)]
        if found:
            best = min(found, key=lambda e: (_ACTOR_TYPES.index(e.type), -e.salience))
            return best.key
    for label in ("GPE", "ORG"):
        entry = by_name().get((label, name))
        if entry is not None:
            return entity_key(label, name, entry)
    return entity_key("ORG", name)


def group_key(change: PolicyChange, article: EnrichedArticle) -> str | None:
    """Return the story group of `change` found in `article`, or None (no usable actor)."""
    actor = actor_key(change, article.entities)
    if actor is None:
        return None
    return SEPARATOR.join((actor, action_family(change.action), object_head(change.object)))


def group_actor(key: str) -> str:
    """Return the rule-setter's entity key a group key starts with (its partitioning key)."""
    return key.split(SEPARATOR, 1)[0]
