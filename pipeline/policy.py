"""Policy changes: a parsed Doc and its entities -> structured policy-change events."""

from __future__ import annotations

import hashlib

from spacy.tokens import Doc

from schemas import Entity, PolicyChange

STAGE = "policy"


def policy_change_id(article_id: str, actor: str, action: str, key: str) -> str:
    """Return the deterministic id of a change: the same article and decision give the same id."""
    material = "\x1f".join(part.casefold().strip() for part in (article_id, actor, action, key))
    return "pc-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


def detect_policy_changes(doc: Doc, entities: list[Entity], article_id: str) -> list[PolicyChange]:
    """Return the policy changes that `doc` reports (none yet: detection lands with its own issue)."""
    del doc, entities, article_id
    return []
