"""proposed_and_evaluated_datasets on the embedded store; the Cypher is ``cypher/proposed_and_evaluated_datasets.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row

COLUMNS = ("title", "year", "name", "url", "paper_id", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    rows = store.sql(
        "SELECT r.paper_id, p.title, p.year, p.url, e.id, e.name FROM entities e"
        " JOIN relations r ON r.entity_id = e.id AND r.type = 'PROPOSES'"
        " JOIN relations v ON v.paper_id = r.paper_id AND v.type = 'EVALUATES_ON' AND v.entity_id = e.id"
        " JOIN papers p ON p.id = r.paper_id"
        " WHERE e.type = 'Dataset' ORDER BY r.paper_id, e.id LIMIT ?", (params["limit"],))
    return [{"title": t, "year": y, "name": n, "url": u, "paper_id": p, "id": i} for p, t, y, u, i, n in rows]
