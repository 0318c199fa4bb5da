"""Duplicate detection state: which earlier article, if any, has the same or nearly the same text.

Exact duplicates match on the normalised content hash. Near duplicates (a syndicated story with
other furniture, a lightly edited copy) match by MinHash LSH over word shingles, confirmed by the
MinHashes' estimated Jaccard similarity. The index is a bounded window: at most `window`
articles, and none last seen more than `max_age_seconds` ago; a duplicate hit refreshes the
first article, so a story that keeps being syndicated stays findable.

Shared (`shared=True`, the worker's mode), the window is one for every worker and survives
restarts: every change the index decides (an article remembered, refreshed, or forgotten) is
kept for `drain_changes()`, which the worker publishes as `DedupeEntry` records (or tombstones)
on a compacted topic; every worker `apply()`s every record of that topic, its own included, and
a restarted worker applies them all before it checks anything (`agents/dedupe_state.py`).

Rules that make answers independent of workers, restarts and replays:
- An article seen again under the same id with the same text (a redelivery, a replay) is never
  its own duplicate: if it was remembered it stays the first copy; if it was a duplicate its
  first is found again, as long as that is still in the window.
- A correction (same id, new text) replaces the article's earlier entry: it is checked against
  the others, never against its own old text.
- Among several earlier matches the one first seen earliest wins (then the smaller id), not the
  one this process happened to hear of first, so every worker picks the same one.
- A duplicate is not remembered itself: it points at the first.

Limits: two copies checked on two workers within the time one worker's entry takes to reach
the other (a produce and a fetch, ~0.1 s) both count as first copies (docs/guarantees.md). The
count cap evicts locally, without tombstones, and age order is approximate across workers'
clocks. Memory: ~4.5 KB per remembered article at 128 permutations (~225 MB for a 50,000
window, measured), in every worker; 64 permutations roughly halve it. A lookup costs ~0.6 ms
(signature) + ~0.05 ms.
"""

from __future__ import annotations

import base64
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

from pipeline.config import PipelineConfig
from schemas import DedupeEntry

_WORD = re.compile(r"\w+")
MIN_SHINGLES = 10
"""Texts with fewer shingles than this are matched exactly only: too short to compare fairly."""


@lru_cache(maxsize=4)
def _seed_minhash(num_perm: int) -> MinHash:
    # Permutations are drawn once per process: drawing them is most of a fresh MinHash's cost.
    return MinHash(num_perm=num_perm)


def shingles(text: str, words: int) -> list[bytes]:
    """Return the distinct word `words`-grams of `text`, case-folded, as UTF-8 bytes."""
    tokens = _WORD.findall(text.casefold())
    grams = {" ".join(tokens[i : i + words]) for i in range(max(1, len(tokens) - words + 1))}
    return [g.encode("utf-8") for g in grams if g]


def minhash_signature(text: str, num_perm: int = 128, shingle_words: int = 5) -> list[int]:
    """Return the MinHash signature of `text` (empty when it is too short to compare)."""
    grams = shingles(text, shingle_words)
    if len(grams) < MIN_SHINGLES:
        return []
    seed = _seed_minhash(num_perm)
    minhash = MinHash(num_perm=num_perm, permutations=seed.permutations, scheme=seed.scheme)
    minhash.update_batch(grams)
    return [int(v) for v in minhash.hashvalues]


REFRESH_FRACTION = 0.1
"""A shared entry's refresh is published when it moved this fraction of the age limit since its
last published time: the window stays right to within 10% without a record per duplicate."""

Change = tuple[str, DedupeEntry | None]
"""One change of a shared window: an article id and its entry, or None to forget it."""


@dataclass
class _Entry:
    content_hash: str
    signature: Any  # np.ndarray of the MinHash values, or None when matched exactly only
    first_seen: float
    seen_at: float
    published_at: float
    """The `seen_at` the state topic holds for it (shared windows refresh it from time to time)."""


def encode_signature(values: Any) -> str | None:
    """Return the state topic's form of MinHash values: base64 of little-endian uint32s."""
    if values is None:
        return None
    return base64.b64encode(np.asarray(values, dtype="<u4").tobytes()).decode("ascii")


def decode_signature(text: str | None, num_perm: int) -> Any:
    """Return the MinHash values of `encode_signature`'s text, or None if absent or of another
    length (an index with other permutations matches such entries exactly only)."""
    if not text:
        return None
    values = np.frombuffer(base64.b64decode(text), dtype="<u4").astype(np.uint32)
    return values if len(values) == num_perm else None


