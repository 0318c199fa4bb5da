"""The error classes that unseen news showed (issue 14), on sentences written for the test.

Each case runs the whole stage (cleaning, spaCy, entities, the shipped policy model) on one news-
style sentence or two; the model must not read modality, proposals, background, non-changes or
one-person measures as decided changes, and must find plain changes with a rule-setter as actor.
"""

from __future__ import annotations

import pytest

from pipeline.process import enrich
from schemas import EvidencePart, PolicyChange, RawArticle

NOT_DECIDED = {"proposed", "considered", "unchanged", "signaled"}


def decided(text: str, title: str | None = None) -> list[PolicyChange]:
    """Return the decided changes the pipeline finds in `text` (sent as English)."""
    article = enrich(RawArticle(id="t", content=text, title=title, language="en"))
    return [c for c in article.policy_changes if c.status.value not in NOT_DECIDED]


@pytest.mark.parametrize(
    "text",
    [
        # modality and futurity
        "The European Commission will decide next month whether to impose duties on Chinese steel.",
        "Japan weighs limiting rice imports from Thailand, officials said.",
        "Brazil mulls ending its fuel subsidy as deficit widens.",
        "The central bank is poised to cut interest rates next week, economists say.",
        "The ministry is looking at ordering airlines to refund cancelled tickets.",
        # the rule-setter's own proposals
        "Senators unveiled a bill on Tuesday that would ban the sale of flavored e-cigarettes.",
        "The agency released draft rules that would require banks to hold more capital.",
        "The mayor's plan to restrict car traffic downtown was sent to the council for review.",
        "Two lawmakers introduced legislation to cap credit card interest rates at 10 percent.",
        # background
        "The governor spoke at a school in Denver. The law the state passed three years ago "
        "still divides parents.",
        "Similar bans already exist in a dozen other states, according to the group.",
        # explicit non-change
        "There has been no change in the government's position on the tariffs, a spokesman said.",
        "The Supreme Court upheld the state's ban on assault weapons on Monday.",
        "Congress allowed the deadline to pass without extending the program.",
        "The Federal Reserve held interest rates steady on Wednesday.",
        # one chamber of two, or a committee: a step (README: "passage by one chamber only")
        "The House of Representatives on Wednesday passed a bill that would expand voting "
        "access, sending it to the Senate.",
        "A Senate panel approved a measure on Tuesday that would cap insulin prices.",
        # measures aimed at one person
        "An appeals court overturned the conviction of a former city official on Friday.",
        "The president pardoned a former campaign aide convicted of lying to investigators.",
    ],
)
def test_no_decided_change_is_read_into(text: str) -> None:
    assert decided(text) == [], text


@pytest.mark.parametrize(
    "text",
    [
        "The president ordered the doubling of tariffs on imported aluminum on Friday.",
        "Hong Kong's leader withdraws the extradition bill after months of protests.",
        "The health ministry ordered hospitals to send daily data on bed capacity.",
        "The United States formally ended its trade embargo on the country on Tuesday.",
        "Israel sealed off the Gaza Strip on Sunday after a rocket attack.",
        "A new law that bans smoking in restaurants went into effect in Ireland on Monday.",
        "Germany banned the sale of new diesel cars in city centres, the transport ministry said.",
        "The Senate voted 68-32 on Thursday to lift the ban on oil exports, sending the bill to "
        "the president.",
        "New Zealand's parliament passed a law on Tuesday that bans single-use plastic bags.",
    ],
)
def test_plain_changes_are_found(text: str) -> None:
    assert decided(text), text


@pytest.mark.parametrize(
    ("text", "actor"),
    [
        ("The Associated Press reported that Egypt banned imports of Turkish textiles on Monday.",
         "Egypt"),
        ("A memo obtained by Reuters shows the Pentagon lifted its ban on transgender recruits.",
         "US Department of Defense"),
        ("Texas lawmakers returned to Austin on Monday. The state banned camping in public parks, "
         "officials said.", "Texas"),
        ("Nigeria faces a budget gap. The country raised its fuel tax on Friday, the finance "
         "ministry said.", "Nigeria"),
        ("The Federal Communications Commission met on Tuesday. The agency approved new rules "
         "for broadband providers.", "US Federal Communications Commission"),
    ],
)  # fmt: skip
def test_actors_are_rule_setters_not_outlets_documents_or_generic_nouns(
    text: str, actor: str
) -> None:
    changes = decided(text)
    assert [c.actor.name for c in changes] == [actor], [c.model_dump() for c in changes]


def test_a_change_stated_only_in_the_headline_is_found_with_title_evidence() -> None:
    title = "Norway bans petrol cars from Oslo city centre"
    changes = decided("Drivers and shop owners reacted on Monday. Some welcomed it.", title=title)
    assert changes
    evidence = changes[0].evidence[0]
    assert evidence.part is EvidencePart.TITLE
    assert title[evidence.start : evidence.end] == evidence.text


def test_a_headline_repeated_as_the_body_start_is_read_once() -> None:
    title = "Norway bans petrol cars from Oslo city centre"
    changes = decided(f"{title}\n\nDrivers and shop owners reacted on Monday.", title=title)
    assert len(changes) == 1
    assert [e.text for e in changes[0].evidence].count(title) == 1


def test_the_model_score_is_published_with_the_change() -> None:
    (change,) = decided("Germany banned the sale of new diesel cars in city centres on Monday.")
    assert change.decision is not None
    assert change.decision.model.startswith("newsflow-policy ")
    assert change.decision.score >= change.decision.threshold
    assert any(rule.startswith("model:") for rule in change.rules)
