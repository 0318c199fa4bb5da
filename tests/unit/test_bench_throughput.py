"""The throughput benchmark's fixed corpus, and the pool's size-balanced chunks it motivated."""

from __future__ import annotations

from agents.pool import balanced_groups
from bench import corpus
from bench.throughput import Run, balanced_layout, keyed_shares


def test_corpus_is_fixed_distinct_and_realistic() -> None:
    first, again = corpus.build(40), corpus.build(40)
    assert first == again
    assert first[0].source == "sample"
    assert len({a.text for a in first}) == 40
    assert all(a.words >= 50 for a in first)
    assert corpus.duplicates(first) == []


def test_balanced_groups_cover_every_item_once_in_order() -> None:
    sizes = [9000, 300, 400, 8000, 500, 700, 600, 1000]
    groups = balanced_groups(sizes, 2)
    assert sorted(i for g in groups for i in g) == list(range(len(sizes)))
    assert all(g == sorted(g) for g in groups)
    totals = [sum(sizes[i] for i in g) for g in groups]
    assert max(totals) - min(totals) <= 1000


def test_balanced_groups_never_returns_empty_groups() -> None:
    assert balanced_groups([5], 3) == [[0]]
    assert balanced_groups([1, 1], 1) == [[0, 1]]


def test_balanced_layout_gives_every_partition_the_same_text() -> None:
    articles = corpus.build(200)
    layout = balanced_layout(articles, 4)
    assert set(layout) == {a.id for a in articles}
    totals = [sum(len(a.text) for a in articles if layout[a.id] == p) for p in range(4)]
    assert max(totals) / min(totals) < 1.01
    # Keyed by id, the same articles are far less even: what the balanced layout corrects.
    shares = keyed_shares(articles, 4)
    assert abs(sum(shares) - 1) < 1e-9
    assert max(shares) / min(shares) > 1.01


def test_saturated_rate_leaves_out_warm_up_and_drain() -> None:
    # 10 articles/s in clumps of 5 every 0.5 s for 20 s, then one worker's last clumps trickle in.
    steady = [0.5 * (i // 5 + 1) for i in range(200)]
    drain = [20 + 2.0 * (i // 5 + 1) for i in range(20)]
    run = Run("2 workers", articles=220, words=0, seconds=28.0, arrivals=steady + drain)
    assert run.per_second < 8
    assert abs(run.steady_per_second() - 10) < 0.3
    # Too few events for a slope: the plain rate.
    assert Run("one", articles=1, words=0, seconds=2.0, arrivals=[2.0]).steady_per_second() == 0.5
