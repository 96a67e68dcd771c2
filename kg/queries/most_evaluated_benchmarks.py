"""most_evaluated_benchmarks on the embedded store; the Cypher is ``cypher/most_evaluated_benchmarks.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row

COLUMNS = ("name", "papers", "id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    # one relation per (paper, type, entity); counted per dataset on the covering index
    # relations_entity (entity_id, type, paper_id), not by grouping every EVALUATES_ON row
    rows = store.sql(
        "SELECT id, name, papers FROM (SELECT e.id AS id, e.name AS name, (SELECT COUNT(*) FROM relations r"
        " INDEXED BY relations_entity WHERE r.entity_id = e.id AND r.type = 'EVALUATES_ON') AS papers"
        " FROM entities e WHERE e.type = 'Dataset') WHERE papers > 0 ORDER BY papers DESC, name, id LIMIT ?",
        (params["limit"],))
    return [{"name": n, "papers": c, "id": i} for i, n, c in rows]
