"""Policy changes: a parsed Doc and its entities -> structured policy-change events.

The stage reads each sentence once: attribution (who says so), trigger mentions (who changed which
rule, how far), then trigger-less context (limits, exclusions, sources). Mentions of one decision
are merged into one event; each event names the rules that built it and cites its evidence.

Modules: lexicon (the words, as data), actors (who acts), attribution (on whose word), arguments
(for whom, what, where, except what), mentions (one trigger), events (merging).
"""

from __future__ import annotations

import dataclasses
import hashlib

from spacy.tokens import Doc, Span

from pipeline.policy import arguments as args
from pipeline.policy import lexicon as lex
from pipeline.policy.actors import ActorRef, canonical_country, is_actor_name
from pipeline.policy.candidates import Candidate, DocReading, read_candidates
from pipeline.policy.events import STATUS_RANK, Event, EventBuilder
from pipeline.policy.features import candidate_features, document_words
from pipeline.policy.mentions import Mention
from pipeline.policy.model import PolicyModel, shipped_model
from schemas import (
    Actor,
    Entity,
    Evidence,
    ModelInfo,
    PolicyChange,
    PolicyDirection,
    PolicyStatus,
    Stage,
)
from schemas.policy import Decision, Highlight, HighlightKind

STAGE = Stage.POLICY
DECIDED_STATUSES = frozenset({"enacted", "announced", "reported", "reversed", "approved"})
"""Statuses that say a change was decided: only the model may give them."""
UNDECIDED_STATUSES = frozenset({"proposed", "considered", "signaled", "unchanged"})
"""What grammar marks as not (yet) decided: modality and futurity ("will decide whether to",
"weighs", "poised to"), proposals ("urged", "draft"), negation and explicit non-change ("upheld",
"remains unchanged"). Where the parse finds such a cue the model cannot overrule it: in the
labelled corpus 6-9% of those candidates were part of a decided change, against 22% of the rest."""


def policy_change_id(article_id: str, actor: str, action: str, key: str) -> str:
    """Return the deterministic id of a change: the same article and decision give the same id."""
    material = "\x1f".join(part.casefold().strip() for part in (article_id, actor, action, key))
    return "pc-" + hashlib.sha256(material.encode("utf-8")).hexdigest()[:24]


def model_info(model: PolicyModel | None = None) -> ModelInfo:
    """Return the name and version of the policy model (the shipped one by default)."""
    model = model or shipped_model()
    return ModelInfo(name=model.name, version=model.version)


def detect_policy_changes(
    doc: Doc, entities: list[Entity], article_id: str, model: PolicyModel | None = None
) -> list[PolicyChange]:
    """Return the policy changes that `doc` reports, one per decision, in order of first mention.

    The parse layer reads every trigger as a candidate; the trained model (`model`, else the
    shipped one) scores each one, and the mentions of one decision are merged into an event. An
    event is a decided change when its mentions together reach the model's threshold (each
    mention is independent evidence: 1 - prod(1 - p)); its status and direction are the model's.
    A candidate the model does not back survives only as what the rules call it when that is not
    a decided change (proposed, considered, signaled, unchanged), under the rules' own gates.
    """
    model = model or shipped_model()
    reading = read_candidates(doc, entities)
    events = decide_events(reading, model)
    sents = [s.sent for s in reading.sentences]
    return [_to_change(event, sents, article_id, model) for event in events]


def decide_events(reading: DocReading, model: PolicyModel) -> list[Event]:
    """Return the events of a document read for candidates, as the model decides them."""
    builder = EventBuilder(reading.actors.first_country)
    words = document_words(reading.doc)
    for sentence in reading.sentences:
        attribution = sentence.attribution
        accepted = False
        for candidate in sentence.candidates:
            mention = _decide(candidate, model, words)
            if mention is not None:
                accepted = (
                    builder.add(mention, attribution.sources, attribution.principal) or accepted
                )
        if accepted:
            continue
        constraints, subject = args.constraints(sentence.sent)
        limits = args.explicit_limits(sentence.sent)
        builder.add_context(
            sentence.index,
            attribution.sources,
            attribution.principal,
            constraints,
            limits,
            args.beneficiary_name(subject),
        )
    fallback = [a for a in reading.actors.rule_setters() if is_actor_name(a.name)]
    country = reading.actors.first_country
    settled = (_settle(event, model, fallback, country) for event in builder.finish())
    return [event for event in settled if event is not None]


