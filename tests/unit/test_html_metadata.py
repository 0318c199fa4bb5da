"""HTML page metadata: canonical URL, outlet and publication time as the page states them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from trafilatura.utils import load_html

from pipeline.cleaning import clean
from pipeline.config import PipelineConfig
from pipeline.html_metadata import page_metadata, parse_time, url_date
from schemas import ContentType, RawArticle

BODY = (
    "<article><h1>Council bans cars from the old town</h1>"
    + "<p>The city council voted on Tuesday to ban private cars from the old town, starting"
    " next spring, after two years of consultation with residents and shop owners.</p>"
    * 4
    + "</article>"
)


def page(head: str) -> str:
    title = "<title>Council bans cars</title>"
    return f"<!doctype html><html><head>{title}{head}</head><body>{BODY}</body></html>"


def metadata(head: str, url: str | None = None):
    return page_metadata(load_html(page(head)), url)


def test_canonical_link_comes_before_og_url_and_relative_links_are_ignored() -> None:
    both = metadata(
        '<link rel="canonical" href="https://news.example.com/a/1">'
        '<meta property="og:url" content="https://m.example.com/a/1">'
    )
    assert both.url == "https://news.example.com/a/1"
    relative = metadata(
        '<link rel="canonical" href="/a/1"><meta property="og:url" content="https://m.example.com/a/1">'
    )
    assert relative.url == "https://m.example.com/a/1"
    assert metadata("").url is None


def test_source_from_og_site_name_else_the_json_ld_publisher() -> None:
    assert metadata('<meta property="og:site_name" content="The Daily  Example">').source == (
        "The Daily Example"
    )
    ld = (
        '<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", '
        '"publisher": {"@id": "#org"}}, {"@id": "#org", "name": "Example Herald"}]}</script>'
    )
    assert metadata(ld).source == "Example Herald"
    direct = '<script type="application/ld+json">{"publisher": {"name": "Example Post"}}</script>'
    assert metadata(direct).source == "Example Post"


def test_published_time_keeps_its_time_and_zone() -> None:
    found = metadata(
        '<meta property="article:published_time" content="2019-11-19T19:53:52-05:00">'
    ).published_at
    assert found == datetime(2019, 11, 19, 19, 53, 52, tzinfo=timezone(timedelta(hours=-5)))
    assert found is not None and found.utcoffset() == timedelta(hours=-5)


def test_a_later_statement_of_the_same_time_with_a_zone_is_preferred() -> None:
    found = metadata(
        '<meta name="date" content="2019-11-20T01:50:59">'
        '<script type="application/ld+json">{"datePublished": "2019-11-20T01:50:59Z"}</script>'
    ).published_at
    assert found == datetime(2019, 11, 20, 1, 50, 59, tzinfo=UTC)


def test_the_urls_date_wins_when_the_page_date_is_more_than_a_day_away() -> None:
    stale = '<meta property="article:published_time" content="2017-03-28T10:00:00Z">'
    url = "https://news.example.com/2019/11/19/council-bans-cars/"
    assert metadata(stale, url).published_at == datetime(2019, 11, 19)
    close = '<meta property="article:published_time" content="2019-11-20T03:00:00+00:00">'
    assert metadata(close, url).published_at == datetime(2019, 11, 20, 3, tzinfo=UTC)


def test_url_dates_and_time_forms() -> None:
    assert url_date("https://x.example/2019/11/19/story") == datetime(2019, 11, 19).date()
    assert url_date("https://x.example/story/2019-11-19/title") == datetime(2019, 11, 19).date()
    assert url_date("https://x.example/news/20191119/title") == datetime(2019, 11, 19).date()
    assert url_date("https://x.example/2019/13/40/story") is None
    assert url_date("https://x.example/story-471033") is None
    assert parse_time("Tue, 19 Nov 2019 19:53:52 GMT") == datetime(
        2019, 11, 19, 19, 53, 52, tzinfo=UTC
    )
    assert parse_time("Tue Nov 19 2019 03:05:46 GMT+0000") == datetime(
        2019, 11, 19, 3, 5, 46, tzinfo=UTC
    )
    assert parse_time("2019-11-19T19:53:52-0500") == datetime(
        2019, 11, 19, 19, 53, 52, tzinfo=timezone(timedelta(hours=-5))
    )
    assert parse_time("0001-01-01T00:00:00Z") is None  # a template's placeholder
    assert parse_time("yesterday") is None


def test_cleaning_keeps_the_pages_url_and_source_unless_the_raw_article_has_them() -> None:
    html = page(
        '<link rel="canonical" href="https://news.example.com/2019/11/19/cars">'
        '<meta property="og:site_name" content="Example News">'
        '<meta property="article:published_time" content="2019-11-19T19:53:52-05:00">'
    )
    config = PipelineConfig(stages=("cleaning",))
    cleaned = clean(RawArticle(content=html, content_type=ContentType.TEXT_HTML), config)
    assert cleaned.url == "https://news.example.com/2019/11/19/cars"
    assert cleaned.source == "Example News"
    assert cleaned.published_at is not None and cleaned.published_at.hour == 19
    given = RawArticle(
        content=html,
        content_type=ContentType.TEXT_HTML,
        url="https://feed.example/1",
        source="Wire",
    )
    kept = clean(given, config)
    assert (kept.url, kept.source) == ("https://feed.example/1", "Wire")
