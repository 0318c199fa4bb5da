"""The sample's golden policy-change expectations, on the scraped and the de-boilerplated text."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.process import enrich
from schemas import EnrichedArticle, PolicyChange, RawArticle

# What the cleaning stage removes from the sample (teaser block and correction footer): detection
# must hold whether or not the boilerplate is still there.
_TEASER_START = "Zelensky Says Russia Should Attend Second Ukraine Summit\nOther Topics of Interest"
_TEASER_END = "“The president recently directed"
_FOOTER = "To suggest a correction or clarification"


def _without_boilerplate(text: str) -> str:
    start, end = text.index(_TEASER_START), text.index(_TEASER_END)
    text = text[:start] + text[end:]
    return text[: text.index(_FOOTER)]


@pytest.fixture(scope="module", params=["scraped", "cleaned"])
def article(
    request: pytest.FixtureRequest, sample_text: str, sample_expected: dict[str, Any]
) -> EnrichedArticle:
    text = sample_text if request.param == "scraped" else _without_boilerplate(sample_text)
    return enrich(RawArticle(id=sample_expected["input"]["id"], content=text))


def _same(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    a, b = a.casefold(), b.casefold()
    return a == b or a in b or b in a


def _contains_any(text: str | None, needles: list[str]) -> bool:
    return text is not None and any(n.casefold() in text.casefold() for n in needles)


def _matches(change: PolicyChange, want: dict[str, Any]) -> list[str]:
    """Return the expectation keys `change` fails (empty when it meets `want`)."""
    checks = {
        "actor": _same(change.actor.name, want["actor"]),
        "actor_person_any_of": any(
            _same(change.actor.person, p) for p in want.get("actor_person_any_of", [None])
        ),
        "action": change.action.value == want.get("action", change.action.value),
        "direction": change.direction.value == want.get("direction", change.direction.value),
        "beneficiary": _same(change.beneficiary, want.get("beneficiary", change.beneficiary)),
        "object_contains_any_of": _contains_any(
            change.object, want.get("object_contains_any_of", [""])
        ),
        "scope_contains_any_of": "scope_contains_any_of" not in want
        or _contains_any(change.scope, want["scope_contains_any_of"]),
        "constraints_contain_any_of": "constraints_contain_any_of" not in want
        or any(_contains_any(c, want["constraints_contain_any_of"]) for c in change.constraints),
        "status_any_of": change.status.value in want.get("status_any_of", [change.status.value]),
        "sources_any_of": "sources_any_of" not in want
        or any(_same(s.name, name) for s in change.sources for name in want["sources_any_of"]),
    }
    return [key for key, ok in checks.items() if not ok]


def test_every_must_change_is_found(
    article: EnrichedArticle, sample_expected: dict[str, Any]
) -> None:
    for want in sample_expected["policy_changes"]["must"]:
        failures = {c.id: _matches(c, want) for c in article.policy_changes}
        assert any(not f for f in failures.values()), (want, failures)


def test_reaffirmed_policy_is_unchanged_not_new(
    article: EnrichedArticle, sample_expected: dict[str, Any]
) -> None:
    for want in sample_expected["policy_changes"]["must_be_unchanged_not_new"]:
        found = [
            c
            for c in article.policy_changes
            if _same(c.actor.name, want["actor"])
            and c.status.value == want["status"]
            and _contains_any(c.object, want["policy_contains_any_of"])
        ]
        assert found, [c.model_dump() for c in article.policy_changes]


def test_must_not(article: EnrichedArticle) -> None:
    assert not [c for c in article.policy_changes if _same(c.actor.name, "Russia")]
    us_permits = [
        c
        for c in article.policy_changes
        if _same(c.actor.name, "United States")
        and c.action.value == "permit"
        and c.status.value != "unchanged"
    ]
    assert len(us_permits) == 1
    assert len(us_permits[0].evidence) > 1


def test_should_blinken_signal(article: EnrichedArticle, sample_expected: dict[str, Any]) -> None:
    for want in sample_expected["policy_changes"]["should"]:
        assert any(
            _same(c.actor.name, want["actor"])
            and _same(c.actor.person, want["person"])
            and c.status.value == want["status"]
            for c in article.policy_changes
        )


def test_evidence_and_ids_are_stable(article: EnrichedArticle, sample_text: str) -> None:
    for change in article.policy_changes:
        assert 0.0 <= change.confidence <= 1.0 and change.rules
        for evidence in change.evidence:
            assert article.clean_text[evidence.start : evidence.end] == evidence.text
    again = enrich(RawArticle(id=article.id, content=sample_text))
    assert {c.id for c in article.policy_changes} <= {c.id for c in again.policy_changes} or (
        len(article.policy_changes) == len(again.policy_changes)
    )
