"""Resolution state in a real Neo4j: later papers merge into stored entities, as in the
embedded store."""

from __future__ import annotations

import random

import pytest

from kg.resolve import resolve_stream
from kg.store.embedded import EmbeddedStore
from resolveutil import DyingStore, Killed, ingest_lockstep, paper
from test_resolve_store import CORPUS, MIM_BARE, MIM_DEF

pytestmark = pytest.mark.neo4j


def _store(neo4j_server, state):
    from kg.store.neo4j import Neo4jStore

    store = Neo4jStore(neo4j_server["uri"], user=neo4j_server["user"], password=neo4j_server["password"],
                       batch_size=3, state=state)
    store.clear()
    return store


@pytest.fixture(params=["auto", "neo4j"], ids=["state-file", "state-in-neo4j"])
def neo(neo4j_server, request):
    """A Neo4j store, once with its state in a file (a new database's default), once in Neo4j."""
    store = _store(neo4j_server, request.param)
    try:
        yield store
    finally:
        store.clear()
        store.close()


@pytest.fixture
def neo_db(neo4j_server):
    """A Neo4j store keeping its state in Neo4j (for tests of that layout)."""
    store = _store(neo4j_server, "neo4j")
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
    assert "method:mim" in ids and "method:maskedimagemodeling" not in ids  # merged, the id kept
    assert neo.resolution_state().votes(["mim"]) == [("mim", "def", "maskedimagemodeling", 1, 900),
                                             ("mim", "type", "Method", 1, 900)]
    assert neo.resolution_state().dependents(["mim"]) == ["a", "b"]
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
    assert neo.resolution_state().votes(["mim"]) == [("mim", "type", "Method", 1, 900)]
    assert [pid for pid, _ in neo.resolution_state().raw([by_title.paper.id, real.paper.id])] == [real.paper.id]


def test_neo4j_report_equals_the_embedded_report(neo, tmp_path):
    from kg.resolve.report import build_report

    with EmbeddedStore(tmp_path / "kg.db") as emb:
        ingest(emb, CORPUS)
        expected = build_report(emb)
    ingest(neo, list(reversed(CORPUS)), chunk_size=3)
    got = build_report(neo)
    assert got == expected
    assert got["counts"]["acronyms"] >= 3 and got["counts"]["type_conflicts"] >= 1


def vote_totals(store) -> list[tuple]:
    """The aggregation of every stored vote: what the sums must equal."""
    totals: dict = {}
    for key, kind, value, _pid, weight, _surface in store.resolution_state().rows():
        t = totals.setdefault((key, kind, value), [0, 0])
        t[0] += 1
        t[1] += weight
    return sorted((*k, p, w) for k, (p, w) in totals.items())


def sum_nodes(store) -> int:
    return store.cypher("MATCH (s:KgVoteSum) RETURN count(s) AS n")[0]["n"]


def test_neo4j_sums_follow_the_votes_they_summarise(neo_db):
    from dataclasses import replace

    changed = replace(MIM_BARE, paper=replace(MIM_BARE.paper, abstract=MIM_BARE.paper.abstract + " More."))
    for batch in ([MIM_DEF, MIM_BARE], CORPUS[2:6], CORPUS, [CORPUS[0]], [changed], [MIM_BARE]):
        ingest(neo_db, batch)
        expected = vote_totals(neo_db)
        keys = {k for k, *_ in expected}
        assert expected and neo_db.resolution_state().votes(keys) == expected
        assert sum_nodes(neo_db) == len(expected)  # sums that reach 0 papers are dropped


def test_neo4j_sums_drop_votes_a_paper_no_longer_casts(neo):
    ingest(neo, [MIM_BARE, paper("c", ("USES", "Method", "MIM"))])
    assert neo.resolution_state().votes(["mim"]) == [("mim", "type", "Method", 2, 1800)]
    ingest(neo, [paper("c", ("USES", "Dataset", "MIM"))])  # c now says Dataset
    assert neo.resolution_state().votes(["mim"]) == [("mim", "type", "Dataset", 1, 900), ("mim", "type", "Method", 1, 900)]
    ingest(neo, [paper("c", ("USES", "Method", "Other thing"))])  # c no longer votes on mim
    assert neo.resolution_state().votes(["mim"]) == [("mim", "type", "Method", 1, 900)]
    assert neo.resolution_state().votes(["mim"]) == [v for v in vote_totals(neo) if v[0] == "mim"]


def test_neo4j_sums_are_built_for_a_database_made_before_them(neo_db, neo4j_server):
    from kg.store.neo4j import Neo4jStore

    ingest(neo_db, CORPUS)
    expected = vote_totals(neo_db)
    # a database written by a version without sums: votes, no sums, no marker
    neo_db.driver.execute_query("MATCH (n) WHERE n:KgVoteSum OR n:KgMeta DETACH DELETE n")
    with Neo4jStore(neo4j_server["uri"], user=neo4j_server["user"], password=neo4j_server["password"]) as fresh:
        keys = {k for k, *_ in expected}
        assert fresh.resolution_state().votes(keys) == expected
        assert sum_nodes(fresh) == len(expected)
        ingest(fresh, [paper("z", ("USES", "Method", "MIM"))])  # kept up to date from there
        assert fresh.resolution_state().votes(keys | {"mim"}) == [v for v in vote_totals(fresh) if v[0] in keys | {"mim"}]


