"""model_lineage on the embedded store; the Cypher is ``cypher/model_lineage.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row, lineage

COLUMNS = ("root", "name", "type", "depth", "root_id", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    return lineage(store, params, forward=False)
