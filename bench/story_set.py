"""The labelled policy-story set: labels, frozen dev/lockbox split, distractors, joined texts.

`bench/data/stories/` holds ids and labels only (README there): `labels-*.jsonl` (stories of the
groups of `../shared/corpora/allsides-same-day.jsonl.gz`) and `distractors.json` (single articles
from the other pools); the dev/lockbox split of groups is a seeded hash of each group's name.
Texts are joined from ../shared here, at run time.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / "data" / "stories"
CORPORA = REPO.parent / "shared" / "corpora"
SAME_DAY = CORPORA / "allsides-same-day.jsonl.gz"
POOLS = {"allsides": CORPORA / "allsides-pool.jsonl.gz", "agnews": CORPORA / "agnews-pool.jsonl.gz"}
DISTRACTORS = DATA / "distractors.json"
SEED = "stories-20261202"
LOCKBOX_SHARE = 0.35
DISTRACTOR_COUNTS = {"allsides": 100, "agnews": 50}
NEAR_DAYS = 14
"""A pool article this close to a same-day group of its topic may report one of its stories:
never a distractor."""


@dataclass
class Story:
    """One labelled story: its articles (ids) and the reprint pairs noticed among them."""

    id: str
    group: str
    article_ids: list[str]
    reprints: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class GroupLabels:
    """What the labellers said about one same-day group: its stories and its other articles."""

    group: str
    topic: str
    stories: list[Story] = field(default_factory=list)
    others: set[str] = field(default_factory=set)

    def article_ids(self) -> set[str]:
        """Return every labelled article of the group (in a story or not)."""
        return self.others | {i for s in self.stories for i in s.article_ids}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Return the JSON objects of a (possibly gzip) JSONL file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_labels(data: Path = DATA) -> dict[str, GroupLabels]:
    """Return the labelled groups of every `labels-*.jsonl`, by group (the first file to label a
    group wins; a line that does not parse, as the last one of a file being written, is skipped)."""
    groups: dict[str, GroupLabels] = {}
    owner: dict[str, str] = {}
    for path in sorted(data.glob("labels-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            name = row["group"]
            if owner.setdefault(name, path.name) != path.name:
                continue
            labels = groups.setdefault(name, GroupLabels(name, name.split("/", 1)[1]))
            labels.others |= set(row.get("others", []))
            if row.get("story"):
                labels.stories.append(
                    Story(
                        id=row["story"],
                        group=name,
                        article_ids=list(row["article_ids"]),
                        reprints=[(a, b) for a, b in row.get("reprints", [])],
                    )
                )
    for labels in groups.values():
        labels.others -= {i for s in labels.stories for i in s.article_ids}
    return groups


def _fraction(text: str) -> float:
    digest = hashlib.sha256(f"{SEED}:{text}".encode()).hexdigest()
    return int(digest[:12], 16) / float(1 << 48)


def draw_split(groups: Iterable[str]) -> dict[str, list[str]]:
    """Return {"dev": groups, "lockbox": groups}: a group is in the lockbox when its seeded hash
    falls below LOCKBOX_SHARE. Each group's side depends on its name alone, so groups labelled
    later never move an earlier group from one side to the other."""
    split: dict[str, list[str]] = {"dev": [], "lockbox": []}
    for group in groups:
        split["lockbox" if _fraction(group) < LOCKBOX_SHARE else "dev"].append(group)
    return {name: sorted(ids) for name, ids in split.items()}


def load_split() -> dict[str, list[str]]:
    """Return the split of every labelled group (`draw_split`: fixed by each group's name)."""
    return draw_split(load_labels())


def digest(ids: Iterable[str]) -> str:
    """Return the sha256 of a sorted id list: what freezes a split."""
    return hashlib.sha256("\n".join(sorted(ids)).encode("utf-8")).hexdigest()


def split_of(group: str, split: dict[str, list[str]]) -> str | None:
    """Return the split a group is in, or None (labelled after the split was frozen)."""
    return next((name for name, ids in split.items() if group in ids), None)


def same_day_articles() -> dict[str, dict[str, Any]]:
    """Return the same-day corpus's articles by id."""
    return {row["id"]: row for row in read_jsonl(SAME_DAY)}


_POLICY_WORDS = re.compile(
    r"\b(ban|bans|banned|approv\w*|rule[sd]?|ruling|law|bill|order|tariffs?|sanction\w*|"
    r"repeal\w*|lift\w*|impos\w*|restrict\w*|mandate\w*|regulat\w*|vote[sd]?|court|"
    r"authori[sz]\w*|permit\w*|suspend\w*|policy|fund\w*|tax\w*)\b",
    re.IGNORECASE,
)


def _policy_score(row: dict[str, Any]) -> int:
    """Return how many policy words the headline and lead hold (a distractor's hardness)."""
    return len(_POLICY_WORDS.findall(f"{row.get('title', '')} {row.get('text', '')[:600]}"))


def parse_day(text: str | None) -> date | None:
    """Return an ISO date (YYYY-MM-DD), else None (empty, or another format)."""
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def _near_a_group(row: dict[str, Any], group_days: dict[str, list[date]]) -> bool:
    topic, when = row.get("topic"), parse_day(row.get("date"))
    if not topic or when is None:
        return bool(topic and topic in group_days)
    return any(abs((when - other).days) <= NEAR_DAYS for other in group_days.get(topic, []))


def draw_distractors() -> dict[str, list[str]]:
    """Return the distractor ids per pool: the most policy-worded articles (ties by a seeded
    hash), never one of the same topic within NEAR_DAYS of a same-day group (or dateless with
    a topic that has same-day groups)."""
    group_days: dict[str, list[date]] = defaultdict(list)
    for row in read_jsonl(SAME_DAY):
        if row.get("date"):
            group_days[row["topic"]].append(date.fromisoformat(row["date"]))
        else:
            group_days.setdefault(row["topic"], [])
    drawn: dict[str, list[str]] = {}
    for pool, path in POOLS.items():
        rows = [r for r in read_jsonl(path) if not _near_a_group(r, group_days)]
        rows.sort(key=lambda r: (-_policy_score(r), _fraction(r["id"])))
        drawn[pool] = sorted(r["id"] for r in rows[: DISTRACTOR_COUNTS[pool]])
    return drawn


def load_distractors() -> dict[str, list[str]]:
    """Return the frozen distractor ids per pool."""
    return {k: list(v) for k, v in json.loads(DISTRACTORS.read_text(encoding="utf-8")).items()}


def pool_articles(ids_by_pool: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Return the pool articles with these ids, by id."""
    found: dict[str, dict[str, Any]] = {}
    for pool, ids in ids_by_pool.items():
        wanted = set(ids)
        for row in read_jsonl(POOLS[pool]):
            if row["id"] in wanted:
                found[row["id"]] = {**row, "pool": pool}
    missing = {i for ids in ids_by_pool.values() for i in ids} - set(found)
    if missing:
        raise SystemExit(f"distractors missing from ../shared: {sorted(missing)[:3]} ...")
    return found
