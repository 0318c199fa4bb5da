"""What an HTML page says about itself: its canonical URL, its outlet and when it was published.

Read from the page's own metadata, in the order publishers and crawlers rely on:
- url: `<link rel="canonical">`, then `og:url` (absolute http(s) URLs only);
- source: `og:site_name`, then the publisher's name in JSON-LD (`publisher.name`) or in
  microdata (`itemprop="publisher"`), then `application-name`;
- published_at: `article:published_time` and its variants, `itemprop="datePublished"`, JSON-LD
  `datePublished`, the Dublin Core and other common meta names, then `<time datetime>`, with the
  time of day and the zone as written. A date in the URL's path (`/2019/11/19/`) is how most
  outlets file an article, and survives template changes that leave stale meta dates behind:
  when the two disagree by more than a day, the URL's date is taken.

Measured on the shared article-extraction benchmark: docs/benchmarks.md, "HTML page metadata".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from lxml.html import HtmlElement

MAX_URL_DATE_GAP = timedelta(days=1)
"""A page date further than this from the URL's date gives way to the URL's."""

_PUBLISHED_PROPERTIES = (
    "article:published_time",
    "og:article:published_time",
    "og:published_time",
    "article:published",
    "published_time",
)
_PUBLISHED_NAMES = (
    "article:published_time",
    "article.published",
    "datepublished",
    "publish-date",
    "publishdate",
    "publish_date",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "date",
    "article_date_original",
    "original-publish-date",
)
_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?=[/._-]|$)"
    r"|/((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=/)"
)
_NO_COLON_ZONE = re.compile(r"([+-]\d{2})(\d{2})$")
_LD_FIELD = re.compile(r'"(datePublished)"\s*:\s*"([^"]+)"')
_JS_DATE = re.compile(r"^\w{3} (\w{3} \d{1,2} \d{4} \d{2}:\d{2}:\d{2}) GMT([+-]\d{4})")
MIN_YEAR = 1990
"""Earlier publication years are placeholders (0001-01-01 in some templates), not dates."""


@dataclass(frozen=True)
class PageMetadata:
    """The page's canonical URL, outlet name and publication time, each None when unstated."""

    url: str | None = None
    source: str | None = None
    published_at: datetime | None = None


def parse_time(text: str | None) -> datetime | None:
    """Return the instant an ISO 8601 or RFC 2822 string names (zone kept; none: naive), or
    None if it is no time."""
    if not text or not text.strip():
        return None
    value = " ".join(text.split())
    iso = _NO_COLON_ZONE.sub(r"\1:\2", value.replace("Z", "+00:00")) if "T" in value else value
    moment: datetime | None = None
    for candidate in (iso, value):
        try:
            moment = datetime.fromisoformat(candidate)
            break
        except ValueError:
            pass
    script = _JS_DATE.match(value)
    if moment is None and script:  # JavaScript's Date.toString(): Tue Nov 19 2019 03:05:46 GMT+0000
        moment = datetime.strptime(" ".join(script.groups()), "%b %d %Y %H:%M:%S %z")
    if moment is None:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return moment if moment.year >= MIN_YEAR else None


def url_date(url: str | None) -> date | None:
    """Return the date filed in a URL's path (/2019/11/19/, /2019-11-19-, /20191119/), or None."""
    if not url:
        return None
    path = re.sub(r"^[a-z][a-z0-9+.-]*://[^/]*", "", url.strip(), flags=re.IGNORECASE)
    match = _URL_DATE.search(path.split("?", 1)[0])
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups() if g is not None)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _absolute(url: str | None) -> str | None:
    value = (url or "").strip()
    return value if re.match(r"https?://[^/\s]+", value, re.IGNORECASE) else None


def _meta(tree: HtmlElement, attribute: str, names: tuple[str, ...]) -> Iterator[str]:
    wanted = set(names)
    for element in tree.iter("meta"):
        key = (element.get(attribute) or "").strip().lower()
        if key in wanted:
            content = element.get("content")
            if content and content.strip():
                yield content.strip()


