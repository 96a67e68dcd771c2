"""evaluated_on_dataset on the embedded store; the Cypher is ``cypher/evaluated_on_dataset.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row, neighbours_of_named

COLUMNS = ("dataset", "name", "type", "papers", "dataset_id", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    return neighbours_of_named(store, params, (
        "SELECT e.id, e.name, e.type, x.support FROM entity_edges x JOIN entities e ON e.id = x.source"
        " WHERE x.target = ? AND x.type = 'EVALUATED_ON' AND e.type IN ('Model', 'Method')"), "dataset", ["Dataset"])
