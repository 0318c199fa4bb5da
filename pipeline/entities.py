"""Entities: a parsed Doc of the clean text -> canonical entities with mentions, roles and salience.

Two halves:
- the `newsflow_entity_rules` pipeline component (added after "ner" by `pipeline.nlp`) corrects
  `doc.ents` in place: it trims determiners, possessives and titles from the model's spans, drops
  keyboard/UI junk, relabels names that follow a person's title, and lets gazetteer matches
  (countries, demonyms, cities, outlets, organisations, weapon systems) win over the model;
- `extract_entities` groups the corrected mentions into entities (gazetteer ids, surnames,
  acronyms), votes their type, reads roles from titles and appositions, and scores salience.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans
from spacy.vocab import Vocab

from pipeline import gazetteers
from pipeline.gazetteers import Entry
from schemas import Entity, EntityType, Mention, Role

STAGE = "entities"
COMPONENT = "newsflow_entity_rules"

# Numeric and temporal labels are attributes of the story, not things consumers join on.
_SKIPPED_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
_NAME_LABELS = frozenset(EntityType.__members__) - _SKIPPED_LABELS

_POSSESSIVES = frozenset({"'s", "’s", "'", "’", "s'", "s’"})
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those"})
_EDGE_PUNCT = frozenset(
    {".", ",", ";", ":", "-", "–", "—", '"', "“", "”", "‘", "’", "'", "(", ")", "[", "]"}
)
_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "prof"})

# Heads of the titles news writes before or beside a person's name.
_TITLE_HEADS = frozenset(
    """president president-elect vice-president chancellor minister premier secretary
    secretary-general spokesman spokeswoman spokesperson ambassador envoy governor mayor senator
    sen congressman congresswoman representative rep lawmaker legislator mp leader chairman
    chairwoman chair chief ceo cfo coo cto director head commander general gen admiral adm colonel
    col lieutenant lt major maj captain capt sergeant sgt officer official adviser advisor aide
    judge justice prosecutor attorney lawyer counsel king queen prince princess emperor pope
    sheikh emir ayatollah cardinal archbishop bishop rabbi imam founder co-founder executive
    analyst economist strategist professor coach manager owner correspondent editor reporter
    columnist commissioner negotiator diplomat inspector sheriff marshal speaker deputy
    ombudsman regulator administrator superintendent""".split()
)
_TITLE_MODIFIERS = frozenset(
    """vice deputy prime foreign defence defense finance interior home justice health economy
    economic trade press national security former acting interim senior top first supreme state
    federal government presidential military assistant associate managing lead special general
    chief executive principal attorney-general house majority minority party opposition
    intelligence energy environment education transport transportation treasury""".split()
)
_TITLE_WORDS = _TITLE_HEADS | _TITLE_MODIFIERS
# Words after "of" that belong to the title ("Secretary of State", "Chief of Staff").
_OF_COMPLEMENTS = frozenset(
    """state defense defence staff justice health commerce energy the treasury interior homeland
    security foreign affairs finance exchequer agriculture labor labour education transportation
    transport economy trade veterans""".split()
)
# Departments that are part of a minister's title, never an ORG of their own in that position.
_DEPARTMENT_HEADS = frozenset({"secretary", "minister", "undersecretary", "secretary-general"})
# Capitalised titles after which a capitalised name is a person's ("Chancellor Olaf Scholz's").
_PERSON_TITLES = frozenset(
    """president chancellor minister premier secretary senator sen rep gov governor mayor
    ambassador king queen prince princess pope general gen admiral judge spokesman spokeswoman
    mr mrs ms dr""".split()
)
_KEYS = r"(?:ctrl|control|alt|shift|cmd|command|enter|return|esc|escape|tab|del|delete|fn|option)"
_KEYBOARD_JUNK = re.compile(rf"(?i)^(?:{_KEYS}\s*\+\s*)+\w+$|^(?:{_KEYS}\b\s*){{2,}}$")


def _norm(token: Token) -> str:
    return token.lower_.rstrip(".")


def _is_possessive(token: Token) -> bool:
    return token.tag_ == "POS" or token.text in _POSSESSIVES


def _is_capitalised(token: Token) -> bool:
    return token.text[:1].isupper()


# --- the component: corrections to doc.ents -------------------------------------------------


def _trim(span: Span) -> Span | None:
    """Return `span` without determiners, possessives, edge punctuation, line breaks or titles."""
    doc = span.doc
    start, end = span.start, span.end
    for index in range(start, end):
        if "\n" in doc[index].text:
            # A name never runs across a line break: keep the longer side.
            if index - start >= end - index - 1:
                end = index
            else:
                start = index + 1
            break
    while start < end and (doc[start].lower_ in _DETERMINERS or doc[start].text in _EDGE_PUNCT):
        if doc[start].lower_ in _DETERMINERS and doc[start].text[:1].isupper() and end - start > 1:
            # "The Guardian" names itself with its article; a sentence-initial "The" is trimmed
            # only when the rest is a known name (the gazetteer decides that later).
            break
        start += 1
    while end > start and (_is_possessive(doc[end - 1]) or doc[end - 1].text in _EDGE_PUNCT):
        end -= 1
    if span.label_ == "PERSON":
        while end - start > 1 and (
            _norm(doc[start]) in _HONORIFICS or _norm(doc[start]) in _TITLE_WORDS
        ):
            start += 1
    if end <= start:
        return None
    return Span(doc, start, end, label=span.label_, kb_id=span.kb_id_)


def _is_junk(span: Span) -> bool:
    """Return whether `span` is UI text, punctuation or a lowercase word, not a name."""
    text = span.text
    if _KEYBOARD_JUNK.match(text) or "+" in text and len(span) <= 4:
        return True
    if not any(c.isalpha() for c in text):
        return True
    lowercase = all(t.is_lower or not t.is_alpha for t in span)
    return lowercase and span.label_ in {"PERSON", "GPE", "LOC", "NORP", "FAC"}


def _is_department_in_title(span: Span) -> bool:
    """Return whether `span` is the department of a minister's title: "Secretary of *State*"."""
    doc = span.doc
    if span.label_ not in {"ORG", "GPE"} or span.start < 2 or len(span) > 3:
        return False
    before = doc[span.start - 1]
    head = doc[span.start - 2]
    return before.lower_ == "of" and _norm(head) in _DEPARTMENT_HEADS and _is_capitalised(head)


