"""Arguments of a policy trigger: beneficiary, object, scope and constraints, as text spans.

"allow Ukraine to use American-supplied weapons" -> beneficiary Ukraine, object "American-supplied
weapons"; "is limited to targeting Russian military forces attacking Kharkiv" -> scope; "Ukraine
cannot use these weapons against civilian infrastructure" -> constraint "not against civilian
infrastructure".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spacy.tokens import Token

from pipeline.policy import lexicon as lex
from pipeline.policy.actors import canonical_country, entity_span, strip_article

MAX_OBJECT_TOKENS = 14
_LEADING_DROP = frozenset({"the", "these", "those", "this", "that", "a", "an", "its", "their"})
_BENEFICIARY_PREPS = frozenset({"on", "against", "to", "for", "from"})
_CONSTRAINT_PREPS = frozenset({"against", "for", "in", "inside", "into", "on", "beyond", "near"})
_LIMIT_LEMMAS = frozenset({"limit", "restrict", "confine"})


@dataclass(frozen=True)
class TextSpan:
    """A piece of the clean text: `doc.text[start:end] == text`."""

    text: str
    start: int
    end: int


def span_of(tokens: Iterable[Token], limit: int = MAX_OBJECT_TOKENS) -> TextSpan | None:
    """Return the contiguous text from the first to the last of `tokens`, at most `limit` long."""
    ordered = sorted(tokens, key=lambda t: t.i)
    if not ordered:
        return None
    doc = ordered[0].doc
    first, last = ordered[0].i, ordered[-1].i
    while first <= last and (doc[first].lower_ in _LEADING_DROP or doc[first].is_punct):
        first += 1
    last = min(last, first + limit - 1)
    while last >= first and (doc[last].is_punct or doc[last].is_space):
        last -= 1
    if last < first:
        return None
    span = doc[first : last + 1]
    return TextSpan(span.text, span.start_char, span.end_char)


def subtree_span(token: Token, limit: int = MAX_OBJECT_TOKENS) -> TextSpan | None:
    """Return the text of `token`'s subtree (clipped to `limit` tokens)."""
    return span_of(token.subtree, limit)


def inner_verb(trigger: Token) -> Token | None:
    """Return the verb a permission governs: "allow Ukraine to *use*", "permit X to *charge*"."""
    return next(
        (c for c in trigger.children if c.dep_ in ("xcomp", "ccomp") and c.pos_ in ("VERB", "AUX")),
        None,
    )


def _np_name(token: Token) -> str:
    country = canonical_country(token.text)
    if country and token.ent_type_ in ("GPE", "NORP", ""):
        return country
    span = entity_span(token)
    if span is not None:
        return strip_article(span.text)
    found = span_of([t for t in token.subtree if t.i <= token.i])
    return strip_article(found.text) if found else token.text


