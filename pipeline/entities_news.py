"""Entity rules that follow how news is written, one function per switchable family.

`pipeline.entities.EntityRules` runs them on the model's corrected spans (`RULE_FAMILIES` there
lists them; each can be switched off and is measured on/off by `bench.entity_set --families`):

- sentence_starts: a capitalised common word at a sentence's start is not a name ("Oil prices",
  "Facing a slowdown, ..."), nor the first word of one ("Key EU ministers");
- tickers: a name followed by its stock ticker is a company ("Diageo Plc (DGE.L)", "Oracle Corp.
  ORCL.O"), and a company keeps the suffix the model left out ("Amazon.com Inc.");
- sports: in a sports report, a city, state or school named as a side is a team (ORG: "beat
  Minnesota", "Cleveland's Phil Dawson"); a country stays a place, as national sides are written
  in results; "the Red Sox" is a team, not a person; "Premier League", "World Series" are
  competitions (EVENT);
- caps: a paragraph set in capitals (a headline, a kicker) is read again in title case, and a
  capitalised common word opening a lede ("INVESTORS sent stocks lower") is not a name;
- lists: in a list of people ("Squad: ...", comma lists of names), the items the model missed or
  mislabelled are people too, and the list's label is not a name;
- results lines (part of the scores family): "Bristol Rovers 2 Halifax Town 1" names two teams,
  a standings row "Halifax Town 10 6 2 2 18 9 20" one (a person when the model says so: golf).

World knowledge (sports words, competition words, common words) lives in `pipeline/gazetteers/`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from spacy.tokens import Doc, Span, Token

from pipeline import gazetteers

_COMMON = gazetteers.common_words
_SPORT = gazetteers.news_words("sport")
_RESULT = gazetteers.news_words("result")
_COMPETITION = gazetteers.news_words("competition")
_SQUAD = gazetteers.news_words("squad")
_PLACE_PREP = gazetteers.news_words("place_prep")
_TICKER = re.compile(r"^<?[A-Z][A-Za-z]{0,5}\.[A-Z]{1,3}>?$")
_TICKER_SUFFIXES = frozenset({"inc", "inc.", "corp", "corp.", "co", "co.", "ltd", "ltd.", "plc"})
_NAME_LABELS = frozenset({"ORG", "GPE", "LOC", "NORP", "FAC", "PRODUCT", "EVENT", "PERSON"})
SPORTS_MIN_WORDS = 2
"""Sports words a text needs before its city names are read as teams."""


def _relabel(span: Span, label: str) -> Span:
    return Span(span.doc, span.start, span.end, label=label)


def _sentence_start(token: Token) -> bool:
    """Return whether `token` opens a sentence or follows a wire prefix ("Reuters - Oil")."""
    doc = token.doc
    if token.i == 0 or token.is_sent_start or "\n" in doc[token.i - 1].text:
        return True
    before = doc[token.i - 1]
    return before.text in {"-", "--", "—", "–", ":"} and before.i > 0 and bool(before.whitespace_)


def _is_common(token: Token) -> bool:
    return token.is_title and token.lower_ in _COMMON() and not token.is_upper


def sentence_starts(doc: Doc, spans: list[Span]) -> list[Span]:
    """Return `spans` without sentence-initial common words taken for names."""
    kept = []
    for span in spans:
        first = span[0]
        if span.label_ in _NAME_LABELS and _sentence_start(first) and _is_common(first):
            if len(span) == 1:
                continue
            rest = span[1:]
            if span.label_ != "PERSON" and (rest[0].is_upper or rest[0].is_title):
                kept.append(Span(doc, rest.start, rest.end, label=span.label_, kb_id=span.kb_id_))
                continue
        kept.append(span)
    return kept


def _ticker_after(doc: Doc, end: int) -> bool:
    """Return whether a stock ticker follows token `end`: "(DGE.L", "<TXN.N>", " ORCL.O"."""
    i = end
    if i < len(doc) and doc[i].text in {"(", "<"}:
        i += 1
    return i < len(doc) and bool(_TICKER.match(doc[i].text))


def tickers(doc: Doc, spans: list[Span]) -> list[Span]:
    """Return `spans` with names before tickers as companies and suffixes joined to companies."""
    out = []
    for span in spans:
        end = span.end
        fixed = span
        if span.label_ == "ORG" and end < len(doc) and doc[end].lower_ in _TICKER_SUFFIXES:
            taken = any(s.start <= end < s.end for s in spans if s is not span)
            if not taken:
                fixed = Span(doc, span.start, end + 1, label="ORG", kb_id=span.kb_id_)
        if fixed.label_ != "ORG" and fixed.label_ in _NAME_LABELS and _ticker_after(doc, fixed.end):
            fixed = _relabel(fixed, "ORG")
        out.append(fixed)
    return out


_LOWER_WORD = re.compile(r"[a-z][a-z.]*")


def doc_text(doc: Doc) -> str:
    """Return `doc.text`, built once per Doc (spaCy joins every token on each access)."""
    text = doc.user_data.get("newsflow_text")
    if not isinstance(text, str):
        text = doc.text
        doc.user_data["newsflow_text"] = text
    return text


def is_sports(doc: Doc) -> bool:
    """Return whether `doc` reads as a sports report (enough sports words); cached on the Doc."""
    cached = doc.user_data.get("newsflow_is_sports")
    if cached is None:
        words = _LOWER_WORD.findall(doc_text(doc).lower())
        cached = sum(1 for w in words if w.rstrip(".") in _SPORT) >= SPORTS_MIN_WORDS
        doc.user_data["newsflow_is_sports"] = cached
    return bool(cached)


def _team_context(span: Span) -> bool:
    """Return whether `span` is written as a side: beside a result word, a possessive player."""
    doc = span.doc
    before = doc[span.start - 1] if span.start > 0 else None
    after = doc[span.end] if span.end < len(doc) else None
    if before is not None and before.lower_ in _PLACE_PREP:
        return False
    region = doc[span.end + 1] if after is not None and span.end + 1 < len(doc) else None
    if after is not None and after.text == "," and region is not None and _is_region(region):
        return False  # "Houston, TX": a place and its region
    if before is not None and before.lower_ in _RESULT:
        return True
    if after is not None and (after.lower_ in _RESULT or after.tag_ == "POS"):
        return True
    root = span.root
    return root.dep_ in {"nsubj", "nsubjpass", "dobj", "pobj", "poss"} and root.head.pos_ in {
        "VERB",
        "AUX",
        "ADP",
        "NOUN",
    }


def _is_region(token: Token) -> bool:
    return token.is_upper and len(token) <= 3


def _competition(span: Span) -> bool:
    return span[-1].text in _COMPETITION


def sports(doc: Doc, spans: list[Span], countries: Callable[[str], bool]) -> list[Span]:
    """Return `spans` relabelled as a sports report writes them (teams, competitions)."""
    if not is_sports(doc):
        return spans
    out = []
    for span in spans:
        if span.label_ in {"ORG", "GPE", "LOC", "PERSON"} and _competition(span):
            out.append(_relabel(span, "EVENT"))
            continue
        if span.label_ in {"GPE", "LOC"} and not countries(span.text) and _team_context(span):
            out.append(_relabel(span, "ORG"))
            continue
        before = doc[span.start - 1] if span.start > 0 else None
        if span.label_ == "PERSON" and before is not None and before.lower_ == "the":
            out.append(_relabel(span, "ORG"))
            continue
        out.append(span)
    return out


_CAPS_WORD = re.compile(r"[^\W\d_]{2,}")
CAPS_MAX_CHARS = 300
"""Longer lines in capitals are not headlines; they are not re-read."""


def _caps_paragraphs(doc: Doc) -> list[tuple[int, int]]:
    """Return [start, end) token ranges of lines set in capitals (3+ words, 80% upper).

    Read from the text, not token by token: most articles have none, and this runs on all.
    """
    ranges, at = [], 0
    for line in doc_text(doc).split("\n"):
        start, at = at, at + len(line) + 1
        if len(line) > CAPS_MAX_CHARS:
            continue
        words = _CAPS_WORD.findall(line)
        if len(words) < 3 or sum(w.isupper() for w in words) < 0.8 * len(words):
            continue
        span = doc.char_span(start, start + len(line), alignment_mode="expand")
        if span is not None and len(span):
            ranges.append((span.start, span.end))
    return ranges


def caps(doc: Doc, spans: list[Span], reread: Callable[[str], Doc]) -> list[Span]:
    """Return `spans` with capitals paragraphs re-read in title case, caps openers dropped."""
    out = [s for s in spans if not _caps_opener(s)]
    for start, end in _caps_paragraphs(doc):
        part = doc[start:end]
        text = part.text
        titled = text.title()
        if len(titled) != len(text):
            continue
        found = []
        for ent in reread(titled).ents:
            span = doc.char_span(part.start_char + ent.start_char, part.start_char + ent.end_char)
            if span is not None and ent.label_ in _NAME_LABELS:
                found.append(Span(doc, span.start, span.end, label=ent.label_))
        if found:
            out = [s for s in out if s.end <= start or s.start >= end] + found
    return sorted(out, key=lambda s: s.start)


def _caps_opener(span: Span) -> bool:
    """Return whether `span` is a lede's first word set in capitals: "INVESTORS sent ..."."""
    first = span[0]
    if len(span) != 1 or not first.is_upper or len(first) <= 4 or not _sentence_start(first):
        return False
    following = span.doc[span.end] if span.end < len(span.doc) else None
    lower_next = following is not None and following.is_lower
    return lower_next and first.lower_ in _COMMON()


