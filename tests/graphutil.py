"""The one way tests read a whole graph: every node and edge as plain data, in the store's
order, from any store (or the path of an embedded store, opened read-only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def graph(store: Any, drop: tuple[str, ...] = ()) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(nodes, edges) of ``store``; ``drop``: node properties left out (``("source",)``: where
    papers were read from, which differs between equal graphs loaded from different files)."""
    if isinstance(store, (str, Path)):
        from kg.store.embedded import EmbeddedStore

        with EmbeddedStore(store, readonly=True) as s:
            return graph(s, drop)
    nodes = [{k: v for k, v in n.items() if k not in drop} for n in store.iter_nodes()]
    return nodes, list(store.iter_edges())
