"""What the embedded implementations of the canned queries share.

The conventions of the Cypher files, mirrored here:

* an entity named by the user matches on ``id = $name`` or, case-insensitively (``toLower``),
  on its name or one of its aliases: the fragment ``cypher/include/entity_named.cypher``,
  here ``match_entities``;
* a paper named by the user matches on ``id = $paper`` or its title case-insensitively:
  ``cypher/include/paper_named.cypher``, here ``match_papers``;
* strings sort by code point, ties broken by name then id.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from kg.batch import chunked
from kg.ids import compact_key
from kg.schema import ENTITY_TYPES

Row = dict[str, Any]

#: an entity id starts with its type (``model:bert``); anything else is a paper id
ENTITY_PREFIXES = tuple(t.lower() + ":" for t in ENTITY_TYPES)


class Ent(dict):
    """An entity row: id, name, type, aliases (list), paper_count."""


def ent(r: tuple) -> Ent:
    return Ent(id=r[0], name=r[1], type=r[2], aliases=json.loads(r[3]), paper_count=r[4])


ENT_SQL = "SELECT id, name, type, aliases, paper_count FROM entities"
_PAPER_SQL = "SELECT id, title, year, url FROM papers"


def marks(n: int) -> str:
    """``?,?,...``: ``n`` SQL placeholders."""
    return ",".join("?" * n)


def limit(rows: list[Row], params: dict[str, Any]) -> list[Row]:
    return rows[: params["limit"]]


def entities_by_id(store: Any, ids: Iterable[str]) -> dict[str, Ent]:
    out: dict[str, Ent] = {}
    for chunk in chunked(sorted(set(ids)), 500):
        for r in store.sql(ENT_SQL + f" WHERE id IN ({marks(len(chunk))})", chunk):
            out[r[0]] = ent(r)
    return out


def papers_by_id(store: Any, ids: Iterable[str]) -> dict[str, Row]:
    """{id: {title, year, url}} of the papers with these ids."""
    out: dict[str, Row] = {}
    for chunk in chunked(sorted(set(ids)), 500):
        for pid, title, year, url in store.sql(_PAPER_SQL + f" WHERE id IN ({marks(len(chunk))})", chunk):
            out[pid] = {"title": title, "year": year, "url": url}
    return out


def match_entities(store: Any, text: str, types: Iterable[str] | None = None) -> list[Ent]:
    """Entities with ``id = text`` or whose name or an alias equals ``text`` case-insensitively
    (``kg.entity_named``), of ``types`` when given, by id.

    Candidates come from the indexed ``entity_forms`` (every name and alias by its compact
    key, which equal lower-cased forms share).
    """
    key = compact_key(text)
    if key:
        rows = store.sql(ENT_SQL + " WHERE id = ? OR id IN (SELECT entity_id FROM entity_forms WHERE form_key = ?)",
                         (text, key))
    else:  # only punctuation: no key to look up, compare every entity
        rows = store.sql(ENT_SQL)
    low = text.lower()
    wanted = set(types) if types is not None else None
    out = []
    for r in rows:
        e = ent(r)
        if wanted is not None and e["type"] not in wanted:
            continue
        if e["id"] == text or e["name"].lower() == low or any(a.lower() == low for a in e["aliases"]):
            out.append(e)
    return sorted(out, key=lambda e: e["id"])


def neighbours_of_named(store: Any, params: dict[str, Any], sql: str, column: str,
                        types: Iterable[str] | None = None) -> list[Row]:
    """For each entity the query's ``name`` names (of ``types``): the ``(id, name, type, papers)``
    rows ``sql`` gives for its id, as rows that name it in ``column`` and ``column_id``; sorted by
    that entity, most papers first, then name and id; ``limit`` applied."""
    out: list[Row] = []
    for m in match_entities(store, params["name"], types):
        out += [{column: m["name"], "name": n, "type": t, "papers": c, f"{column}_id": m["id"], "id": i}
                for i, n, t, c in store.sql(sql, (m["id"],))]
    out.sort(key=lambda r: (r[f"{column}_id"], -r["papers"], r["name"], r["id"]))
    return limit(out, params)


def match_papers(store: Any, text: str) -> list[str]:
    """Ids of the papers with ``id = text`` or a title equal to ``text`` case-insensitively
    (``kg.paper_named``), sorted."""
    cands = store.sql("SELECT id, title FROM papers WHERE id = ? OR title_key = ?", (text, compact_key(text)))
    low = text.lower()
    return sorted({pid for pid, title in cands if pid == text or title.lower() == low})


def display_names(store: Any, ids: Iterable[str]) -> dict[str, str]:
    """{id: entity name or paper title} (``coalesce(n.name, n.title, n.id)``)."""
    ids = sorted(set(ids))
    out = {i: e["name"] for i, e in entities_by_id(store, ids).items()}
    out.update({i: p["title"] for i, p in papers_by_id(store, ids).items()})
    return out


def walk(store: Any, root: str, forward: bool, max_depth: int, edge_type: str = "BUILDS_ON") -> dict[str, int]:
    """Breadth-first over entity -> entity edges: {entity id: depth}, the root left out."""
    col, other = ("source", "target") if forward else ("target", "source")
    depth = {root: 0}
    frontier = [root]
    for d in range(1, max_depth + 1):
        nxt: list[str] = []
        for chunk in chunked(frontier, 500):
            for (x,) in store.sql(f"SELECT {other} FROM entity_edges WHERE {col} IN ({marks(len(chunk))})"
                                  f" AND type = ?", (*chunk, edge_type)):
                if x not in depth:
                    depth[x] = d
                    nxt.append(x)
        if not nxt:
            break
        frontier = sorted(nxt)
    del depth[root]
    return depth


def lineage(store: Any, params: dict[str, Any], forward: bool) -> list[Row]:
    """The rows of ``model_ancestors`` (``forward``: what the entity builds on) and
    ``model_lineage`` (what builds on it)."""
    out: list[Row] = []
    for m in match_entities(store, params["name"]):
        depth = walk(store, m["id"], forward, params["max_depth"])
        # rows sort by depth first: only the shallowest levels that fill the limit need names
        keep, n = 0, 0
        for d in sorted(set(depth.values())):
            keep, n = d, n + sum(1 for v in depth.values() if v == d)
            if n >= params["limit"]:
                break
        ents = entities_by_id(store, [i for i, d in depth.items() if d <= keep])
        out += [{"root": m["name"], "name": e["name"], "type": e["type"], "depth": depth[e["id"]],
                 "root_id": m["id"], "id": e["id"]} for e in ents.values()]
    out.sort(key=lambda r: (r["root_id"], r["depth"], r["name"], r["id"]))
    return limit(out, params)
