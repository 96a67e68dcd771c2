"""benchmarks_evaluated_together on the embedded store; the Cypher is ``cypher/benchmarks_evaluated_together.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row

COLUMNS = ("benchmark_a", "benchmark_b", "papers", "benchmark_a_id", "benchmark_b_id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    # a self-join on the relations' key (paper_id, type, entity_id): a seek per row, not a
    # nested scan of a CTE (59 s -> 0.25 s on 100k papers)
    rows = store.sql(
        "SELECT a.entity_id, ea.name, b.entity_id, eb.name, COUNT(*) AS papers"
        " FROM relations a JOIN relations b"
        "   ON b.paper_id = a.paper_id AND b.type = 'EVALUATES_ON' AND b.entity_id > a.entity_id"
        " JOIN entities ea ON ea.id = a.entity_id JOIN entities eb ON eb.id = b.entity_id"
        " WHERE a.type = 'EVALUATES_ON' AND ea.type = 'Dataset' AND eb.type = 'Dataset'"
        " GROUP BY a.entity_id, b.entity_id ORDER BY papers DESC, a.entity_id, b.entity_id LIMIT ?",
        (params["limit"],))
    return [{"benchmark_a": na, "benchmark_b": nb, "papers": c, "benchmark_a_id": a, "benchmark_b_id": b}
            for a, na, b, nb, c in rows]
