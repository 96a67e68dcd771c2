"""paper_contributions on the embedded store; the Cypher is ``cypher/paper_contributions.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row, limit, marks, match_papers

COLUMNS = ("title", "year", "relation", "name", "type", "confidence", "url", "paper_id", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    text = params["paper"]
    papers = match_papers(store, text)
    rels = params["relations"]
    if not papers or not rels:
        return []
    rows = store.sql(
        f"SELECT r.paper_id, p.title, p.year, p.url, r.type, e.id, e.name, e.type, r.confidence FROM relations r"
        f" JOIN entities e ON e.id = r.entity_id JOIN papers p ON p.id = r.paper_id"
        f" WHERE r.paper_id IN ({marks(len(papers))}) AND r.type IN ({marks(len(rels))})",
        (*papers, *rels))
    out = [{"title": ti, "year": y, "relation": t, "name": n, "type": et, "confidence": c, "url": u,
            "paper_id": p, "id": i} for p, ti, y, u, t, i, n, et, c in rows]
    out.sort(key=lambda r: (r["paper_id"], r["relation"], r["name"], r["id"]))
    return limit(out, params)
