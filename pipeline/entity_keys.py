"""Cross-article entity keys: the same string for the same entity in every article.

A gazetteer entity with a code keys on it ("gpe:US" for "U.S.", "America" and "United States";
"norp:US" for "Americans"; "gpe:US-TX"; "gpe:geonames:2643743" for London); any other entity on
its type and normalised canonical name ("org:nato", "person:joe-biden", "org:toyota-motor" for
"Toyota Motor Corp."): accents, case, punctuation, a leading "the", a possessive and corporate
suffixes are folded away. A person named only by surname in an article keys on the surname
("person:biden"): the article alone cannot say which Biden it is.
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.gazetteers import Entry

CORPORATE_SUFFIXES = frozenset(
    {"inc", "corp", "corporation", "co", "ltd", "plc", "llc", "ag", "sa", "nv", "gmbh", "group"}
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
_POSSESSIVE = re.compile(r"['’]s?$")


def normalised_name(name: str) -> str:
    """Return `name` as lowercase ASCII words joined by "-", without "the", possessive, suffixes."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    folded = _POSSESSIVE.sub("", folded.strip())
    # "U.S." and "A.P." are one word each, not letters.
    folded = re.sub(r"\b([a-z])\.(?=[a-z]\.)", r"\1", folded)
    words = [w for w in _NON_WORD.split(folded.replace(".", "")) if w]
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in CORPORATE_SUFFIXES:
        words.pop()
    return "-".join(words)


def entity_key(label: str, name: str, entry: Entry | None = None) -> str:
    """Return the cross-article key of an entity of type `label` named `name`."""
    prefix = label.lower()
    if entry is not None and entry.code:
        return f"{prefix}:{entry.code}"
    return f"{prefix}:{normalised_name(name) or name.casefold()}"
