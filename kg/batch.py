"""``chunked``: the one way kg cuts a stream or a list into batches."""

from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of ``size`` items (the last one shorter), in order; nothing for no items.

    A list is sliced; any other iterable is read lazily, one batch at a time."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    if isinstance(items, list):
        for i in range(0, len(items), size):
            yield items[i:i + size]
        return
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk
