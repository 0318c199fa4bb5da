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
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans
from spacy.vocab import Vocab

from pipeline import entities_news as news
from pipeline import gazetteers
from pipeline.entity_keys import entity_key
from pipeline.gazetteers import Entry
from schemas import Entity, EntityType, Mention, Role, Stage

STAGE = Stage.ENTITIES
COMPONENT = "newsflow_entity_rules"

# Numeric and temporal labels are attributes of the story, not things consumers join on.
_SKIPPED_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
NAME_LABELS = frozenset(EntityType.__members__) - _SKIPPED_LABELS
"""Labels of the names the stage turns into entities (numeric and temporal ones are left out)."""

_POSSESSIVES = frozenset({"'s", "’s", "'", "’", "s'", "s’"})
_DETERMINERS = frozenset({"the", "a", "an", "this", "that", "these", "those"})
_EDGE_PUNCT = frozenset(
    {".", ",", ";", ":", "-", "–", "—", '"', "“", "”", "‘", "’", "'", "(", ")", "[", "]"}
)
_HONORIFICS = gazetteers.titles("honorific")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Titles news writes before or beside a person's name (pipeline/gazetteers/titles.tsv).
_TITLE_HEADS = gazetteers.titles("head")
_TITLE_MODIFIERS = gazetteers.titles("modifier")
_TITLE_WORDS = _TITLE_HEADS | _TITLE_MODIFIERS
# Words after "of" that belong to the title ("Secretary of State", "Chief of Staff").
_OF_COMPLEMENTS = _words(
    """state defense defence staff justice health commerce energy the treasury interior homeland
    security foreign affairs finance exchequer agriculture labor labour education transportation
    transport economy trade veterans"""
)
# Departments that are part of a minister's title, never an ORG of their own in that position.
_DEPARTMENT_HEADS = frozenset({"secretary", "minister", "undersecretary", "secretary-general"})
# Capitalised titles after which a capitalised name is a person's ("Chancellor Olaf Scholz's").
_PERSON_TITLES = gazetteers.titles("person")
_KEYS = r"(?:ctrl|control|alt|shift|cmd|command|enter|return|esc|escape|tab|del|delete|fn|option)"
_KEYBOARD_JUNK = re.compile(rf"(?i)^(?:{_KEYS}\s*\+\s*)+\w+$|^(?:{_KEYS}\b\s*){{2,}}$")


def _norm(token: Token) -> str:
    return token.lower_.rstrip(".")


def _is_possessive(token: Token) -> bool:
    return token.tag_ == "POS" or token.text in _POSSESSIVES


def _is_capitalised(token: Token) -> bool:
    return token.text[:1].isupper()


# --- the component: corrections to doc.ents -------------------------------------------------


def _is_separator(token: Token) -> bool:
    """Return whether `token` separates names: brackets, or a dash with spaces around it."""
    if token.text in {"(", ")", "[", "]", "|", ";"}:
        return True
    spaced = token.i > 0 and bool(token.doc[token.i - 1].whitespace_) and bool(token.whitespace_)
    return spaced and token.text in {"-", "--", "—", "–", ":"}


def _is_function_word(token: Token) -> bool:
    # "US" and "IT" are names in capitals, not the stop words "us" and "it".
    return token.is_stop and not token.is_upper and token.lower_ not in _DETERMINERS


_SCORE = re.compile(r"^\d{1,3}(?:-\d{1,3})?$")


def _is_score(token: Token) -> bool:
    """Return whether `token` is a score: "2" in "Arsenal 2 Chelsea 1", "2-1" in "Lyon 2-1"."""
    return bool(_SCORE.match(token.text))


def _score_cut(token: Token, span: Span) -> bool:
    """Return whether `token` is a score between two names in `span` ("Arsenal *2* Chelsea 1")."""
    following = token.i + 1
    return (
        _is_score(token)
        and span.start < token.i
        and following < span.end
        and _is_capitalised(span.doc[following])
    )


