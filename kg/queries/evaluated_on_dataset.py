"""evaluated_on_dataset on the embedded store; the Cypher is ``cypher/evaluated_on_dataset.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row, limit, match_entities

COLUMNS = ("dataset", "name", "type", "papers", "dataset_id", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for d in match_entities(store, params["name"], ["Dataset"]):
        rows = store.sql(
            "SELECT e.id, e.name, e.type, x.support FROM entity_edges x JOIN entities e ON e.id = x.source"
            " WHERE x.target = ? AND x.type = 'EVALUATED_ON' AND e.type IN ('Model', 'Method')", (d["id"],))
        out += [{"dataset": d["name"], "name": n, "type": t, "papers": s, "dataset_id": d["id"], "id": i}
                for i, n, t, s in rows]
    out.sort(key=lambda r: (r["dataset_id"], -r["papers"], r["name"], r["id"]))
    return limit(out, params)
