"""task_benchmarks on the embedded store; the Cypher is ``cypher/task_benchmarks.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row, limit, match_entities

COLUMNS = ("task", "name", "papers", "task_id", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    out: list[Row] = []
    for t in match_entities(store, params["name"], ["Task"]):
        rows = store.sql(
            "SELECT e.id, e.name, COUNT(DISTINCT a.paper_id) FROM relations a"
            " JOIN relations v ON v.paper_id = a.paper_id AND v.type = 'EVALUATES_ON'"
            " JOIN entities e ON e.id = v.entity_id AND e.type = 'Dataset'"
            " WHERE a.entity_id = ? AND a.type = 'ADDRESSES' GROUP BY e.id", (t["id"],))
        out += [{"task": t["name"], "name": n, "papers": c, "task_id": t["id"], "id": i} for i, n, c in rows]
    out.sort(key=lambda r: (r["task_id"], -r["papers"], r["name"], r["id"]))
    return limit(out, params)
