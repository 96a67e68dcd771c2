"""Subgraph selection: the neighbourhood of one node, filtered, ranked and capped.

Works only through the ``GraphStore`` reading API (``find_nodes``, ``get_nodes``,
``edges_of``, ``node_names``), level by level, so the whole graph is never loaded.

Ranking (deterministic): the centre first; then nearer nodes before farther ones; within a
level, nodes with the most support on their links to the nodes already kept (an
entity -> entity edge counts its ``support``, any other edge 1), then the highest link
confidence, then the most papers (``paper_count``), then id.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Sequence

from kg.errors import NotFound
from kg.schema import PAPER_LABEL
from kg.store.base import EdgeDict, GraphStore, NodeDict

DEFAULT_LIMIT = 300
MAX_DEPTH = 5
#: nodes fetched per ``get_nodes`` call while ranking candidates
FETCH_CHUNK = 1000


@dataclass
class Subgraph:
    """A selected piece of the graph, ready for a writer or the HTML view."""

    nodes: list[NodeDict]
    edges: list[EdgeDict]
    center: str
    #: nodes found within the filters but left out by the limit
    omitted: int = 0
    #: False when nodes beyond dropped ones were not searched, so ``omitted`` is a lower bound
    omitted_exact: bool = True
    depth: int = 1
    limit: int = DEFAULT_LIMIT
    #: other nodes the name matched exactly (the centre is the first match)
    other_matches: list[str] = field(default_factory=list)
    #: per derived edge (source, type, target): a few supporting papers with their sentences
    #: (``derived_evidence``; for the HTML view's tooltips, not written by the exporters)
    evidence: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def center_node(self) -> NodeDict:
        return next(n for n in self.nodes if n["id"] == self.center)


# -- pure helpers ------------------------------------------------------------------------------

def parse_list(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """``"Model, Dataset"`` or ``["Model", "Dataset"]`` -> ``("Model", "Dataset")``; empty -> None."""
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else [p for v in value for p in str(v).split(",")]
    items = tuple(dict.fromkeys(p.strip() for p in parts if p.strip()))
    return items or None


def normalise_types(types: Iterable[str] | None, known: Iterable[str], what: str) -> frozenset[str] | None:
    """Case-insensitive match of user-given type names against ``known``; unknown -> NotFound."""
    if types is None:
        return None
    by_fold = {k.casefold(): k for k in known}
    out = set()
    for t in types:
        if t.casefold() not in by_fold:
            raise NotFound(f"unknown {what} {t!r} (known: {', '.join(sorted(by_fold.values()))})")
        out.add(by_fold[t.casefold()])
    return frozenset(out)


def edge_confidence(edge: EdgeDict) -> float:
    value = edge.get("confidence")
    return 1.0 if value is None else float(value)


def edge_support(edge: EdgeDict) -> int:
    value = edge.get("support")
    return int(value) if value else 1


def edge_passes(edge: EdgeDict, rels: frozenset[str] | None, min_confidence: float) -> bool:
    return (rels is None or edge.get("type") in rels) and edge_confidence(edge) >= min_confidence


def node_passes(node: NodeDict, types: frozenset[str] | None) -> bool:
    return types is None or node.get("label") in types


def rank_key(node: NodeDict, links: Sequence[EdgeDict]) -> tuple:
    """Sort key of a candidate (smaller is better) given its links to the kept nodes."""
    support = sum(edge_support(e) for e in links)
    confidence = max((edge_confidence(e) for e in links), default=0.0)
    return (-support, -confidence, -int(node.get("paper_count") or 0), str(node["id"]))


def pick_center(matches: Sequence[NodeDict], name: str) -> NodeDict:
    """An exact id match first, then the node with the most papers, then the smallest id."""
    for node in matches:
        if node["id"] == name:
            return node
    return min(matches, key=lambda n: (-int(n.get("paper_count") or 0), n.get("label") == PAPER_LABEL, n["id"]))


def closest_names(name: str, names: Iterable[tuple[str, str]], limit: int = 5) -> list[tuple[str, str]]:
    """The (id, display name) pairs most like ``name`` (rapidfuzz WRatio), best first.

    ``names`` gives (id, name) for every name a node is known by, its display name first:
    an alias that matches suggests the node under its display name."""
    from rapidfuzz import fuzz, process

    from kg.ids import suggestion_key

    pairs = list(names)
    if not pairs:
        return []
    display: dict[str, str] = {}
    for node_id, node_name in pairs:
        display.setdefault(node_id, node_name)
    hits = process.extract(name, [n for _, n in pairs], scorer=fuzz.WRatio,
                           processor=suggestion_key, limit=limit * 10)
    best: dict[str, float] = {}
    for _, score, index in hits:
        node_id = pairs[index][0]
        best[node_id] = max(best.get(node_id, 0.0), score)
    ranked = sorted(best, key=lambda i: (-best[i], display[i], i))
    return [(i, display[i]) for i in ranked[:limit]]


def not_found_message(name: str, suggestions: Sequence[tuple[str, str]]) -> str:
    if not suggestions:
        return f"no node named {name!r} (the store is empty?)"
    listed = "; ".join(f"{n!r} ({i})" for i, n in suggestions)
    return f"no node named {name!r}; closest: {listed}"


# -- selection -------------------------------------------------------------------------------

def suggest(store: GraphStore, name: str, limit: int = 5) -> list[tuple[str, str]]:
    """The nodes whose names are closest to ``name`` (``closest_names``), scoring the store's
    indexed candidates (``name_candidates``) when it has them, else every name."""
    candidates = store.name_candidates(name)
    return closest_names(name, store.node_names() if candidates is None else candidates, limit)


def find_center(store: GraphStore, name: str) -> tuple[NodeDict, list[str]]:
    """The node ``name`` names (id, name, alias or paper title), and the other exact matches."""
    matches = store.find_nodes(name, limit=20)
    if not matches:
        raise NotFound(not_found_message(name, suggest(store, name)))
    center = pick_center(matches, name)
    return center, sorted(n["id"] for n in matches if n["id"] != center["id"])


def neighbourhood(store: GraphStore, name: str, depth: int = 1, types: Iterable[str] | None = None,
                  rels: Iterable[str] | None = None, min_confidence: float = 0.0,
                  limit: int = DEFAULT_LIMIT) -> Subgraph:
    """The nodes within ``depth`` links of the node ``name`` names, at most ``limit`` of them.

    ``types`` keeps only nodes with those labels (``Paper`` or entity types; the centre is
    always kept), ``rels`` only edges of those relation types, ``min_confidence`` only edges
    at least that confident. Nodes a filter removes are not walked through.
    """
    from kg.schema import ENTITY_RELATION_TYPES, ENTITY_TYPES, RELATION_TYPES

    if depth < 0 or depth > MAX_DEPTH:
        raise ValueError(f"depth must be between 0 and {MAX_DEPTH}")
    if limit < 1:
        raise ValueError("limit must be at least 1")
    type_set = normalise_types(parse_list(types), (PAPER_LABEL, *ENTITY_TYPES), "node type")
    rel_set = normalise_types(parse_list(rels),
                              tuple(dict.fromkeys((*RELATION_TYPES, *ENTITY_RELATION_TYPES))), "relation type")

    center, others = find_center(store, name)
    kept: dict[str, NodeDict] = {center["id"]: center}
    found: dict[tuple[str, str, str], EdgeDict] = {}
    frontier = [center["id"]]
    considered: set[str] = set()  # every neighbour already ranked (kept, dropped or filtered out)
    omitted = 0
    exact = True
    # a store that ranks in its own engine (the embedded store: SQL ORDER BY ... LIMIT)
    ranking = store.neighbour_ranking() if hasattr(store, "neighbour_ranking") else None  # duck-typed stores too
    if ranking is not None:
        ranking.keep([center["id"]])
    try:
        for level in range(depth):
            if not frontier:
                break
            if ranking is not None:
                best, passed = ranking.rank(frontier, rel_set, min_confidence, type_set, limit - len(kept),
                                            last=level == depth - 1)
                whole = {n["id"]: n for n in store.get_nodes(best)}
                chosen = [whole[nid] for nid in best if nid in whole]
                dropped = passed - len(best)
                ranking.keep(n["id"] for n in chosen)
            else:
                chosen, dropped = _rank_in_python(store, frontier, kept, considered, rel_set, min_confidence,
                                                  type_set, limit - len(kept))
            omitted += dropped
            if dropped and level < depth - 1:
                exact = False  # what lies beyond the dropped nodes was not counted
            for node in chosen:
                kept[node["id"]] = node
            frontier = [n["id"] for n in chosen]
    finally:
        if ranking is not None:
            ranking.close()
    # every edge among the kept nodes (each was a frontier, so each such edge was walked)
    _add_internal(found, (e for e in store.edges_between(kept) if edge_passes(e, rel_set, min_confidence)), kept)

    edges = [found[k] for k in sorted(found)]
    nodes = [kept[center["id"]]] + sorted((n for i, n in kept.items() if i != center["id"]), key=lambda n: n["id"])
    return Subgraph(nodes=nodes, edges=edges, center=center["id"], omitted=omitted, omitted_exact=exact,
                    depth=depth, limit=limit, other_matches=others, evidence=derived_evidence(store, edges))


#: derived entity edge -> the paper relation to its target that supports it (with PROPOSES to its source)
SUPPORTING = {"BUILDS_ON": "BUILDS_ON", "EVALUATED_ON": "EVALUATES_ON"}


def derived_evidence(store: GraphStore, edges: Iterable[EdgeDict], per_edge: int = 3,
                     candidates: int = 20) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """For each derived edge (entity -> entity with supporting ``papers``), up to ``per_edge`` of
    those papers (the most confident first; at most ``candidates`` looked at) with the sentences
    of the two relations behind it: the paper proposes the source and builds on (evaluates on)
    the target. One read of those papers' relations and titles for all edges."""
    derived = [e for e in edges if e.get("papers") and e.get("type") in SUPPORTING]
    if not derived:
        return {}
    keys = {k for e in derived for p in list(e["papers"])[:candidates]
            for k in ((p, "PROPOSES", e["source"]), (p, SUPPORTING[e["type"]], e["target"]))}
    rels = {(r["source"], r["type"], r["target"]): r for r in store.edges_by_keys(keys)}
    picked: dict[tuple[str, str, str], list[tuple[str, list[Any]]]] = {}
    for e in derived:
        items = []
        for p in list(e["papers"])[:candidates]:
            src = rels.get((p, "PROPOSES", e["source"]))
            tgt = rels.get((p, SUPPORTING[e["type"]], e["target"]))
            found = [r for r in (tgt, src) if r is not None]
            if not found:
                continue
            conf = min(edge_confidence(r) for r in found)
            items.append((-conf, p, [r.get("evidence_sentence") for r in found]))
        items.sort(key=lambda x: (x[0], x[1]))
        if items:
            picked[(e["source"], e["type"], e["target"])] = [(p, sentences) for _, p, sentences in items[:per_edge]]
    # only the titles of the papers shown are read
    titles = {n["id"]: n.get("title") for n in store.get_nodes({p for ps in picked.values() for p, _ in ps})}
    return {k: [{"paper": p, "title": titles.get(p), "sentences": sentences} for p, sentences in ps]
            for k, ps in picked.items()}


