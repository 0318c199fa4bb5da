"""In-stream duplicates: exact by content hash, near (syndicated copies) by MinHash LSH."""

from __future__ import annotations

import pytest

from bench.extraction import load_pages
from pipeline.cleaning import CleanedArticle, clean
from pipeline.config import PipelineConfig
from pipeline.dedupe import DuplicateIndex, minhash_signature
from schemas import ContentType, RawArticle
from tests.conftest import SHARED

CONFIG = PipelineConfig()


def _cleaned(text: str, article_id: str) -> CleanedArticle:
    return clean(RawArticle(id=article_id, content=text), CONFIG)


def _check(index: DuplicateIndex, article: CleanedArticle, article_id: str) -> str | None:
    return index.check_and_add(article_id, article.content_hash, article.text)


@pytest.fixture(scope="module")
def other_article() -> CleanedArticle:
    (_, html, _), *_ = load_pages(limit=1, root=SHARED / "benchmarks" / "article-extraction")
    raw = RawArticle(id="other", content=html, content_type=ContentType.TEXT_HTML)
    return clean(raw, CONFIG)


def syndicated_copy(sample_text: str) -> str:
    """The sample as another outlet runs it: its own furniture, a trimmed ending, small edits."""
    paragraphs = sample_text.split("\n\n")
    body = "\n\n".join(paragraphs[:-2]).replace("on Friday", "on Friday (May 31)")
    return (
        "EXCLUSIVE WIRE COPY\n\nThis story originally appeared on partner site Kyiv Daily.\n\n"
        f"{body}\n\nThis article was produced with support from our readers, thank you."
    )


def test_exact_duplicate_points_at_the_first(sample_text: str) -> None:
    index = DuplicateIndex()
    first = _cleaned(sample_text, "a")
    assert _check(index, first, "a") is None
    assert _check(index, _cleaned(sample_text + "\n\nShare this article", "b"), "b") == "a"
    assert _check(index, first, "a") is None, "a replay of the first is not its own duplicate"
    assert len(index) == 1, "duplicates are not remembered: their first stands for them"


def test_syndicated_copy_with_other_furniture_is_a_near_duplicate(
    sample_text: str, other_article: CleanedArticle
) -> None:
    index = DuplicateIndex()
    original, copy = _cleaned(sample_text, "a"), _cleaned(syndicated_copy(sample_text), "b")
    assert original.content_hash != copy.content_hash
    assert _check(index, other_article, "other") is None
    assert _check(index, original, "a") is None
    assert _check(index, copy, "b") == "a"
    assert _check(index, copy, "b") == "a", "replays give the same answer"


def test_different_articles_are_not_duplicates(
    sample_text: str, other_article: CleanedArticle
) -> None:
    index = DuplicateIndex()
    assert _check(index, _cleaned(sample_text, "a"), "a") is None
    assert _check(index, other_article, "other") is None
    assert len(index) == 2


def test_window_forgets_the_oldest_article(sample_text: str, other_article: CleanedArticle) -> None:
    index = DuplicateIndex(window=1)
    assert _check(index, _cleaned(sample_text, "a"), "a") is None
    assert _check(index, other_article, "other") is None
    assert len(index) == 1
    assert _check(index, _cleaned(syndicated_copy(sample_text), "b"), "b") is None


def test_max_age_forgets_articles_not_seen_recently(sample_text: str) -> None:
    now = [0.0]
    index = DuplicateIndex(max_age_seconds=60, clock=lambda: now[0])
    original, copy = _cleaned(sample_text, "a"), _cleaned(syndicated_copy(sample_text), "b")
    assert _check(index, original, "a") is None
    now[0] = 50.0
    assert _check(index, copy, "b") == "a"  # and refreshes "a"
    now[0] = 100.0
    assert _check(index, copy, "c") == "a"
    now[0] = 200.0
    assert _check(index, copy, "d") is None
    assert len(index) == 1


def test_precomputed_signature_gives_the_same_answer(sample_text: str) -> None:
    index = DuplicateIndex.from_config(CONFIG)
    original, copy = _cleaned(sample_text, "a"), _cleaned(syndicated_copy(sample_text), "b")
    signature = minhash_signature(copy.text, CONFIG.dedupe_num_perm, CONFIG.dedupe_shingle_words)
    assert len(signature) == CONFIG.dedupe_num_perm
    assert _check(index, original, "a") is None
    assert index.check_and_add("b", copy.content_hash, copy.text, signature) == "a"


def test_short_texts_match_exactly_only() -> None:
    index = DuplicateIndex()
    assert minhash_signature("Germany lifted the ban.") == []
    assert index.check_and_add("a", "h1", "Germany lifted the ban.") is None
    assert index.check_and_add("b", "h2", "Germany lifted the ban!") is None


def test_threshold_one_turns_near_matching_off(sample_text: str) -> None:
    index = DuplicateIndex(threshold=1.0)
    assert _check(index, _cleaned(sample_text, "a"), "a") is None
    assert _check(index, _cleaned(syndicated_copy(sample_text), "b"), "b") is None


def test_cleaning_computes_the_signature_the_index_uses(sample_text: str) -> None:
    index = DuplicateIndex.from_config(CONFIG)
    original, copy = _cleaned(sample_text, "a"), _cleaned(syndicated_copy(sample_text), "b")
    assert copy.minhash == minhash_signature(copy.text)
    assert index.check_and_add("a", original.content_hash, original.text, original.minhash) is None
    assert index.check_and_add("b", copy.content_hash, "", copy.minhash) == "a"
