"""long_tail_datasets on the embedded store; the Cypher is ``cypher/long_tail_datasets.cypher``."""

from __future__ import annotations

from typing import Any

from kg.queries.common import Row, limit, papers_by_id

COLUMNS = ("name", "relations", "title", "year", "url", "id", "paper_id")


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    # paper_count = 1: one paper per dataset, so one row per dataset; cut before joining
    rows = store.sql(
        "SELECT d.id, d.name, r.paper_id, r.type FROM (SELECT id, name FROM entities"
        "   WHERE type = 'Dataset' AND paper_count = 1 ORDER BY name, id LIMIT ?) d"
        " JOIN relations r ON r.entity_id = d.id", (params["limit"],))
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for i, n, p, t in rows:
        grouped.setdefault((i, n, p), []).append(t)
    papers = papers_by_id(store, (p for _, _, p in grouped))
    out = [{"name": n, "relations": sorted(ts), **papers[p], "id": i, "paper_id": p}
           for (i, n, p), ts in grouped.items() if p in papers]
    out.sort(key=lambda r: (r["name"], r["id"]))
    return limit(out, params)
