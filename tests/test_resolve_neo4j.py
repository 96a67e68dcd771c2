"""Resolution state in a real Neo4j: later papers merge into stored entities, as in the
embedded store."""

from __future__ import annotations

import random

import pytest

from kg.resolve import resolve_stream
from kg.store.embedded import EmbeddedStore
from resolveutil import paper
from test_resolve_store import CORPUS, MIM_BARE, MIM_DEF

pytestmark = pytest.mark.neo4j


@pytest.fixture
def neo(neo4j_server):
    from kg.store.neo4j import Neo4jStore
    from kg.store.neo4j_resolution import Neo4jResolution

    cls = Neo4jStore if issubclass(Neo4jStore, Neo4jResolution) else type(
        "ResolvingNeo4jStore", (Neo4jResolution, Neo4jStore), {})
    store = cls(neo4j_server["uri"], user=neo4j_server["user"], password=neo4j_server["password"], batch_size=3)
    store.clear()
    try:
        yield store
    finally:
        store.clear()
        store.close()


def ingest(store, facts, chunk_size=500):
    store.write(list(resolve_stream(facts, store, chunk_size=chunk_size)))


def shape(store):
    """Entities with their props, paper -> entity targets and derived edges with their support."""
    ents = sorted((n["id"], n["name"], n["type"], tuple(n["aliases"]), n["paper_count"])
                  for n in store.iter_nodes() if n["label"] != "Paper")
    edges = sorted((e["source"], e["type"], e["target"], tuple(e.get("papers") or ()), e.get("confidence"))
                   for e in store.iter_edges())
    return ents, edges


def test_neo4j_keeps_resolution_state_across_runs(neo):
    ingest(neo, [MIM_BARE])
    assert "method:mim" in {n["id"] for n in neo.iter_nodes()}
    ingest(neo, [MIM_DEF])
    ids = {n["id"] for n in neo.iter_nodes() if n["label"] != "Paper"}
    assert "method:mim" not in ids and "method:maskedimagemodeling" in ids
    assert neo.resolution_votes(["mim"]) == [("mim", "def", "maskedimagemodeling", 1, 900),
                                             ("mim", "type", "Method", 1, 900)]
    assert neo.resolution_dependents(["mim"]) == ["a", "b"]
    # the bookkeeping is not part of the graph
    assert neo.stats()["papers"] == 2 and all(n["label"] in ("Paper", "Method", "Dataset")
                                              for n in neo.iter_nodes())


def test_neo4j_graph_equals_the_embedded_graph_in_any_runs(neo, tmp_path):
    with EmbeddedStore(tmp_path / "kg.db") as emb:
        ingest(emb, CORPUS)
        expected = shape(emb)
    shuffled = list(CORPUS)
    random.Random(3).shuffle(shuffled)
    for batch in (shuffled[:3], shuffled[3:5], shuffled[5:]):
        ingest(neo, batch, chunk_size=2)
    assert shape(neo) == expected
    assert any(e[1] == "VARIANT_OF" for e in expected[1])


def test_neo4j_variant_edge_when_the_family_arrives_in_a_later_write(neo):
    # the variant's paper and its family's paper in one resolution chunk, but written apart
    facts = list(resolve_stream([paper("v", ("USES", "Model", "Llama 2")), paper("f", ("USES", "Model", "Llama"))],
                                neo))
    for f in facts:
        neo.write([f])
    edges = [(e["source"], e["type"], e["target"]) for e in neo.iter_edges() if e["type"] == "VARIANT_OF"]
    assert edges == [("model:llama2", "VARIANT_OF", "model:llama")]


def test_neo4j_a_paper_read_with_and_without_its_identifier_votes_once(neo):
    from dataclasses import replace

    from kg.ids import title_paper_id

    title = "Masked modeling at scale"
    by_title = paper(title_paper_id(title), ("USES", "Method", "MIM"), title=title)
    real = paper("arxiv:2401.00001", ("USES", "Method", "MIM"), title=title)
    real = replace(real, relations=tuple(replace(r, source="arxiv:2401.00001") for r in real.relations))
    ingest(neo, [by_title])
    ingest(neo, [real])
    ingest(neo, [by_title])
    assert neo.resolution_votes(["mim"]) == [("mim", "type", "Method", 1, 900)]
    assert [pid for pid, _ in neo.resolution_raw([by_title.paper.id, real.paper.id])] == [real.paper.id]


def test_neo4j_report_equals_the_embedded_report(neo, tmp_path):
    from kg.resolve.report import build_report

    with EmbeddedStore(tmp_path / "kg.db") as emb:
        ingest(emb, CORPUS)
        expected = build_report(emb)
    ingest(neo, list(reversed(CORPUS)), chunk_size=3)
    got = build_report(neo)
    assert got == expected
    assert got["counts"]["acronyms"] >= 3 and got["counts"]["type_conflicts"] >= 1
