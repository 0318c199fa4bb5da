"""Labellers' files (with evidence as text) -> the repository's labels (evidence as offsets).

    .venv/bin/python -m bench.policy_corpus.ingest LABELS.jsonl... [--second] [--with-shared-dev]

Each labeller's line names an item drawn by `select` and quotes its evidence sentences; this
writes `bench/data/policy/labels.jsonl` (or `labels-second.jsonl`, the independent second
labelling) with the draw's pool, stratum and lead offset, and each evidence sentence as
(field, start, end) into the item's title or text. No text of the items is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.policy_corpus.select import POOLS, lead_end, read_pool
from bench.policy_corpus.splits import DATA
from bench.policy_corpus.store import LABELS, SECOND_LABELS, SHARED_DEV

DRAWN = DATA / "drawn.jsonl"
FIELDS = ("is_policy_change", "status", "direction", "actor", "target", "policy", "hard_negative")


def locate(quote: str, title: str, text: str) -> dict[str, Any] | None:
    """Return the evidence span of `quote` in the text (preferred) or the title, else None."""
    quote = quote.strip()
    for name, haystack in (("text", text), ("title", title)):
        at = haystack.find(quote)
        if at >= 0:
            return {"field": name, "start": at, "end": at + len(quote)}
    return None


def ingest(paths: list[Path]) -> tuple[list[dict[str, Any]], list[str]]:
    """Return the repository rows for the labelled items, and the problems met."""
    drawn = {row["id"]: row for row in map(json.loads, DRAWN.read_text().splitlines()) if row}
    texts = {row["id"]: row for pool in POOLS for row in read_pool(POOLS[pool])}
    rows, problems = [], []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            raw = json.loads(line)
            draw = drawn.get(raw["id"])
            if draw is None:
                problems.append(f"{raw['id']}: not a drawn item")
                continue
            source = texts[raw["id"]]
            text = source["text"]
            if "lead_end" in draw:
                assert draw["lead_end"] == lead_end(text), raw["id"]
                text = text[: draw["lead_end"]]
            row: dict[str, Any] = dict(draw)
            row.update({key: raw[key] for key in FIELDS})
            row["evidence"] = []
            for quote in raw.get("evidence") or []:
                span = locate(quote, source["title"], text)
                if span is None:
                    problems.append(f"{raw['id']}: evidence not found: {quote[:60]!r}")
                else:
                    row["evidence"].append(span)
            row["notes"] = raw.get("notes", "")
            row["labeller"] = path.stem.split(".")[0]
            rows.append(row)
    rows.sort(
        key=lambda r: (
            r["pool"],
            int(r["id"].rsplit("-", 1)[-1]) if r["pool"] == "agnews" else 0,
            r["id"],
        )
    )
    return rows, problems


def shared_dev_rows() -> list[dict[str, Any]]:
    """Return the shared dev set's labels (its texts stay in ../shared) as corpus rows."""
    rows = []
    for line in SHARED_DEV.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        row: dict[str, Any] = {"id": record["id"], "pool": "agnews-dev", "stratum": "shared"}
        row.update({key: record.get(key) for key in FIELDS if key != "hard_negative"})
        row["hard_negative"] = not record["is_policy_change"] and record["status"] != "none"
        row["evidence"] = []
        row["notes"] = record.get("notes", "")
        row["labeller"] = "shared-dev"
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Write the labels file; return 1 when some evidence could not be located."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--second", action="store_true", help="write the second labelling")
    parser.add_argument("--with-shared-dev", action="store_true", help="add dev.jsonl's rows")
    options = parser.parse_args(argv)
    rows, problems = ingest(options.paths)
    if options.with_shared_dev:
        rows = shared_dev_rows() + rows
    out = SECOND_LABELS if options.second else LABELS
    with out.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"wrote {len(rows)} labels to {out} ({len(problems)} problems)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