def _pieces(span: Span, families: frozenset[str] = frozenset()) -> list[Span]:
    """Return `span` cut at separators: "Reuters - Southwest Airlines Inc.", "Fund (IMF"."""
    pieces: list[Span] = []
    start = span.start
    scored = "scores" in families and any(_score_cut(t, span) for t in span)
    end = span.end
    if "scores" in families and not scored and len(span) > 3:
        last = span[-3:]
        if _is_score(last[0]) and last[1].text == "-" and _is_score(last[2]):
            # "Lyon 2-1", "Charlton 2-0": a side and its result, not a name with numbers.
            span = Span(span.doc, span.start, span.end - 3, label="ORG")
    if scored:
        while end > start and _is_score(span.doc[end - 1]):
            end -= 1
        span = Span(span.doc, span.start, end, label="ORG")
    for token in span:
        if _is_separator(token) or (scored and _is_score(token)):
            if token.i > start:
                pieces.append(Span(span.doc, start, token.i, label=span.label_, kb_id=span.kb_id_))
            start = token.i + 1
    if span.end > start:
        pieces.append(Span(span.doc, start, span.end, label=span.label_, kb_id=span.kb_id_))
    return pieces


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
    if span.label_ != "WORK_OF_ART":
        # "With Philadelphia", "Associated Press By": a function word is never a name's edge.
        while end - start > 1 and _is_function_word(doc[start]):
            start += 1
        while end - start > 1 and _is_function_word(doc[end - 1]):
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
    if _KEYBOARD_JUNK.match(text) or ("+" in text and len(span) <= 4):
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


_EVENT_HEADS = frozenset({"hurricane", "typhoon", "cyclone", "storm"})
_LAW_TAILS = frozenset({"act", "treaty", "convention", "accord", "accords", "amendment"})
_WEB_SOURCE = re.compile(r"^[A-Za-z][\w-]*\.(?:com|net|org|co\.uk)$")


def _label_by_form(span: Span) -> str:
    """Return the label a name's own words give it: storms are EVENTs, Acts are LAWs."""
    if len(span) >= 2 and span[0].lower_ in _EVENT_HEADS and _is_capitalised(span[1]):
        return "EVENT"
    if len(span) >= 2 and span[-1].lower_ in _LAW_TAILS and _is_capitalised(span[-1]):
        return "LAW"
    return span.label_


def _after_person_title(span: Span) -> bool:
    """Return whether `span` is a capitalised name right after a title such as "Chancellor"."""
    if span.start == 0 or len(span) > 4:
        return False
    title = span.doc[span.start - 1]
    if not (_is_capitalised(title) and _norm(title) in _PERSON_TITLES):
        return False
    return all(t.is_alpha and t.text[:1].isupper() and not t.is_upper for t in span)


_DASHES = frozenset({"-", "--", "—", "–", ":"})


def _paragraph_starts(doc: Doc) -> list[int]:
    if not len(doc):
        return []
    breaks = [t.i + 1 for t in doc if "\n" in t.text and t.i + 1 < len(doc)]
    return [0, *breaks]


def _caps_run(doc: Doc, start: int) -> int:
    end = start
    while end < len(doc) and doc[end].is_upper and doc[end].text.rstrip(".").isalpha():
        end += 1
    return end


def _dateline(doc: Doc, start: int) -> list[Span]:
    """Return the names in a wire dateline at token `start`: "CARACAS, Venezuela (Reuters) -"."""
    found: list[Span] = []
    i = start
    # A wire prefix: "AP - ", "Canadian Press - " (a city in capitals is a dateline: "DETROIT --").
    for j in range(i + 1, min(i + 4, len(doc))):
        if doc[j].text in _DASHES and _is_separator(doc[j]):
            if all(_is_capitalised(t) for t in doc[i:j]) and not _is_caps_place(doc[i:j]):
                found.append(Span(doc, i, j, label="ORG"))
                i = j + 1
            break
    # A byline: "By RACHEL KONRAD".
    if (
        i + 2 < len(doc)
        and doc[i].text == "By"
        and all(_is_capitalised(t) for t in doc[i + 1 : i + 3])
    ):
        found.append(Span(doc, i + 1, i + 3, label="PERSON"))
        i += 3
    city_end = _caps_run(doc, i)
    if city_end == i:
        return found + _sourced_dateline(doc, i)
    label = doc[i:city_end].text.lower()
    if label in gazetteers.common_words() or label in gazetteers.news_words("sport"):
        return found  # "SOCCER - ", "CRICKET - ": a section label, not a city
    names = [Span(doc, i, city_end, label="GPE")]
    i = city_end
    if i < len(doc) and doc[i].text == ",":
        region_end = i + 1
        while region_end < len(doc) and region_end - i <= 3 and _is_capitalised(doc[region_end]):
            region_end += 1
        if region_end > i + 1:
            names.append(Span(doc, i + 1, region_end, label="GPE"))
            i = region_end
    if i < len(doc) and doc[i].text == "(":
        close = next((k for k in range(i + 1, min(i + 6, len(doc))) if doc[k].text == ")"), None)
        if close is None or close == i + 1:
            return found
        names.append(Span(doc, i + 1, close, label="ORG"))
        return found + names
    if i < len(doc) and doc[i].text in _DASHES:
        return found + names
    return found