def _list_items(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """Return [start, end) token ranges of the comma- or "and"-separated items in a range."""
    items, at = [], start
    for token in doc[start:end]:
        if token.text in {",", ";"} or token.lower_ == "and":
            if token.i > at:
                items.append((at, token.i))
            at = token.i + 1
    if end > at:
        items.append((at, end))
    return items


def _list_label(span: Span) -> bool:
    """Return whether `span` is a list's label taken for a name: "Squad" in "Squad: ..."."""
    after = span.doc[span.end] if span.end < len(span.doc) else None
    return len(span) == 1 and span.text in _SQUAD and after is not None and after.text == ":"


def _name_like(doc: Doc, start: int, end: int) -> bool:
    tokens = doc[start:end]
    return 2 <= len(tokens) <= 3 and all(t.is_title and t.is_alpha for t in tokens)


_SIDE = r"[A-Z][\w.'&-]*(?: [A-Z][\w.'&-]*){0,3}"
_RESULT_LINE = re.compile(rf"^(?P<home>{_SIDE}) \d{{1,2}} (?P<away>{_SIDE}) \d{{1,2}}\s*$", re.M)
_STANDINGS_ROW = re.compile(rf"^(?P<side>{_SIDE})(?: \d{{1,3}}){{3,}}\s*$", re.M)


def results_lines(doc: Doc, spans: list[Span]) -> list[Span]:
    """Return `spans` with the sides of results lines and standings rows as teams."""
    found: list[Span] = []
    text = doc_text(doc)
    if not any(c.isdigit() for c in text):
        return spans
    for match in _RESULT_LINE.finditer(text):
        for group in ("home", "away"):
            span = doc.char_span(match.start(group), match.end(group), label="ORG")
            if span is not None:
                found.append(span)
    for match in _STANDINGS_ROW.finditer(text):
        span = doc.char_span(match.start("side"), match.end("side"), label="ORG")
        if span is None:
            continue
        model = [s for s in spans if s.start < span.end and span.start < s.end]
        if any(s.label_ == "PERSON" for s in model):
            continue  # "Ernie Els 68 70 72 210": a golfer's rounds
        found.append(span)
    if not found:
        return spans
    kept = [s for s in spans if not any(f.start < s.end and s.start < f.end for f in found)]
    return sorted(kept + found, key=lambda s: s.start)


def lists(doc: Doc, spans: list[Span]) -> list[Span]:
    """Return `spans` with the people of lists of people filled in ("Squad: A, B and C")."""
    spans = [s for s in spans if not _list_label(s)]
    by_start = {s.start: s for s in spans}
    added: dict[tuple[int, int], Span] = {}
    sentences = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
    for sent in sentences:
        tokens = list(sent)
        colon = next((t.i for t in tokens if t.text == ":"), None)
        start = colon + 1 if colon is not None else sent.start
        if colon is None:
            continue
        items = _list_items(doc, start, sent.end - (1 if tokens[-1].is_punct else 0))
        people = [i for i in items if (s := by_start.get(i[0])) and s.label_ == "PERSON"]
        labelled = doc[colon - 1].text in _SQUAD if colon > sent.start else False
        if len(items) < 3 or not (labelled or len(people) * 2 >= len(items)):
            continue
        for item in items:
            if _name_like(doc, *item) and item not in added:
                added[item] = Span(doc, item[0], item[1], label="PERSON")
    if not added:
        return spans
    kept = [
        s for s in spans if not any(a.start < s.end and s.start < a.end for a in added.values())
    ]
    return sorted(kept + list(added.values()), key=lambda s: s.start)