def _rank_in_python(store: GraphStore, frontier: list[str], kept: dict[str, NodeDict], considered: set[str],
                    rel_set: frozenset[str] | None, min_confidence: float, type_set: frozenset[str] | None,
                    room: int) -> tuple[list[NodeDict], int]:
    """One level's chosen nodes and how many others passed, ranked here (``rank_key``) on
    edge briefs (no evidence text: the edges kept are read whole at the end)."""
    level_edges = [e for e in store.edge_briefs(frontier) if edge_passes(e, rel_set, min_confidence)]
    links: dict[str, list[EdgeDict]] = {}
    for edge in level_edges:
        for end in (edge["source"], edge["target"]):
            if end not in kept and end not in considered:
                links.setdefault(end, []).append(edge)
    considered.update(links)
    return best_candidates(store, links, type_set, room)


def best_candidates(store: GraphStore, links: dict[str, list[EdgeDict]], types: frozenset[str] | None,
                    room: int, chunk: int | None = None) -> tuple[list[NodeDict], int]:
    """The ``room`` best-ranked candidate nodes passing the type filter, and how many others passed.

    Candidates are ranked on their briefs (``node_briefs``: label and paper count, no text),
    fetched in chunks with only the best ``room`` held; then only the chosen nodes are read
    whole. So a hub with tens of thousands of neighbours costs little memory and time.
    """
    passed = 0
    chunk = chunk or FETCH_CHUNK

    def ranked() -> Iterator[tuple[tuple, str]]:
        nonlocal passed
        ids = sorted(links)
        for start in range(0, len(ids), chunk):
            for node in store.node_briefs(ids[start:start + chunk]):
                if node_passes(node, types):
                    passed += 1
                    yield rank_key(node, links[node["id"]]), node["id"]

    if room <= 0:
        for _ in ranked():
            pass
        return [], passed
    best = [nid for _, nid in heapq.nsmallest(room, ranked(), key=lambda pair: pair[0])]
    whole = {n["id"]: n for n in store.get_nodes(best)}
    return [whole[nid] for nid in best if nid in whole], passed - len(best)


def _add_internal(found: dict[tuple[str, str, str], EdgeDict], edges: Iterable[EdgeDict],
                  kept: dict[str, NodeDict]) -> None:
    """Record the edges with both ends kept, once each."""
    for edge in edges:
        if edge["source"] in kept and edge["target"] in kept:
            found.setdefault((edge["source"], edge["type"], edge["target"]), edge)


def write_subgraph(subgraph: Subgraph, fmt: str, output: str) -> None:
    """Write ``subgraph`` as ``html`` (the offline view), ``json``, ``graphml`` or ``csv`` (a directory)."""
    if fmt == "html":
        from kg.viz import write_html

        write_html(subgraph, output)
        return
    from kg.export import write_graph

    write_graph(fmt, subgraph.nodes, subgraph.edges, output)
