"""entity_variants on the embedded store; the Cypher is ``cypher/entity_variants.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row, limit, match_entities

COLUMNS = ("entity", "name", "type", "papers", "entity_id", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for m in match_entities(store, params["name"]):
        rows = store.sql(
            "SELECT e.id, e.name, e.type, x.support FROM entity_edges x JOIN entities e ON e.id = x.source"
            " WHERE x.target = ? AND x.type = 'VARIANT_OF'", (m["id"],))
        out += [{"entity": m["name"], "name": n, "type": t, "papers": c, "entity_id": m["id"], "id": i}
                for i, n, t, c in rows]
    out.sort(key=lambda r: (r["entity_id"], -r["papers"], r["name"], r["id"]))
    return limit(out, params)