def _json_ld(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Yield every JSON-LD object of the page, nested graphs and lists flattened."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            document = json.loads(script.text or "", strict=False)
        except (json.JSONDecodeError, ValueError):
            # Hand-written JSON-LD is often not JSON (trailing commas): keep its plain fields.
            document = dict(_LD_FIELD.findall(script.text or ""))
        stack = [document]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(item["@graph"])


def _publisher_name(value: Any, named: dict[str, str]) -> str | None:
    """Return a publisher's name; `named` maps JSON-LD @ids to names, for references."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or named.get(str(value.get("@id")))
    return value.strip() if isinstance(value, str) and value.strip() else None


def _microdata_publisher(tree: HtmlElement) -> str | None:
    """Return the name of the page's microdata publisher (`itemprop="publisher"` scope)."""
    for element in tree.iter():
        if "publisher" not in (element.get("itemprop") or "").lower().split():
            continue
        if element.get("itemscope") is None:
            text = element.get("content") or element.text_content()
            return " ".join(text.split()) or None
        for child in element.iter():
            if (child.get("itemprop") or "").lower() == "name":
                name = child.get("content") or child.text_content()
                if name and name.strip():
                    return " ".join(name.split())
    return None


def _published_candidates(tree: HtmlElement, ld: list[dict[str, Any]]) -> Iterator[str]:
    yield from _meta(tree, "property", _PUBLISHED_PROPERTIES)
    yield from _meta(tree, "itemprop", ("datepublished",))
    for element in tree.iter():
        if (element.get("itemprop") or "").lower() == "datepublished" and element.tag != "meta":
            value = element.get("datetime") or element.get("content")
            if value:
                yield value
    for item in ld:
        if isinstance(item.get("datePublished"), str):
            yield item["datePublished"]
    yield from _meta(tree, "name", _PUBLISHED_NAMES)
    for element in tree.iter("time"):
        if element.get("datetime") and element.get("pubdate") is not None:
            yield element.get("datetime") or ""


def _best_time(candidates: Iterator[datetime]) -> datetime | None:
    """Return the first stated time, or a later statement of the same day that has what it
    lacks: a zone, a time of day (pages often state one time twice, once with less)."""
    first: datetime | None = None
    for moment in candidates:
        if first is None:
            first = moment
        elif abs(moment.date() - first.date()) <= MAX_URL_DATE_GAP and _richer(moment, first):
            return moment
        if first.tzinfo is not None and first.time() != datetime.min.time():
            return first
    return first


def _richer(moment: datetime, than: datetime) -> bool:
    zone = (moment.tzinfo is not None, than.tzinfo is not None)
    clock = (moment.time() != datetime.min.time(), than.time() != datetime.min.time())
    return (zone[0] and not zone[1] and clock[0]) or (clock[0] and not clock[1])


def page_metadata(tree: HtmlElement, url: str | None = None) -> PageMetadata:
    """Return the canonical URL, outlet and publication time a parsed page states; `url`, the
    address it was fetched from (if known), is the one whose filed date is checked."""
    canonical = next(
        (
            _absolute(link.get("href"))
            for link in tree.iter("link")
            if "canonical" in (link.get("rel") or "").lower().split()
            and _absolute(link.get("href"))
        ),
        None,
    ) or next((u for u in map(_absolute, _meta(tree, "property", ("og:url",))) if u), None)
    ld = list(_json_ld(tree))
    source = next(_meta(tree, "property", ("og:site_name",)), None)
    if source is None:
        named = {
            str(i["@id"]): i["name"] for i in ld if "@id" in i and isinstance(i.get("name"), str)
        }
        publishers = (_publisher_name(i.get("publisher"), named) for i in ld)
        source = next((name for name in publishers if name), None)
    if source is None:
        source = _microdata_publisher(tree)
    if source is None:
        source = next(_meta(tree, "name", ("application-name",)), None)
    published = _best_time(t for t in map(parse_time, _published_candidates(tree, ld)) if t)
    return PageMetadata(
        url=canonical,
        source=" ".join(source.split()) if source else None,
        published_at=prefer_url_date(published, url or canonical),
    )


def prefer_url_date(published: datetime | None, url: str | None) -> datetime | None:
    """Return `published`, or the date filed in `url` (a naive midnight) when it is missing or
    more than MAX_URL_DATE_GAP away from it."""
    filed = url_date(url)
    if filed is None:
        return published
    if published is not None and abs(published.date() - filed) <= MAX_URL_DATE_GAP:
        return published
    return datetime(filed.year, filed.month, filed.day)
