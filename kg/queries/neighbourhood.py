"""neighbourhood on the embedded store; the Cypher is ``cypher/neighbourhood.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import ENTITY_PREFIXES, Row, entities_by_id, marks, match_entities, match_papers, papers_by_id

COLUMNS = ("node", "relation", "direction", "neighbour", "kind", "year", "confidence", "support", "node_id", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    rels = params["relations"]
    if not rels:
        return []
    ph = marks(len(rels))
    found: list[tuple[str, str]] = [(e["id"], e["name"]) for e in match_entities(store, params["name"])]
    found += [(p, papers_by_id(store, [p])[p]["title"]) for p in match_papers(store, params["name"])]
    # (node id, node, relation, direction, neighbour id, confidence, support)
    links: list[tuple[str, str, str, str, str, float, int | None]] = []
    for nid, node in found:
        if nid.startswith(ENTITY_PREFIXES):
            links += [(nid, node, t, "in", p, c, None) for p, t, c in store.sql(
                f"SELECT paper_id, type, confidence FROM relations WHERE entity_id = ? AND type IN ({ph})",
                (nid, *rels))]
            links += [(nid, node, t, "out", x, c, s) for x, t, c, s in store.sql(
                f"SELECT target, type, confidence, support FROM entity_edges WHERE source = ? AND type IN ({ph})",
                (nid, *rels))]
            links += [(nid, node, t, "in", x, c, s) for x, t, c, s in store.sql(
                f"SELECT source, type, confidence, support FROM entity_edges WHERE target = ? AND type IN ({ph})",
                (nid, *rels))]
        else:
            links += [(nid, node, t, "out", e, c, None) for e, t, c in store.sql(
                f"SELECT entity_id, type, confidence FROM relations WHERE paper_id = ? AND type IN ({ph})",
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
