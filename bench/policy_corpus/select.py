"""Draw the items to label from the pools, reproducibly (seeded), with their lead offsets.

    .venv/bin/python -m bench.policy_corpus.select --out DIR

Each pool is split into strata by how many distinct policy cues (a rule word, a rule-setter, a
decision verb) an item's title and lead carry: the strongly cued items hold most positives and hard
negatives, the weakly cued ones the borderline, the rest is plain news, the easy negatives a
firehose
is mostly made of. Each stratum is sampled at a fixed size (`PLAN`). A second round (`--flagged`)
draws from the items a detector flagged as reporting a change (the rules of commit 847265f on
both pools, and for AG News also a first trained model at p >= 0.15 and the strongly cued items
left over), where positives and the hardest negatives are denser. An AllSides item is
labelled on its lead: the title and the first paragraphs, up to `LEAD_WORDS` words or
`LEAD_PARAGRAPHS` paragraphs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CORPORA = REPO.parent / "shared" / "corpora"
POOLS = {"agnews": CORPORA / "agnews-pool.jsonl.gz", "allsides": CORPORA / "allsides-pool.jsonl.gz"}
LEAD_WORDS = 110
LEAD_PARAGRAPHS = 4
SEED = 20261201

# Cues of rule-making in news English; broad on purpose (this picks what to label, decides nothing).
POLICY_CUE = re.compile(
    r"\b(ban(s|ned|ning)?|allow(s|ed|ing)?|permit(s|ted)?|approv\w*|authori[sz]\w*|legali[sz]\w*|"
    r"law(s|maker\w*)?|rules?|ruling|regulat\w*|tariffs?|sanction\w*|lift(s|ed|ing)?|eas(e|es|ed|ing)|"
    r"restrict\w*|impos\w*|suspen\w*|repeal\w*|bills?|court|judge|rates?|tax(es)?|polic(y|ies)|"
    r"order(s|ed)?|decree|prohibit\w*|mandat\w*|requir\w*|veto\w*|embargo\w*|curbs?|limits?|caps?|"
    r"quotas?|propos\w*|consider\w*|weigh\w*|plans?|government|ministry|minister|parliament|congress|"
    r"senate|commission|regulator\w*|agency|fda|sec|fcc|epa|fed|central bank|un|eu|wto|opec|"
    r"treaty|deal|agree\w*|resolution|strike down|struck down|overturn\w*|block(s|ed)?|"
    r"executive order|legislation|measure|reform\w*|subsid\w*|visa\w*|exempt\w*)\b",
    re.IGNORECASE,
)
# pool -> strata: (name, fewest distinct cues, most distinct cues, items to draw)
PLAN: dict[str, tuple[tuple[str, int, int, int], ...]] = {
    "agnews": (("strong", 2, 99, 500), ("weak", 1, 1, 180), ("plain", 0, 0, 170)),
    "allsides": (("strong", 4, 99, 450), ("weak", 1, 3, 250), ("plain", 0, 0, 150)),
}


def read_pool(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a gzip JSONL pool."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def lead_end(text: str) -> int:
    """Return where the lead ends: the first paragraphs, up to LEAD_WORDS or LEAD_PARAGRAPHS."""
    end = 0
    words = 0
    for count, match in enumerate(re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]*)*", text), start=1):
        end = match.end()
        words += len(match.group().split())
        if words >= LEAD_WORDS or count >= LEAD_PARAGRAPHS:
            break
    return end


def cue_count(item: dict[str, Any]) -> int:
    """Return how many distinct policy cues an item's title and (lead) text carry."""
    text = item["title"] + " " + item["text"][: lead_end(item["text"])]
    return len({m.group(0).casefold() for m in POLICY_CUE.finditer(text)})


def draw(pool: str, seed: int = SEED) -> list[dict[str, Any]]:
    """Return the drawn items of one pool: id, pool, stratum and (AllSides) lead_end."""
    rng = random.Random(f"{seed}:{pool}")
    items = [i for i in read_pool(POOLS[pool]) if i.get("text", "").strip()]
    counts = [(item, cue_count(item)) for item in items]
    picked: list[tuple[dict[str, Any], str]] = []
    for name, fewest, most, wanted in PLAN[pool]:
        stratum = [item for item, count in counts if fewest <= count <= most]
        picked += [(item, name) for item in rng.sample(stratum, wanted)]
    rng.shuffle(picked)
    rows = []
    for item, stratum in picked:
        row: dict[str, Any] = {"id": item["id"], "pool": pool, "stratum": stratum}
        if pool == "allsides":
            row["lead_end"] = lead_end(item["text"])
        rows.append(row)
    return rows


ROUND_TWO = {"agnews": 450, "allsides": 550}
"""Round two: items a detector flagged (rules or a first model), where positives are denser."""


def draw_flagged(
    pool: str, flagged: set[str], exclude: set[str], seed: int = SEED
) -> list[dict[str, Any]]:
    """Return up to ROUND_TWO[pool] items of `flagged` not drawn before (stratum "flagged")."""
    rng = random.Random(f"{seed}:{pool}:flagged")
    items = {i["id"]: i for i in read_pool(POOLS[pool]) if i.get("text", "").strip()}
    candidates = sorted(i for i in flagged if i in items and i not in exclude)
    picked = rng.sample(candidates, min(ROUND_TWO[pool], len(candidates)))
    rows = []
    for item_id in picked:
        row: dict[str, Any] = {"id": item_id, "pool": pool, "stratum": "flagged"}
        if pool == "allsides":
            row["lead_end"] = lead_end(items[item_id]["text"])
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Write the drawn items (ids and offsets only) as JSONL; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="JSONL of the drawn items")
    parser.add_argument(
        "--flagged", type=Path, help="round two: JSONL of {id, pool} a detector flagged"
    )
    options = parser.parse_args(argv)
    if options.flagged:
        before = [json.loads(line) for line in options.out.read_text().splitlines() if line]
        seen = {row["id"] for row in before}
        flagged: dict[str, set[str]] = {}
        for line in options.flagged.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                flagged.setdefault(row["pool"], set()).add(row["id"])
        rows = before + [
            row for pool in PLAN for row in draw_flagged(pool, flagged.get(pool, set()), seen)
        ]
        with options.out.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")
        print(f"drew {len(rows) - len(before)} more items into {options.out}")
        return 0
    rows = [row for pool in PLAN for row in draw(pool)]
    with options.out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    print(f"drew {len(rows)} items into {options.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
