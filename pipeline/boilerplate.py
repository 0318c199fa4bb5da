"""Page furniture removal over lines of text, driven by the tables in `boilerplate_rules`.

Works on normalised text (one paragraph or furniture item per line, blank lines between blocks)
and returns the body as paragraphs joined by blank lines, what each rule removed, and the
byline and dateline it took out as metadata.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline import boilerplate_rules as rules

_WORD = re.compile(r"\w+")
_BULLET = re.compile(r"^[-–—•*·]\s+")
_TAG = re.compile(r"\s*\[[A-Z ]{2,20}\]\s*\|?$")
_TERMINAL = (".", ":", ";", ",")
_INNER_SENTENCE_END = re.compile(r"[.!?]\s+\w")
_STOPWORDS = frozenset({
    "about", "after", "also", "been", "before", "could", "from", "have", "into", "more", "over",
    "said", "says", "than", "that", "their", "them", "then", "there", "these", "they", "this",
    "were", "what", "when", "where", "which", "while", "will", "with", "would", "your",
})  # fmt: skip
TITLE_MAX_WORDS = 20
DEK_MAX_WORDS = 60
BYLINE_MAX_WORDS = 10
HEADER_LINES = 4
"""How many lines count as the text's edges (datelines in capitals, the page's URL)."""


@dataclass(frozen=True)
class _Compiled:
    lines: tuple[tuple[str, re.Pattern[str]], ...]
    edges: tuple[tuple[str, re.Pattern[str]], ...]
    headings: tuple[re.Pattern[str], ...]
    bylines: tuple[re.Pattern[str], ...]
    datelines: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def _compiled() -> _Compiled:
    return _Compiled(
        lines=tuple(
            (name, re.compile(pattern, re.IGNORECASE))
            for name, patterns in rules.LINE_RULES.items()
            for pattern in patterns
        ),
        edges=tuple(
            (name, re.compile(pattern, re.IGNORECASE))
            for name, patterns in rules.EDGE_RULES.items()
            for pattern in patterns
        ),
        headings=tuple(re.compile(p, re.IGNORECASE) for p in rules.SECTION_HEADINGS),
        bylines=tuple(re.compile(p) for p in rules.BYLINE),
        datelines=tuple(re.compile(p) for p in rules.DATELINE),
    )


@dataclass
class Stripped:
    """The body left after furniture removal, and what was taken out."""

    text: str
    removed: dict[str, int] = field(default_factory=dict)
    byline: str | None = None
    dateline: str | None = None


def _content_words(line: str) -> set[str]:
    return {w for w in _WORD.findall(line.casefold()) if len(w) > 3 and w not in _STOPWORDS}


def is_title_like(line: str) -> bool:
    """Return whether `line` reads as a headline: short, no sentence-final punctuation."""
    line = _TAG.sub("", _BULLET.sub("", line)).strip()
    words = line.split()
    if not 2 <= len(words) <= TITLE_MAX_WORDS or line.endswith(_TERMINAL):
        return False
    if _INNER_SENTENCE_END.search(line):
        return False
    capitals = sum(1 for w in words if w[0].isupper() or not w[0].isalpha())
    return capitals >= 2


def _line_rule(line: str, at_edge: bool) -> str | None:
    compiled = _compiled()
    line = _BULLET.sub("", line)
    for name, pattern in compiled.lines + compiled.edges if at_edge else compiled.lines:
        if pattern.search(line):
            return name
    return None


def _is_heading(line: str) -> bool:
    return len(line) <= 80 and any(p.search(line) for p in _compiled().headings)


def _byline(line: str) -> str | None:
    if len(line.split()) > BYLINE_MAX_WORDS or line.endswith((".", "!", "?")):
        return None
    for pattern in _compiled().bylines:
        match = pattern.match(line)
        if match:
            return match.group("author")
    return None


def _is_dateline(line: str, index: int) -> bool:
    date, place = _compiled().datelines
    return bool(date.match(line)) or (index < HEADER_LINES and bool(place.match(line)))


def _key(line: str) -> str:
    return " ".join(_WORD.findall(_BULLET.sub("", line).casefold()))


class _Marker:
    """Which line indexes are furniture, and by which rule."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.rule: dict[int, str] = {}
        self.byline: str | None = None
        self.dateline: str | None = None

    def mark(self, index: int, name: str) -> None:
        self.rule.setdefault(index, name)

    def body_words(self, skip: int) -> set[str]:
        words: set[str] = set()
        for i, line in enumerate(self.lines):
            if line and i != skip and i not in self.rule:
                words |= _content_words(line)
        return words

    def line_rules(self) -> None:
        filled = [i for i, line in enumerate(self.lines) if line]
        edges = set(filled[:HEADER_LINES] + filled[-HEADER_LINES:])
        for i in filled:
            line = self.lines[i]
            name = _line_rule(line, at_edge=i in edges)
            if name is not None:
                self.mark(i, name)
            elif _is_heading(line):
                self.mark(i, "related_block")
            elif self.byline is None and (author := _byline(line)) is not None:
                self.byline = author
                self.mark(i, "byline")
            elif self.dateline is None and _is_dateline(line, i):
                self.dateline = line
                self.mark(i, "dateline")

    def _near_furniture(self, index: int) -> bool:
        for step in (-1, 1):
            i = index + step
            while 0 <= i < len(self.lines) and not self.lines[i]:
                i += step
            if 0 <= i < len(self.lines) and i in self.rule:
                return True
        return False

    def repeated_titles(self, title: str | None) -> None:
        # A headline seen twice, once beside other furniture, is a teaser: every copy goes.
        # (Repeats far from furniture are lists and tables: menus, scores, recipes.)
        keys = [_key(line) if line and is_title_like(line) else "" for line in self.lines]
        copies: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            if key:
                copies.setdefault(key, []).append(i)
        for where in copies.values():
            if len(where) > 1 and any(self._near_furniture(i) for i in where):
                for i in where:
                    self.mark(i, "repeated_teaser")
        # The page's own headline is metadata, whatever its capitalisation.
        title_key = _key(title) if title else ""
        for i, line in enumerate(self.lines):
            if title_key and line and _key(line) == title_key:
                self.mark(i, "title_repeat")

    def related_blocks(self) -> None:
        headings = [i for i, name in sorted(self.rule.items()) if name == "related_block"]
        for start in headings:
            headline: str | None = None
            for i in range(start + 1, len(self.lines)):
                line = self.lines[i]
                if not line:
                    continue
                if i in self.rule:
                    if self.rule[i] in ("repeated_teaser", "related_block"):
                        headline = line
                    continue
                if is_title_like(line):
                    self.mark(i, "related_block")
                    headline = line
                elif headline is not None and self._is_dek(i, headline):
                    self.mark(i, "related_block")
                    headline = None
                else:
                    break

    def _is_dek(self, index: int, headline: str) -> bool:
        # A teaser's standfirst elaborates its headline with words the article itself never uses.
        line = self.lines[index]
        if len(line.split()) > DEK_MAX_WORDS:
            return False
        shared = _content_words(line) & _content_words(headline)
        return bool(shared - self.body_words(skip=index))


