"""Page metadata benchmark: the URL, outlet and publication time the cleaning stage keeps from
an HTML page, against what the page's HTML states, on the shared article-extraction benchmark.

Data: benchmarks/article-extraction/ in the shared folder (181 gzip HTML pages; ground-truth.json
gives each page's `url`, the address it was crawled from).

What the HTML states is read here independently of `pipeline.html_metadata`, by plain regular
expressions over the page's source: canonical links and og:url values, og:site_name values and
publisher names, and the publication-time attributes (`article:published_time`,
`datePublished`, ...). For each field the report gives how many pages state it, how many the
pipeline kept it for, and how many kept values are among the stated ones; for times, how many
kept the time of day and the zone the page states. `before` is the previous behaviour:
trafilatura's metadata date (a day, no time), no URL and no source from the page.

    .venv/bin/python -m bench.html_metadata [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import html as html_module
import json
import re
import time
from datetime import datetime
from urllib.parse import urlsplit

from bench.extraction import BENCHMARK
from pipeline.html_extract import extract_html
from pipeline.html_metadata import parse_time, url_date

_ATTRIBUTES = re.compile(r"<(?:meta|link|time)\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")
_JSON_FIELD = re.compile(r'"(datePublished|url)"\s*:\s*"([^"]+)"')
_PUBLISHER = re.compile(r'"publisher"\s*:\s*(?:\[\s*)?\{[^{}]*?"name"\s*:\s*"([^"]+)"', re.DOTALL)
_TIME_NAMES = {
    "article:published_time", "og:article:published_time", "og:published_time",
    "datepublished", "pubdate", "publishdate", "publish-date", "parsely-pub-date",
    "sailthru.date", "dc.date.issued", "dcterms.issued", "date",
}  # fmt: skip


def _tags(page: str) -> list[dict[str, str]]:
    found = []
    for tag in _ATTRIBUTES.findall(page):
        attributes = {
            k.lower(): html_module.unescape(v.strip("\"'")) for k, v in _ATTRIBUTE.findall(tag)
        }
        found.append(attributes)
    return found


def stated(page: str) -> dict[str, set[str]]:
    """Return the URLs, outlet names and publication times a page's source states."""
    urls, sources, times = set(), set(), set()
    for tag in _tags(page):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").lower()
        if "canonical" in tag.get("rel", "").lower().split() and tag.get("href"):
            urls.add(tag["href"].strip())
        if key == "og:url" and tag.get("content"):
            urls.add(tag["content"].strip())
        if key == "og:site_name" and tag.get("content"):
            sources.add(" ".join(tag["content"].split()))
        if key in _TIME_NAMES and (tag.get("content") or tag.get("datetime")):
            times.add((tag.get("content") or tag.get("datetime") or "").strip())
        if tag.get("pubdate") is not None and tag.get("datetime"):
            times.add(tag["datetime"].strip())
    for field, value in _JSON_FIELD.findall(page):
        if field == "datePublished":
            times.add(value.strip())
    sources |= {" ".join(name.split()) for name in _PUBLISHER.findall(page)}
    return {"url": urls, "source": sources, "time": times}


def _same_url(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    x, y = urlsplit(a.strip()), urlsplit(b.strip())
    return (x.netloc.lower().removeprefix("www."), x.path.rstrip("/")) == (
        y.netloc.lower().removeprefix("www."),
        y.path.rstrip("/"),
    )


def _has_time(moment: datetime | None) -> bool:
    return moment is not None and (moment.hour, moment.minute, moment.second) != (0, 0, 0)


def _before(page: str) -> datetime | None:
    """Return the publication time the previous cleaning stage kept: trafilatura's metadata
    date, else htmldate's quick look (both a day without time)."""
    from htmldate import find_date
    from trafilatura.metadata import examine_meta, extract_meta_json
    from trafilatura.utils import load_html

    tree = load_html(page)
    if tree is None:
        return None
    found = extract_meta_json(tree, examine_meta(tree)).date
    found = found or find_date(tree, extensive_search=False, original_date=True)
    return parse_time(found)


def main() -> None:
    """Print the report (markdown) for docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    pages = sorted((BENCHMARK / "html").glob("*.html.gz"))[: args.limit]
    count: dict[str, int] = dict.fromkeys(
        [
            "url_stated", "url_kept", "url_among_stated", "url_is_crawled",
            "source_stated", "source_kept", "source_among_stated",
            "time_stated", "time_of_day_stated", "zone_stated", "time_kept", "time_among_stated",
            "time_of_day_kept", "zone_kept", "url_date", "url_date_taken",
            "before_time_among_stated", "before_time_of_day", "before_zone",
        ],
        0,
    )  # fmt: skip
    seconds = 0.0
    for path in pages:
        page = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        crawled = truth[path.name.split(".")[0]].get("url")
        says = stated(page)
        started = time.perf_counter()
        got = extract_html(page, url=crawled)
        seconds += time.perf_counter() - started
        times = [t for t in map(parse_time, says["time"]) if t is not None]
        count["url_stated"] += bool(says["url"])
        count["url_kept"] += got.url is not None
        count["url_among_stated"] += any(_same_url(got.url, u) for u in says["url"])
        count["url_is_crawled"] += _same_url(got.url, crawled)
        count["source_stated"] += bool(says["source"])
        count["source_kept"] += got.source is not None
        count["source_among_stated"] += got.source in says["source"]
        count["time_stated"] += bool(times)
        count["time_of_day_stated"] += any(_has_time(t) for t in times)
        count["zone_stated"] += any(t.tzinfo is not None for t in times)
        count["time_kept"] += got.published_at is not None
        count["time_among_stated"] += got.published_at in times
        count["time_of_day_kept"] += _has_time(got.published_at)
        count["zone_kept"] += got.published_at is not None and got.published_at.tzinfo is not None
        filed = url_date(crawled)
        count["url_date"] += filed is not None
        count["url_date_taken"] += bool(
            filed and got.published_at == datetime(filed.year, filed.month, filed.day)
            and got.published_at not in times
        )  # fmt: skip
        before = _before(page)
        count["before_time_among_stated"] += before is not None and before in times
        count["before_time_of_day"] += _has_time(before)
        count["before_zone"] += before is not None and before.tzinfo is not None
    per_page = 1000 * seconds / len(pages)
    print(f"pages: {len(pages)}; extract_html (body + metadata): {per_page:.1f} ms/page")
    for key, value in count.items():
        print(f"| {key} | {value} |")


if __name__ == "__main__":
    main()
