"""Duplicate detection state: which earlier article, if any, has the same text."""

from __future__ import annotations

from collections import OrderedDict


class DuplicateIndex:
    """A bounded window of recent articles, looked up by content hash."""

    def __init__(self, window: int = 50_000) -> None:
        self._window = window
        self._by_hash: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_hash)

    def check_and_add(self, article_id: str, content_hash: str, text: str) -> str | None:
        """Return the id of the first article with this content, or None (and remember this one)."""
        del text  # near-duplicate matching on the text lands with the cleaning issue
        first = self._by_hash.get(content_hash)
        if first is not None and first != article_id:
            self._by_hash.move_to_end(content_hash)
            return first
        self._by_hash[content_hash] = article_id
        if len(self._by_hash) > self._window:
            self._by_hash.popitem(last=False)
        return None
