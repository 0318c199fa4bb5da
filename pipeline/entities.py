"""Entities: a parsed Doc of the clean text -> canonical entities with mentions and salience."""

from __future__ import annotations

from collections import defaultdict

from spacy.tokens import Doc, Span

from schemas import Entity, EntityType, Mention

STAGE = "entities"

# Numeric and temporal labels are attributes of the story, not things consumers join on.
_SKIPPED_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})


def _mention(span: Span) -> Mention:
    return Mention(text=span.text, start=span.start_char, end=span.end_char)


def extract_entities(doc: Doc) -> list[Entity]:
    """Return one Entity per distinct name and type in `doc`, most salient first."""
    groups: dict[tuple[str, str], list[Span]] = defaultdict(list)
    for span in doc.ents:
        if span.label_ in _SKIPPED_LABELS or span.label_ not in EntityType.__members__:
            continue
        groups[(span.text, span.label_)].append(span)
    total = sum(len(spans) for spans in groups.values()) or 1
    entities = [
        Entity(
            name=name,
            type=EntityType(label),
            aliases=[name],
            mentions=[_mention(span) for span in spans],
            salience=round(len(spans) / total, 4),
            mention_count=len(spans),
            first_position=spans[0].start_char,
        )
        for (name, label), spans in groups.items()
    ]
    entities.sort(key=lambda e: (-e.salience, e.first_position))
    return entities