def _after_person_title(span: Span) -> bool:
    """Return whether `span` is a capitalised name right after a title such as "Chancellor"."""
    if span.start == 0 or len(span) > 4:
        return False
    title = span.doc[span.start - 1]
    if not (_is_capitalised(title) and _norm(title) in _PERSON_TITLES):
        return False
    return all(t.is_alpha and t.text[:1].isupper() and not t.is_upper for t in span)


@dataclass
class _Match:
    span: Span
    entry: Entry


def _gazetteer_wins(match: _Match, overlapping: Sequence[Span]) -> bool:
    for other in overlapping:
        if other.label_ in match.entry.keep:
            return False
        wider = other.start <= match.span.start and other.end >= match.span.end
        if wider and len(other) > len(match.span):
            extra = [t for t in other if t.i < match.span.start or t.i >= match.span.end]
            if not all(t.lower_ in _DETERMINERS or _is_possessive(t) for t in extra):
                return False  # the model saw a longer name: "Bank of England", "U.S. Army"
    return True


class EntityRules:
    """Pipeline component: correct the model's `doc.ents` with fixes and gazetteers."""

    def __init__(self, vocab: Vocab, tokenize: Language, entries: Iterable[Entry]) -> None:
        """Build the phrase matcher over every gazetteer alias."""
        self.matcher = PhraseMatcher(vocab, attr="ORTH")
        self.entries: dict[int, Entry] = {}
        for index, entry in enumerate(entries):
            key = f"newsflow_gazetteer_{index}"
            self.entries[vocab.strings.add(key)] = entry
            self.matcher.add(key, list(tokenize.tokenizer.pipe(entry.aliases)))

    def _matches(self, doc: Doc) -> list[_Match]:
        found: list[_Match] = []
        for match_id, start, end in self.matcher(doc):
            entry = self.entries[match_id]
            needed = entry.needs_next(doc[start:end].text)
            if needed and (end >= len(doc) or doc[end].lower_ not in needed):
                continue
            span = Span(doc, start, end, label=entry.label, kb_id=entry.name)
            found.append(_Match(span, entry))
        kept = {(s.start, s.end) for s in filter_spans([m.span for m in found])}
        return [m for m in found if (m.span.start, m.span.end) in kept]

    def __call__(self, doc: Doc) -> Doc:
        """Return `doc` with `doc.ents` corrected (numeric entities are left as they are)."""
        model: list[Span] = []
        for ent in doc.ents:
            if ent.label_ in _SKIPPED_LABELS:
                model.append(ent)
                continue
            trimmed = _trim(ent)
            if trimmed is None or _is_junk(trimmed) or _is_department_in_title(trimmed):
                continue
            if trimmed.label_ != "PERSON" and _after_person_title(trimmed):
                trimmed = Span(doc, trimmed.start, trimmed.end, label="PERSON")
            model.append(trimmed)
        chosen: list[Span] = []
        dropped: set[int] = set()
        for match in self._matches(doc):
            overlapping = [
                i for i, o in enumerate(model) if o.start < match.span.end and match.span.start < o.end
            ]
            if _gazetteer_wins(match, [model[i] for i in overlapping]):
                dropped.update(overlapping)
                chosen.append(match.span)
        spans = [s for i, s in enumerate(model) if i not in dropped] + chosen
        doc.ents = filter_spans(spans)
        return doc


