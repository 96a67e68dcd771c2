"""compared_with on the embedded store; the Cypher is ``cypher/compared_with.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row, neighbours_of_named

COLUMNS = ("entity", "name", "type", "papers", "entity_id", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    return neighbours_of_named(store, params, (
        "SELECT e.id, e.name, e.type, COUNT(DISTINCT r1.paper_id) FROM relations r1"
        " JOIN relations r2 ON r2.paper_id = r1.paper_id AND r2.type IN ('PROPOSES', 'COMPARES_WITH')"
        " JOIN entities e ON e.id = r2.entity_id"
        " WHERE r1.entity_id = ? AND r1.type IN ('PROPOSES', 'COMPARES_WITH') AND r2.entity_id <> r1.entity_id"
        "   AND (r1.type = 'COMPARES_WITH' OR r2.type = 'COMPARES_WITH')"
        " GROUP BY e.id"), "entity")
