"""Hand-made raw facts (as extraction gives them) for the resolution tests."""

from __future__ import annotations

from factsutil import Mention, make_facts
from kg.schema import PaperFacts


def paper(pid: str, *mentions: Mention, title: str | None = None) -> PaperFacts:
    """Raw facts of one paper: each mention's name is found in an abstract made of them."""
    parts = []
    for m in mentions:
        name, aliases = m[2], (m[3] if len(m) > 3 else ())
        parts.append(f"{name} ({aliases[0]})" if aliases else name)
    abstract = "We study " + "; ".join(parts) + "."
    return make_facts(title or f"Paper {pid}", abstract, list(mentions), paper_id=pid, variants=False,
                      in_title=False)


def graph(store) -> tuple[list, list]:
    """A store's whole graph, without where papers were read from."""
    from graphutil import graph as whole

    return whole(store, drop=("source",))


def entities(store) -> dict[str, dict]:
    return {n["id"]: n for n in store.iter_nodes() if n["label"] != "Paper"}


class Killed(BaseException):
    """The process dies here."""


class DyingStore:
    """A store whose process is killed before its ``n``-th state change (a write, or a change
    of its resolution state)."""

    MUTATORS = {"write"}
    STATE_MUTATORS = {"save", "save_deps", "settle", "done"}

    def __init__(self, store, n):
        self._store, self._left = store, n

    def _change(self):
        self._left -= 1
        if self._left < 0:
            raise Killed()

    def _dying(self, target, mutators):
        def get(name):
            attr = getattr(target, name)
            if name not in mutators:
                return attr

            def call(*args, **kwargs):
                self._change()
                return attr(*args, **kwargs)

            return call
        return get

    def __getattr__(self, name):
        return self._dying(self._store, self.MUTATORS)(name)

    def resolution_state(self):
        state = self._store.resolution_state()
        return None if state is None else _DyingState(self._dying(state, self.STATE_MUTATORS))


class _DyingState:
    def __init__(self, get):
        self._get = get

    def __getattr__(self, name):
        return self._get(name)


def ingest_lockstep(store, facts, chunk_size):
    """As ``kg ingest`` does: each chunk written before the next is asked for."""
    from kg.resolve import resolve_chunks

    for chunk in resolve_chunks(facts, store, chunk_size=chunk_size):
        store.write(chunk)
