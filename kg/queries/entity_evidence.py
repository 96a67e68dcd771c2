"""entity_evidence on the embedded store; the Cypher is ``cypher/entity_evidence.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row, limit, marks, match_entities

COLUMNS = ("entity", "relation", "title", "year", "mention", "sentence", "confidence", "url", "entity_id", "paper_id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    rels = params["relations"]
    out: list[Row] = []
    if not rels:
        return out
    for m in match_entities(store, params["name"]):
        rows = store.sql(
            f"SELECT r.type, r.paper_id, p.title, p.year, p.url, r.mention, r.evidence_sentence, r.confidence"
            f" FROM relations r JOIN papers p ON p.id = r.paper_id"
            f" WHERE r.entity_id = ? AND r.type IN ({marks(len(rels))})"
            f" ORDER BY r.type, r.confidence DESC, r.paper_id LIMIT ?", (m["id"], *rels, params["limit"]))
        out += [{"entity": m["name"], "relation": t, "title": ti, "year": y, "mention": mn, "sentence": s,
                 "confidence": c, "url": u, "entity_id": m["id"], "paper_id": p}
                for t, p, ti, y, u, mn, s, c in rows]
    out.sort(key=lambda r: (r["entity_id"], r["relation"], -r["confidence"], r["paper_id"]))
    return limit(out, params)
