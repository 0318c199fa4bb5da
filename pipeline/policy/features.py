"""Features of a candidate: what the parse and the rules say about one trigger, as named values.

The model learns from these which triggers report a decided rule change and which are modal,
future, proposed, background, negated or not about a rule at all. They describe how news English
marks those things (auxiliaries and governing verbs above the trigger, tense, attribution, the
headline, words near the trigger) rather than any one article. Every feature is a string naming a
binary indicator; the few numeric ones are bucketed into indicators too. The document's own content
words (`d:`) are added to each candidate, so that what an article is about weighs in.
"""

from __future__ import annotations

import itertools

from spacy.tokens import Doc, Token

from pipeline.policy.candidates import Candidate
from pipeline.policy.events import needs_met

FEATURE_VERSION = 1
_WINDOW = 3
_ANCESTORS = 3
_CONTENT_POS = frozenset({"NOUN", "VERB", "ADJ", "PROPN", "ADV", "NUM"})
_FUNCTION_CUES = frozenset(
    {
        "not",
        "n't",
        "no",
        "never",
        "will",
        "would",
        "could",
        "may",
        "might",
        "should",
        "must",
        "can",
        "to",
        "whether",
        "if",
        "plan",
        "since",
        "after",
        "before",
        "last",
        "ago",
        "new",
        "now",
        "today",
        "yesterday",
    }
)


def _bucket(value: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if value <= edge:
            return str(edge)
    return f">{edges[-1]}"


def _word(token: Token) -> str:
    if token.like_num:
        return "<num>"
    if token.ent_type_ in ("PERSON", "GPE", "ORG", "NORP") and token.pos_ == "PROPN":
        return f"<{token.ent_type_.lower()}>"
    return token.lemma_.casefold()


def _actor_kind(candidate: Candidate) -> str:
    actor = candidate.mention.actor
    if actor.name is None:
        return "anaphoric" if actor.anaphoric else "none"
    if actor.company:
        return "company"
    if actor.authority:
        return "authority"
    if actor.person and actor.person == actor.name:
        return "person"
    return "named"


def _syntax(trigger: Token, add: list[str]) -> None:
    add.append(f"tag:{trigger.tag_}")
    add.append(f"dep:{trigger.dep_}")
    for child in trigger.children:
        if child.dep_ in ("aux", "auxpass", "neg", "mark", "advmod", "prt"):
            add.append(f"c:{child.dep_}:{child.lower_}")
    token = trigger
    for step in range(1, _ANCESTORS + 1):
        if token.head is token:
            break
        relation = token.dep_
        token = token.head
        add.append(f"up{step}:{relation}>{token.lemma_.casefold()}")
        add.append(f"up:{token.lemma_.casefold()}")
        for child in token.children:
            if child.dep_ in ("aux", "auxpass", "neg") and child is not trigger:
                add.append(f"upc:{child.lower_}")
    if trigger.head is trigger or trigger.dep_ == "ROOT":
        add.append("root")


def _lexical(candidate: Candidate, add: list[str]) -> None:
    mention = candidate.mention
    sent = candidate.sentence.sent
    trigger = mention.trigger
    doc = trigger.doc
    for token in sent:
        if token.is_space or token.is_punct:
            continue
        word = _word(token)
        if token.pos_ in _CONTENT_POS or word in _FUNCTION_CUES:
            add.append(f"w:{word}")
    lo = max(sent.start, trigger.i - _WINDOW)
    hi = min(sent.end, mention.trigger_end + _WINDOW)
    window = [_word(t) for t in doc[lo:hi] if not t.is_space]
    for word in window:
        add.append(f"win:{word}")
    for left, right in itertools.pairwise(window):
        add.append(f"bi:{left}_{right}")
    if mention.object is not None:
        head = doc.char_span(mention.object.start, mention.object.end, alignment_mode="expand")
        if head is not None:
            add.append(f"obj:{head.root.lemma_.casefold()}")


_LEAD_WORDS = 60


def document_words(doc: Doc) -> list[str]:
    """Return the document-level indicators: the content words of its headline and lead.

    Lemmas (entity types for names) of the first `_LEAD_WORDS` content words: what the article
    is about, the same amount of it whether the article is a wire snippet or 3,000 words long.
    """
    words = [t for t in doc if (t.is_alpha or t.like_num) and not t.is_stop][:_LEAD_WORDS]
    return sorted({f"d:{_word(t)}" for t in words})


def candidate_features(candidate: Candidate, doc_words: list[str] | None = None) -> list[str]:
    """Return the names of the indicators that hold for `candidate` (duplicates removed)."""
    mention = candidate.mention
    sentence = candidate.sentence
    add: list[str] = []
    kind = mention.rules[0].split(":", 1)[0] if mention.rules else "none"
    trigger_text = mention.rules[0].split(":", 1)[1] if ":" in mention.rules[0] else ""
    add.append(f"kind:{kind}")
    add.append(f"t:{mention.trigger.lemma_.casefold()}")
    add.append(f"t:{kind}:{trigger_text}")
    add.append(f"act:{mention.action.value}")
    add.append(f"rdir:{mention.direction.value}")
    add.append(f"rst:{mention.status.value}")
    add.append(f"needs:{mention.needs.value}")
    add.append(f"actor:{_actor_kind(candidate)}")
    if needs_met(mention, mention.actor):
        add.append("met")
    for flag in ("rule_object", "individual", "negated", "anaphoric_subject"):
        if getattr(mention, flag):
            add.append(flag)
    if mention.beneficiary is not None:
        add.append("beneficiary")
    if mention.actor_token is not None and mention.actor_token.ent_type_:
        add.append(f"actor_ent:{mention.actor_token.ent_type_}")
    add.extend(f"rule:{rule}" for rule in mention.rules[1:])
    if sentence.attribution.reported:
        add.append("reported")
    add.extend(f"src:{source.kind.value}" for source in sentence.attribution.sources)
    add.append("headline" if sentence.headline else f"sent:{_bucket(sentence.index, (1, 2, 4))}")
    add.append(f"len:{_bucket(len(sentence.sent), (8, 16, 32))}")
    _syntax(mention.trigger, add)
    _lexical(candidate, add)
    found = set(add)
    found.update(doc_words if doc_words is not None else document_words(mention.trigger.doc))
    return sorted(found)
