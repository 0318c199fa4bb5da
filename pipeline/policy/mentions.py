"""Mentions: one trigger in one sentence -> what it says about a rule, before merging.

Triggers are found by `find_triggers`, a scan of the tokens against the lexicon's sets. For each one
the detector walks up the parse from the trigger to find who acts (subject, passive agent, the
possessor of "decision to"), the words that set its status (agreed to, plans to, may, cannot,
remains unchanged) and, through reported speech, on whose word it stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from pipeline.policy import arguments as args
from pipeline.policy import lexicon as lex
from pipeline.policy.actors import ActorRef, DocActors
from pipeline.policy.attribution import Attribution
from schemas import PolicyAction, PolicyDirection, PolicyStatus

S = PolicyStatus
_WALK_DEPS = frozenset(
    {"xcomp", "ccomp", "acl", "advcl", "pcomp", "prep", "pobj", "dobj", "conj", "relcl"}
)
_LEGAL_NOUNS = frozenset(
    [
        "bill",
        "law",
        "decree",
        "order",
        "treaty",
        "legislation",
        "measure",
        "resolution",
        "ordinance",
        "amendment",
        "act",
        "budget",
        "reform",
        "reforms",
    ]
)
_LEGAL_VERBS = frozenset(
    [
        "sign",
        "signs",
        "signed",
        "signing",
        "pass",
        "passes",
        "passed",
        "passing",
        "adopt",
        "adopts",
        "adopted",
        "enact",
        "enacts",
        "enacted",
        "approve",
        "approves",
        "approved",
    ]
)
_SUPPLIED = frozenset(
    {"supply", "supplied", "provide", "provided", "deliver", "delivered", "give", "given"}
)


@dataclass
class Mention:
    """One trigger read in its sentence."""

    sent_index: int
    trigger: Token
    trigger_end: int
    action: PolicyAction
    direction: PolicyDirection
    status: PolicyStatus
    needs: lex.Needs
    actor: ActorRef
    actor_token: Token | None
    beneficiary: str | None
    beneficiary_token: Token | None
    object: args.TextSpan | None
    rule_object: bool
    scopes: list[tuple[int, args.TextSpan]] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    negated: bool = False
    anaphoric_subject: bool = False
    individual: bool = False  # a sanction aimed at one person is not a rule change
    score: float | None = None  # the model's probability that this reports a decided change
    decided: bool = False  # the model backs it as evidence of a decided change
    rule_status: PolicyStatus | None = None  # what the rules said, before the model decided
    derived_direction: bool = False  # the rules read the direction from what the rule does


_LEGAL_FILLERS = frozenset({"DET", "ADJ", "NUM", "NOUN", "PROPN", "SYM"})
_LEGAL_REACH = 8  # tokens between "signed" and "bill" at most
_VERBS = frozenset(lex.VERB_TRIGGERS)
_NOUNS = frozenset(lex.NOMINAL_TRIGGERS)
_PHRASES: dict[str, list[tuple[str, ...]]] = {}
for _words in lex.PHRASE_TRIGGERS:
    _PHRASES.setdefault(_words[0], []).append(_words)


def find_triggers(doc: Doc, start: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
    """Return the trigger matches in `doc[start:end]`: (label, start, end) in document offsets.

    Labels: VERB and NOUN (a lexicon lemma with that part of speech), PERMISSION ("can use"),
    LEGAL ("signed the ... bill"), and "PHRASE <words>" (a multi-word trigger, its first word by
    lemma). A scan with set lookups: the stage's hottest loop, several times faster than the
    equivalent spaCy Matcher patterns.
    """
    end = len(doc) if end is None else end
    found: list[tuple[str, int, int]] = []
    for i in range(start, end):
        token = doc[i]
        lemma = token.lemma_.casefold()
        pos = token.pos_
        if pos == "VERB" and lemma in _VERBS:
            found.append(("VERB", i, i + 1))
        elif pos in ("NOUN", "PROPN") and lemma in _NOUNS:
            found.append(("NOUN", i, i + 1))
        if pos == "VERB" and lemma == "use":
            found.append(("PERMISSION", i, i + 1))
        lower = token.lower_
        if lower in _LEGAL_VERBS:
            for j in range(i + 1, min(end, i + 2 + _LEGAL_REACH)):
                if doc[j].lower_ in _LEGAL_NOUNS:
                    found.append(("LEGAL", i, j + 1))
                if doc[j].pos_ not in _LEGAL_FILLERS:
                    break
        for words in _PHRASES.get(lemma, ()):
            stop = i + len(words)
            if stop <= end and all(doc[i + k].lower_ == w for k, w in enumerate(words[1:], 1)):
                found.append(("PHRASE " + " ".join(words), i, stop))
    return sorted(found, key=lambda m: (m[1], m[2]))


@dataclass
class _Walk:
    """What walking up from a trigger found."""

    status: PolicyStatus | None = None
    negated: bool = False
    agent: Token | None = None
    speaker: Token | None = None
    rules: list[str] = field(default_factory=list)


def _modal_status(token: Token) -> tuple[PolicyStatus | None, bool]:
    status: PolicyStatus | None = None
    negated = False
    for child in token.children:
        if child.dep_ == "neg":
            negated = True
        elif child.dep_ == "mark" and child.lower_ in ("whether", "if"):  # "decide whether to"
            status = status or S.CONSIDERED
        elif child.dep_ in ("aux", "auxpass") and child.lower_ in lex.MODAL_STATUS:
            status = status or lex.MODAL_STATUS[child.lower_]
        elif child.dep_ == "aux" and child.lower_ in ("ca", "wo"):  # ca n't, wo n't
            status = status or S.CONSIDERED
    return status, negated


def _walk(trigger: Token, skip_subject: bool) -> _Walk:
    """Walk from `trigger` up the parse, collecting status cues, negation, agent and speaker."""
    walk = _Walk()
    token = trigger
    for step in range(6):
        if step > 0 and token.pos_ == "VERB" and token.lemma_.casefold() in lex.REPORTING_VERBS:
            walk.speaker = next((c for c in token.children if c.dep_ == "nsubj"), None)
            if walk.agent is None and token.lemma_.casefold() in lex.ANNOUNCING_VERBS:
                walk.status = walk.status or S.ANNOUNCED
            break
        modal, negated = _modal_status(token)
        walk.negated = walk.negated or negated
        lemma = token.lemma_.casefold()
        if step > 0 or token.pos_ == "NOUN":
            table = lex.NOUN_GOVERNOR_STATUS if token.pos_ == "NOUN" else lex.GOVERNOR_STATUS
            cue = table.get(lemma) or lex.GOVERNOR_STATUS.get(token.lower_)
            cue = cue or lex.HEDGING_ADJECTIVES.get(lemma)
            if step > 0 and cue is not None and walk.status is None:
                walk.status = cue
                walk.rules.append(f"governor:{lemma}")
        if walk.status is None and modal is not None:
            walk.status = modal
        if walk.agent is None and not skip_subject:
            walk.agent = _agent_of(token, raised=step > 0)
        if token.dep_ not in _WALK_DEPS or token.head is token:
            break
        token = token.head
    return walk


def _agent_of(token: Token, raised: bool = False) -> Token | None:
    """Return the token that acts on `token`: passive agent, subject or possessor.

    `raised` is set above the trigger, where a passive subject still acts: "X is set to allow".
    """
    for child in token.children:
        if child.dep_ == "agent":
            pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
            if pobj is not None:
                return pobj
    subjects = ("nsubj", "csubj", "nsubjpass") if raised else ("nsubj", "csubj")
    found = [c for c in token.children if c.dep_ in subjects]
    if found:  # a headline glued to the lead gives a verb two subjects: take the nearer one
        return min(found, key=lambda c: abs(token.i - c.i))
    if token.pos_ in ("NOUN", "PROPN"):
        return next((c for c in token.children if c.dep_ == "poss"), None)
    return None


_SANCTIONS = frozenset(
    {
        PolicyAction.BAN,
        PolicyAction.SUSPEND,
        PolicyAction.RESTRICT,
        PolicyAction.IMPOSE,
        PolicyAction.REPEAL,
    }
)
_DECISION_NOUNS = frozenset(
    {"decision", "move", "policy", "change", "step", "measure", "plan", "order"}
)


def _decision_anaphor(subject: Token) -> bool:
    """Return whether `subject` points back at a decision: "The decision allows", "This change"."""
    return (
        subject.lemma_.casefold() in _DECISION_NOUNS
        and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in subject.children)
        and not any(c.dep_ in ("amod", "poss") for c in subject.children)
    )


def _governed(noun: Token) -> bool:
    """Return whether a verb adopts `noun`: "passed a resolution", "agreed to a consent decree"."""
    head = noun.head
    if noun.dep_ == "pobj" and head.dep_ == "prep":
        head = head.head
    elif noun.dep_ not in ("dobj", "nsubjpass", "attr"):
        return False
    return head.lemma_.casefold() in lex.NOMINAL_GOVERNORS


def _nominal_agent(noun: Token) -> Token | None:
    """Return who owns a nominal trigger: "Biden's decision", "UN resolution", "ban by the EU"."""
    for child in noun.children:
        if child.dep_ == "poss":
            return child
    for child in noun.children:
        if child.dep_ in ("compound", "nmod", "amod") and child.ent_type_ in ("ORG", "GPE", "NORP"):
            return child
    for prep in noun.children:
        if prep.dep_ == "prep" and prep.lower_ == "by":
            return next((c for c in prep.children if c.dep_ == "pobj"), None)
    return None


def _background(token: Token) -> bool:
    """Return whether `token` sits in a "since ..." clause or is dated "... years ago": history."""
    holders = [token, *token.ancestors][:4]
    if any(c.lower_ == "since" and c.dep_ in ("mark", "prep") for h in holders for c in h.children):
        return True
    return any(
        t.lower_ == "ago" and any(u.lemma_ in ("year", "decade", "month") for u in t.subtree)
        for t in token.subtree
        if t.dep_ == "advmod"
    )


def _nearest_left_name(trigger: Token, sent: Span) -> Token | None:
    """Return the closest named entity left of `trigger` in a headline-like fragment."""
    for token in reversed(sent[: trigger.i - sent.start]):
        if (token.ent_type_ in ("PERSON", "ORG", "GPE", "NORP") and token.ent_iob_ != "B") or (
            token.ent_type_ and token.ent_iob_ == "B" and token.i + 1 == trigger.i
        ):
            return token
    return None


_OPPOSITE = {
    PolicyDirection.TIGHTEN: PolicyDirection.LOOSEN,
    PolicyDirection.LOOSEN: PolicyDirection.TIGHTEN,
}


def _direction(spec: lex.Trigger, head: Token | None) -> tuple[PolicyAction, PolicyDirection]:
    action, direction = spec.action, spec.direction
    if head is None:
        return action, direction
    words = {head.lemma_.casefold(), head.lower_}
    words |= {c.lemma_.casefold() for c in head.children if c.dep_ in ("compound", "amod")}
    raised = bool(words & lex.TIGHTEN_WHEN_RAISED)
    if action in (PolicyAction.RAISE, PolicyAction.EXPAND) and raised:
        return action, PolicyDirection.TIGHTEN
    if action in (PolicyAction.REDUCE, PolicyAction.LOWER) and raised:
        return PolicyAction.LOWER, PolicyDirection.LOOSEN
    return action, direction


def _supplier(obj: Token | None, actors: DocActors) -> tuple[str | None, bool]:
    """Return (country, anaphoric) of who supplied `obj`: "US weapons", "supplied by us"."""
    if obj is None:
        return None, False
    for token in obj.subtree:
        country = actors.resolve(token).name if token.ent_type_ in ("GPE", "NORP") else None
        if country and token.i <= obj.i:
            return country, False
        if token.lemma_.casefold() in _SUPPLIED:
            for agent in token.children:
                for pobj in agent.children:
                    if agent.dep_ == "agent" and pobj.pos_ == "PRON":
                        return None, True
    return None, False


class MentionReader:
    """Reads the triggers of one document's sentences into Mentions."""

    def __init__(self, actors: DocActors) -> None:
        self.actors = actors

    def read(
        self,
        sent: Span,
        sent_index: int,
        attribution: Attribution,
    ) -> list[Mention]:
        """Return the mentions in `sent`, nested triggers folded into the ones that carry them."""
        found: dict[int, Mention] = {}
        for label, start, end in find_triggers(sent.doc, sent.start, sent.end):
            token = sent.doc[start]
            if token.i in found and label not in ("LEGAL",) and not label.startswith("PHRASE"):
                continue
            mention = self._read_one(label, token, end, sent, sent_index, attribution)
            if mention is not None:
                found[token.i] = mention
        return _fold_nested(list(found.values()))

    def _read_one(
        self,
        label: str,
        token: Token,
        end: int,
        sent: Span,
        sent_index: int,
        attribution: Attribution,
    ) -> Mention | None:
        lemma = token.lemma_.casefold()
        if _background(token):
            return None
        if label == "VERB":
            if token.dep_ in ("amod", "compound") or lemma not in lex.VERB_TRIGGERS:
                return None
            particle = lex.REQUIRED_PARTICLE.get(lemma)
            if particle and not any(c.lower_ == particle for c in token.children):
                return None
            return self._verbal(
                lex.VERB_TRIGGERS[lemma],
                token,
                token.i + 1,
                sent_index,
                sent,
                attribution,
                "verbal",
            )
        if label.startswith("PHRASE"):
            words = tuple(label.split(" ")[1:])
            return self._verbal(
                lex.PHRASE_TRIGGERS[words], token, end, sent_index, sent, attribution, "phrase"
            )
        if label == "LEGAL":
            spec = lex.Trigger(
                PolicyAction.ADOPT, PolicyDirection.NEW, lex.Needs.NOTHING, S.ENACTED
            )
            return self._verbal(
                spec,
                token,
                end,
                sent_index,
                sent,
                attribution,
                "legal_act",
                legal_head=sent.doc[end - 1],
            )
        if label == "NOUN":
            return self._nominal(token, sent_index, sent, attribution)
        if label == "PERMISSION":
            return self._permission(token, sent_index, sent, attribution)
        return None

    def _status(
        self, spec: lex.Trigger, token: Token, walk: _Walk, sent: Span, attribution: Attribution
    ) -> PolicyStatus:
        text = sent.text.casefold()
        if walk.negated or any(p in text for p in lex.UNCHANGED_PHRASES):
            return S.UNCHANGED
        if any(p in text for p in lex.PROPOSED_PHRASES):
            return S.PROPOSED
        status = walk.status
        if spec.status is S.REVERSED and status in (None, S.ENACTED, S.ANNOUNCED, S.APPROVED):
            status = S.REVERSED
        if status is None:
            status = spec.status or S.ENACTED
            if any(c.dep_ == "aux" and c.lower_ == "to" for c in token.children) and token.dep_ in (
                "ROOT",
                "xcomp",
            ):
                status = S.ANNOUNCED
        if status in (S.ENACTED, S.ANNOUNCED, S.APPROVED) and attribution.reported:
            return S.REPORTED
        if (
            status is S.CONSIDERED
            and attribution.reported
            and any(c.lower_ == "would" for c in token.children)
        ):
            return S.REPORTED
        return status

    def _verbal(
        self,
        spec: lex.Trigger,
        token: Token,
        end: int,
        sent_index: int,
        sent: Span,
        attribution: Attribution,
        rule: str,
        legal_head: Token | None = None,
    ) -> Mention:
        inner = args.inner_verb(token) if spec.action is PolicyAction.PERMIT else None
        head = legal_head or args.object_head(token, inner)
        if spec.status is S.ENACTED and rule == "phrase":  # "new rules take effect": the subject
            head = next((c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")), head)
        walk = _walk(token, skip_subject=False)
        agent = walk.agent or (
            walk.speaker if walk.speaker is not None and walk.agent is None else None
        )
        rules = [f"{rule}:{' '.join(t.lower_ for t in token.doc[token.i : end])}", *walk.rules]
        if agent is None:
            agent = _nearest_left_name(token, sent)
            if agent is not None:
                rules.append("actor:nearest_name")
        action, direction = _direction(spec, head)
        content = (
            self._content_trigger(head, token)
            if spec.action in (PolicyAction.ADOPT, PolicyAction.CHANGE)
            else None
        )
        if content is not None:
            action, direction = content.action, content.direction
        elif spec.action is PolicyAction.REPEAL:
            # Undoing a rule moves the opposite way to what the rule did: striking down "a law
            # requiring providers to block sites" loosens; revoking a permission tightens.
            undone = self._content_trigger(head)
            if undone is not None and undone.direction in _OPPOSITE:
                direction = _OPPOSITE[undone.direction]
        status = self._status(spec, token, walk, sent, attribution)
        tabled = head is not None and head.lemma_.casefold() in lex.TABLED_NOUNS
        if tabled and token.lemma_.casefold() in lex.TABLING_VERBS and status is not S.UNCHANGED:
            status = S.PROPOSED  # "unveiled a bill", "introduced legislation"
        if walk.negated and spec.action is PolicyAction.PERMIT:
            action, direction = PolicyAction.BAN, PolicyDirection.TIGHTEN
        actor = self.actors.resolve_agent(agent)
        if status is S.ENACTED and _one_chamber_passage(token, agent, actor):
            status = S.CONSIDERED  # "the House passed a bill": the other chamber has not
        bene = args.beneficiary(token, inner)
        anchors = [t for t in (token, inner, head) if t is not None]
        # In "Edwards Banned from Games" the headline's subject is the one banned.
        patient = (
            agent
            if token.tag_ == "VBN" and not any(c.dep_ == "aux" for c in token.children)
            else None
        )
        targets = [t for t in (head, bene, patient) if t is not None]
        individual = action in _SANCTIONS and any(self.actors.looks_like_person(t) for t in targets)
        # A conviction, sentence or indictment is one person's case whoever undoes it.
        individual = individual or (
            head is not None and head.lemma_.casefold() in lex.INDIVIDUAL_MEASURES
        )
        subject = next((c for c in token.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        anaphoric = subject is not None and _decision_anaphor(subject)
        return Mention(
            sent_index=sent_index,
            trigger=token,
            trigger_end=end,
            action=action,
            direction=direction,
            status=status,
            needs=spec.needs,
            actor=actor,
            actor_token=agent,
            beneficiary=args.beneficiary_name(bene),
            beneficiary_token=bene,
            object=args.object_span(token, inner, head),
            rule_object=args.is_rule_object(head) or legal_head is not None,
            scopes=args.scopes(anchors) + args.explicit_limits(sent),
            rules=rules,
            negated=walk.negated,
            anaphoric_subject=anaphoric,
            individual=individual,
            derived_direction=direction is not spec.direction,
        )

    def _content_trigger(
        self, head: Token | None, trigger: Token | None = None
    ) -> lex.Trigger | None:
        """Return the trigger that says what a passed law or resolution does ("a bill banning").

        Looks at the noun itself ("launch a crackdown"), the verbs in the clauses under it ("a
        resolution calling for Iran to suspend") and in those of the adopting verb ("passed the
        law to ban"), what it is named against ("an anti-doping programme"), and the measures
        those clauses name ("calling on Khartoum to act or face sanctions").
        """
        if head is None:
            return None
        nominal = lex.NOMINAL_TRIGGERS.get(head.lemma_.casefold())
        if nominal is not None and nominal.action not in (PolicyAction.ADOPT, PolicyAction.CHANGE):
            return nominal
        roots = [c for c in head.children if c.dep_ in ("acl", "relcl")]
        if trigger is not None:
            roots += [c for c in trigger.children if c.dep_ in ("advcl", "xcomp")]
        for root in roots:
            for token in root.subtree:
                spec = lex.VERB_TRIGGERS.get(token.lemma_.casefold())
                if (
                    token.pos_ == "VERB"
                    and spec is not None
                    and spec.action
                    not in (
                        PolicyAction.ADOPT,
                        PolicyAction.CHANGE,
                    )
                ):
                    return spec
        if any(
            c.dep_ in ("compound", "amod") and c.lower_.split("-")[0] in lex.AGAINST_MODIFIERS
            for c in head.children
        ):
            return lex.AGAINST
        # No verb says it; a measure named under the noun does ("... or face sanctions").
        for root in roots:
            for token in root.subtree:
                named = lex.NOMINAL_TRIGGERS.get(token.lemma_.casefold())
                if token.pos_ == "NOUN" and named is not None and named.direction in _OPPOSITE:
                    return named
        return None

    def _nominal(
        self, token: Token, sent_index: int, sent: Span, attribution: Attribution
    ) -> Mention | None:
        lemma = (
            token.lemma_.casefold()
            if token.lemma_.casefold() in lex.NOMINAL_TRIGGERS
            else token.lower_
        )
        spec = lex.NOMINAL_TRIGGERS.get(lemma)
        if spec is None or token.dep_ == "compound":
            return None
        modifiers = {
            c.lemma_.casefold() for c in token.children if c.dep_ in ("amod", "compound", "nmod")
        }
        modifiers |= {
            g.lemma_.casefold()
            for p in token.children
            if p.dep_ == "prep" and p.lower_ in ("in", "of", "on")
            for g in p.children
            if g.dep_ == "pobj"
        }
        governed = _governed(token)
        if lemma in lex.NOMINAL_NEEDS_POLICY_WORD:
            if not modifiers & lex.POLICY_WORDS and not any("rate" in m for m in modifiers):
                return None
        elif not (governed or modifiers & lex.NOMINAL_MODIFIERS):
            return None
        anaphoric = any(
            c.dep_ == "det" and c.lower_ in ("this", "that", "the") for c in token.children
        ) and not (modifiers & lex.NOMINAL_MODIFIERS or governed)
        walk = _walk(token, skip_subject=False)
        # The clause's subject owns the noun only through a verb of deciding or signalling:
        # "Blinken hinted at policy adjustments", not "Sudan condemned a new UN resolution".
        agent = _nominal_agent(token) or (walk.agent if governed or walk.rules else None)
        content = self._content_trigger(token)
        action, direction = (
            (content.action, content.direction) if content else (spec.action, spec.direction)
        )
        status = self._status(spec, token, walk, sent, attribution)
        drafted = [m for m in modifiers if lex.NOUN_GOVERNOR_STATUS.get(m) is S.PROPOSED]
        if any(c.dep_ == "det" and c.lower_ == "no" for c in token.children):
            status = S.UNCHANGED  # "no change in the position"
        elif (drafted or self._tabled(token)) and status is not S.UNCHANGED:
            status = S.PROPOSED
        if (
            governed
            and walk.status is None
            and token.head.tag_ in ("VB", "VBP", "VBZ", "VBD", "VBN")
        ):
            status = S.ENACTED if not attribution.reported else S.REPORTED
        bene = args.beneficiary(token, None)
        return Mention(
            sent_index=sent_index,
            trigger=token,
            trigger_end=token.i + 1,
            action=action,
            direction=direction,
            status=status,
            needs=lex.Needs.NOTHING,
            actor=self.actors.resolve_agent(agent),
            actor_token=agent,
            beneficiary=args.beneficiary_name(bene),
            beneficiary_token=bene,
            object=args.subtree_span(token),
            rule_object=True,
            scopes=args.scopes([token]) + args.explicit_limits(sent),
            rules=[f"nominal:{token.lower_}", *walk.rules],
            negated=walk.negated,
            anaphoric_subject=anaphoric,
            derived_direction=direction is not spec.direction,
        )

    @staticmethod
    def _tabled(noun: Token) -> bool:
        """Return whether a bill is only put forward ("unveiled a bill", "introduced a measure")."""
        head = noun.head if noun.dep_ in ("dobj", "nsubjpass") else None
        return (
            noun.lemma_.casefold() in lex.TABLED_NOUNS
            and head is not None
            and head.lemma_.casefold() in lex.TABLING_VERBS
        )

    def _permission(
        self, token: Token, sent_index: int, sent: Span, attribution: Attribution
    ) -> Mention | None:
        """Read "Ukraine can now use US weapons": a permission stated as its effect."""
        modal = [c for c in token.children if c.dep_ == "aux" and c.lower_ in ("can", "could")]
        if not modal or any(c.dep_ == "neg" for c in token.children):
            return None
        obj = next((c for c in token.children if c.dep_ == "dobj"), None)
        supplier, anaphoric = _supplier(obj, self.actors)
        if supplier is None and not anaphoric:
            return None
        walk = _walk(token, skip_subject=True)
        bene = next((c for c in token.children if c.dep_ == "nsubj"), None)
        status = walk.status if walk.status not in (None, S.CONSIDERED) else S.ENACTED
        if status in (S.ENACTED, S.ANNOUNCED) and attribution.reported:
            status = S.REPORTED
        return Mention(
            sent_index=sent_index,
            trigger=token,
            trigger_end=token.i + 1,
            action=PolicyAction.PERMIT,
            direction=PolicyDirection.LOOSEN,
            status=status,
            needs=lex.Needs.NOTHING,
            actor=ActorRef(supplier, authority=True)
            if supplier
            else ActorRef(None, anaphoric=True),
            actor_token=None,
            beneficiary=args.beneficiary_name(bene),
            beneficiary_token=bene,
            object=args.subtree_span(obj) if obj is not None else None,
            rule_object=False,
            scopes=args.scopes([token, *(c for c in token.children if c.dep_ == "dobj")]),
            rules=["permission_state:can use", *walk.rules],
            anaphoric_subject=anaphoric,
        )


def _fold_nested(mentions: list[Mention]) -> list[Mention]:
    """Drop mentions whose trigger sits inside another mention's object (its content)."""
    kept: list[Mention] = []
    for mention in mentions:
        inside = any(
            other is not mention
            and other.object is not None
            and other.object.start <= mention.trigger.idx < other.object.end
            and other.trigger.i != mention.trigger.i
            for other in mentions
        )
        governs = any(
            other is not mention
            and mention.trigger.head.i == other.trigger.i
            and mention.trigger.pos_ == "NOUN"
            for other in mentions
        )
        if not inside and not governs:
            kept.append(mention)
    return kept


def _one_chamber_passage(token: Token, agent: Token | None, actor: ActorRef) -> bool:
    """Return whether `token` is a chamber or committee passing something ("the House passed
    the bill", "the bill that passed the Senate", "a Senate panel approved"): a step, not a law."""
    if token.lemma_.casefold() not in lex.PASSAGE_VERBS:
        return False
    words = [w.casefold() for w in (actor.name or "").split()]
    if agent is not None:
        words += [t.lower_ for t in agent.subtree]
    # "passed the House", "approved by the Senate": the chamber as object or agent phrase.
    for child in token.children:
        if child.dep_ in ("dobj", "agent"):
            words += [t.lower_ for t in child.subtree]
    if "white" in words:  # the White House is the executive
        return False
    return any(w in lex.ONE_CHAMBER_WORDS for w in words)
