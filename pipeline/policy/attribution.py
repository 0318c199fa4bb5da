"""Attribution: who a sentence says its claim comes from, and how it is cited.

"according to President Zelensky's press secretary, Serhii Nykyforov" -> spokesperson Serhii
Nykyforov; "An article in Politico, citing three unnamed US officials" -> outlet Politico and
anonymous officials; "one official told Politico" -> both; "a report by AFP" -> agency AFP.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from pipeline.policy import lexicon as lex
from pipeline.policy.actors import DocActors, entity_span, strip_article
from schemas import Source, SourceKind

# Citations that reach the reader through a third party: the claim is reported, not announced.
_THIRD_PARTY = frozenset(
    {SourceKind.OUTLET, SourceKind.AGENCY, SourceKind.ANONYMOUS_OFFICIALS, SourceKind.DOCUMENT}
)


@dataclass
class Attribution:
    """The sources one sentence cites, the person a spokesperson speaks for, and the speakers."""

    sources: list[Source] = field(default_factory=list)
    principal: str | None = None
    speakers: list[Token] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        """Return whether the sentence passes on a claim through a third party."""
        return any(s.kind in _THIRD_PARTY for s in self.sources)

    def add(self, source: Source | None) -> None:
        """Add `source` unless it is None or already cited."""
        if source is not None and all(
            s.name.casefold() != source.name.casefold() for s in self.sources
        ):
            self.sources.append(source)


def _np_text(token: Token) -> str:
    tokens = [t for t in token.subtree if t.i <= token.i and not t.is_punct]
    return strip_article(" ".join(t.text for t in tokens)) if tokens else token.text


def _outlet(token: Token) -> Source | None:
    span = entity_span(token)
    for text in (span.text if span is not None else None, _np_text(token), token.text):
        if text is None:
            continue
        found = lex.OUTLETS.get(strip_article(text).casefold()) or lex.OUTLETS.get(text.casefold())
        if found:
            name, agency = found
            return Source(name=name, kind=SourceKind.AGENCY if agency else SourceKind.OUTLET)
    return None


def _classify(token: Token, actors: DocActors, attribution: Attribution) -> None:
    """Add the source that `token` (the head of a cited noun phrase) names."""
    if token.pos_ == "PRON":
        return
    outlet = _outlet(token)
    if outlet is not None:
        attribution.add(outlet)
        return
    lemma = token.lemma_.casefold()
    if lemma in ("report", "article", "story", "interview", "statement"):
        for prep in token.children:
            if prep.dep_ == "prep" and prep.lower_ in ("by", "in", "from", "with"):
                for pobj in prep.children:
                    if pobj.dep_ == "pobj":
                        _classify(pobj, actors, attribution)
        return
    if lemma in lex.DOCUMENT_HEADS:
        attribution.add(Source(name=_np_text(token), kind=SourceKind.DOCUMENT))
        return
    if lemma in lex.SPOKESPERSON_HEADS:
        _spokesperson(token, actors, attribution)
        return
    if actors.looks_like_person(token):
        attribution.add(Source(name=actors.person_name(token), kind=SourceKind.PERSON))
        attribution.speakers.append(token)
        return
    if lemma in lex.OFFICIAL_HEADS:
        modifiers = {t.lower_ for t in token.subtree if t.i < token.i}
        anonymous = bool(modifiers & lex.ANONYMOUS_WORDS) or lemma.startswith("source")
        anonymous = anonymous or any(
            c.dep_ in ("nummod", "det")
            and c.lower_ in ("a", "an", "one", "two", "three", "several")
            for c in token.children
        )
        kind = SourceKind.ANONYMOUS_OFFICIALS if anonymous else SourceKind.OFFICIAL
        attribution.add(Source(name=_np_text(token), kind=kind))
        attribution.speakers.append(token)
        return
    if token.ent_type_ == "ORG":
        attribution.add(Source(name=_np_text(token), kind=SourceKind.OTHER))
        attribution.speakers.append(token)


def _spokesperson(token: Token, actors: DocActors, attribution: Attribution) -> None:
    named = next(
        (c for c in token.children if c.dep_ == "appos" and actors.looks_like_person(c)), None
    )
    name = actors.person_name(named) if named is not None else _np_text(token)
    attribution.add(Source(name=name, kind=SourceKind.SPOKESPERSON))
    attribution.speakers.append(named if named is not None else token)
    possessor = next((c for c in token.children if c.dep_ == "poss"), None)
    if possessor is not None and actors.looks_like_person(possessor):
        attribution.principal = actors.person_name(possessor)


def attribute(sent: Span, actors: DocActors) -> Attribution:
    """Return the sources `sent` cites: "according to", "citing", "told", "X said", "a report"."""
    attribution = Attribution()
    for token in sent:
        lemma = token.lemma_.casefold()
        if token.lower_ == "according":
            for to in token.children:
                for pobj in to.children:
                    if pobj.dep_ == "pobj":
                        _classify(pobj, actors, attribution)
        elif lemma == "cite" and token.pos_ == "VERB":
            for obj in token.children:
                if obj.dep_ == "dobj":
                    _classify(obj, actors, attribution)
        elif lemma == "tell" and token.pos_ == "VERB":
            for child in token.children:
                if child.dep_ in ("dobj", "dative", "nsubj"):
                    _classify(child, actors, attribution)
        elif lemma in lex.REPORTING_VERBS and token.pos_ == "VERB":
            for child in token.children:
                if child.dep_ in ("nsubj", "agent"):
                    target = next((c for c in child.children if c.dep_ == "pobj"), child)
                    _classify(target, actors, attribution)
        elif (lemma in ("article", "report") and token.pos_ == "NOUN") or (
            token.dep_ == "ROOT" and lemma in lex.SPOKESPERSON_HEADS
        ):
            _classify(token, actors, attribution)
    return attribution
