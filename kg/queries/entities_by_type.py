"""entities_by_type on the embedded store; the Cypher is ``cypher/entities_by_type.cypher``."""

from __future__ import annotations

import json
from typing import Any

from kg.queries.common import Row

COLUMNS = ("name", "papers", "aliases", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    rows = store.sql("SELECT id, name, paper_count, aliases FROM entities WHERE type = ?"
                     " ORDER BY paper_count DESC, name, id LIMIT ?", (params["type"], params["limit"]))
    return [{"name": n, "papers": c, "aliases": json.loads(a), "id": i} for i, n, c, a in rows]