def event_score(event: Event) -> float:
    """Return the probability that an event is a decided change, from its decided mentions."""
    missing = 1.0
    for mention in event.mentions:
        if mention.decided and mention.score is not None:
            missing *= 1.0 - mention.score
    return 1.0 - missing


def document_score(reading: DocReading, model: PolicyModel) -> float:
    """Return the best event score of a document: what the threshold is compared with."""
    builder_events = decide_events(reading, _untested(model))
    return max((event_score(e) for e in builder_events), default=0.0)


def _untested(model: PolicyModel) -> PolicyModel:
    """Return `model` with a threshold of 0, so that every event keeps its score."""
    return dataclasses.replace(model, threshold=0.0)


def _name_the_body(event: Event, fallback: list[ActorRef], country: str | None) -> None:
    """Give a bare chamber its country ("Senate" -> "United States Senate") and a country
    acting through its leader that leader ("United States", person Donald Trump)."""
    name = event.actor.name or ""
    if country and name.casefold() in lex.CHAMBERS | {"supreme court", "parliament"}:
        event.actor = dataclasses.replace(event.actor, name=f"{country} {name}")
    elif event.person is None and canonical_country(name) == name:
        leader = next((a for a in fallback if a.person and a.name == name), None)
        if leader is not None:
            event.person = leader.person


def _settle(
    event: Event, model: PolicyModel, fallback: list[ActorRef], default_country: str | None = None
) -> Event | None:
    """Return the event as decided, with only what the rules back when the model does not.

    A decided change whose sentences name no rule-setter (the parse found the rule itself, a
    deal, an outlet or nobody) is given the first rule-setter the document names, other than the
    one it is aimed at.
    """
    decided = [m for m in event.mentions if m.decided]
    if not decided:
        return event
    if event_score(event) >= model.threshold:
        best = max(decided, key=lambda m: m.score or 0.0)
        event.status, event.direction = best.status, best.direction
        if not is_actor_name(event.actor.name):
            aimed = (event.beneficiary or "").casefold()
            actor = next((a for a in fallback if (a.name or "").casefold() != aimed), None)
            if actor is not None:
                event.actor = actor
                event.person = event.person or actor.person
                event.add_rule("actor:document")
        _name_the_body(event, fallback, default_country)
        return event
    kept = [m for m in event.mentions if not m.decided]
    if not kept:
        return None
    event.mentions = kept
    event.sentences = {m.sent_index for m in kept}
    event.status = max((m.status for m in kept), key=lambda s: STATUS_RANK[s])
    return event


def _decide(candidate: Candidate, model: PolicyModel, words: list[str]) -> Mention | None:
    """Return the candidate's mention as the model decides it, or None when it is dropped.

    A mention the model gives at least `model.floor`, that grammar does not mark as undecided and
    that is not aimed at one person, becomes evidence of a decided change (the event it joins
    decides); otherwise it keeps the rules' reading if that is not a decided status, else it is
    dropped. The model's direction is used unless the rules read it from what the rule does
    ("repealed a law allowing" tightens); a decided change cited from an outlet or unnamed
    officials is "reported", as the schema defines it.
    """
    decision = model.decide(candidate_features(candidate, words))
    mention = dataclasses.replace(candidate.mention, rules=list(candidate.mention.rules))
    mention.score = round(decision.change, 4)
    undecided = mention.status.value in UNDECIDED_STATUSES or mention.individual
    if decision.change >= model.floor and not undecided:
        mention.decided = True
        mention.rule_status = mention.status
        mention.status = PolicyStatus(decision.status)
        if mention.status in (PolicyStatus.ENACTED, PolicyStatus.ANNOUNCED) and (
            candidate.sentence.attribution.reported
        ):
            mention.status = PolicyStatus.REPORTED  # on an outlet's or unnamed officials' word
        if not mention.derived_direction:
            mention.direction = PolicyDirection(decision.direction)
        mention.rules.append(f"model:{model.name}")
        return mention
    if mention.status.value in DECIDED_STATUSES:
        return None
    return mention


