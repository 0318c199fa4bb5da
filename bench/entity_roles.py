"""Roles and alias merges: precision, judged by hand on AllSides pool articles.

    .venv/bin/python -m bench.entity_roles list > items.txt     # what the stage says, to judge
    .venv/bin/python -m bench.entity_roles                      # precision against the judgements

The stage reads `ARTICLES` articles of `../shared/corpora/allsides-pool.jsonl.gz` (a seeded sample,
none of them in the entity dev set) with `"language": "en"`. Every role it gives a person (`title`,
`of`) and every alias it merged into an entity (a surface other than the canonical name) is an
item. `bench/data/entities/roles-judged.jsonl` holds the hand judgements, keyed without text:
article id, entity key, and sha256 prefixes of the title, owner or alias; verdicts `title_ok`,
`of_ok` (a role) or `ok` (an alias). A role's owner is right when it names whom the article says
the title is of, or is null where the article does not say; a title is right when the article
gives the person that title; an alias is right when it names the same referent. Items the stage
produces that were never judged (after a change) are counted apart, not guessed.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import sys
from collections.abc import Iterator
from typing import Any

from bench.entity_set import DATA, SHARED
from pipeline.config import PipelineConfig
from pipeline.process import enrich_batch
from schemas import EnrichedArticle, RawArticle

ARTICLES = 50
SEED = 616
JUDGED = DATA / "roles-judged.jsonl"


def digest(text: str | None) -> str:
    """Return a short sha256 of `text` ("" for None): identifies a string without storing it."""
    return "" if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def sample() -> list[dict[str, Any]]:
    """Return the sampled AllSides articles (not in the entity dev set)."""
    taken = {
        json.loads(line)["id"]
        for split in ("train", "dev", "lockbox")
        for line in (DATA / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
    }
    with gzip.open(SHARED / "corpora" / "allsides-pool.jsonl.gz", "rt", encoding="utf-8") as rows:
        articles = [a for a in map(json.loads, rows) if a["id"] not in taken]
    return random.Random(SEED).sample(articles, ARTICLES)


def enriched() -> list[tuple[dict[str, Any], EnrichedArticle]]:
    """Return (article, enriched event) for the sample, entities stage only."""
    articles = sample()
    raws = [
        RawArticle(id=a["id"], title=a["title"], content=a["text"], language="en") for a in articles
    ]
    config = PipelineConfig(stages=("cleaning", "entities"))
    outcomes = enrich_batch(raws, config)
    return [
        (a, o) for a, o in zip(articles, outcomes, strict=True) if isinstance(o, EnrichedArticle)
    ]


def items(article: EnrichedArticle) -> Iterator[dict[str, Any]]:
    """Yield the article's judgeable items: one per role, one per merged alias."""
    for entity in article.entities:
        for role in entity.roles:
            yield {
                "id": article.id,
                "kind": "role",
                "entity": entity.key,
                "title": digest(role.title),
                "of": digest(role.of),
                "_show": f"{entity.name} | title={role.title!r} | of={role.of!r}",
            }
        for alias in entity.aliases:
            if alias != entity.name:
                yield {
                    "id": article.id,
                    "kind": "alias",
                    "entity": entity.key,
                    "alias": digest(alias),
                    "_show": f"{entity.name} <- {alias!r} ({entity.type.value})",
                }


def _key(item: dict[str, Any]) -> tuple[str, ...]:
    if item["kind"] == "role":
        return (item["id"], "role", item["entity"], item["title"], item["of"])
    return (item["id"], "alias", item["entity"], item["alias"])


def precision() -> dict[str, Any]:
    """Return judged precision of titles, owners and alias merges, and the unjudged count."""
    judged = {_key(j): j for j in map(json.loads, JUDGED.read_text(encoding="utf-8").splitlines())}
    counts = {"title": [0, 0], "of": [0, 0], "alias": [0, 0], "unjudged": 0, "articles": 0}
    for _, article in enriched():
        counts["articles"] += 1
        for item in items(article):
            verdict = judged.get(_key(item))
            if verdict is None:
                counts["unjudged"] += 1
                continue
            if item["kind"] == "role":
                for part in ("title", "of"):
                    counts[part][0] += bool(verdict[f"{part}_ok"])
                    counts[part][1] += 1
            else:
                counts["alias"][0] += bool(verdict["ok"])
                counts["alias"][1] += 1
    return counts


def main() -> None:
    """List items to judge, or print the precision table."""
    if sys.argv[1:] == ["list"]:
        for article, event in enriched():
            print(f"### {event.id}  {article['outlet']}")
            for item in items(event):
                print(json.dumps({k: v for k, v in item.items() if k != "_show"}))
                print("    " + item["_show"])
        return
    counts = precision()
    print(f"{counts['articles']} AllSides articles; {counts['unjudged']} items not judged\n")
    print("| item | correct | judged | precision |\n|---|---|---|---|")
    for part, name in (
        ("title", "role title"),
        ("of", "role owner (of)"),
        ("alias", "alias merge"),
    ):
        ok, n = counts[part]
        print(f"| {name} | {ok} | {n} | {ok / n if n else 0:.3f} |")


if __name__ == "__main__":
    main()
