"""Every canned query gives the same rows on the embedded store and on a real Neo4j, and
hostile parameter values change nothing.

The sample corpus is extracted once and the facts ingested into both stores.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kg.query import get_query, list_queries, run_query
from kg.store.embedded import EmbeddedStore
from graphutil import graph

pytestmark = pytest.mark.neo4j

QUERIES = list_queries()
NAMES = [q.name for q in QUERIES]

HOSTILE = [
    "'}) DETACH DELETE n //",
    "\"}) DETACH DELETE n //",
    "x' OR 1=1 WITH 1 AS x MATCH (n) DETACH DELETE n //",
    "'); DROP TABLE papers; --",
    "{name: 'x'}) MERGE (m:Pwned) //",
    "\\' \\\" \\\\ } ] ) */ /* $name ${limit}",
    "bert\" OR \"x",
    "*:*",
    "name:* OR title:*",
    "%_%",
]


def neo4j_store_for(settings):
    from kg.store.neo4j import Neo4jStore

    return Neo4jStore(settings["uri"], user=settings["user"], password=settings["password"])


@pytest.fixture(scope="module")
def stores(neo4j_server, tmp_path_factory, sample_facts):
    """(embedded, neo4j) holding the sample corpus."""
    from kg.pipeline import run_ingest

    tmp = tmp_path_factory.mktemp("sample")
    facts = sample_facts
    emb = EmbeddedStore(tmp / "kg.db")
    run_ingest([facts], emb)
    neo = neo4j_store_for(neo4j_server)
    neo.clear()
    run_ingest([facts], neo)
    try:
        yield emb, neo
    finally:
        emb.close()
        neo.close()


def dump(store):
    return store.stats() | {"store": None}, *graph(store)


def test_both_stores_hold_the_same_graph(stores):
    """The precondition of the comparisons below."""
    emb, neo = stores
    assert emb.stats()["papers"] > 100
    assert dump(emb) == dump(neo)


@pytest.mark.parametrize("name", NAMES)
def test_example_gives_the_same_nonempty_rows_on_both_stores(stores, name):
    emb, neo = stores
    a = run_query(emb, name, example=True)
    b = run_query(neo, name, example=True)
    assert a.rows, f"the example of {name} finds nothing on the sample corpus; pick another"
    assert a.columns == b.columns == list(get_query(name).columns)
    # identical rows in the identical (fully determined) order; JSON-comparable values
    assert json.dumps(a.rows, sort_keys=True) == json.dumps(b.rows, sort_keys=True)
    assert a.rows == b.rows


@pytest.mark.parametrize("name", ["model_lineage", "entity_search", "shortest_path", "benchmarks_evaluated_together"])
def test_limits_cut_the_same_rows(stores, name):
    emb, neo = stores
    full = run_query(emb, name, example=True).rows
    for limit in (1, 2):
        a = run_query(emb, name, {"limit": limit}, example=True).rows
        assert a == full[:limit] == run_query(neo, name, {"limit": limit}, example=True).rows


def test_cli_runs_on_neo4j(stores, neo4j_server, monkeypatch):
    from kg.cli import main

    emb, neo = stores
    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server["password"] or "")
    common = ["query", "model_lineage", "--example", "--format", "json"]
    r = CliRunner().invoke(main, common + ["--neo4j", neo4j_server["uri"], "--user", neo4j_server["user"]])
    assert r.exit_code == 0, r.output
    r2 = CliRunner().invoke(main, common + ["--store", str(emb.path)])
    assert r2.exit_code == 0, r2.output
    assert json.loads(r.output) == json.loads(r2.output) != []
    assert neo4j_server["password"] not in r.output


def hostile_params(q, value):
    params = {}
    for p in q.params:
        if p.type == "string":
            params[p.name] = value
        elif p.type == "list":
            params[p.name] = [value, "PROPOSES"]
    return params


def test_hostile_values_are_inert(stores):
    emb, neo = stores
    before = dump(emb), dump(neo)
    for q in QUERIES:
        for value in HOSTILE:
            params = hostile_params(q, value)
            a = run_query(emb, q.name, params).rows
            b = run_query(neo, q.name, params).rows
            assert a == b, (q.name, value)
    assert (dump(emb), dump(neo)) == before
    with neo.driver.session(database=neo.database) as s:
        assert s.run("MATCH (n:Pwned) RETURN count(n) AS n").single()["n"] == 0


@pytest.mark.parametrize("name", [q.name for q in QUERIES if q.graph])
def test_graph_forms_draw_what_the_tables_list(stores, name):
    """The Browser form returns paths, and every node the table form names is in them."""
    from neo4j.graph import Path

    from kg.query import bind

    emb, neo = stores
    q = get_query(name)
    records = neo._read(q.graph, **bind(q, q.example))
    paths = [v for r in records for v in r.values() if isinstance(v, Path)]
    assert paths and len(paths) == len(records), name
    drawn = {n["id"] for p in paths for n in p.nodes}
    table = run_query(emb, name, example=True).rows
    named = {v for r in table for c, v in r.items() if c.endswith("id") and isinstance(v, str)}
    named |= {v for r in table for v in r.get("path_ids", [])}
    assert named and named <= drawn, (name, named - drawn)