def _is_caps_place(tokens: Span) -> bool:
    """Return whether capitalised `tokens` before a dash are a dateline's city, not an agency."""
    letters = sum(len(t.text) for t in tokens if t.is_alpha)
    if not all(t.is_upper for t in tokens) or letters <= 4:
        return False
    return tokens.text.casefold() not in gazetteers.outlets()


def _sourced_dateline(doc: Doc, start: int) -> list[Span]:
    """Return the names of "Houston, TX (Sports Network) -": city, region and source."""
    i = start
    while i < len(doc) and i - start < 3 and _is_capitalised(doc[i]) and doc[i].is_alpha:
        i += 1
    if i == start or i + 5 > len(doc) or doc[i].text != ",":
        return []
    region_end = i + 1
    while region_end < len(doc) and region_end - i <= 2 and _is_capitalised(doc[region_end]):
        region_end += 1
    if region_end == i + 1 or doc[region_end].text != "(":
        return []
    close = next(
        (k for k in range(region_end + 1, min(region_end + 6, len(doc))) if doc[k].text == ")"),
        None,
    )
    if close is None or close == region_end + 1 or close + 1 >= len(doc):
        return []
    if doc[close + 1].text not in _DASHES:
        return []
    return [
        Span(doc, start, i, label="GPE"),
        Span(doc, i + 1, region_end, label="GPE"),
        Span(doc, region_end + 1, close, label="ORG"),
    ]


def _layout_names(doc: Doc) -> list[Span]:
    """Return names that news layout gives away: datelines, bylines, sites quoted as sources."""
    spans = [s for p in _paragraph_starts(doc) for s in _dateline(doc, p)]
    if "." in news.doc_text(doc):
        spans += [Span(doc, t.i, t.i + 1, label="ORG") for t in doc if _WEB_SOURCE.match(t.text)]
    return spans


def _overrides(model: list[Span], forced: Iterable[Span]) -> list[Span]:
    """Return `model` with every span that overlaps one of `forced` replaced by it."""
    forced = list(forced)
    kept = [s for s in model if not any(f.start < s.end and s.start < f.end for f in forced)]
    return kept + forced


@dataclass
class _Match:
    span: Span
    entry: Entry


def _gazetteer_wins(match: _Match, overlapping: Sequence[Span]) -> bool:
    for other in overlapping:
        if other.label_ in match.entry.keep:
            return False
        wider = other.start <= match.span.start and other.end >= match.span.end
        if wider and len(other) > len(match.span) and match.entry.label != "WEAPON":
            extra = [t for t in other if t.i < match.span.start or t.i >= match.span.end]
            if not all(t.lower_ in _DETERMINERS or _is_possessive(t) for t in extra):
                return False  # the model saw a longer name: "Bank of England", "U.S. Army"
    return True


RULE_FAMILIES: tuple[str, ...] = (
    "scores",
    "datelines",
    "caps",
    "tickers",
    "sentence_starts",
    "sports",
    "lists",
)
"""Rule families that follow how news is written, each switchable (`EntityRules.families`):
scores: names in results lines ("Arsenal 2 Chelsea 1") are cut apart at the scores and are teams;
datelines: wire datelines, bylines and agency prefixes at a paragraph's start; the others are in
`pipeline.entities_news` (caps headlines, tickers, sentence-initial common words, sports teams
and competitions, lists of people)."""


