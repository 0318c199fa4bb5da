"""Gazetteers: named things the model misses or mislabels, loaded from the JSONL files here.

Each line of a data file is one canonical entry: `name`, its `aliases` (exact, case-sensitive
surface forms), and optionally `label` (else the file's default), `keep` (model labels that win
over this entry, e.g. ORG for a city that is also a football club), `next` / `next_for` (words
one of which must follow an ambiguous alias, e.g. "Patriot" only before "missile"), and `country`
(for demonyms), `code` (a stable identifier for cross-article entity keys: ISO 3166-1 alpha-2 for
a country and its demonym, ISO 3166-2 for a US state, `geonames:<id>` for a city). Sources and
licences: README.md beside this file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

FILES: dict[str, str] = {
    "places.jsonl": "GPE",
    "organisations.jsonl": "ORG",
    "outlets.jsonl": "ORG",
    "weapons.jsonl": "WEAPON",
}
"""Data file -> the label its entries have unless they say otherwise."""


@dataclass(frozen=True)
class Entry:
    """One canonical gazetteer entity and the surface forms that name it."""

    name: str
    label: str
    aliases: tuple[str, ...]
    keep: frozenset[str] = frozenset()
    next_words: dict[str, frozenset[str]] = field(default_factory=dict)
    country: str | None = None
    kind: str | None = None  # "country" for countries
    capital_of: str | None = None
    agency: bool = False  # a wire agency (outlets)
    code: str | None = None  # a stable identifier: ISO 3166 for countries, GeoNames id for cities

    def needs_next(self, alias: str) -> frozenset[str]:
        """Return the words one of which must follow `alias` (empty: none needed)."""
        return self.next_words.get(alias, frozenset())


def _entry(data: dict[str, Any], default_label: str) -> Entry:
    aliases = tuple(str(a) for a in data["aliases"])
    common = frozenset(str(w).lower() for w in data.get("next", []))
    per_alias = {
        str(alias): frozenset(str(w).lower() for w in words)
        for alias, words in data.get("next_for", {}).items()
    }
    next_words = {a: per_alias.get(a, common) for a in aliases if per_alias.get(a, common)}
    country = data.get("country")
    return Entry(
        name=str(data["name"]),
        label=str(data.get("label", default_label)),
        aliases=aliases,
        keep=frozenset(str(k) for k in data.get("keep", [])),
        next_words=next_words,
        country=str(country) if country else None,
        kind=str(data["kind"]) if data.get("kind") else None,
        capital_of=str(data["capital_of"]) if data.get("capital_of") else None,
        agency=bool(data.get("agency", False)),
        code=str(data["code"]) if data.get("code") else None,
    )


@lru_cache(maxsize=1)
def load_entries() -> tuple[Entry, ...]:
    """Return every gazetteer entry, in file order (earlier files win shared aliases)."""
    entries: list[Entry] = []
    for filename, label in FILES.items():
        for line in (HERE / filename).read_text(encoding="utf-8").splitlines():
            if line.strip():
                entries.append(_entry(json.loads(line), label))
    return tuple(entries)


@lru_cache(maxsize=1)
def by_name() -> dict[tuple[str, str], Entry]:
    """Return the entries keyed by (label, canonical name)."""
    return {(e.label, e.name): e for e in load_entries()}


def _tsv_rows(filename: str) -> list[list[str]]:
    rows = []
    for line in (HERE / filename).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def _file_entries(filename: str) -> tuple[Entry, ...]:
    label = FILES[filename]
    lines = (HERE / filename).read_text(encoding="utf-8").splitlines()
    return tuple(_entry(json.loads(line), label) for line in lines if line.strip())


@lru_cache(maxsize=1)
def countries() -> dict[str, str]:
    """Return every name news uses for a country, lower case -> the country's canonical name.

    Names and short forms ("U.S.", "Britain"), demonyms ("American", "British"), capitals and
    seats of government that stand for it ("Moscow", "the Kremlin").
    """
    found: dict[str, str] = {}
    for entry in _file_entries("places.jsonl"):
        country = (
            entry.name
            if entry.kind == "country"
            else entry.country
            if entry.label == "NORP"
            else entry.capital_of
        )
        if country:
            for alias in (entry.name, *entry.aliases):
                found.setdefault(alias.casefold(), country)
    for seat, country in _tsv_rows("seats.tsv"):
        found.setdefault(seat.casefold(), country)
    return found


@lru_cache(maxsize=1)
def bodies() -> dict[str, str]:
    """Return the names of international bodies and institutions, lower case -> canonical."""
    return {
        alias.casefold(): entry.name
        for entry in _file_entries("organisations.jsonl")
        for alias in (entry.name, *entry.aliases)
    }


@lru_cache(maxsize=1)
def outlets() -> dict[str, tuple[str, bool]]:
    """Return news outlets and agencies, lower case name -> (canonical name, is a wire agency)."""
    found: dict[str, tuple[str, bool]] = {}
    for entry in _file_entries("outlets.jsonl"):
        for alias in (entry.name, *entry.aliases):
            found.setdefault(alias.casefold(), (entry.name, entry.agency))
            if not alias.casefold().startswith("the "):
                found.setdefault("the " + alias.casefold(), (entry.name, entry.agency))
    return found


@lru_cache(maxsize=8)
def titles(kind: str) -> frozenset[str]:
    """Return the lower-case title words of one kind (head, modifier, person, honorific,
    government, spokesperson), from titles.tsv."""
    return frozenset(word for word, kinds in _tsv_rows("titles.tsv") if kind in kinds.split("|"))


@lru_cache(maxsize=8)
def news_words(kind: str) -> frozenset[str]:
    """Return the words of one kind (sport, result, competition, squad, place_prep), from
    news-words.tsv: vocabulary that says how a piece of news is written."""
    return frozenset(
        word for word, kinds in _tsv_rows("news-words.tsv") if kind in kinds.split("|")
    )


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Return the lower-case words news writes in lower case mid-sentence (common-words.txt)."""
    lines = (HERE / "common-words.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))
