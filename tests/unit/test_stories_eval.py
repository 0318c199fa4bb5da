"""The story-grouping benchmark's arithmetic and its split (pure logic, no texts)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bench.stories import pairs, score
from bench.story_set import GroupLabels, Story, draw_split

GROUP_NAMES = st.lists(
    st.from_regex(r"20[12][0-9]-[01][0-9]-[0-3][0-9]/[a-z_]{3,12}", fullmatch=True),
    unique=True,
    max_size=40,
)


def test_pairs_are_unordered_and_distinct() -> None:
    assert pairs(["b", "a", "c", "a"]) == {("a", "b"), ("a", "c"), ("b", "c")}
    assert pairs(["a"]) == set()


def test_score_counts_pairs_of_one_story_against_the_labels() -> None:
    labels = GroupLabels(
        "2019-05-01/trade",
        "trade",
        stories=[Story("s1", "2019-05-01/trade", ["a", "b", "c"])],
        others={"d"},
    )
    result = score([labels], [["a", "b"], ["c", "d"]])
    assert len(result.gold) == 3 and len(result.predicted) == 2
    assert result.correct == 1
    assert result.precision == 0.5
    assert abs(result.recall - 1 / 3) < 1e-9


def test_nothing_predicted_is_full_precision_and_no_recall() -> None:
    labels = GroupLabels("g", "t", stories=[Story("s1", "g", ["a", "b"])])
    result = score([labels], [["a"], ["b"]])
    assert result.precision == 1.0 and result.recall == 0.0


@given(GROUP_NAMES, GROUP_NAMES)
def test_a_group_never_changes_side_when_more_groups_are_labelled(
    first: list[str], later: list[str]
) -> None:
    before = draw_split(first)
    after = draw_split(first + [g for g in later if g not in first])
    for side in ("dev", "lockbox"):
        assert set(before[side]) <= set(after[side])