class EntityRules:
    """Pipeline component: correct the model's `doc.ents` with fixes and gazetteers."""

    def __init__(self, vocab: Vocab, tokenize: Language, entries: Iterable[Entry]) -> None:
        """Build the phrase matcher over every gazetteer alias."""
        self.families: frozenset[str] = frozenset(RULE_FAMILIES)
        self.reread: Callable[[str], Doc] = tokenize.__call__
        self.matcher = PhraseMatcher(vocab, attr="ORTH")
        self.entries: dict[int, Entry] = {}
        for index, entry in enumerate(entries):
            key = f"newsflow_gazetteer_{index}"
            self.entries[vocab.strings.add(key)] = entry
            self.matcher.add(key, [tokenize.make_doc(alias) for alias in entry.aliases])

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
        for ent in _join_suffixes(list(doc.ents)):
            if ent.label_ in _SKIPPED_LABELS:
                model.append(ent)
                continue
            for piece in _pieces(ent, self.families):
                trimmed = _trim(piece)
                if trimmed is None or _is_junk(trimmed) or _is_department_in_title(trimmed):
                    continue
                label = _label_by_form(trimmed)
                if label != "PERSON" and _after_person_title(trimmed):
                    label = "PERSON"
                if label != trimmed.label_:
                    trimmed = Span(doc, trimmed.start, trimmed.end, label=label)
                model.append(trimmed)
        if "caps" in self.families:
            model = news.caps(doc, model, self.reread)
        if "datelines" in self.families:
            model = _overrides(model, _layout_names(doc))
        if "scores" in self.families:
            model = news.results_lines(doc, model)
        if "tickers" in self.families:
            model = news.tickers(doc, model)
        if "sentence_starts" in self.families:
            model = news.sentence_starts(doc, model)
        chosen: list[Span] = []
        dropped: set[int] = set()
        for match in self._matches(doc):
            overlapping = [
                i
                for i, o in enumerate(model)
                if o.start < match.span.end and match.span.start < o.end
            ]
            if _gazetteer_wins(match, [model[i] for i in overlapping]):
                dropped.update(overlapping)
                chosen.append(match.span)
        kept = [s for i, s in enumerate(model) if i not in dropped]
        # A weapon's designation cut out of a longer model span leaves the rest standing:
        # "US Air Force F-15E" -> "US Air Force" + "F-15E".
        kept += [r for i in dropped for r in _remainders(model[i], chosen) if r.label_ != "WEAPON"]
        final = filter_spans(kept + chosen)
        if "sports" in self.families:
            final = news.sports(doc, final, _is_country)
        if "lists" in self.families:
            final = news.lists(doc, final)
        doc.ents = filter_spans(final)
        return doc


def _is_country(name: str) -> bool:
    """Return whether `name` is one of a country's names ("South Africa", "U.S.")."""
    return name.casefold() in _country_names()


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    return frozenset(
        alias.casefold()
        for entry in gazetteers.load_entries()
        if entry.kind == "country"
        for alias in (entry.name, *entry.aliases)
    )


_SUFFIX_ORGS = frozenset({"llc", "lp", "inc", "ltd", "plc", "corp", "co", "ag", "sa", "nv"})


def _join_suffixes(ents: list[Span]) -> list[Span]:
    """Return `ents` with a stray corporate suffix joined to the ORG before it ("Co. LLC")."""
    joined: list[Span] = []
    for ent in ents:
        prev = joined[-1] if joined else None
        if (
            prev is not None
            and prev.label_ == "ORG"
            and prev.end == ent.start
            and len(ent) == 1
            and ent[0].lower_.rstrip(".") in _SUFFIX_ORGS
        ):
            joined[-1] = Span(ent.doc, prev.start, ent.end, label="ORG")
            continue
        joined.append(ent)
    return joined


def _remainders(span: Span, weapons: Sequence[Span]) -> list[Span]:
    """Return what is left of a model span once weapon names inside it are cut out."""
    cut = [
        w for w in weapons if w.label_ == "WEAPON" and span.start <= w.start and w.end <= span.end
    ]
    if not cut:
        return []
    pieces: list[Span] = []
    start = span.start
    for weapon in sorted(cut, key=lambda w: w.start):
        if weapon.start > start:
            pieces.append(Span(span.doc, start, weapon.start, label=span.label_))
        start = weapon.end
    if span.end > start:
        pieces.append(Span(span.doc, start, span.end, label=span.label_))
    return pieces


