"""Events: mentions across a document -> one record per decision, with evidence and confidence.

Anaphoric mentions ("The decision allows ...", "This policy change ...", "he added that ...") join
the decision they refer back to; mentions with the same actor, direction and a compatible
beneficiary are one decision told several times. Sentences without a trigger that follow a decision
and add its limits ("cannot use these weapons against ...") or its sources are attached to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.policy import arguments as args
from pipeline.policy.actors import ActorRef
from pipeline.policy.lexicon import Needs
from pipeline.policy.mentions import Mention
from schemas import PolicyAction, PolicyDirection, PolicyStatus, Source

S = PolicyStatus
# Which status a merged event keeps: the furthest along, reversal first.
STATUS_RANK: dict[PolicyStatus, int] = {
    S.REVERSED: 9,
    S.ENACTED: 8,
    S.APPROVED: 7,
    S.ANNOUNCED: 6,
    S.REPORTED: 5,
    S.SIGNALED: 4,
    S.PROPOSED: 3,
    S.CONSIDERED: 2,
    S.UNCHANGED: 1,
}
# How far back (in sentences) an anaphor or a context sentence may reach.
ANAPHORA_WINDOW = 4
UNKNOWN_ACTOR = "unknown"
CONTEXT_WINDOW = 2


@dataclass
class Event:
    """One decision as the document tells it, built from one or more mentions."""

    actor: ActorRef
    action: PolicyAction
    direction: PolicyDirection
    status: PolicyStatus
    beneficiary: str | None
    mentions: list[Mention] = field(default_factory=list)
    sentences: set[int] = field(default_factory=set)
    sources: list[Source] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    scopes: list[tuple[int, args.TextSpan]] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    person: str | None = None
    actor_from_context: bool = False

    @property
    def last_sentence(self) -> int:
        """Return the index of the last sentence this event draws on."""
        return max(self.sentences)

    def add_sources(self, sources: list[Source]) -> None:
        """Add the sources not yet cited."""
        for source in sources:
            if all(s.name.casefold() != source.name.casefold() for s in self.sources):
                self.sources.append(source)

    def add_rule(self, rule: str) -> None:
        """Record that `rule` fired, once."""
        if rule not in self.rules:
            self.rules.append(rule)


def needs_met(mention: Mention, actor: ActorRef) -> bool:
    """Return whether the trigger has what it needs to be a rule change (a rule-setter, a rule)."""
    if mention.needs is Needs.NOTHING:
        return True
    if mention.needs is Needs.OBJECT:
        return mention.rule_object
    if mention.needs is Needs.AUTHORITY:
        return actor.authority
    return actor.authority or mention.rule_object


def _unchanged(status: PolicyStatus) -> bool:
    return status is S.UNCHANGED


def compatible(event: Event, mention: Mention, actor: ActorRef) -> bool:
    """Return whether `mention` (by `actor`) tells the same decision as `event`."""
    if (actor.name or "").casefold() != (event.actor.name or "").casefold():
        return False
    if _unchanged(event.status) != _unchanged(mention.status):
        return False
    if event.direction is not mention.direction:
        return False
    return (
        mention.beneficiary is None
        or event.beneficiary is None
        or (mention.beneficiary.casefold() == event.beneficiary.casefold())
    )


class EventBuilder:
    """Folds a document's mentions, in order, into events."""

    def __init__(self, default_country: str | None) -> None:
        self.events: list[Event] = []
        self.default_country = default_country
        self._last: Event | None = None

    def _antecedent(self, sent_index: int) -> Event | None:
        last = self._last
        if last is not None and sent_index - last.last_sentence <= ANAPHORA_WINDOW:
            return last
        return None

    def _resolve(self, mention: Mention) -> tuple[ActorRef, bool]:
        """Return the mention's actor with anaphora resolved, and whether context supplied it."""
        actor = mention.actor
        if actor.name is not None and not actor.anaphoric:
            return actor, False
        antecedent = self._antecedent(mention.sent_index)
        if antecedent is not None:
            person = actor.person or antecedent.person
            return ActorRef(antecedent.actor.name, person, authority=True), True
        strong = mention.needs is Needs.NOTHING or mention.rule_object
        if (actor.authority or strong) and self.default_country:
            return ActorRef(self.default_country, actor.person, authority=True), True
        if actor.authority and mention.actor_token is not None:  # "the government", unnamed
            return ActorRef(mention.actor_token.text.lower(), actor.person, authority=True), True
        if strong and mention.status in (S.ENACTED, S.ANNOUNCED, S.APPROVED):
            return ActorRef(UNKNOWN_ACTOR, actor.person), True
        return actor, True

    def add(self, mention: Mention, sources: list[Source], principal: str | None) -> bool:
        """Add one mention with its sentence's sources; return whether it joined an event.

        A mention the model accepted (`decided`) needs no rule-setter or rule object around it
        to count; the others keep the parse layer's gates.
        """
        actor, from_context = self._resolve(mention)
        antecedent = self._antecedent(mention.sent_index)
        if mention.anaphoric_subject and antecedent is not None and not _unchanged(mention.status):
            self._merge(antecedent, mention, sources, anaphoric=True)
            return True
        if mention.decided and actor.name is None:
            actor = ActorRef(self.default_country or UNKNOWN_ACTOR, actor.person, authority=True)
            from_context = True
        if not mention.decided and not self._passes_gates(mention, actor):
            return False
        event = next((e for e in reversed(self.events) if compatible(e, mention, actor)), None)
        if event is None:
            event = Event(
                actor=actor,
                action=mention.action,
                direction=mention.direction,
                status=mention.status,
                beneficiary=mention.beneficiary,
                person=actor.person or principal,
                actor_from_context=from_context,
            )
            self.events.append(event)
        self._merge(event, mention, sources, anaphoric=False)
        return True

    @staticmethod
    def _passes_gates(mention: Mention, actor: ActorRef) -> bool:
        """Return whether an undecided mention has what the parse layer asks of a rule change."""
        if not needs_met(mention, actor) or actor.name is None:
            return False
        if actor.company and not mention.rule_object:
            return False
        return not mention.individual

    def _merge(
        self, event: Event, mention: Mention, sources: list[Source], anaphoric: bool
    ) -> None:
        event.mentions.append(mention)
        event.sentences.add(mention.sent_index)
        event.add_sources(sources)
        if STATUS_RANK[mention.status] > STATUS_RANK[event.status] and not anaphoric:
            event.status = mention.status
        event.beneficiary = event.beneficiary or mention.beneficiary
        event.person = event.person or mention.actor.person
        if not mention.actor.anaphoric and mention.actor.name and event.actor_from_context:
            event.actor_from_context = False
        event.scopes.extend(mention.scopes)
        event.constraints.extend(c for c in mention.constraints if c not in event.constraints)
        for rule in mention.rules:
            event.add_rule(rule)
        if anaphoric:
            event.add_rule("merge:anaphora")
        elif len(event.mentions) > 1:
            event.add_rule("merge:same_decision")
        self._last = event

    def add_context(
        self,
        sent_index: int,
        sources: list[Source],
        principal: str | None,
        constraints: list[args.TextSpan],
        limits: list[tuple[int, args.TextSpan]],
        subject: str | None,
    ) -> bool:
        """Attach a trigger-less sentence's limits and sources to the decision just before it.

        Returns whether the sentence was attached.
        """
        last = self._last
        if last is None or sent_index - last.last_sentence > CONTEXT_WINDOW:
            return False
        if not (constraints or limits or (sources and sent_index - last.last_sentence == 1)):
            return False
        if (
            constraints
            and subject
            and last.beneficiary
            and subject.casefold() != last.beneficiary.casefold()
        ):
            return False
        last.sentences.add(sent_index)
        last.add_sources(sources)
        last.person = last.person or principal
        for span in constraints:
            if span.text not in last.constraints:
                last.constraints.append(span.text)
        last.scopes.extend(limits)
        last.add_rule(
            "context:" + ("constraint" if constraints else "scope" if limits else "attribution")
        )
        return True

    def finish(self) -> list[Event]:
        """Return the events; a reaffirmed exclusion also constrains its actor's loosening."""
        for event in self.events:
            if not _unchanged(event.status) or event.direction is not PolicyDirection.TIGHTEN:
                continue
            kept = next((e for e in event.mentions if e.object is not None), None)
            if kept is None or kept.object is None:
                continue
            for other in self.events:
                if (
                    other is not event
                    and other.actor.name == event.actor.name
                    and other.direction is PolicyDirection.LOOSEN
                    and not _unchanged(other.status)
                ):
                    text = "no " + kept.object.text
                    if text not in other.constraints:
                        other.constraints.append(text)
                        other.add_rule("constraint:unchanged_exclusion")
        return self.events
