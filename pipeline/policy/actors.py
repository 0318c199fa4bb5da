"""Actor resolution: a token that acts in a sentence -> the canonical rule-setter and its person.

"US President Joe Biden's decision" -> United States, person Joe Biden; "Germany has agreed" ->
Germany; "State regulators voted" -> State regulators (an authority); "he", "the decision" ->
anaphoric (resolved later against earlier changes). The document's entities are preferred for
canonical names, so better entities give better actors without changes here.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from pipeline.policy import lexicon as lex
from schemas import Entity, EntityType

_NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"})


@dataclass(frozen=True)
class ActorRef:
    """Who acts, as far as one sentence tells: a canonical name, a person, and what kind it is."""

    name: str | None
    person: str | None = None
    authority: bool = False
    company: bool = False
    anaphoric: bool = False


def entity_span(token: Token) -> Span | None:
    """Return the named-entity span `token` is part of, if any (without scanning `doc.ents`)."""
    if not token.ent_type_:
        return None
    doc = token.doc
    start = token.i
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    end = token.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end]


def is_actor_name(name: str | None) -> bool:
    """Return whether `name` can name a rule-setter: not a rule, deal, document, outlet or crowd."""
    if not name or name == "unknown":
        return False
    if canonical_country(name) or name.casefold() in lex.BODIES:
        return True
    words = [w.strip(".,'’").casefold() for w in name.split()]
    words = [w for w in words if w]
    if not words or any(ch.isdigit() for ch in words[0]) or words[0] in ("$", "€", "£"):
        return False
    if name.casefold() in lex.OUTLETS or strip_article(name).casefold() in lex.OUTLETS:
        return False
    return words[-1] not in lex.NOT_ACTOR_HEADS and words[-1].rstrip("s") not in lex.RULE_NOUNS


def canonical_country(text: str) -> str | None:
    """Return the canonical country for a name or demonym ("U.S.", "British"), else None."""
    key = text.strip().removesuffix("’s").removesuffix("'s").strip().casefold()
    key = key.removeprefix("the ").strip()
    return lex.COUNTRIES.get(key)


def strip_article(text: str) -> str:
    """Return `text` without a leading article or a trailing possessive."""
    text = text.strip().removesuffix("’s").removesuffix("'s").strip()
    for article in ("the ", "The ", "a ", "A ", "an ", "An "):
        if text.startswith(article):
            return text[len(article) :]
    return text


def _is_title(token: Token) -> bool:
    return token.lower_.rstrip(".") in lex.TITLES or token.lower_ in lex.TITLES


def _left_np(token: Token) -> list[Token]:
    """Return the tokens of `token`'s noun phrase up to and including `token`."""
    return [t for t in token.subtree if t.i <= token.i and t.dep_ not in ("punct",)]