@Language.factory(COMPONENT)
def make_entity_rules(nlp: Language, name: str) -> EntityRules:
    """Return the entity-rules component with the project's gazetteers."""
    return EntityRules(nlp.vocab, nlp, gazetteers.load_entries())


# --- extraction: mentions -> entities -------------------------------------------------------

_CORPORATE_SUFFIXES = frozenset(
    {"inc", "corp", "co", "ltd", "plc", "llc", "ag", "sa", "nv", "gmbh", "group"}
)
_ACRONYM_STOPWORDS = frozenset({"of", "and", "the", "for", "&", "de", "du", "la", "on", "in"})
_LABEL_PRIORITY = {label: rank for rank, label in enumerate(EntityType.__members__)}


@dataclass
class _Group:
    """Mentions taken to name one entity, with the evidence for its name and type."""

    spans: list[Span]
    gazetteer: Entry | None = None
    labels: Counter[str] = field(default_factory=Counter)

    @property
    def first(self) -> int:
        return min(s.start_char for s in self.spans)

    def label(self) -> str:
        if self.gazetteer is not None:
            return self.gazetteer.label
        # Most votes; a tie goes to the first mention's label.
        first = min(self.spans, key=lambda s: s.start_char).label_
        return max(self.labels, key=lambda lab: (self.labels[lab], lab == first))

    def name(self) -> str:
        if self.gazetteer is not None:
            return self.gazetteer.name
        texts = Counter(_surface(s) for s in self.spans)
        if self.label() == "PERSON":
            return max(texts, key=lambda t: (len(t.split()), texts[t], -len(t)))
        return max(texts, key=lambda t: (texts[t], len(t)))

    def absorb(self, other: _Group) -> None:
        self.spans.extend(other.spans)
        self.labels.update(other.labels)
        self.gazetteer = self.gazetteer or other.gazetteer


def _surface(span: Span) -> str:
    return " ".join(span.text.split())


def _key(span: Span) -> str:
    if span.kb_id_:
        return f"{span.label_}:{span.kb_id_}"
    words = _surface(span).replace("’", "'").casefold().split()
    while len(words) > 1 and words[-1].rstrip(".") in _CORPORATE_SUFFIXES:
        words.pop()
    return " ".join(words)


def _group(spans: Iterable[Span]) -> list[_Group]:
    groups: dict[str, _Group] = {}
    by_name = gazetteers.by_name()
    for span in spans:
        group = groups.setdefault(_key(span), _Group(spans=[]))
        group.spans.append(span)
        group.labels[span.label_] += 1
        if span.kb_id_:
            group.gazetteer = by_name.get((span.label_, span.kb_id_))
    return list(groups.values())


