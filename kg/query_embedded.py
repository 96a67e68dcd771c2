"""The canned queries on the embedded store: indexed SQL plus a little Python per query.

One function per ``cypher/NAME.cypher`` file, registered under the same name; each returns
the rows the Cypher returns on Neo4j (same columns in the same order, same values, same
ORDER BY and LIMIT), so ``kg query`` answers the same on both stores. Everything goes
through the store's indexes: no query loads the whole graph.

Shared conventions of the Cypher files mirrored here:

* an entity named by the user matches on ``id = $name`` or, case-insensitively
  (``toLower``), on its name or one of its aliases (``match_entities``);
* strings sort by code point, ties broken by name then id;
* the full-text search uses Lucene's standard tokenizer rules (``lucene_tokens``).
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterable, Iterator

from kg.errors import QueryError
from kg.ids import compact_key
from kg.schema import ENTITY_TYPES

Row = dict[str, Any]
Impl = Callable[[Any, dict[str, Any]], list[Row]]
IMPLEMENTATIONS: dict[str, Impl] = {}

_ENTITY_PREFIXES = tuple(t.lower() + ":" for t in ENTITY_TYPES)


def implements(name: str) -> Callable[[Impl], Impl]:
    def deco(fn: Impl) -> Impl:
        IMPLEMENTATIONS[name] = fn
        return fn

    return deco


def run_embedded(store: Any, name: str, params: dict[str, Any]) -> list[Row]:
    """Rows of canned query ``name`` on an ``EmbeddedStore``."""
    import sqlite3

    from kg.errors import StoreError

    fn = IMPLEMENTATIONS.get(name)
    if fn is None:
        raise QueryError(f"query {name} has no implementation for the embedded store (use --neo4j)")
    try:
        return fn(store, params)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{getattr(store, 'path', 'store')}: query {name} failed ({exc})") from None


# -- shared helpers -------------------------------------------------------------------------
class Ent(dict):
    """An entity row: id, name, type, aliases (list), paper_count."""


def _ent(r: tuple) -> Ent:
    return Ent(id=r[0], name=r[1], type=r[2], aliases=json.loads(r[3]), paper_count=r[4])


_ENT_SQL = "SELECT id, name, type, aliases, paper_count FROM entities"


def entities_by_id(store: Any, ids: Iterable[str]) -> dict[str, Ent]:
    want = sorted(set(ids))
    out: dict[str, Ent] = {}
    for i in range(0, len(want), 500):
        chunk = want[i:i + 500]
        for r in store.sql(_ENT_SQL + f" WHERE id IN ({','.join('?' * len(chunk))})", chunk):
            out[r[0]] = _ent(r)
    return out


def match_entities(store: Any, text: str, types: Iterable[str] | None = None) -> list[Ent]:
    """Entities with ``id = text`` or whose name or an alias equals ``text`` case-insensitively.

    Mirrors ``WHERE m.id = $name OR toLower(m.name) = toLower($name) OR any(a IN m.aliases
    WHERE toLower(a) = toLower($name))``. Candidates come from the indexed ``entity_forms``
    (every name and alias by its compact key, which equal lower-cased forms share).
    """
    key = compact_key(text)
    if key:
        rows = store.sql(_ENT_SQL + " WHERE id = ? OR id IN (SELECT entity_id FROM entity_forms WHERE form_key = ?)",
                         (text, key))
    else:  # only punctuation: no key to look up, compare every entity
        rows = store.sql(_ENT_SQL)
    low = text.lower()
    wanted = set(types) if types is not None else None
    out = []
    for r in rows:
        e = _ent(r)
        if wanted is not None and e["type"] not in wanted:
            continue
        if e["id"] == text or e["name"].lower() == low or any(a.lower() == low for a in e["aliases"]):
            out.append(e)
    return sorted(out, key=lambda e: e["id"])


_PAPER_SQL = "SELECT id, title, year, url FROM papers"


def papers_by_id(store: Any, ids: Iterable[str]) -> dict[str, Row]:
    """{id: {title, year, url}} of the papers with these ids."""
    want = sorted(set(ids))
    out: dict[str, Row] = {}
    for i in range(0, len(want), 500):
        chunk = want[i:i + 500]
        for pid, title, year, url in store.sql(_PAPER_SQL + f" WHERE id IN ({','.join('?' * len(chunk))})", chunk):
            out[pid] = {"title": title, "year": year, "url": url}
    return out


def _limit(rows: list[Row], params: dict[str, Any]) -> list[Row]:
    return rows[: params["limit"]]


def _marks(n: int) -> str:
    return ",".join("?" * n)


# -- the queries ------------------------------------------------------------------------------
@implements("most_evaluated_benchmarks")
def most_evaluated_benchmarks(store: Any, params: dict[str, Any]) -> list[Row]:
    # one relation per (paper, type, entity); counted per dataset on the covering index
    # relations_entity (entity_id, type, paper_id), not by grouping every EVALUATES_ON row
    rows = store.sql(
        "SELECT id, name, papers FROM (SELECT e.id AS id, e.name AS name, (SELECT COUNT(*) FROM relations r"
        " INDEXED BY relations_entity WHERE r.entity_id = e.id AND r.type = 'EVALUATES_ON') AS papers"
        " FROM entities e WHERE e.type = 'Dataset') WHERE papers > 0 ORDER BY papers DESC, name, id LIMIT ?",
        (params["limit"],))
    return [{"name": n, "papers": c, "id": i} for i, n, c in rows]


@implements("paper_contributions")
def paper_contributions(store: Any, params: dict[str, Any]) -> list[Row]:
    text = params["paper"]
    papers = match_papers(store, text)
    rels = params["relations"]
    if not papers or not rels:
        return []
    rows = store.sql(
        f"SELECT r.paper_id, p.title, p.year, p.url, r.type, e.id, e.name, e.type, r.confidence FROM relations r"
        f" JOIN entities e ON e.id = r.entity_id JOIN papers p ON p.id = r.paper_id"
        f" WHERE r.paper_id IN ({_marks(len(papers))}) AND r.type IN ({_marks(len(rels))})",
        (*papers, *rels))
    out = [{"title": ti, "year": y, "relation": t, "name": n, "type": et, "confidence": c, "url": u,
            "paper_id": p, "id": i} for p, ti, y, u, t, i, n, et, c in rows]
    out.sort(key=lambda r: (r["paper_id"], r["relation"], r["name"], r["id"]))
    return _limit(out, params)


def match_papers(store: Any, text: str) -> list[str]:
    """Ids of the papers with ``id = text`` or a title equal to ``text`` case-insensitively
    (``WHERE p.id = $paper OR toLower(p.title) = toLower($paper)``), sorted."""
    cands = store.sql("SELECT id, title FROM papers WHERE id = ? OR title_key = ?", (text, compact_key(text)))
    low = text.lower()
    return sorted({pid for pid, title in cands if pid == text or title.lower() == low})


@implements("evaluated_on_dataset")
def evaluated_on_dataset(store: Any, params: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for d in match_entities(store, params["name"], ["Dataset"]):
        rows = store.sql(
            "SELECT e.id, e.name, e.type, x.support FROM entity_edges x JOIN entities e ON e.id = x.source"
            " WHERE x.target = ? AND x.type = 'EVALUATED_ON' AND e.type IN ('Model', 'Method')", (d["id"],))
        out += [{"dataset": d["name"], "name": n, "type": t, "papers": s, "dataset_id": d["id"], "id": i}
                for i, n, t, s in rows]
    out.sort(key=lambda r: (r["dataset_id"], -r["papers"], r["name"], r["id"]))
    return _limit(out, params)


def _walk(store: Any, root: str, forward: bool, max_depth: int, edge_type: str = "BUILDS_ON") -> dict[str, int]:
    """Breadth-first over entity -> entity edges: {entity id: depth}, the root left out."""
    col, other = ("source", "target") if forward else ("target", "source")
    depth = {root: 0}
    frontier = [root]
    for d in range(1, max_depth + 1):
        nxt: list[str] = []
        for i in range(0, len(frontier), 500):
            chunk = frontier[i:i + 500]
            for (x,) in store.sql(f"SELECT {other} FROM entity_edges WHERE {col} IN ({_marks(len(chunk))})"
                                  f" AND type = ?", (*chunk, edge_type)):
                if x not in depth:
                    depth[x] = d
                    nxt.append(x)
        if not nxt:
            break
        frontier = sorted(nxt)
    del depth[root]
    return depth


def _lineage(store: Any, params: dict[str, Any], forward: bool) -> list[Row]:
    out: list[Row] = []
    for m in match_entities(store, params["name"]):
        depth = _walk(store, m["id"], forward, params["max_depth"])
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
    return _limit(out, params)


@implements("model_lineage")
def model_lineage(store: Any, params: dict[str, Any]) -> list[Row]:
    return _lineage(store, params, forward=False)


@implements("model_ancestors")
def model_ancestors(store: Any, params: dict[str, Any]) -> list[Row]:
    return _lineage(store, params, forward=True)


@implements("benchmarks_evaluated_together")
def benchmarks_evaluated_together(store: Any, params: dict[str, Any]) -> list[Row]:
    # a self-join on the relations' key (paper_id, type, entity_id): a seek per row, not a
    # nested scan of a CTE (59 s -> 0.25 s on 100k papers)
    rows = store.sql(
        "SELECT a.entity_id, ea.name, b.entity_id, eb.name, COUNT(*) AS papers"
        " FROM relations a JOIN relations b"
        "   ON b.paper_id = a.paper_id AND b.type = 'EVALUATES_ON' AND b.entity_id > a.entity_id"
        " JOIN entities ea ON ea.id = a.entity_id JOIN entities eb ON eb.id = b.entity_id"
        " WHERE a.type = 'EVALUATES_ON' AND ea.type = 'Dataset' AND eb.type = 'Dataset'"
        " GROUP BY a.entity_id, b.entity_id ORDER BY papers DESC, a.entity_id, b.entity_id LIMIT ?",
        (params["limit"],))
    return [{"benchmark_a": na, "benchmark_b": nb, "papers": c, "benchmark_a_id": a, "benchmark_b_id": b}
            for a, na, b, nb, c in rows]


@implements("long_tail_datasets")
def long_tail_datasets(store: Any, params: dict[str, Any]) -> list[Row]:
    # paper_count = 1: one paper per dataset, so one row per dataset; cut before joining
    rows = store.sql(
        "SELECT d.id, d.name, r.paper_id, r.type FROM (SELECT id, name FROM entities"
        "   WHERE type = 'Dataset' AND paper_count = 1 ORDER BY name, id LIMIT ?) d"
        " JOIN relations r ON r.entity_id = d.id", (params["limit"],))
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for i, n, p, t in rows:
        grouped.setdefault((i, n, p), []).append(t)
    papers = papers_by_id(store, (p for _, _, p in grouped))
    out = [{"name": n, "relations": sorted(ts), **papers[p], "id": i, "paper_id": p}
           for (i, n, p), ts in grouped.items() if p in papers]
    out.sort(key=lambda r: (r["name"], r["id"]))
    return _limit(out, params)


@implements("most_built_upon_models")
def most_built_upon_models(store: Any, params: dict[str, Any]) -> list[Row]:
    rows = store.sql(
        "SELECT t.id, t.name, t.papers, (SELECT COUNT(*) FROM entity_edges x JOIN entities s ON s.id = x.source"
        "   WHERE x.target = t.id AND x.type = 'BUILDS_ON') AS successors"
        " FROM (SELECT e.id AS id, e.name AS name, COUNT(*) AS papers"
        "   FROM entities e JOIN relations r ON r.entity_id = e.id AND r.type = 'BUILDS_ON'"
        "   WHERE e.type = 'Model' GROUP BY e.id ORDER BY papers DESC, e.name, e.id LIMIT ?) t"
        " ORDER BY t.papers DESC, t.name, t.id", (params["limit"],))
    return [{"name": n, "papers": c, "successors": s, "id": i} for i, n, c, s in rows]


@implements("proposed_and_evaluated_datasets")
def proposed_and_evaluated_datasets(store: Any, params: dict[str, Any]) -> list[Row]:
    rows = store.sql(
        "SELECT r.paper_id, p.title, p.year, p.url, e.id, e.name FROM entities e"
        " JOIN relations r ON r.entity_id = e.id AND r.type = 'PROPOSES'"
        " JOIN relations v ON v.paper_id = r.paper_id AND v.type = 'EVALUATES_ON' AND v.entity_id = e.id"
        " JOIN papers p ON p.id = r.paper_id"
        " WHERE e.type = 'Dataset' ORDER BY r.paper_id, e.id LIMIT ?", (params["limit"],))
    return [{"title": t, "year": y, "name": n, "url": u, "paper_id": p, "id": i} for p, t, y, u, i, n in rows]


# Lucene's StandardTokenizer (Unicode word breaks, UAX #29) for the text an ML name is made of:
# runs of letters, digits and "_"; letters joined across ' . : · ’ (e.g., don't, U.S.A, a:b);
# digits joined across . , ; ' ’ (3.5, 1,000). Lower-cased like the standard analyzer.
_TOKEN = re.compile(r"\w+(?:(?:(?<=[^\W\d_])['.:\u00b7\u2019](?=[^\W\d_])|(?<=\d)[.,;'\u2019](?=\d))\w+)*")


def lucene_tokens(text: str) -> list[str]:
    """The tokens the ``standard-no-stop-words`` analyzer makes of ``text`` (ideographs aside)."""
    return [t for t in (m.group(0).lower() for m in _TOKEN.finditer(text)) if any(c.isalnum() for c in t)]


def _has_phrase(tokens: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(tokens[i:i + n] == phrase for i in range(len(tokens) - n + 1))


def phrase_match(entity: Ent, phrase: list[str]) -> bool:
    """Does the Lucene phrase query match the name field or the aliases field (one field, values in order)?"""
    if _has_phrase(lucene_tokens(entity["name"]), phrase):
        return True
    alias_tokens = [t for a in entity["aliases"] for t in lucene_tokens(a)]
    return _has_phrase(alias_tokens, phrase)


@implements("entity_search")
def entity_search(store: Any, params: dict[str, Any]) -> list[Row]:
    phrase = lucene_tokens(params["text"])
    if not phrase:
        return []
    longest = max(phrase, key=len)
    if longest.isascii():  # narrow down in SQL (LIKE folds ASCII case), decide in Python
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", longest) + "%"
        rows = store.sql(_ENT_SQL + " WHERE name LIKE ? ESCAPE '\\' OR aliases LIKE ? ESCAPE '\\'",
                         (pattern, pattern))
    else:
        rows = store.sql(_ENT_SQL)
    out = [{"name": e["name"], "type": e["type"], "papers": e["paper_count"], "aliases": e["aliases"], "id": e["id"]}
           for e in map(_ent, rows) if phrase_match(e, phrase)]
    out.sort(key=lambda r: (-r["papers"], r["name"], r["id"]))
    return _limit(out, params)


@implements("entity_evidence")
def entity_evidence(store: Any, params: dict[str, Any]) -> list[Row]:
    rels = params["relations"]
    out: list[Row] = []
    if not rels:
        return out
    for m in match_entities(store, params["name"]):
        rows = store.sql(
            f"SELECT r.type, r.paper_id, p.title, p.year, p.url, r.mention, r.evidence_sentence, r.confidence"
            f" FROM relations r JOIN papers p ON p.id = r.paper_id"
            f" WHERE r.entity_id = ? AND r.type IN ({_marks(len(rels))})"
            f" ORDER BY r.type, r.confidence DESC, r.paper_id LIMIT ?", (m["id"], *rels, params["limit"]))
        out += [{"entity": m["name"], "relation": t, "title": ti, "year": y, "mention": mn, "sentence": s,
                 "confidence": c, "url": u, "entity_id": m["id"], "paper_id": p}
                for t, p, ti, y, u, mn, s, c in rows]
    out.sort(key=lambda r: (r["entity_id"], r["relation"], -r["confidence"], r["paper_id"]))
    return _limit(out, params)


#: derived entity edge -> the paper relation to its target that supports it
_SUPPORTING = {"BUILDS_ON": "BUILDS_ON", "EVALUATED_ON": "EVALUATES_ON"}


@implements("relation_evidence")
def relation_evidence(store: Any, params: dict[str, Any]) -> list[Row]:
    sources = match_entities(store, params["source"])
    targets = {t["id"]: t for t in match_entities(store, params["target"])}
    out: list[Row] = []
    for s in sources:
        for t, etype, papers in store.sql(
                "SELECT target, type, papers FROM entity_edges WHERE source = ? AND type IN ('BUILDS_ON', 'EVALUATED_ON')",
                (s["id"],)):
            if t not in targets:
                continue
            for pid in json.loads(papers):
                src = store.sql("SELECT evidence_sentence FROM relations WHERE paper_id = ? AND type = 'PROPOSES'"
                                " AND entity_id = ?", (pid, s["id"]))
                tgt = store.sql("SELECT evidence_sentence FROM relations WHERE paper_id = ? AND type = ?"
                                " AND entity_id = ?", (pid, _SUPPORTING[etype], t))
                paper = papers_by_id(store, [pid]).get(pid)
                if paper is None:
                    continue
                out += [{"relation": etype, "source": s["name"], "target": targets[t]["name"],
                         "title": paper["title"], "year": paper["year"], "source_sentence": a, "target_sentence": b,
                         "url": paper["url"], "source_id": s["id"], "target_id": t, "paper_id": pid}
                        for (a,) in src for (b,) in tgt]
    out.sort(key=lambda r: (r["relation"], r["source_id"], r["target_id"], r["paper_id"]))
    return _limit(out, params)


# -- shortest paths: bidirectional breadth-first search over papers and entities -------------
Step = tuple[str, str, bool]  # (neighbour, relationship type, relationship points from here to it)


def _neighbours(store: Any, node: str) -> list[Step]:
    if node.startswith(_ENTITY_PREFIXES):
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
    sides = [({a: 0}, {a: []}, [a]), ({b: 0}, {b: []}, [b])]  # (depth, parents, frontier) from a, from b
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


@implements("shortest_path")
def shortest_path(store: Any, params: dict[str, Any]) -> list[Row]:
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
    out = _limit(out, params)
    names = display_names(store, {n for r in out for n in r["path_ids"]})
    return [{**r, "path": [names.get(n, n) for n in r["path_ids"]]} for r in out]


def display_names(store: Any, ids: Iterable[str]) -> dict[str, str]:
    """{id: entity name or paper title} (``coalesce(n.name, n.title, n.id)``)."""
    ids = sorted(set(ids))
    out = {i: e["name"] for i, e in entities_by_id(store, ids).items()}
    out.update({i: p["title"] for i, p in papers_by_id(store, ids).items()})
    return out


@implements("entities_by_type")
def entities_by_type(store: Any, params: dict[str, Any]) -> list[Row]:
    rows = store.sql("SELECT id, name, paper_count, aliases FROM entities WHERE type = ?"
                     " ORDER BY paper_count DESC, name, id LIMIT ?", (params["type"], params["limit"]))
    return [{"name": n, "papers": c, "aliases": json.loads(a), "id": i} for i, n, c, a in rows]


@implements("compared_with")
def compared_with(store: Any, params: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for m in match_entities(store, params["name"]):
        rows = store.sql(
            "SELECT e.id, e.name, e.type, COUNT(DISTINCT r1.paper_id) FROM relations r1"
            " JOIN relations r2 ON r2.paper_id = r1.paper_id AND r2.type IN ('PROPOSES', 'COMPARES_WITH')"
            " JOIN entities e ON e.id = r2.entity_id"
            " WHERE r1.entity_id = ? AND r1.type IN ('PROPOSES', 'COMPARES_WITH') AND r2.entity_id <> r1.entity_id"
            "   AND (r1.type = 'COMPARES_WITH' OR r2.type = 'COMPARES_WITH')"
            " GROUP BY e.id", (m["id"],))
        out += [{"entity": m["name"], "name": n, "type": t, "papers": c, "entity_id": m["id"], "id": i}
                for i, n, t, c in rows]
    out.sort(key=lambda r: (r["entity_id"], -r["papers"], r["name"], r["id"]))
    return _limit(out, params)


@implements("task_benchmarks")
def task_benchmarks(store: Any, params: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for t in match_entities(store, params["name"], ["Task"]):
        rows = store.sql(
            "SELECT e.id, e.name, COUNT(DISTINCT a.paper_id) FROM relations a"
            " JOIN relations v ON v.paper_id = a.paper_id AND v.type = 'EVALUATES_ON'"
            " JOIN entities e ON e.id = v.entity_id AND e.type = 'Dataset'"
            " WHERE a.entity_id = ? AND a.type = 'ADDRESSES' GROUP BY e.id", (t["id"],))
        out += [{"task": t["name"], "name": n, "papers": c, "task_id": t["id"], "id": i} for i, n, c in rows]
    out.sort(key=lambda r: (r["task_id"], -r["papers"], r["name"], r["id"]))
    return _limit(out, params)


@implements("entity_variants")
def entity_variants(store: Any, params: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for m in match_entities(store, params["name"]):
        rows = store.sql(
            "SELECT e.id, e.name, e.type, x.support FROM entity_edges x JOIN entities e ON e.id = x.source"
            " WHERE x.target = ? AND x.type = 'VARIANT_OF'", (m["id"],))
        out += [{"entity": m["name"], "name": n, "type": t, "papers": c, "entity_id": m["id"], "id": i}
                for i, n, t, c in rows]
    out.sort(key=lambda r: (r["entity_id"], -r["papers"], r["name"], r["id"]))
    return _limit(out, params)


@implements("neighbourhood")
def neighbourhood(store: Any, params: dict[str, Any]) -> list[Row]:
    rels = params["relations"]
    if not rels:
        return []
    marks = _marks(len(rels))
    found: list[tuple[str, str]] = [(e["id"], e["name"]) for e in match_entities(store, params["name"])]
    found += [(p, papers_by_id(store, [p])[p]["title"]) for p in match_papers(store, params["name"])]
    # (node id, node, relation, direction, neighbour id, confidence, support)
    links: list[tuple[str, str, str, str, str, float, int | None]] = []
    for nid, node in found:
        if nid.startswith(_ENTITY_PREFIXES):
            links += [(nid, node, t, "in", p, c, None) for p, t, c in store.sql(
                f"SELECT paper_id, type, confidence FROM relations WHERE entity_id = ? AND type IN ({marks})",
                (nid, *rels))]
            links += [(nid, node, t, "out", x, c, s) for x, t, c, s in store.sql(
                f"SELECT target, type, confidence, support FROM entity_edges WHERE source = ? AND type IN ({marks})",
                (nid, *rels))]
            links += [(nid, node, t, "in", x, c, s) for x, t, c, s in store.sql(
                f"SELECT source, type, confidence, support FROM entity_edges WHERE target = ? AND type IN ({marks})",
                (nid, *rels))]
        else:
            links += [(nid, node, t, "out", e, c, None) for e, t, c in store.sql(
                f"SELECT entity_id, type, confidence FROM relations WHERE paper_id = ? AND type IN ({marks})",
                (nid, *rels))]
    links.sort(key=lambda x: (x[0], x[2], x[3], -x[5], x[4]))
    links = links[:params["limit"]]
    ents = entities_by_id(store, (x[4] for x in links))
    papers = papers_by_id(store, (x[4] for x in links))
    out: list[Row] = []
    for nid, node, t, direction, mid, conf, support in links:
        e, p = ents.get(mid), papers.get(mid)
        out.append({"node": node, "relation": t, "direction": direction,
                    "neighbour": e["name"] if e else p["title"] if p else mid,
                    "kind": e["type"] if e else "Paper" if p else None, "year": p["year"] if p else None,
                    "confidence": conf, "support": support, "node_id": nid, "id": mid})
    return out
