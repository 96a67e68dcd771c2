"""What the SQLite-backed parts of the stores share: one way to turn SQLite and OS errors into
the owner's error (the embedded store's one line naming the store file), and the one query
behind "a title-derived id meets a real id" (the rule itself: ``kg.store.rows``)."""

from __future__ import annotations

import functools
import inspect
import sqlite3
from typing import Any, Callable, Iterator, TypeVar

from kg.batch import chunked

F = TypeVar("F", bound=Callable[..., Any])

#: title ids asked at once (SQLite's limit on parameters is 999 in old builds)
_CHUNK = 500


def guarded(method: F) -> F:
    """``method`` with SQLite and OS errors handed to its object's ``on_error(exc)``, which
    returns the exception to raise; a generator is guarded as it runs, and so is an iterator
    the method returns."""
    if inspect.isgeneratorfunction(method):
        @functools.wraps(method)
        def gen(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from method(self, *args, **kwargs)
            except (sqlite3.Error, OSError) as exc:
                raise self.on_error(exc) from None
        return gen  # type: ignore[return-value]  # same signature as ``method``

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            raise self.on_error(exc) from None
        if isinstance(result, Iterator):
            return _guard_iter(self, result)
        return result
    return call  # type: ignore[return-value]  # same signature as ``method``


def _guard_iter(owner: Any, it: Iterator[Any]) -> Iterator[Any]:
    try:
        yield from it
    except (sqlite3.Error, OSError) as exc:
        raise owner.on_error(exc) from None


def as_is(exc: BaseException) -> BaseException:
    """``on_error`` that raises the error itself."""
    return exc


def held_title_ids(cur: sqlite3.Cursor, table: str, title_ids: list[str]) -> set[str]:
    """Which of these title ids a paper of ``table`` (columns ``paper_id``, ``title_id``) with
    another id (a real one) holds: what ``kg.store.rows.plan_records`` asks the store."""
    out: set[str] = set()
    for chunk in chunked(title_ids, _CHUNK):
        marks = ",".join("?" * len(chunk))
        out.update(r[0] for r in cur.execute(
            f"SELECT DISTINCT title_id FROM {table} WHERE title_id IN ({marks}) AND paper_id<>title_id", chunk))
    return out
