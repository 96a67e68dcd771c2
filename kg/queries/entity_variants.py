"""entity_variants on the embedded store; the Cypher is ``cypher/entity_variants.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row, neighbours_of_named

COLUMNS = ("entity", "name", "type", "papers", "entity_id", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    return neighbours_of_named(store, params, (
        "SELECT e.id, e.name, e.type, x.support FROM entity_edges x JOIN entities e ON e.id = x.source"
        " WHERE x.target = ? AND x.type = 'VARIANT_OF'"), "entity")
