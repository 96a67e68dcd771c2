"""shortest_path on the embedded store: a bidirectional breadth-first search over papers and
entities; the Cypher is ``cypher/shortest_path.cypher``."""

from __future__ import annotations

from typing import Any, Iterator

from kg.queries.common import ENTITY_PREFIXES, Row, display_names, limit, match_entities

COLUMNS = ("hops", "path", "relations", "path_ids")

Step = tuple[str, str, bool]  # (neighbour, relationship type, relationship points from here to it)


def _neighbours(store: Any, node: str) -> list[Step]:
    if node.startswith(ENTITY_PREFIXES):
        out = [(p, t, False) for p, t in store.sql("SELECT paper_id, type FROM relations WHERE entity_id = ?", (node,))]
        out += [(x, t, True) for x, t in store.sql("SELECT target, type FROM entity_edges WHERE source = ?", (node,))]
        out += [(x, t, False) for x, t in store.sql("SELECT source, type FROM entity_edges WHERE target = ?", (node,))]
        return out
    return [(e, t, True) for e, t in store.sql("SELECT entity_id, type FROM relations WHERE paper_id = ?", (node,))]


Path = tuple[list[str], list[str]]  # node ids, relationship labels ("T>" forward, "<T" backward)


def all_shortest_paths(store: Any, a: str, b: str, max_hops: int = 6) -> list[Path]:
    """Every shortest undirected path from ``a`` to ``b`` of at most ``max_hops`` relationships.

    Like Cypher's ``allShortestPaths((a)-[*..max_hops]-(b))``: parallel relationships make
    distinct paths. Both ends are expanded a level at a time (the smaller frontier first);
    the first level where they meet fixes the length.
    """
    if a == b:
        return []
    sides: list[tuple[dict[str, int], dict[str, list[Any]], list[str]]] = [({a: 0}, {a: []}, [a]), ({b: 0}, {b: []}, [b])]  # (depth, parents, frontier) from a, from b
    levels = [0, 0]
    meet: list[str] = []
    while sides[0][2] and sides[1][2] and sum(levels) < max_hops:
        k = 0 if len(sides[0][2]) <= len(sides[1][2]) else 1
        depth, parents, frontier = sides[k]
        levels[k] += 1
        new: list[str] = []
        for n in frontier:
            for x, t, fwd in _neighbours(store, n):
                if x not in depth:
                    depth[x] = levels[k]
                    parents[x] = []
                    new.append(x)
                if depth[x] == levels[k]:
                    parents[x].append((n, t, fwd))
        sides[k] = (depth, parents, new)
        other = sides[1 - k][0]
        meet = [x for x in new if x in other]
        if meet:
            break
    if not meet:
        return []

    def walk(x: str, parents: dict[str, list[Step]]) -> Iterator[tuple[list[str], list[tuple[str, bool]]]]:
        """Paths from the side's start to ``x``: nodes, and (type, points towards x) per step."""
        if not parents[x]:
            yield [x], []
            return
        for n, t, fwd in parents[x]:
            for nodes, steps in walk(n, parents):
                yield nodes + [x], steps + [(t, fwd)]

    out: list[Path] = []
    for m in meet:
        heads = list(walk(m, sides[0][1]))
        tails = list(walk(m, sides[1][1]))
        for hn, hs in heads:
            for tn, ts in tails:
                nodes = hn + tn[::-1][1:]
                labels = [f"{t}>" if fwd else f"<{t}" for t, fwd in hs]
                labels += [f"<{t}" if fwd else f"{t}>" for t, fwd in reversed(ts)]
                out.append((nodes, labels))
    return out


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    sources = match_entities(store, params["source"])
    targets = match_entities(store, params["target"])
    out: list[Row] = []
    for s in sources:
        for t in targets:
            if s["id"] == t["id"]:
                continue
            out += [{"hops": len(labels), "path": nodes, "relations": labels, "path_ids": nodes}
                    for nodes, labels in all_shortest_paths(store, s["id"], t["id"])]
    out.sort(key=lambda r: (r["hops"], r["path_ids"], r["relations"]))
    out = limit(out, params)
    names = display_names(store, {n for r in out for n in r["path_ids"]})
    return [{**r, "path": [names.get(n, n) for n in r["path_ids"]]} for r in out]
