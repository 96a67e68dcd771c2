"""relation_evidence on the embedded store; the Cypher is ``cypher/relation_evidence.cypher``."""

from __future__ import annotations

import json
from typing import Any

from kg.queries.common import Row, limit, match_entities, papers_by_id

COLUMNS = ("relation", "source", "target", "title", "year", "source_sentence", "target_sentence", "url",
           "source_id", "target_id", "paper_id")

#: derived entity edge -> the paper relation to its target that supports it
SUPPORTING = {"BUILDS_ON": "BUILDS_ON", "EVALUATED_ON": "EVALUATES_ON"}


def run(store: Any, params: dict[str, Any]) -> list[Row]:
    sources = match_entities(store, params["source"])
    targets = {t["id"]: t for t in match_entities(store, params["target"])}
    out: list[Row] = []
    for s in sources:
        for t, etype, papers in store.sql(
                "SELECT target, type, papers FROM entity_edges WHERE source = ? AND type IN ('BUILDS_ON', 'EVALUATED_ON')",
                (s["id"],)):
            if t not in targets:
                continue
            for pid in json.loads(papers):
                src = store.sql("SELECT evidence_sentence FROM relations WHERE paper_id = ? AND type = 'PROPOSES'"
                                " AND entity_id = ?", (pid, s["id"]))
                tgt = store.sql("SELECT evidence_sentence FROM relations WHERE paper_id = ? AND type = ?"
                                " AND entity_id = ?", (pid, SUPPORTING[etype], t))
                paper = papers_by_id(store, [pid]).get(pid)
                if paper is None:
                    continue
                out += [{"relation": etype, "source": s["name"], "target": targets[t]["name"],
                         "title": paper["title"], "year": paper["year"], "source_sentence": a, "target_sentence": b,
                         "url": paper["url"], "source_id": s["id"], "target_id": t, "paper_id": pid}
                        for (a,) in src for (b,) in tgt]
    out.sort(key=lambda r: (r["relation"], r["source_id"], r["target_id"], r["paper_id"]))
    return limit(out, params)
