"""The same neighbourhood from the embedded store and from a real Neo4j server."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES, SAMPLE

from kg.neighbourhood import neighbourhood
from kg.pipeline import run_ingest
from kg.store.embedded import EmbeddedStore

pytestmark = pytest.mark.neo4j

XSS_PAPERS = FIXTURES / "viz" / "xss-papers.jsonl"


def shape(sub) -> tuple:
    nodes = sorted((n["id"], n["label"], n.get("name") or n.get("title"), n.get("paper_count")) for n in sub.nodes)
    edges = sorted((e["source"], e["type"], e["target"], round(float(e.get("confidence") or 0), 3)) for e in sub.edges)
    return sub.center, nodes, edges, sub.omitted


def test_neighbourhoods_agree_between_stores(neo4j_store, tmp_path):
    inputs = [SAMPLE, XSS_PAPERS]
    with EmbeddedStore(tmp_path / "kg.db") as embedded:
        run_ingest(inputs, embedded)
        run_ingest(inputs, neo4j_store)
        title = json.loads(XSS_PAPERS.read_text(encoding="utf-8").splitlines()[0])["title"]
        cases = [("ImageNet", {}), ("ImageNet", {"depth": 2, "limit": 25}), (title, {"depth": 2}),
                 ("BERT", {"types": "Paper,Dataset", "min_confidence": 0.5})]
        for name, options in cases:
            a, b = neighbourhood(embedded, name, **options), neighbourhood(neo4j_store, name, **options)
            assert len(a.nodes) > 1
            assert shape(a) == shape(b), (name, options)