def _evidence(sent: Span) -> Evidence:
    tokens = [t for t in sent if not t.is_space]
    start = tokens[0].idx if tokens else sent.start_char
    end = tokens[-1].idx + len(tokens[-1].text) if tokens else sent.end_char
    text = sent.doc[tokens[0].i : tokens[-1].i + 1].text if tokens else sent.text
    return Evidence(text=text, start=start, end=end)


def _scope(event: Event) -> str | None:
    if not event.scopes:
        return None
    best = min(priority for priority, _ in event.scopes)
    texts: list[str] = []
    for priority, span in sorted(event.scopes, key=lambda s: (s[0], s[1].start)):
        if priority == best and not any(span.text in t for t in texts):
            texts = [t for t in texts if t not in span.text] + [span.text]
    return "; ".join(texts)


def _highlight(kind: HighlightKind, span: args.TextSpan | None) -> Highlight | None:
    if span is None:
        return None
    return Highlight(kind=kind, text=span.text, start=span.start, end=span.end)


def _highlights(event: Event) -> list[Highlight]:
    found: list[Highlight | None] = []
    for mention in event.mentions:
        trigger = mention.trigger.doc[mention.trigger.i : mention.trigger_end]
        found.append(_highlight(HighlightKind.TRIGGER, args.span_of(trigger)))
        if mention.actor_token is not None:
            actor_tokens = [t for t in mention.actor_token.subtree if t.i <= mention.actor_token.i]
            found.append(_highlight(HighlightKind.ACTOR, args.span_of(actor_tokens)))
        if mention.beneficiary_token is not None:
            found.append(
                _highlight(HighlightKind.BENEFICIARY, args.span_of([mention.beneficiary_token]))
            )
        found.append(_highlight(HighlightKind.OBJECT, mention.object))
    found.extend(_highlight(HighlightKind.SCOPE, span) for _, span in event.scopes)
    unique = {(h.kind, h.start, h.end): h for h in found if h is not None}
    return sorted(unique.values(), key=lambda h: (h.start, h.end))


def _confidence(event: Event) -> float:
    if any(m.decided for m in event.mentions):
        return round(event_score(event), 2)
    score = 0.45
    score += 0.15 if event.actor.authority else 0.0
    score += 0.1 if any(m.rule_object for m in event.mentions) else 0.0
    score += 0.1 if not event.actor_from_context else 0.0
    score += 0.05 * min(2, len(event.mentions) - 1)
    score += 0.05 if event.sources else 0.0
    return round(min(0.98, max(0.05, score)), 2)


def _decision(event: Event, model: PolicyModel) -> Decision | None:
    scores = [m.score for m in event.mentions if m.score is not None]
    if not scores:
        return None
    return Decision(
        model=f"{model.name} {model.version}", score=max(scores), threshold=model.threshold
    )


def _to_change(
    event: Event, sents: list[Span], article_id: str, model: PolicyModel
) -> PolicyChange:
    first_object = next((m.object.text for m in event.mentions if m.object is not None), None)
    actor_name = event.actor.name or "unknown"
    key = event.beneficiary or first_object or ""
    return PolicyChange(
        id=policy_change_id(article_id, actor_name, event.action.value, key),
        article_id=article_id,
        actor=Actor(name=actor_name, person=event.person),
        action=event.action,
        direction=event.direction,
        beneficiary=event.beneficiary,
        object=first_object,
        scope=_scope(event),
        constraints=event.constraints,
        status=event.status,
        sources=event.sources,
        evidence=[_evidence(sents[i]) for i in sorted(event.sentences)],
        confidence=_confidence(event),
        decision=_decision(event, model),
        rules=event.rules,
        highlights=_highlights(event),
    )