@Language.factory(COMPONENT)
def make_entity_rules(nlp: Language, name: str) -> EntityRules:
    """Return the entity-rules component with the project's gazetteers."""
    rules = EntityRules(nlp.vocab, nlp, gazetteers.load_entries())
    rules.reread = nlp.__call__  # caps paragraphs are parsed again, in title case
    return rules


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
        if self._full_name_of_a_person():
            return "PERSON"
        # Most votes; a tie goes to the first mention's label.
        first = min(self.spans, key=lambda s: s.start_char).label_
        return max(self.labels, key=lambda lab: (self.labels[lab], lab == first))

    def _full_name_of_a_person(self) -> bool:
        """Return whether a person's full name is among the mentions and the rest are its end.

        "Donald Trump" (PERSON) with "Trump" (ORG in "the Trump campaign"): the entity is the
        person; a surname alone never outvotes the full name it stands for.
        """
        people = [s for s in self.spans if s.label_ == "PERSON" and len(s) >= 2]
        if not people or news.is_sports(people[0].doc):
            return False  # in sports reports, "Man United" and "United" are a club
        full = max(people, key=len).text.split()
        return all(full[-len(s.text.split()) :] == s.text.split() for s in self.spans)

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
    # Names as first seen: a merge adds mentions, never a fuller name to the one merged into.
    words_of = {id(g): g.name().split() for g in groups}
    people = [g for g in groups if g.label() == "PERSON" and g.gazetteer is None]
    others = [g for g in groups if g.label() != "PERSON" and g.gazetteer is None]
    initials = {id(g): _initials(words_of[id(g)]) for g in others}
    merged: set[int] = set()
    for short in sorted(groups, key=lambda g: -len(words_of[id(g)])):
        if short.gazetteer is not None:
            continue
        words = words_of[id(short)]
        # Surname (or shorter name) of exactly one fuller person named in the article.
        fuller = [
            g
            for g in people
            if g is not short
            and id(g) not in merged
            and len(words_of[id(g)]) > len(words)
            and words_of[id(g)][-len(words) :] == words
        ]
        if len({" ".join(words_of[id(g)]) for g in fuller}) == 1:
            fuller[0].absorb(short)
            merged.add(id(short))
            continue
        if len(words) == 1 and words[0].isupper() and 2 <= len(words[0]) <= 6:
            expansions = [
                g
                for g in others
                if g is not short and id(g) not in merged and initials[id(g)] == words[0]
            ]
            if len({" ".join(words_of[id(g)]) for g in expansions}) == 1:
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
            j = i + 2
            while j < len(doc) and doc[j].lower_ in _OF_COMPLEMENTS:
                j += 1
            if all(t.lower_ == "the" for t in doc[i + 1 : j]):
                break  # "director of the Center for ...": the title ends, its owner follows
            i = j
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
        # "Thomas Hardiman, 10th Circuit Judge Neil Gorsuch": the title is the next person's.
        next_person = end < len(doc) and doc[end].ent_type_ == "PERSON"
        if title and not next_person:
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
    spans = [s for s in doc.ents if s.label_ in NAME_LABELS]
    groups = _merge_aliases(_group(spans))
    named = [(g, g.name()) for g in groups]
    owners = _Owners(doc, named)
    length = len(news.doc_text(doc))
    scores = {id(g): sum(_weight(s, length) for s in g.spans) for g in groups}
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
                key=entity_key(label, name, gazetteer),
                aliases=list(dict.fromkeys(_surface(s) for s in ordered)),
                mentions=[
                    Mention(text=s.text, start=s.start_char, end=s.end_char) for s in ordered
                ],
                roles=roles,
                salience=round(scores[id(group)] / total, 4),
                mention_count=len(ordered),
                first_position=ordered[0].start_char,
                country=gazetteer.country if gazetteer is not None else None,
            )
        )
    entities.sort(key=lambda e: (-e.salience, e.first_position))
    return entities
