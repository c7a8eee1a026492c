"""A bounded memo: a dict that empties itself when full, counting its use.

One eviction policy for every memo in the project (feature extraction, known-name regexes):
a full memo is emptied and refills with what recurs now, so a drifting stream is not stuck
with old entries and random keys cannot grow memory without limit. In a module of its own
so that any stage can use it without importing another stage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, NamedTuple, TypeVar

K = TypeVar("K")
V = TypeVar("V")
A = TypeVar("A")


class CacheStats(NamedTuple):
    """Counters of one memo since it was created (for /metrics)."""

    lookups: int
    misses: int
    entries: int
    limit: int

    @property
    def hit_rate(self) -> float:
        """Share of lookups answered from the memo (0.0 before the first lookup)."""
        return 1.0 - self.misses / self.lookups if self.lookups else 0.0


class BoundedCache(dict[K, V], Generic[K, V]):
    """A dict that empties itself instead of growing past `limit`, counting its use.

    A dict subclass so the hot path can look keys up in C (`map(cache.get, keys)`); such
    callers add to `lookups`/`misses` themselves.
    """

    __slots__ = ("limit", "lookups", "misses")

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.lookups = 0
        self.misses = 0

    def put(self, key: K, value: V) -> None:
        if len(self) >= self.limit:
            self.clear()
        self[key] = value

    def put_many(self, items: dict[K, V]) -> None:
        if len(self) + len(items) > self.limit:
            self.clear()
        if len(items) <= self.limit:
            self.update(items)

    def call(self, key: K, fn: Callable[[A], V], arg: A) -> V:
        """`fn(arg)`, memoised under `key` (values are never None)."""
        self.lookups += 1
        out = self.get(key)
        if out is None:
            self.misses += 1
            out = fn(arg)
            self.put(key, out)
        return out

    def stats(self) -> CacheStats:
        return CacheStats(self.lookups, self.misses, len(self), self.limit)