def _initials(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w.lower() not in _ACRONYM_STOPWORDS and w[:1].isupper())


def _merge_aliases(groups: list[_Group]) -> list[_Group]:
    """Return `groups` with surnames and acronyms folded into the full name they stand for."""
    people = [g for g in groups if g.label() == "PERSON" and g.gazetteer is None]
    others = [g for g in groups if g.label() not in {"PERSON"} and g.gazetteer is None]
    merged: set[int] = set()
    for short in sorted(groups, key=lambda g: -len(g.name().split())):
        if short.gazetteer is not None:
            continue
        words = short.name().split()
        # Surname (or shorter name) of exactly one fuller person named in the article.
        fuller = [
            g
            for g in people
            if g is not short
            and id(g) not in merged
            and len(g.name().split()) > len(words)
            and g.name().split()[-len(words) :] == words
        ]
        if len({g.name() for g in fuller}) == 1:
            fuller[0].absorb(short)
            merged.add(id(short))
            continue
        if len(words) == 1 and words[0].isupper() and 2 <= len(words[0]) <= 6:
            expansions = [
                g
                for g in others
                if g is not short and id(g) not in merged and _initials(g.name().split()) == words[0]
            ]
            if len({g.name() for g in expansions}) == 1:
                expansions[0].absorb(short)
                merged.add(id(short))
    return [g for g in groups if id(g) not in merged]


# --- roles ------------------------------------------------------------------------------------


def _of_complement_left(doc: Doc, index: int) -> int | None:
    """If doc[..index] ends with '<title> of <Complement>', return the index of '<title>'."""
    j = index
    while j >= 0 and index - j < 3 and doc[j].lower_ in _OF_COMPLEMENTS | {"the"}:
        j -= 1
    if j == index or j < 1 or doc[j].lower_ != "of":
        return None
    return j - 1 if _norm(doc[j - 1]) in _TITLE_HEADS else None


def _title_left(doc: Doc, end: int) -> tuple[int, int] | None:
    """Return the [start, end) of a title ending at token `end` ("US *Secretary of State*")."""
    i = end - 1
    while i >= 0:
        token = doc[i]
        if token.ent_type_ and token.ent_type_ != "ORG":
            break
        head = _of_complement_left(doc, i)
        if head is not None:
            i = head
        elif _norm(token) in _TITLE_WORDS and not token.ent_type_:
            i -= 1
        else:
            break
    start = i + 1
    words = {_norm(t) for t in doc[start:end]}
    if start >= end or not words & _TITLE_HEADS:
        return None
    return start, end


def _title_right(doc: Doc, start: int) -> tuple[int, int]:
    """Return the [start, end) of title words from token `start` ("*press secretary* to ...")."""
    i = start
    while i < len(doc):
        word = _norm(doc[i])
        if word in _TITLE_WORDS and not doc[i].ent_type_:
            i += 1
        elif word == "of" and i + 1 < len(doc) and doc[i + 1].lower_ in _OF_COMPLEMENTS:
            i += 2
            while i < len(doc) and doc[i].lower_ in _OF_COMPLEMENTS:
                i += 1
        else:
            break
    return start, i


def _role_title(doc: Doc, start: int, end: int) -> str | None:
    tokens = [t for t in doc[start:end] if _norm(t) not in _HONORIFICS]
    if not tokens or not {_norm(t) for t in tokens} & _TITLE_HEADS:
        return None
    return doc[tokens[0].i : tokens[-1].i + 1].text


