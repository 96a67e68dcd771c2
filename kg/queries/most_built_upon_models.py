"""most_built_upon_models on the embedded store; the Cypher is ``cypher/most_built_upon_models.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row

COLUMNS = ("name", "papers", "successors", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    rows = store.sql(
        "SELECT t.id, t.name, t.papers, (SELECT COUNT(*) FROM entity_edges x JOIN entities s ON s.id = x.source"
        "   WHERE x.target = t.id AND x.type = 'BUILDS_ON') AS successors"
        " FROM (SELECT e.id AS id, e.name AS name, COUNT(*) AS papers"
        "   FROM entities e JOIN relations r ON r.entity_id = e.id AND r.type = 'BUILDS_ON'"
        "   WHERE e.type = 'Model' GROUP BY e.id ORDER BY papers DESC, e.name, e.id LIMIT ?) t"
        " ORDER BY t.papers DESC, t.name, t.id", (params["limit"],))
    return [{"name": n, "papers": c, "successors": s, "id": i} for i, n, c, s in rows]