class DocActors:
    """What the actor resolver knows about one document: entity names and persons' countries."""

    def __init__(self, doc: Doc, entities: list[Entity]) -> None:
        self.doc = doc
        self._by_char: dict[int, Entity] = {}
        for entity in entities:
            for mention in entity.mentions:
                for char in range(mention.start, mention.end):
                    self._by_char.setdefault(char, entity)
        self.entities = entities
        self.person_country: dict[str, str] = {}
        self._surnames: dict[str, str] = {}
        self.first_country: str | None = None
        self._learn_people(entities)

    def _learn_people(self, entities: list[Entity]) -> None:
        for entity in entities:
            if entity.type is EntityType.PERSON:
                for role in entity.roles:
                    country = canonical_country(role.of or "")
                    if country:
                        self.person_country.setdefault(entity.name, country)
        for ent in self.doc.ents:
            if ent.label_ in ("GPE", "NORP") and self.first_country is None:
                self.first_country = canonical_country(ent.text)
        for token in self.doc:
            if not self.looks_like_person(token) or token.dep_ == "compound":
                continue
            name = self.person_name(token)
            if " " in name:
                self._surnames.setdefault(name.split()[-1].casefold(), name)
            country = self._country_in(_left_np(token), exclude=token)
            if country:
                self.person_country.setdefault(name, country)

    def rule_setters(self) -> list[ActorRef]:
        """Return the rule-setters the document names, in order of first mention.

        Organisations that are authorities by name, countries, and people whose title is an
        office of government: where to look when a change's own sentence names no actor.
        """
        found: list[tuple[int, ActorRef]] = []
        for entity in self.entities:
            position = entity.mentions[0].start if entity.mentions else entity.first_position
            if entity.type is EntityType.ORG and self._authority_name(entity.name):
                name = lex.BODIES.get(entity.name.casefold(), entity.name)
                found.append((position, ActorRef(name, authority=True)))
            elif entity.type is EntityType.GPE and canonical_country(entity.name):
                found.append((position, ActorRef(canonical_country(entity.name), authority=True)))
            elif entity.type is EntityType.PERSON and any(
                set(role.title.casefold().split()) & lex.GOVERNMENT_TITLES for role in entity.roles
            ):
                country = self.person_country.get(entity.name)
                found.append(
                    (position, ActorRef(country or entity.name, entity.name, authority=True))
                )
        return [actor for _, actor in sorted(found, key=lambda p: p[0])]

    @staticmethod
    def _authority_name(name: str) -> bool:
        words = {w.strip(".,").casefold() for w in name.split()}
        if name.casefold() in lex.OUTLETS or words & lex.COMPANY_WORDS:
            return False
        return (
            name.casefold() in lex.AUTHORITY_NAMES
            or name.casefold() in lex.BODIES
            or bool(words & lex.AUTHORITY_NAME_WORDS)
        )

    def entity_for(self, token: Token) -> Entity | None:
        """Return the document entity one of whose mentions covers `token`, if any."""
        return self._by_char.get(token.idx)

    def looks_like_person(self, token: Token) -> bool:
        """Return whether `token` heads a person's name (by entity, NER or a preceding title)."""
        entity = self.entity_for(token)
        if entity is not None and entity.type is EntityType.PERSON:
            return True
        if token.ent_type_ == "PERSON":
            return True
        if token.pos_ != "PROPN" or token.ent_type_ == "GPE":
            return False
        return any(_is_title(t) for t in _left_np(token) if t.i < token.i)

    def person_name(self, token: Token) -> str:
        """Return the canonical name of the person `token` heads, titles and possessives removed."""
        entity = self.entity_for(token)
        if entity is not None and entity.type is EntityType.PERSON and " " in entity.name:
            return entity.name
        start = token.i
        while start > 0:
            prev = self.doc[start - 1]
            if prev.pos_ != "PROPN" or _is_title(prev) or canonical_country(prev.text):
                break
            if prev.is_punct or prev.is_space:
                break
            start -= 1
        name = strip_article(self.doc[start : token.i + 1].text)
        return self._surnames.get(name.casefold(), name) if " " not in name else name

    def _country_in(self, tokens: list[Token], exclude: Token | None = None) -> str | None:
        for i, token in enumerate(tokens):
            if token is exclude:
                continue
            if i + 1 < len(tokens):
                pair = canonical_country(f"{token.text} {tokens[i + 1].text}")
                if pair:
                    return pair
            country = canonical_country(token.text)
            if country:
                return country
        return None

    def resolve_agent(self, token: Token | None) -> ActorRef:
        """Return the actor that `token` stands for; an anaphoric one (to be resolved from the
        document) when the trigger has no agent."""
        return ActorRef(None, anaphoric=True) if token is None else self.resolve(token)

    def resolve(self, token: Token) -> ActorRef:
        """Return the actor that `token` (a subject, agent or possessor) stands for."""
        lower = token.lower_
        if token.pos_ == "PRON" or lower in lex.PRONOUNS:
            return ActorRef(None, anaphoric=True)
        np = _left_np(token)
        country = canonical_country(token.text)
        if country or token.ent_type_ == "GPE":
            name = country or self._place_name(token)
            return ActorRef(name, authority=True)
        chamber = self._chamber_of(token, np)
        if chamber is not None:
            return chamber
        if token.ent_type_ == "NORP":
            return ActorRef(canonical_country(token.text) or token.text, authority=False)
        if self.looks_like_person(token):
            return self._person_actor(token, np)
        entity = self.entity_for(token)
        if token.ent_type_ == "ORG" or (entity is not None and entity.type is EntityType.ORG):
            return self._org_actor(token, np, entity)
        return self._noun_actor(token, np)

    def _chamber_of(self, token: Token, np: list[Token]) -> ActorRef | None:
        """Return the chamber "Senate Republicans" or "House lawmakers" act as, if any."""
        if token.lower_ not in lex.CHAMBER_MEMBERS:
            return None
        chamber = next((t for t in np if t.lower_ in lex.CHAMBERS and t is not token), None)
        if chamber is None:
            return None
        place = self._place_in([t for t in np if t.i < chamber.i])
        name = chamber.text.capitalize() if chamber.is_lower else chamber.text
        return ActorRef(f"{place} {name}" if place else name, authority=True)

    def _place_in(self, tokens: list[Token]) -> str | None:
        """Return the place (country, state, city) named among `tokens`, if any."""
        country = self._country_in(tokens)
        if country:
            return country
        for token in tokens:
            if token.ent_type_ == "GPE":
                return self._place_name(token)
        return None

    def _place_name(self, token: Token) -> str:
        entity = self.entity_for(token)
        if entity is not None and entity.type in (EntityType.GPE, EntityType.LOC):
            return entity.name
        span = entity_span(token)
        return strip_article(span.text if span is not None else token.text)

    def _person_actor(self, token: Token, np: list[Token]) -> ActorRef:
        person = self.person_name(token)
        country = self._country_in(np, exclude=token) or self.person_country.get(person)
        titled = any(t.lower_ in lex.GOVERNMENT_TITLES for t in np if t.i < token.i)
        if {t.lower_ for t in np} & lex.COMPANY_WORDS:
            return ActorRef(person, None, company=True)
        return ActorRef(country or person, person, authority=titled or country is not None)

    def _org_actor(self, token: Token, np: list[Token], entity: Entity | None) -> ActorRef:
        span = entity_span(token)
        raw = entity.name if entity is not None else (span.text if span is not None else token.text)
        name = strip_article(raw)
        name = lex.BODIES.get(name.casefold(), name)
        words = {w.strip(".,").casefold() for w in name.split()}
        authority = name.casefold() in lex.AUTHORITY_NAMES or bool(words & lex.AUTHORITY_NAME_WORDS)
        company = bool(words & lex.COMPANY_WORDS) and not authority
        outside = [t for t in np if span is None or not span.start <= t.i < span.end]
        place = self._place_in(outside)
        if place and canonical_country(name.split()[0]) is None and place not in name:
            name = f"{place} {name}"
        return ActorRef(name, authority=authority, company=company)

    def _generic_referent(self, token: Token, np: list[Token]) -> ActorRef | None:
        """Return what "the state", "the country" or "the agency" refers back to, if named.

        The nearest earlier mention of the right kind: a place that is not a country for a
        state, province or city; a country for a country, nation or government; an authority
        organisation for an agency, regulator or commission.
        """
        kind = lex.GENERIC_REFERENTS.get(token.lemma_.casefold())
        if kind is None or any(t.pos_ == "PROPN" for t in np):
            return None
        if not any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in token.children):
            return None
        best: tuple[int, str] | None = None
        for entity in self.entities:
            for mention in entity.mentions:
                if mention.start >= token.idx or (best and mention.start <= best[0]):
                    continue
                country = canonical_country(entity.name)
                fits = (
                    (kind == "place" and entity.type is EntityType.GPE and not country)
                    or (kind == "country" and country is not None)
                    or (
                        kind == "body"
                        and entity.type is EntityType.ORG
                        and self._authority_name(entity.name)
                    )
                )
                if fits:
                    best = (mention.start, country or entity.name)
        return ActorRef(best[1], authority=True) if best else None

    def _noun_actor(self, token: Token, np: list[Token]) -> ActorRef:
        referent = self._generic_referent(token, np)
        if referent is not None:
            return referent
        lemma = token.lemma_.casefold()
        possessor = next((c for c in token.children if c.dep_ == "poss"), None)
        person = None
        if possessor is not None and self.looks_like_person(possessor):
            person = self.person_name(possessor)
        country = self._country_in(np, exclude=token)
        if country is None and person is not None:
            country = self.person_country.get(person)
        if country is None:
            country = self._of_place(token)
        is_authority = lemma in lex.AUTHORITY_HEADS
        proper = [t for t in np if t.pos_ == "PROPN" and t is not token]
        if lemma in lex.GOVERNMENT_HEADS:
            if country:
                return ActorRef(country, person, authority=True)
            if proper and person is None:  # "the Bush administration", "Blair government"
                named = [t for t in np if t.dep_ not in ("det", "case")]
                return ActorRef(
                    strip_article(" ".join(t.text for t in named)), None, authority=True
                )
            return ActorRef(None, person, authority=True, anaphoric=True)
        if lemma in lex.ANAPHORIC_HEADS and not proper and country is None:
            return ActorRef(None, person, authority=is_authority, anaphoric=True)
        words = {t.lower_ for t in np}
        company = bool(words & lex.COMPANY_WORDS) and not is_authority
        kept = [
            t for t in np if t.dep_ not in ("det", "poss", "case") and not canonical_country(t.text)
        ]
        body = strip_article(" ".join(t.text for t in kept)) or token.text
        name = f"{country} {body}" if country else body
        return ActorRef(name, person, authority=is_authority, company=company)

    def _of_place(self, token: Token) -> str | None:
        """Return the place in "the state of Maine", "Minister of ... of Russia", else None."""
        for child in token.children:
            if child.dep_ == "prep" and child.lower_ == "of":
                for pobj in child.children:
                    if pobj.dep_ == "pobj" and pobj.ent_type_ == "GPE":
                        return canonical_country(pobj.text) or self._place_name(pobj)
        return None


def names_in(token: Token) -> set[str]:
    """Return the lower-case labels of entity types found in `token`'s subtree."""
    return {t.ent_type_ for t in token.subtree if t.ent_type_ in _NAME_LABELS}
