"""The policy stage's lexicon, as data: triggers, governors, status cues, authorities, places.

Everything the detector knows about English news phrasing lives here, so that extending coverage is
a matter of adding rows, not branches. Words are lemmas (lower case) unless a table says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pipeline import gazetteers
from schemas.policy import PolicyAction, PolicyDirection, PolicyStatus


def _words(text: str) -> list[str]:
    """Return the whitespace-separated words of a lexicon row."""
    return text.split()


class Needs(StrEnum):
    """What a trigger needs around it before it counts as a rule change."""

    NOTHING = "nothing"  # the word itself is a rule act: ban, legalise, repeal
    AUTHORITY_OR_OBJECT = "authority_or_object"  # cut, raise, lift: a rule-setter or a rule object
    AUTHORITY = "authority"  # close, recall, extend: only a rule-setter makes these policy
    OBJECT = "object"  # lift, impose: only a rule object (ban, sanctions, tariffs) makes it policy


@dataclass(frozen=True)
class Trigger:
    """One trigger word: what it does to a rule, in which direction, and what it needs."""

    action: PolicyAction
    direction: PolicyDirection
    needs: Needs
    status: PolicyStatus | None = None  # a status the word implies by itself (overturn: reversed)


A, D, N, S = PolicyAction, PolicyDirection, Needs, PolicyStatus

VERB_TRIGGERS: dict[str, Trigger] = {
    # loosen: permissions
    "allow": Trigger(A.PERMIT, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "permit": Trigger(A.PERMIT, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "authorize": Trigger(A.PERMIT, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "authorise": Trigger(A.PERMIT, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "legalize": Trigger(A.PERMIT, D.LOOSEN, N.NOTHING),
    "legalise": Trigger(A.PERMIT, D.LOOSEN, N.NOTHING),
    "license": Trigger(A.PERMIT, D.LOOSEN, N.AUTHORITY),
    "greenlight": Trigger(A.APPROVE, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "approve": Trigger(A.APPROVE, D.LOOSEN, N.AUTHORITY_OR_OBJECT, S.APPROVED),
    "clear": Trigger(A.APPROVE, D.LOOSEN, N.AUTHORITY),
    "exempt": Trigger(A.LIFT, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "lift": Trigger(A.LIFT, D.LOOSEN, N.OBJECT),
    "ease": Trigger(A.LIFT, D.LOOSEN, N.OBJECT),
    "relax": Trigger(A.LIFT, D.LOOSEN, N.OBJECT),
    "loosen": Trigger(A.LIFT, D.LOOSEN, N.OBJECT),
    "resume": Trigger(A.RESUME, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "reopen": Trigger(A.RESUME, D.LOOSEN, N.AUTHORITY),
    "expand": Trigger(A.EXPAND, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "extend": Trigger(A.EXPAND, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "prolong": Trigger(A.EXPAND, D.LOOSEN, N.AUTHORITY),
    "broaden": Trigger(A.EXPAND, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "increase": Trigger(A.RAISE, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "raise": Trigger(A.RAISE, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "hike": Trigger(A.RAISE, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "fund": Trigger(A.FUND, D.NEW, N.AUTHORITY),
    "compensate": Trigger(A.FUND, D.NEW, N.AUTHORITY),
    "subsidize": Trigger(A.FUND, D.NEW, N.AUTHORITY),
    "lend": Trigger(A.FUND, D.LOOSEN, N.AUTHORITY),
    # tighten: bans and restrictions
    "ban": Trigger(A.BAN, D.TIGHTEN, N.NOTHING),
    "prohibit": Trigger(A.BAN, D.TIGHTEN, N.NOTHING),
    "outlaw": Trigger(A.BAN, D.TIGHTEN, N.NOTHING),
    "forbid": Trigger(A.BAN, D.TIGHTEN, N.NOTHING),
    "bar": Trigger(A.BAN, D.TIGHTEN, N.AUTHORITY),
    "veto": Trigger(A.REJECT, D.TIGHTEN, N.AUTHORITY),
    "block": Trigger(A.BAN, D.TIGHTEN, N.AUTHORITY),
    "embargo": Trigger(A.BAN, D.TIGHTEN, N.NOTHING),
    "restrict": Trigger(A.RESTRICT, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "limit": Trigger(A.RESTRICT, D.TIGHTEN, N.AUTHORITY),
    "curb": Trigger(A.RESTRICT, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "cap": Trigger(A.RESTRICT, D.TIGHTEN, N.AUTHORITY),
    "tighten": Trigger(A.RESTRICT, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "strengthen": Trigger(A.RESTRICT, D.TIGHTEN, N.AUTHORITY),
    "close": Trigger(A.RESTRICT, D.TIGHTEN, N.AUTHORITY),
    "shut": Trigger(A.RESTRICT, D.TIGHTEN, N.AUTHORITY),
    "suspend": Trigger(A.SUSPEND, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "freeze": Trigger(A.SUSPEND, D.TIGHTEN, N.AUTHORITY),
    "halt": Trigger(A.SUSPEND, D.TIGHTEN, N.AUTHORITY),
    "impose": Trigger(A.IMPOSE, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "levy": Trigger(A.IMPOSE, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "sanction": Trigger(A.IMPOSE, D.TIGHTEN, N.AUTHORITY),
    "enforce": Trigger(A.IMPOSE, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "require": Trigger(A.REQUIRE, D.TIGHTEN, N.AUTHORITY),
    "mandate": Trigger(A.REQUIRE, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "oblige": Trigger(A.REQUIRE, D.TIGHTEN, N.AUTHORITY),
    "cut": Trigger(A.REDUCE, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "reduce": Trigger(A.REDUCE, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "lower": Trigger(A.LOWER, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "slash": Trigger(A.REDUCE, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    "shorten": Trigger(A.REDUCE, D.TIGHTEN, N.AUTHORITY),
    "recall": Trigger(A.CHANGE, D.TIGHTEN, N.AUTHORITY),
    # repeal and reversal
    "repeal": Trigger(A.REPEAL, D.REPEAL, N.NOTHING),
    "rescind": Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT),
    "abolish": Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT),
    "scrap": Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT),
    "revoke": Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT),
    "annul": Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT),
    "overturn": Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT, S.REVERSED),
    "reverse": Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT, S.REVERSED),
    "invalidate": Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT, S.REVERSED),
    # new rules and changes
    "adopt": Trigger(A.ADOPT, D.NEW, N.OBJECT),
    "enact": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "introduce": Trigger(A.ADOPT, D.NEW, N.OBJECT),
    "implement": Trigger(A.ADOPT, D.NEW, N.OBJECT),
    "launch": Trigger(A.ADOPT, D.NEW, N.OBJECT),
    "unveil": Trigger(A.ADOPT, D.NEW, N.OBJECT),
    "establish": Trigger(A.ADOPT, D.NEW, N.OBJECT),
    "pass": Trigger(A.ADOPT, D.NEW, N.OBJECT, S.ENACTED),
    "sign": Trigger(A.ADOPT, D.NEW, N.OBJECT, S.ENACTED),
    "amend": Trigger(A.CHANGE, D.MIXED, N.OBJECT),
    "revise": Trigger(A.CHANGE, D.NEW, N.OBJECT),
    "update": Trigger(A.CHANGE, D.NEW, N.OBJECT),
    "overhaul": Trigger(A.CHANGE, D.NEW, N.OBJECT),
    "reform": Trigger(A.CHANGE, D.NEW, N.AUTHORITY),
    "shift": Trigger(A.CHANGE, D.NEW, N.OBJECT),
    "change": Trigger(A.CHANGE, D.NEW, N.OBJECT),
    "write": Trigger(A.FUND, D.LOOSEN, N.OBJECT),  # "write off debts" (particle required below)
    # More ways news reports a decision; the trained model tells the rule senses from the rest.
    "cancel": Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT),
    "eliminate": Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT),
    "end": Trigger(A.REPEAL, D.REPEAL, N.OBJECT),
    "withdraw": Trigger(A.REPEAL, D.REPEAL, N.OBJECT),
    "drop": Trigger(A.REPEAL, D.REPEAL, N.OBJECT),
    "weaken": Trigger(A.LIFT, D.LOOSEN, N.OBJECT),
    "delay": Trigger(A.SUSPEND, D.LOOSEN, N.OBJECT),
    "postpone": Trigger(A.SUSPEND, D.LOOSEN, N.OBJECT),
    "order": Trigger(A.REQUIRE, D.TIGHTEN, N.AUTHORITY),
    "direct": Trigger(A.REQUIRE, D.TIGHTEN, N.AUTHORITY),
    "grant": Trigger(A.PERMIT, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    "create": Trigger(A.ADOPT, D.NEW, N.OBJECT),
    "declare": Trigger(A.ADOPT, D.NEW, N.OBJECT),
    "seal": Trigger(A.RESTRICT, D.TIGHTEN, N.AUTHORITY),
    "rule": Trigger(A.CHANGE, D.NEW, N.AUTHORITY),
    "uphold": Trigger(A.CHANGE, D.NEW, N.AUTHORITY, S.UNCHANGED),
}

# Multi-word triggers: lower-case word sequences, the first word's lemma matched, then exact words.
PHRASE_TRIGGERS: dict[tuple[str, ...], Trigger] = {
    ("crack", "down"): Trigger(A.RESTRICT, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    ("step", "up"): Trigger(A.EXPAND, D.TIGHTEN, N.AUTHORITY),
    ("write", "off"): Trigger(A.FUND, D.LOOSEN, N.AUTHORITY),
    ("strike", "down"): Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT, S.REVERSED),
    ("rule", "against"): Trigger(A.REPEAL, D.REPEAL, N.OBJECT, S.REVERSED),
    ("take", "effect"): Trigger(A.ADOPT, D.NEW, N.OBJECT, S.ENACTED),
    ("come", "into", "force"): Trigger(A.ADOPT, D.NEW, N.OBJECT, S.ENACTED),
    ("go", "-", "ahead"): Trigger(A.APPROVE, D.LOOSEN, N.AUTHORITY),
    ("green", "light"): Trigger(A.APPROVE, D.LOOSEN, N.AUTHORITY),
    ("step", "back"): Trigger(A.CHANGE, D.REPEAL, N.AUTHORITY, S.REVERSED),
    ("go", "into", "effect"): Trigger(A.ADOPT, D.NEW, N.OBJECT, S.ENACTED),
    ("roll", "back"): Trigger(A.REPEAL, D.LOOSEN, N.AUTHORITY_OR_OBJECT),
    ("phase", "out"): Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY_OR_OBJECT),
    ("scale", "back"): Trigger(A.REDUCE, D.TIGHTEN, N.AUTHORITY_OR_OBJECT),
    ("throw", "out"): Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY, S.REVERSED),
    ("pull", "out", "of"): Trigger(A.REPEAL, D.REPEAL, N.AUTHORITY),
}

# Triggers that need a particle to count (the verb alone is too common).
REQUIRED_PARTICLE: dict[str, str] = {"write": "off"}

# Nouns that name a rule: a trigger acting on one of these is policy whoever the actor is.
RULE_NOUNS: frozenset[str] = frozenset(
    _words(
        """ban embargo sanction tariff duty tax levy quota cap limit ceiling curfew moratorium
        freeze restriction curb control law bill act statute legislation regulation rule
        ordinance decree order resolution policy measure requirement standard guideline rate
        premium fee charge subsidy exemption permit licence license visa immunity protection
        program programme scheme regime crackdown campaign reform amendment treaty agreement
        deal settlement scrutiny testing stance position right access label code"""
    )
)

# Nouns that name a rule *act* on their own (nominal triggers): "a ban on", "new sanctions".
NOMINAL_TRIGGERS: dict[str, Trigger] = {
    "ban": Trigger(A.BAN, D.TIGHTEN, N.NOTHING),
    "embargo": Trigger(A.BAN, D.TIGHTEN, N.NOTHING),
    "moratorium": Trigger(A.SUSPEND, D.TIGHTEN, N.NOTHING),
    "sanction": Trigger(A.IMPOSE, D.TIGHTEN, N.NOTHING),
    "tariff": Trigger(A.IMPOSE, D.TIGHTEN, N.NOTHING),
    "curfew": Trigger(A.RESTRICT, D.TIGHTEN, N.NOTHING),
    "crackdown": Trigger(A.RESTRICT, D.TIGHTEN, N.NOTHING),
    "resolution": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "law": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "bill": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "legislation": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "regulation": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "rule": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "measure": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "program": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "programme": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "change": Trigger(A.CHANGE, D.NEW, N.NOTHING),
    "shift": Trigger(A.CHANGE, D.NEW, N.NOTHING),
    "adjustment": Trigger(A.CHANGE, D.NEW, N.NOTHING),
    "reversal": Trigger(A.REPEAL, D.REPEAL, N.NOTHING, S.REVERSED),
    "go-ahead": Trigger(A.APPROVE, D.LOOSEN, N.NOTHING),
    "clearance": Trigger(A.APPROVE, D.LOOSEN, N.NOTHING),
    "decree": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "approval": Trigger(A.APPROVE, D.LOOSEN, N.NOTHING, S.APPROVED),
    "increase": Trigger(A.RAISE, D.TIGHTEN, N.NOTHING),
    "hike": Trigger(A.RAISE, D.TIGHTEN, N.NOTHING),
    "cut": Trigger(A.LOWER, D.LOOSEN, N.NOTHING),
    "emergency": Trigger(A.IMPOSE, D.TIGHTEN, N.NOTHING),
    "ceasefire": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "cease-fire": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "truce": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "amnesty": Trigger(A.PERMIT, D.LOOSEN, N.NOTHING),
    "restriction": Trigger(A.RESTRICT, D.TIGHTEN, N.NOTHING),
    "requirement": Trigger(A.REQUIRE, D.TIGHTEN, N.NOTHING),
    "mandate": Trigger(A.REQUIRE, D.TIGHTEN, N.NOTHING),
    "guideline": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "exemption": Trigger(A.LIFT, D.LOOSEN, N.NOTHING),
    "waiver": Trigger(A.LIFT, D.LOOSEN, N.NOTHING),
    "quota": Trigger(A.RESTRICT, D.TIGHTEN, N.NOTHING),
    "subsidy": Trigger(A.FUND, D.LOOSEN, N.NOTHING),
    "order": Trigger(A.ADOPT, D.NEW, N.NOTHING),
    "policy": Trigger(A.CHANGE, D.NEW, N.NOTHING),
}

# A nominal trigger only counts when one of these makes it a decision (not a mention in passing):
# a governing verb (passed a resolution), a modifier (new sanctions) or a policy compound.
NOMINAL_GOVERNORS: frozenset[str] = frozenset(
    _words(
        """pass adopt approve impose introduce announce unveil sign enact issue implement enforce
        agree order set declare launch win grant give extend tighten apply begin start reach
        receive"""
    )
)
NOMINAL_MODIFIERS: frozenset[str] = frozenset({"new", "revised", "tougher", "stricter", "partial"})
# "change", "shift", "increase" and "cut" are everyday nouns; they need a policy word beside them.
NOMINAL_NEEDS_POLICY_WORD: frozenset[str] = frozenset(
    {
        "change",
        "shift",
        "adjustment",
        "increase",
        "hike",
        "cut",
        "reversal",
        "measure",
        "rule",
        "order",
        "policy",
    }
)
POLICY_WORDS: frozenset[str] = frozenset(
    _words(
        """policy stance position rate rates interest tax tariff premium fee duty rule regulation
        law strategy executive court gag stay restraining immigration"""
    )
)

# Verbs and nouns that govern a trigger ("agreed to permit", "decision to allow") and what status
# they give it. The first status found walking up from the trigger wins.
GOVERNOR_STATUS: dict[str, PolicyStatus] = {
    **dict.fromkeys(
        _words("""decide agree vote move pass sign approve adopt order rule begin start elect"""),
        S.ENACTED,
    ),
    **dict.fromkeys(
        _words(
            """announce unveil plan pledge promise vow commit intend prepare set direct instruct
            declare confirm"""
        ),
        S.ANNOUNCED,
    ),
    **dict.fromkeys(
        _words(
            """propose recommend urge call ask want demand plead request press push lobby seek
            threaten draft suggest"""
        ),
        S.PROPOSED,
    ),
    **dict.fromkeys(
        _words(
            """consider weigh mull debate discuss review study explore contemplate examine eye
            expect hope wonder look"""
        ),
        S.CONSIDERED,
    ),
    **dict.fromkeys(["hint", "signal", "indicate"], S.SIGNALED),
    **dict.fromkeys(
        ["refuse", "reject", "decline", "resist", "oppose", "retain", "maintain", "keep", "uphold"],
        S.UNCHANGED,
    ),
}
NOUN_GOVERNOR_STATUS: dict[str, PolicyStatus] = {
    **dict.fromkeys(
        ["decision", "move", "order", "agreement", "permission", "approval", "ruling"], S.ENACTED
    ),
    **dict.fromkeys(["plan", "plans", "intention", "pledge", "promise"], S.ANNOUNCED),
    **dict.fromkeys(
        _words("""proposal draft bid call request push demand recommendation suggestion"""),
        S.PROPOSED,
    ),
    **dict.fromkeys(["idea", "possibility", "option", "talk", "talks"], S.CONSIDERED),
}
# Adjectives that hedge the whole clause: "leery of approving", "due to vote".
HEDGING_ADJECTIVES: dict[str, PolicyStatus] = {
    **dict.fromkeys(
        ["leery", "wary", "reluctant", "due", "likely", "unlikely", "possible", "poised", "poise"],
        S.CONSIDERED,
    ),
    **dict.fromkeys(["set", "ready"], S.ANNOUNCED),
}
MODAL_STATUS: dict[str, PolicyStatus] = {
    **dict.fromkeys(["may", "might", "could", "would", "should"], S.CONSIDERED),
    "can": S.ENACTED,
    "will": S.ANNOUNCED,
    "shall": S.ANNOUNCED,
}
# Sentence-level phrases that say the rule stays as it is.
UNCHANGED_PHRASES: tuple[str, ...] = (
    "remains unchanged",
    "remain unchanged",
    "remained unchanged",
    "unchanged",
    "remains in place",
    "remain in place",
    "remains in force",
    "no plans to",
    "no plan to",
    "does not plan to",
    "not plan to",
    "ruled out",
    "rules out",
    "rule out",
    "not set in stone",
    "more of the same",
    "more of same",
    "held interest rates",
    "held rates",
    "kept rates",
    "left rates",
    "on hold",
    "will never",
    "no change in",
    "deadline to pass",
    "allowed to expire",
    "allowed to lapse",
    "let it expire",
)
# Sentence-level phrases that say a plan is only put forward ("sent to the council for review").
PROPOSED_PHRASES: tuple[str, ...] = ("for review", "for consideration", "for public comment")
# A bill or draft that a verb only puts forward is a proposal, whoever puts it.
TABLED_NOUNS: frozenset[str] = frozenset(
    _words("bill legislation amendment draft proposal measure resolution")
)
TABLING_VERBS: frozenset[str] = frozenset(
    _words("unveil introduce file draft submit table propose")
)
# Lemmas of verbs that put a clause under someone else's word (reported speech).
REPORTING_VERBS: frozenset[str] = frozenset(
    _words(
        """say tell report claim add state announce stress note confirm reveal disclose write
        explain insist quote cite"""
    )
)
# Reporting verbs whose subject announces a change when it is the actor or speaks for it.
ANNOUNCING_VERBS: frozenset[str] = frozenset({"announce", "say", "declare", "confirm", "state"})

# Heads of noun phrases that stand for a rule-setter.
AUTHORITY_HEADS: frozenset[str] = frozenset(
    _words(
        """government administration ministry minister department agency authority authorities
        regulator regulators commission commissioner committee council parliament senate
        congress assembly legislature lawmakers legislators lawmaker court judge judges justice
        tribunal cabinet president premier chancellor governor mayor king queen emperor leader
        leadership official officials board bank treasury state states province city
        municipality police military army navy kremlin pentagon whitehouse secretary prosecutor
        watchdog body bureau office service union ministers parliamentarians junta regime
        federation association organization organisation"""
    )
)
# Organisation names (lower case) that are rule-setters whatever their head noun.
AUTHORITY_NAMES: frozenset[str] = frozenset(
    _words(
        """un u.n. united nations eu e.u. european union nato wto imf world bank opec iaea who
        unesco ecb fed federal reserve fda fcc sec ftc epa faa tsa fbi doj irs congress senate
        bundesbank bundestag duma knesset kremlin white house pentagon uefa fifa ioc iaaf wada
        icc asean comreg ofcom ofgem fsa"""
    )
) | frozenset(
    {
        "united nations",
        "european union",
        "world bank",
        "federal reserve",
        "white house",
        "security council",
        "african union",
        "european commission",
        "supreme court",
        "football association",
    }
)
# Words in an ORG name that make it a rule-setter ("Michigan Public Service Commission").
AUTHORITY_NAME_WORDS: frozenset[str] = frozenset(
    _words(
        """government ministry department agency authority commission committee council parliament
        senate congress assembly court tribunal regulator regulatory bank reserve treasury board
        bureau administration federal national state office police union organization
        organisation association federation fund"""
    )
)
# Heads that make a noun phrase commercial rather than governmental ("Sun Microsystems Inc.").
COMPANY_WORDS: frozenset[str] = frozenset(
    _words(
        """inc inc. corp corp. co co. ltd ltd. plc llc lp company companies corporation group
        airline airlines airways carrier carriers maker makers firm firms bank's studio club
        team"""
    )
)
# Titles that precede or follow a person's name (pipeline/gazetteers/titles.tsv).
TITLES: frozenset[str] = (
    gazetteers.titles("head")
    | gazetteers.titles("modifier")
    | gazetteers.titles("honorific")
    | gazetteers.titles("courtesy")
    | frozenset({"gov", "gen.", "sen.", "rep.", "gov.", "pres.", "attorney"})
    | frozenset(f"{t}." for t in gazetteers.titles("honorific"))
)
SPOKESPERSON_HEADS: frozenset[str] = gazetteers.titles("spokesperson")
# Pronouns and anaphoric noun phrases that point back at an earlier actor or decision.
ANAPHORIC_HEADS: frozenset[str] = frozenset(
    _words(
        """he she it they we i decision move policy change administration government step measure
        plan president officials authorities"""
    )
)

# World knowledge comes from pipeline/gazetteers only: countries by every name, demonym and seat
# news uses for them (lower case -> canonical), international bodies by short name, and news
# outlets (lower case -> (canonical, is a wire agency)).
COUNTRIES: dict[str, str] = gazetteers.countries()
BODIES: dict[str, str] = gazetteers.bodies()
OUTLETS: dict[str, tuple[str, bool]] = gazetteers.outlets()
# Nouns that make a cited source anonymous ("three unnamed US officials", "a source").
ANONYMOUS_WORDS: frozenset[str] = frozenset({"unnamed", "anonymous", "senior", "source", "sources"})
OFFICIAL_HEADS: frozenset[str] = frozenset(
    {"official", "officials", "source", "sources", "diplomat", "diplomats", "aide", "aides"}
)
DOCUMENT_HEADS: frozenset[str] = frozenset(
    {"document", "documents", "filing", "filings", "memo", "report", "statement"}
)
# Heads of noun phrases that never make a change, though a parse may put them in the actor's
# place: the rule itself ("New rules take effect"), a deal, a document, the affected ("businesses
# reopen"), critics and commentators.
NOT_ACTOR_HEADS: frozenset[str] = (
    RULE_NOUNS
    | DOCUMENT_HEADS
    | frozenset(
        _words(
            """deal merger takeover bid plan proposal move decision step change package budget
            group groups business businesses company companies people residents critics
            opponents supporters advocates activists protesters voters experts analysts
            observers economists investors consumers customers users students parents workers
            patients immigrants migrants refugees republicans democrats liberals conservatives
            states cities countries nations governments justices judges officials it this that
            these those which who"""
        )
    )
)
# Generic heads that refer back to a named place or body ("the state" -> Texas).
GENERIC_REFERENTS: dict[str, str] = {
    **dict.fromkeys(_words("state province city county region municipality"), "place"),
    **dict.fromkeys(_words("country nation government"), "country"),
    **dict.fromkeys(_words("agency regulator commission watchdog authority"), "body"),
}
# Measures that are one person's case by nature (README: "measures aimed at one person").
INDIVIDUAL_MEASURES: frozenset[str] = frozenset(
    _words("conviction sentence verdict indictment charge acquittal pardon execution extradition")
)
# Passage by one chamber of two, or by a committee or panel, is a step, not the law (README:
# "passage by one chamber only", "committee votes" are considered). Parliaments, congresses,
# legislatures and assemblies are left out: they are often the whole legislature (and a UN
# assembly's adopted resolution is a change).
PASSAGE_VERBS: frozenset[str] = frozenset(_words("pass approve clear adopt back"))
ONE_CHAMBER_WORDS: frozenset[str] = frozenset(
    _words("house senate commons lords committee subcommittee panel")
)
# Members of a chamber: "Senate Republicans" act as the Senate.
CHAMBER_MEMBERS: frozenset[str] = frozenset(
    _words("republicans democrats gop lawmakers legislators members senators representatives")
)
CHAMBERS: frozenset[str] = frozenset(
    _words("senate house congress assembly parliament legislature council chamber")
)

# A rule named as against something restricts it: "an anti-doping programme", "anti-terror laws".
AGAINST_MODIFIERS: frozenset[str] = frozenset(_words("anti counter"))
AGAINST: Trigger = Trigger(A.ADOPT, D.TIGHTEN, N.OBJECT)

# "raise" and "cut" change direction with what they act on: raising a rate tightens.
TIGHTEN_WHEN_RAISED: frozenset[str] = frozenset(
    _words(
        """rate rates tax taxes fee fees premium premiums tariff tariffs duty duties price prices
        penalty penalties fine fines testing scrutiny requirement requirements security control
        controls sanction sanctions interest pressure"""
    )
)

# Prepositions that introduce a limit on where or how a permission applies.
SCOPE_PREPOSITIONS: frozenset[str] = frozenset(
    {"in", "near", "within", "inside", "along", "across", "around"}
)
SCOPE_HEADS: frozenset[str] = frozenset(
    {"region", "area", "zone", "border", "city", "province", "territory", "purposes", "purpose"}
)
# Words that mark an explicit exclusion ("except", "excluding", "not against").
EXCLUSION_WORDS: frozenset[str] = frozenset({"except", "excluding", "barring", "besides"})

# Heads that stand for a country's executive itself: "the administration", "US President X".
GOVERNMENT_HEADS: frozenset[str] = frozenset(
    _words(
        """government administration president premier chancellor leader cabinet officials
        authorities spokesman spokeswoman spokesperson king queen minister ministers secretary
        ministry kremlin"""
    )
)
# Titles that make a named person a rule-setter (a press secretary speaks; a minister decides).
GOVERNMENT_TITLES: frozenset[str] = gazetteers.titles("government")
PRONOUNS: frozenset[str] = frozenset(
    {"he", "she", "it", "they", "we", "i", "you", "this", "that", "who", "which"}
)