class _Owners:
    """Which entity each token belongs to, to name the organisation or country of a role."""

    def __init__(self, doc: Doc, entities: Sequence[tuple[_Group, str]]) -> None:
        self.doc = doc
        self.by_token: dict[int, tuple[_Group, str]] = {}
        for group, name in entities:
            for span in group.spans:
                for token in span:
                    self.by_token[token.i] = (group, name)

    def name_at(self, index: int) -> str | None:
        """Return the owner named by the entity at token `index` (a demonym names its country)."""
        found = self.by_token.get(index)
        if found is None:
            return None
        group, name = found
        if group.gazetteer is not None and group.gazetteer.country:
            return group.gazetteer.country
        return name

    def before(self, index: int) -> str | None:
        """Return the owner named just before token `index` ("US", "Olaf Scholz's")."""
        if index >= 1 and _is_possessive(self.doc[index - 1]):
            index -= 1
        return self.name_at(index - 1) if index >= 1 else None

    def after(self, index: int) -> str | None:
        """Return the owner named just after token `index` ("of the Kremlin", "for NATO")."""
        doc = self.doc
        if index < len(doc) and doc[index].lower_ in {"of", "for", "at", "to", "in", "with"}:
            index += 1
            if index < len(doc) and doc[index].lower_ == "the":
                index += 1
            return self.name_at(index)
        return None


def _roles_of(span: Span, owners: _Owners) -> list[Role]:
    doc = span.doc
    roles: list[Role] = []
    # Compound before the name: "US President Joe Biden", "spokesman Steffen Hebestreit".
    zone = _title_left(doc, span.start)
    # Apposition before it: "Zelensky's press secretary, Serhii Nykyforov".
    if zone is None and span.start >= 2 and doc[span.start - 1].text == ",":
        zone = _title_left(doc, span.start - 1)
    if zone is not None:
        title = _role_title(doc, *zone)
        if title:
            roles.append(Role(title=title, of=owners.before(zone[0])))
    # Apposition after it: "Antony Blinken, the US secretary of state," or "..., a spokesman for".
    if span.end + 1 < len(doc) and doc[span.end].text == ",":
        i = span.end + 1
        if doc[i].lower_ in {"the", "a", "an"}:
            i += 1
        owner = None
        while i < len(doc) and owners.name_at(i) is not None:
            owner = owners.name_at(i)
            i += 1
        if i < len(doc) and _is_possessive(doc[i]):
            i += 1
        start, end = _title_right(doc, i)
        title = _role_title(doc, start, end) if end > start else None
        if title:
            roles.append(Role(title=title, of=owner or owners.after(end)))
    return roles


def _dedupe_roles(roles: Iterable[Role]) -> list[Role]:
    unique: dict[tuple[str, str | None], Role] = {}
    for role in roles:
        unique.setdefault((role.title.casefold(), role.of), role)
    owned = {title for title, of in unique if of is not None}
    return [r for (title, of), r in unique.items() if of is not None or title not in owned]


# --- salience and assembly --------------------------------------------------------------------


def _weight(span: Span, length: int) -> float:
    # Earlier mentions count up to twice as much: news puts what matters first. Being the subject
    # of a clause counts extra.
    weight = 1.0 + (1.0 - span.start_char / max(length, 1))
    if span.root.dep_ in {"nsubj", "nsubjpass"}:
        weight += 0.5
    return weight


def extract_entities(doc: Doc) -> list[Entity]:
    """Return one Entity per real-world referent in `doc`, most salient first."""
    spans = [s for s in doc.ents if s.label_ in _NAME_LABELS]
    groups = _merge_aliases(_group(spans))
    named = [(g, g.name()) for g in groups]
    owners = _Owners(doc, named)
    scores = {id(g): sum(_weight(s, len(doc.text)) for s in g.spans) for g in groups}
    total = sum(scores.values()) or 1.0
    entities: list[Entity] = []
    for group, name in named:
        label = group.label()
        ordered = sorted(group.spans, key=lambda s: s.start_char)
        roles: list[Role] = []
        if label == "PERSON":
            roles = _dedupe_roles(r for s in ordered for r in _roles_of(s, owners))
        gazetteer = group.gazetteer
        entities.append(
            Entity(
                name=name,
                type=EntityType(label),
                aliases=list(dict.fromkeys(_surface(s) for s in ordered)),
                mentions=[Mention(text=s.text, start=s.start_char, end=s.end_char) for s in ordered],
                roles=roles,
                salience=round(scores[id(group)] / total, 4),
                mention_count=len(ordered),
                first_position=ordered[0].start_char,
                country=gazetteer.country if gazetteer is not None else None,
            )
        )
    entities.sort(key=lambda e: (-e.salience, e.first_position))
    return entities