def test_neo4j_dirty_keys_keep_their_oldest_decision(neo):
    neo.resolution_state().save([("p1", "{}", [("k1", "type", "Method", 900, "K1")], "title:p1")], {"k1": "old", "k2": "old2"})
    neo.resolution_state().save([("p2", "{}", [("k1", "type", "Model", 900, "K1")], "title:p2")], {"k1": "newer", "k3": "x"})
    assert neo.resolution_state().dirty() == {"k1": "old", "k2": "old2", "k3": "x"}
    # the votes and the dirty marks went in together
    assert neo.resolution_state().votes(["k1"]) == [("k1", "type", "Method", 1, 900), ("k1", "type", "Model", 1, 900)]
    neo.resolution_state().save([], {"k4": "only a mark"})
    assert neo.resolution_state().dirty()["k4"] == "only a mark"


def test_neo4j_settle_pending_done_round_trip(neo):
    neo.resolution_state().save([], {"k1": "a", "k2": "b", "k3": "c"})
    neo.resolution_state().settle(["k1", "k2"], ["p3", "p1", "p2", "p1"])
    assert neo.resolution_state().dirty() == {"k3": "c"}
    assert neo.resolution_state().pending() == ["p1", "p2", "p3"]
    neo.resolution_state().settle(["k3"], ["p2", "p4"])  # pending twice is pending once
    assert neo.resolution_state().dirty() == {} and neo.resolution_state().pending() == ["p1", "p2", "p3", "p4"]
    neo.resolution_state().done(["p2", "p9"])
    assert neo.resolution_state().pending() == ["p1", "p3", "p4"]
    neo.resolution_state().done(["p1", "p3", "p4"])
    assert neo.resolution_state().pending() == []


def test_neo4j_clear_removes_the_resolution_state(neo_db):
    ingest(neo_db, CORPUS)
    neo_db.resolution_state().save([], {"k": "x"})
    neo_db.resolution_state().settle([], ["p"])
    labels = {r["l"] for r in neo_db.cypher("MATCH (n) UNWIND labels(n) AS l RETURN DISTINCT l")}
    assert {"KgResolution", "KgVoteSum", "KgDirty", "KgPending", "KgMeta"} <= labels
    # none of it is part of the graph
    stats = neo_db.stats()
    assert stats["papers"] == len(CORPUS)
    assert all(n["label"] in ("Paper", "Model", "Method", "Dataset", "Task", "Metric") for n in neo_db.iter_nodes())
    neo_db.clear()
    assert neo_db.cypher("MATCH (n) RETURN count(n) AS n")[0]["n"] == 0
    assert neo_db.resolution_state().dirty() == {} and neo_db.resolution_state().pending() == [] and neo_db.resolution_state().votes(["mim"]) == []
    ingest(neo_db, [MIM_BARE])  # usable again, sums kept from the start
    assert neo_db.resolution_state().votes(["mim"]) == [v for v in vote_totals(neo_db) if v[0] == "mim"] == [
        ("mim", "type", "Method", 1, 900)]
    assert sum_nodes(neo_db) == len(vote_totals(neo_db))


@pytest.mark.parametrize("kill", [1, 4, 7, 12])
def test_neo4j_a_killed_run_is_completed_by_running_it_again(neo, tmp_path, kill):
    with EmbeddedStore(tmp_path / "kg.db") as emb:
        ingest(emb, CORPUS)
        expected = shape(emb)
    first, second = CORPUS[:4], CORPUS[4:]
    ingest_lockstep(neo, first, 2)
    try:
        ingest_lockstep(DyingStore(neo, kill), second, 2)
    except Killed:
        pass
    ingest_lockstep(neo, second, 2)
    assert neo.resolution_state().pending() == [] and neo.resolution_state().dirty() == {}
    assert shape(neo) == expected


def test_neo4j_raw_facts_stored_compressed_and_text_ones_still_read(neo_db):
    ingest(neo_db, [MIM_BARE, MIM_DEF])
    stored = neo_db.cypher("MATCH (r:KgResolution {paper_id: 'a'}) RETURN r.raw AS raw")[0]["raw"]
    assert isinstance(stored, (bytes, bytearray)) and len(stored) < len(MIM_DEF.to_json())
    assert dict(neo_db.resolution_state().raw(["a", "b"])) == {"a": MIM_DEF.to_json(), "b": MIM_BARE.to_json()}
    # a store written before the compression keeps the JSON text
    neo_db.driver.execute_query("MATCH (r:KgResolution {paper_id: 'b'}) SET r.raw = $raw", raw=MIM_BARE.to_json())
    assert dict(neo_db.resolution_state().raw(["b"])) == {"b": MIM_BARE.to_json()}


def test_neo4j_a_database_made_before_short_ids_gets_them_on_its_next_ingest(neo, tmp_path, monkeypatch):
    from test_resolve_store import made_before_abbreviation_votes

    made_before_abbreviation_votes(neo, [MIM_DEF, MIM_BARE], monkeypatch)
    assert neo.resolution_state().version() == 1 and "method:maskedimagemodeling" in {n["id"] for n in neo.iter_nodes()}
    ingest(neo, [])
    assert neo.resolution_state().version() == 2
    with EmbeddedStore(tmp_path / "kg.db") as emb:
        ingest(emb, [MIM_DEF, MIM_BARE])
        assert shape(neo) == shape(emb)
