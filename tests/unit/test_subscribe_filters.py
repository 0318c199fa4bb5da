"""Subscriber filters on real-shaped enriched and policy-change events."""

from __future__ import annotations

from newsflow.subscribe import EventFilter, event_kind

CHANGE = {
    "id": "pc-1",
    "article_id": "a1",
    "actor": {"name": "United States", "person": "Joe Biden"},
    "action": "permit",
    "direction": "loosen",
    "beneficiary": "Ukraine",
    "object": "US-supplied weapons",
    "status": "reported",
    "confidence": 0.82,
}
ARTICLE = {
    "id": "a1",
    "clean_text": "US President Joe Biden ...",
    "language": "en",
    "entities": [
        {"name": "Joe Biden", "type": "PERSON", "aliases": ["Biden", "Joe Biden"]},
        {"name": "Ukraine", "type": "GPE", "aliases": ["Ukraine"]},
    ],
    "policy_changes": [CHANGE],
}
LETTER = {"reason": "not_json", "error": "x", "original": "AAE="}


def test_event_kinds_come_from_the_topic_not_the_payload() -> None:
    from newsflow.settings import Settings

    settings = Settings(topic_policy="rules", kafka_bootstrap_servers="k:9092")
    topics = ("articles.enriched", "rules", "articles.deadletter", "policy.changes")
    assert [event_kind(settings, t) for t in topics] == [
        "enriched",
        "policy",
        "deadletter",
        "unknown",
    ]


def test_no_filter_matches_everything() -> None:
    kinds = {"enriched": ARTICLE, "policy": CHANGE, "deadletter": LETTER}
    assert all(EventFilter().matches(v, kind) for kind, v in kinds.items())


def test_policy_filters() -> None:
    assert EventFilter(direction="loosen", status="reported").matches(CHANGE, "policy")
    assert not EventFilter(direction="tighten").matches(CHANGE, "policy")
    assert EventFilter(actor="united states").matches(CHANGE, "policy")
    assert EventFilter(actor="biden").matches(CHANGE, "policy")
    assert not EventFilter(actor="Germany").matches(CHANGE, "policy")
    assert EventFilter(min_confidence=0.8).matches(CHANGE, "policy")
    assert not EventFilter(min_confidence=0.9).matches(CHANGE, "policy")
    assert EventFilter(entity="ukraine").matches(CHANGE, "policy")
    assert not EventFilter(language="en").matches(CHANGE, "policy")


def test_enriched_filters_look_at_entities_and_embedded_changes() -> None:
    assert EventFilter(entity="Biden").matches(ARTICLE, "enriched")
    assert EventFilter(entity="biden", entity_type="person").matches(ARTICLE, "enriched")
    assert not EventFilter(entity="Biden", entity_type="GPE").matches(ARTICLE, "enriched")
    assert EventFilter(language="en").matches(ARTICLE, "enriched")
    assert not EventFilter(language="de").matches(ARTICLE, "enriched")
    assert EventFilter(direction="loosen", min_confidence=0.5).matches(ARTICLE, "enriched")
    assert not EventFilter(direction="loosen", min_confidence=0.9).matches(ARTICLE, "enriched")
    assert not EventFilter(status="enacted").matches({**ARTICLE, "policy_changes": []}, "enriched")


def test_dead_letters_only_pass_when_no_content_filter_is_set() -> None:
    assert not EventFilter(entity="x").matches(LETTER, "deadletter")
    assert not EventFilter(direction="loosen").matches(LETTER, "deadletter")


def test_filters_refuse_values_no_event_can_have() -> None:
    import pytest

    for bad in (
        {"direction": "sideways"},
        {"status": "rumoured"},
        {"entity_type": "PLANET"},
        {"min_confidence": 2.0},
    ):
        with pytest.raises(ValueError, match=next(iter(bad))):
            EventFilter(**bad)  # type: ignore[arg-type]
    assert EventFilter(entity_type="gpe").matches(ARTICLE, "enriched")


def test_topics_are_aliases_or_names_in_comma_lists_and_must_exist() -> None:
    import pytest

    from newsflow.settings import Settings
    from newsflow.subscribe import UnknownTopicError, check_topics, topic_names

    settings = Settings(topic_policy="pc", topic_enriched="en")
    assert topic_names(settings, ["enriched,policy", "policy", " other "]) == ["en", "pc", "other"]
    check_topics(settings, ["en", "pc"], ["en", "pc", "x"])
    with pytest.raises(UnknownTopicError, match=r"nosuchtopic.*enriched \(en\).*policy \(pc\)"):
        check_topics(settings, ["en", "nosuchtopic"], ["en", "pc"])


def test_the_idle_timeout_holds_while_the_source_yields_nothing() -> None:
    import asyncio
    import time

    from newsflow.subscribe import _until_idle

    async def silent():  # a consumer waiting for partitions, or filtering every record out
        await asyncio.sleep(3600)
        yield None

    async def one_then_silent():
        yield "first"
        await asyncio.sleep(3600)
        yield "never"

    async def collect(source) -> list:
        return [item async for item in _until_idle(source, 0.3)]

    started = time.monotonic()
    assert asyncio.run(collect(silent())) == []
    assert asyncio.run(collect(one_then_silent())) == ["first"]
    assert time.monotonic() - started < 5