def _paragraphs(lines: list[str]) -> list[str]:
    paragraphs: list[str] = []
    joinable = False
    for line in lines:
        if not line:
            joinable = False
            continue
        # A line cut mid-sentence (hard wrap) continues the previous paragraph.
        if joinable and paragraphs and (line[0].islower() or line[0] in ",;)"):
            paragraphs[-1] = f"{paragraphs[-1]} {line}"
        else:
            paragraphs.append(line)
        joinable = not line.endswith((".", "!", "?", ":", '"', "”", "’"))
    return paragraphs


def strip_furniture(text: str, title: str | None = None) -> Stripped:
    """Return the body of normalised `text` without furniture, with counts per rule."""
    lines = [line.strip() for line in text.split("\n")]
    marker = _Marker(lines)
    marker.line_rules()
    marker.repeated_titles(title)
    marker.related_blocks()
    kept = [line for i, line in enumerate(lines) if i not in marker.rule]
    if not any(kept) and sum(1 for line in lines if line) == 1:
        # A one-line text (a headline, a summary, a score line, a dateline) is the content
        # itself, whatever it looks like: furniture rules never delete the only content.
        return Stripped(text=next(line for line in lines if line))
    removed = Counter(marker.rule.values())
    return Stripped(
        text="\n\n".join(_paragraphs(kept)),
        removed=dict(sorted(removed.items())),
        byline=marker.byline,
        dateline=marker.dateline,
    )