class DuplicateIndex:
    """A bounded window of recent articles, looked up by content hash and by MinHash LSH."""

    def __init__(
        self,
        window: int = 50_000,
        *,
        threshold: float = 0.8,
        num_perm: int = 128,
        shingle_words: int = 5,
        max_age_seconds: float | None = None,
        clock: Callable[[], float] = time.time,
        shared: bool = False,
    ) -> None:
        self._window = window
        self._threshold = threshold
        self._num_perm = num_perm
        self._shingle_words = shingle_words
        self._max_age = max_age_seconds
        self._clock = clock
        self._shared = shared
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._by_hash: dict[str, set[str]] = {}
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm) if threshold < 1 else None
        self._seed = _seed_minhash(num_perm)
        self._changes: dict[str, DedupeEntry | None] = {}

    @classmethod
    def from_config(cls, config: PipelineConfig, *, shared: bool = False) -> DuplicateIndex:
        """Return an empty index with the window and thresholds of `config` (`shared`: it keeps
        its changes for the state topic)."""
        return cls(
            config.dedupe_window,
            threshold=config.dedupe_near_threshold,
            num_perm=config.dedupe_num_perm,
            shingle_words=config.dedupe_shingle_words,
            max_age_seconds=config.dedupe_max_age_seconds,
            shared=shared,
        )

    def __len__(self) -> int:
        return len(self._entries)

    def check_and_add(
        self,
        article_id: str,
        content_hash: str,
        text: str,
        signature: Sequence[int] | None = None,
    ) -> str | None:
        """Return the id of the first article with this (or near-same) text, or None.

        An article that is no duplicate is remembered; a duplicate is not (its first stands for
        it). `signature` is `minhash_signature(text, ...)` when the caller computed it already.
        """
        now = self._clock()
        self._expire(now)
        own = self._entries.get(article_id)
        if own is not None and own.content_hash == content_hash:
            self._touch(article_id, now)
            return None  # seen again (redelivered, replayed): the first copy stays first
        if own is not None:
            self._remove(article_id)  # a correction: its old text no longer stands for it
        first = self._earliest(self._by_hash.get(content_hash, ()))
        values = None
        if first is None:
            values = self._values(text, signature)
            if values is not None:
                first = self._near(values)
        if first is not None:
            self._touch(first, now)
            if own is not None:
                self._record(article_id, None)
            return first
        entry = _Entry(content_hash, values, now, now, now)
        self._add(article_id, entry)
        self._record(article_id, entry)
        return None

    def apply(self, article_id: str, record: DedupeEntry | None) -> bool:
        """Apply one record of the state topic (any worker's, this one's included); return
        True if it was an entry already past the age limit (ignored; nothing holds it)."""
        if record is None:
            if article_id in self._entries:
                self._remove(article_id)
            return False
        now = self._clock()
        current = self._entries.get(article_id)
        if current is not None and current.content_hash == record.content_hash:
            current.first_seen = min(current.first_seen, record.first_seen)
            current.published_at = max(current.published_at, record.seen_at)
            if record.seen_at > current.seen_at:
                current.seen_at = record.seen_at
                self._entries.move_to_end(article_id)
            return False
        if self._max_age is not None and now - record.seen_at > self._max_age:
            return current is None
        if current is not None:
            self._remove(article_id)
        values = decode_signature(record.signature, self._num_perm) if self._lsh else None
        self._add(
            article_id,
            _Entry(record.content_hash, values, record.first_seen, record.seen_at, record.seen_at),
        )
        return False

    def drain_changes(self) -> list[Change]:
        """Return the changes decided since the last call (latest per article), for the state
        topic, and forget them. Always empty unless the index is shared."""
        changes = list(self._changes.items())
        self._changes.clear()
        return changes

    def _record(self, article_id: str, entry: _Entry | None) -> None:
        if not self._shared:
            return
        if entry is None:
            self._changes[article_id] = None
            return
        entry.published_at = entry.seen_at
        self._changes[article_id] = DedupeEntry(
            article_id=article_id,
            content_hash=entry.content_hash,
            signature=encode_signature(entry.signature),
            num_perm=self._num_perm if entry.signature is not None else 0,
            first_seen=entry.first_seen,
            seen_at=entry.seen_at,
        )

    def _values(self, text: str, signature: Sequence[int] | None) -> Any:
        if self._lsh is None:
            return None
        if signature is None:
            signature = minhash_signature(text, self._num_perm, self._shingle_words)
        if len(signature) != self._num_perm:
            return None
        return np.asarray(signature, dtype=np.uint32)

    def _minhash(self, values: Any) -> MinHash:
        return MinHash(
            num_perm=self._num_perm,
            hashvalues=values,
            permutations=self._seed.permutations,
            scheme=self._seed.scheme,
        )

    def _earliest(self, ids: Any) -> str | None:
        """Return the id first seen earliest among `ids` (ties: the smaller id), or None."""
        return min(ids, key=lambda i: (self._entries[i].first_seen, i), default=None)

    def _near(self, values: Any) -> str | None:
        assert self._lsh is not None
        similar = [
            key
            for key in self._lsh.query(self._minhash(values))
            # LSH finds candidates; the estimated Jaccard similarity confirms them.
            if float(np.mean(self._entries[key].signature == values)) >= self._threshold
        ]
        return self._earliest(similar)

    def _touch(self, article_id: str, now: float) -> None:
        entry = self._entries[article_id]
        entry.seen_at = now
        self._entries.move_to_end(article_id)
        if self._max_age is not None and now - entry.published_at >= (
            REFRESH_FRACTION * self._max_age
        ):
            self._record(article_id, entry)

    def _add(self, article_id: str, entry: _Entry) -> None:
        self._entries[article_id] = entry
        self._by_hash.setdefault(entry.content_hash, set()).add(article_id)
        if self._lsh is not None and entry.signature is not None:
            self._lsh.insert(article_id, self._minhash(entry.signature))
        while len(self._entries) > self._window:
            # The count cap is each worker's memory limit: evicted here, not forgotten for all.
            self._remove(next(iter(self._entries)))

    def _remove(self, article_id: str) -> None:
        entry = self._entries.pop(article_id)
        same = self._by_hash.get(entry.content_hash)
        if same is not None:
            same.discard(article_id)
            if not same:
                del self._by_hash[entry.content_hash]
        if self._lsh is not None and entry.signature is not None:
            self._lsh.remove(article_id)

    def _expire(self, now: float) -> None:
        if self._max_age is None:
            return
        while self._entries:
            oldest = next(iter(self._entries))
            if now - self._entries[oldest].seen_at <= self._max_age:
                break
            self._remove(oldest)
            self._record(oldest, None)