def beneficiary(trigger: Token, inner: Token | None) -> Token | None:
    """Return the head of whom the rule is for or against, if the sentence names it."""
    if inner is not None:
        subject = next((c for c in inner.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None:
            return subject
        direct = next((c for c in trigger.children if c.dep_ in ("dobj", "dative")), None)
        if direct is not None:
            return direct
    for holder in (trigger, *(c for c in trigger.children if c.dep_ in ("dobj", "nsubjpass"))):
        for prep in holder.children:
            if prep.dep_ == "prep" and prep.lower_ in _BENEFICIARY_PREPS:
                for pobj in prep.children:
                    if pobj.dep_ == "pobj" and (pobj.ent_type_ or pobj.pos_ == "PROPN"):
                        return pobj
    return None


def beneficiary_name(token: Token | None) -> str | None:
    """Return the canonical name of a beneficiary head (countries canonicalised)."""
    if token is None or token.pos_ == "PRON":
        return None
    return _np_name(token)


def object_head(trigger: Token, inner: Token | None) -> Token | None:
    """Return the head of what is permitted, banned or changed."""
    holder = inner if inner is not None else trigger
    for dep in ("dobj", "nsubjpass", "attr", "oprd"):
        found = next((c for c in holder.children if c.dep_ == dep), None)
        if found is not None:
            return found
    for prep in holder.children:
        if prep.dep_ == "prep" and prep.lower_ in ("on", "to", "of"):
            found = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if found is not None:
                return found
    if holder.dep_ in ("acl", "relcl") and holder.head.pos_ in ("NOUN", "PROPN"):
        return holder.head
    return None


def object_span(trigger: Token, inner: Token | None, head: Token | None) -> TextSpan | None:
    """Return the text of the rule's object; with no object, the governed verb phrase."""
    if head is not None and head is not trigger.head:
        return subtree_span(head)
    if inner is not None:
        return span_of([t for t in inner.subtree if t.dep_ != "nsubj" and t.i >= inner.i])
    if head is not None:
        return span_of([head])
    return None


def is_rule_object(head: Token | None) -> bool:
    """Return whether `head` names a rule (a ban, a rate, a law) rather than an ordinary thing."""
    if head is None:
        return False
    lemmas = {head.lemma_.casefold(), head.lower_}
    lemmas |= {c.lemma_.casefold() for c in head.children if c.dep_ in ("compound", "amod")}
    for prep in head.children:  # "plans for a revised program", "limits on imports"
        if prep.dep_ == "prep" and prep.lower_ in ("for", "of", "on"):
            lemmas |= {c.lemma_.casefold() for c in prep.children if c.dep_ == "pobj"}
    return bool(lemmas & lex.RULE_NOUNS)


def scopes(anchors: Iterable[Token]) -> list[tuple[int, TextSpan]]:
    """Return (priority, span) for the limits attached to `anchors`; 0 is an explicit limit."""
    found: list[tuple[int, TextSpan]] = []
    for anchor in anchors:
        limited = any(c.lower_ in ("limited", "restricted") for c in anchor.children)
        for prep in anchor.children:
            if prep.dep_ != "prep":
                continue
            pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if pobj is None:
                continue
            placed = any(t.ent_type_ in ("GPE", "LOC", "FAC") for t in pobj.subtree)
            headed = pobj.lemma_.casefold() in lex.SCOPE_HEADS
            if prep.lower_ in lex.SCOPE_PREPOSITIONS | {"for"} and (placed or headed):
                tokens = list(prep.subtree)
                # "in the region bordering Kharkiv": the participle often hangs off the anchor.
                follower = next(
                    (
                        c
                        for c in anchor.children
                        if c.dep_ == "acl" and c.left_edge.i == prep.right_edge.i + 1
                    ),
                    None,
                )
                if follower is not None:
                    tokens += list(follower.subtree)
                span = span_of(tokens, limit=16)
                if span is not None and (placed or prep.lower_ != "for"):
                    found.append((0 if limited else 1, span))
    return found


def explicit_limits(tokens: Iterable[Token]) -> list[tuple[int, TextSpan]]:
    """Return "limited to ..." / "restricted to ..." phrases among `tokens` as explicit scopes."""
    found: list[tuple[int, TextSpan]] = []
    for token in tokens:
        if token.lemma_.casefold() in _LIMIT_LEMMAS and token.pos_ in ("VERB", "ADJ"):
            to = next((c for c in token.children if c.dep_ == "prep" and c.lower_ == "to"), None)
            if to is not None:
                span = span_of([token, *to.subtree], limit=18)
                if span is not None:
                    found.append((0, span))
        if token.lower_ in ("limited", "restricted") and token.dep_ == "amod":
            found.extend((0, s) for _, s in scopes([token.head]))
    return found


def constraints(tokens: Iterable[Token]) -> tuple[list[TextSpan], Token | None]:
    """Return explicit exclusions among `tokens` and the subject they restrict.

    A negated permission ("cannot use these weapons against civilian infrastructure") yields one
    constraint per prepositional phrase; "except ..." phrases yield themselves.
    """
    found: list[TextSpan] = []
    subject: Token | None = None
    for token in tokens:
        if token.pos_ == "ADP" and token.lower_ in lex.EXCLUSION_WORDS:
            span = subtree_span(token, limit=16)
            if span is not None:
                found.append(span)
            continue
        negated = any(c.dep_ == "neg" for c in token.children)
        modal = any(c.lower_ in ("can", "may", "could") for c in token.children if c.dep_ == "aux")
        permissive = token.lemma_.casefold() in ("allow", "permit")
        if token.pos_ != "VERB" or not negated or not (modal or permissive):
            continue
        subject = next((c for c in token.children if c.dep_ == "nsubj"), subject)
        preps = [c for c in token.children if c.dep_ == "prep" and c.lower_ in _CONSTRAINT_PREPS]
        preps += [
            c for p in list(preps) for c in p.children if c.dep_ == "conj" and c.pos_ == "ADP"
        ]
        for prep in preps:
            span = span_of(_own_tokens(prep), limit=16)
            if span is not None:
                found.append(TextSpan("not " + span.text, span.start, span.end))
    return found, subject


def _own_tokens(prep: Token) -> list[Token]:
    """Return `prep`'s subtree without its coordinated prepositions ("... or for ...")."""
    skipped = {
        t.i
        for c in prep.children
        if c.dep_ == "cc" or (c.dep_ == "conj" and c.pos_ == "ADP")
        for t in c.subtree
    }
    return [t for t in prep.subtree if t.i not in skipped]
