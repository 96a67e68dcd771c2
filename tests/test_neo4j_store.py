"""Neo4jStore against a real Neo4j server: the same graph as the embedded store.

Needs a server (``neo4j_server`` fixture: NEO4J_URI/NEO4J_PASSWORD, or scripts/neo4j-local);
skipped locally without one, failed under CI=true.
"""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner

from factsutil import make_facts
from kg.errors import Neo4jAuthError, Neo4jDatabaseNotFound, Neo4jUnavailable
from kg.store.embedded import EmbeddedStore
from kg.store.neo4j import Neo4jStore
from graphutil import graph

pytestmark = pytest.mark.neo4j

A = make_facts("DistilBERT: a distilled version of BERT", "We evaluate DistilBERT on GLUE.",
               [("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT"),
                ("EVALUATES_ON", "Dataset", "GLUE")], paper_id="arxiv:1910.01108")
B = make_facts("TinyBERT: distilling BERT", "TinyBERT builds on BERT and is tested on GLUE.",
               [("PROPOSES", "Model", "TinyBERT"), ("BUILDS_ON", "Model", "BERT"),
                ("EVALUATES_ON", "Dataset", "GLUE")], paper_id="arxiv:1909.10351")
C = make_facts("A study of LLaMA-2", "We fine-tune Llama 2 on SQuAD.",
               [("USES", "Model", "LLaMA-2"), ("USES", "Model", "Llama 2"), ("EVALUATES_ON", "Dataset", "SQuAD")])
A2 = make_facts("DistilBERT: a distilled version of BERT", "We evaluate DistilBERT on SQuAD.",
                [("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT"),
                 ("EVALUATES_ON", "Dataset", "SQuAD")], paper_id="arxiv:1910.01108")
TITLED = make_facts(A.paper.title, A.paper.abstract, [("PROPOSES", "Model", "DistilBERT")])


def embedded_after(tmp_path, *batches):
    with EmbeddedStore(tmp_path / f"ref{len(list(tmp_path.iterdir()))}.db") as ref:
        for b in batches:
            ref.write(b)
        return graph(ref)


def raw_counts(store: Neo4jStore) -> tuple[int, int, int, int]:
    """(nodes, distinct node ids, relationships, distinct (start, type, end)) straight from Cypher."""
    r = store.cypher("MATCH (n) WHERE n:Paper OR n:Entity RETURN count(n) AS n, count(DISTINCT n.id) AS ids")[0]
    e = store.cypher("MATCH (a)-[r]->(b:Entity) WHERE a:Paper OR a:Entity RETURN count(r) AS n, "
                     "count(DISTINCT [a.id, type(r), b.id]) AS keys")[0]
    return r["n"], r["ids"], e["n"], e["keys"]


def test_same_graph_as_embedded(neo4j_store, tmp_path):
    w = neo4j_store.write([A, B, C])
    assert (w.papers_added, w.relations_added, w.entities_added) == (3, 8, 6)
    assert graph(neo4j_store) == embedded_after(tmp_path, [A, B, C])
    with EmbeddedStore(tmp_path / "e.db") as e:
        e.write([A, B, C])
        s1, s2 = neo4j_store.stats(), e.stats()
        s1.pop("store"), s2.pop("store")
        assert s1 == s2
        for text in ("bert", "LLaMA 2", "llama-2", "model:bert", A.paper.title, "nothing like this"):
            assert neo4j_store.find_nodes(text) == e.find_nodes(text), text
        ids = ["model:bert", C.paper.id, "dataset:glue", "missing:id"]
        assert neo4j_store.get_nodes(ids) == e.get_nodes(ids)
        assert neo4j_store.edges_of(ids) == e.edges_of(ids)
        assert list(neo4j_store.node_names()) == list(e.node_names())


def test_values_are_plain_python(neo4j_store):
    neo4j_store.write([A, B, C])
    for n in neo4j_store.iter_nodes():
        for k, v in n.items():
            assert type(v) in (str, int, float, list), (k, type(v))
            assert not k.startswith("_")
    edges = list(neo4j_store.iter_edges())
    derived = [e for e in edges if "papers" in e]
    assert derived and all(type(e["papers"]) is list and type(e["support"]) is int
                           and type(e["confidence"]) is float for e in derived)
    assert all(type(e["evidence_start"]) is int for e in edges if "evidence_start" in e)


def test_second_write_changes_nothing(neo4j_store):
    neo4j_store.write([A, B, C])
    before = graph(neo4j_store)
    w = neo4j_store.write([A, B, C])
    assert (w.papers_added, w.papers_updated, w.papers_unchanged) == (0, 0, 3)
    assert w.extra["nodes_created"] == 0 and w.extra["relationships_created"] == 0
    assert w.extra["properties_set"] == 0 and w.extra["relationships_deleted"] == 0
    assert graph(neo4j_store) == before


@pytest.mark.parametrize("order", [[A, B, C], [C, B, A], [B, C, A]])
def test_incremental_in_any_order(neo4j_store, tmp_path, order):
    for f in order:  # one paper per write
        neo4j_store.write([f])
    assert graph(neo4j_store) == embedded_after(tmp_path, [A, B, C])


def test_changed_paper_replaces_its_relations_only(neo4j_store, tmp_path):
    neo4j_store.write([A, B])
    b_edges = [e for e in neo4j_store.iter_edges() if e["source"] == B.paper.id]
    w = neo4j_store.write([A2])
    assert w.papers_updated == 1 and w.relations_removed == 3 and w.relations_added == 3
    edges = list(neo4j_store.iter_edges())
    assert [e for e in edges if e["source"] == B.paper.id] == b_edges
    assert sorted(e["target"] for e in edges if e["source"] == A.paper.id) == \
        ["dataset:squad", "model:bert", "model:distilbert"]
    assert neo4j_store.find_nodes("GLUE")[0]["paper_count"] == 1
    assert graph(neo4j_store) == embedded_after(tmp_path, [A, B], [A2])
    n, ids, r, keys = raw_counts(neo4j_store)
    assert (n, r) == (ids, keys)
    # and back again: an entity no paper mentions any more goes
    neo4j_store.write([A])
    assert graph(neo4j_store) == embedded_after(tmp_path, [A, B], [A2], [A])
    assert neo4j_store.get_nodes(["dataset:squad"]) == []


def test_title_id_meets_real_id_in_any_order(neo4j_store, tmp_path):
    for order in ([TITLED, A], [A, TITLED]):
        neo4j_store.clear()
        for f in order:
            neo4j_store.write([f])
        assert graph(neo4j_store) == embedded_after(tmp_path, *[[f] for f in order])
        assert [n["id"] for n in neo4j_store.iter_nodes() if n["label"] == "Paper"] == ["arxiv:1910.01108"]


def test_batch_size_does_not_change_the_graph(neo4j_server, neo4j_store, tmp_path):
    papers = [make_facts(f"Model{i}: building on BERT", f"Model{i} is evaluated on GLUE and SQuAD.",
                         [("PROPOSES", "Model", f"Model{i}"), ("BUILDS_ON", "Model", "BERT"),
                          ("EVALUATES_ON", "Dataset", "GLUE"), ("EVALUATES_ON", "Dataset", "SQuAD")])
              for i in range(40)]
    with Neo4jStore(neo4j_server["uri"], user=neo4j_server["user"], password=neo4j_server["password"],
                    batch_size=7) as small:
        small.write(papers)
        assert graph(small) == embedded_after(tmp_path, papers)


def test_concurrent_ingests_create_no_duplicates(neo4j_server, neo4j_store, tmp_path):
    papers = [make_facts(f"Paper {i}: a study with BERT", f"We use BERT and evaluate on GLUE {i}.",
                         [("PROPOSES", "Method", f"Paper {i}"), ("USES", "Model", "BERT"),
                          ("EVALUATES_ON", "Dataset", "GLUE")]) for i in range(60)]
    errors: list[BaseException] = []

    def ingest(order):
        try:
            # in the fixture's layout (in auto mode, writers racing on an empty database could
            # each decide for a different one)
            with Neo4jStore(neo4j_server["uri"], user=neo4j_server["user"], password=neo4j_server["password"],
                            batch_size=20, state=neo4j_store._state_arg) as s:
                s.write(order)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=ingest, args=(p,)) for p in (papers, papers, list(reversed(papers)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    n, ids, r, keys = raw_counts(neo4j_store)
    assert n == ids and r == keys
    assert graph(neo4j_store) == embedded_after(tmp_path, papers)


def test_an_entity_created_meanwhile_by_another_writer(neo4j_store_state_in_db, tmp_path):
    """Another transaction creates BERT while the write runs: the write waits for it and
    counts the stored node in."""
    import time

    errors: list[BaseException] = []

    def write():
        try:
            neo4j_store_state_in_db.write([A])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with neo4j_store_state_in_db.driver.session() as s:
        other = s.begin_transaction()
        # what a concurrent writer leaves: an edge end no paper mentions yet
        other.run("CREATE (:Entity {id: 'model:bert', paper_count: 0, _state: ''})").consume()
        t = threading.Thread(target=write)
        t.start()
        time.sleep(1.5)
        other.commit()
        t.join(60)
    assert not errors
    assert graph(neo4j_store_state_in_db) == embedded_after(tmp_path, [A])


def test_a_lost_race_to_create_an_entity_runs_the_chunk_again(neo4j_store_state_in_db, tmp_path, monkeypatch):
    from neo4j.exceptions import ConstraintError

    import kg.store.neo4j as K

    attempts = []
    real = K._write_chunk

    def racing(tx, chunk):
        attempts.append(1)
        if len(attempts) == 1:  # what the server says when another writer created the node first
            raise ConstraintError("Node(1) already exists with label `Entity` and property `id` = 'model:bert'")
        return real(tx, chunk)

    monkeypatch.setattr(K, "_write_chunk", racing)
    summary = neo4j_store_state_in_db.write([A])
    assert len(attempts) == 2 and summary.papers_added == 1
    assert graph(neo4j_store_state_in_db) == embedded_after(tmp_path, [A])


def test_user_values_only_as_parameters(neo4j_store):
    evil = make_facts("x'}) DETACH DELETE n //: MATCH (n) \" `Model`", "We use `BERT`) DELETE n.",
                      [("USES", "Model", "`BERT`) DELETE n")])
    neo4j_store.write([A, evil])
    assert neo4j_store.stats()["papers"] == 2
    assert neo4j_store.find_nodes("`BERT`) DELETE n")[0]["name"] == "`BERT`) DELETE n"
    assert neo4j_store.find_nodes('a"b\\') == []


# -- failures a user meets: one line, no traceback, no password --------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_not_running():
    with Neo4jStore(f"bolt://127.0.0.1:{_free_port()}", password="secret-pw-1") as s:
        with pytest.raises(Neo4jUnavailable, match="is the server running") as err:
            s.stats()
        assert "secret-pw-1" not in str(err.value)


def test_wrong_password(neo4j_server):
    with Neo4jStore(neo4j_server["uri"], user="kg-nobody", password="wrong-pw-123") as s:
        with pytest.raises(Neo4jAuthError, match="wrong user name or password") as err:
            s.write([A])
        assert "wrong-pw-123" not in str(err.value)


def test_unknown_database(neo4j_server):
    with Neo4jStore(neo4j_server["uri"], database="nosuchdb", user=neo4j_server["user"],
                    password=neo4j_server["password"]) as s:
        with pytest.raises(Neo4jDatabaseNotFound, match="nosuchdb"):
            s.stats()


@pytest.mark.parametrize("case", ["down", "password", "database"])
def test_cli_errors_are_one_line(neo4j_server, case):
    from kg.cli import main

    uri, user, pw, extra = neo4j_server["uri"], "kg-nobody", "cli-wrong-pw", []
    if case == "down":
        uri = f"bolt://127.0.0.1:{_free_port()}"
    if case == "database":
        user, pw, extra = neo4j_server["user"], neo4j_server["password"], ["--database", "nosuchdb"]
    result = CliRunner().invoke(main, ["stats", "--neo4j", uri, "--user", user, *extra], env={"NEO4J_PASSWORD": pw})
    assert result.exit_code != 0
    out = result.output.strip()
    assert out.startswith("Error: ") and "\n" not in out and "Traceback" not in out, out
    assert pw not in out


def _with_family(facts, entity_id, family):
    from dataclasses import replace

    ents = tuple(replace(e, family=family) if e.id == entity_id else e for e in facts.entities)
    return replace(facts, entities=ents)


V7B = _with_family(make_facts("LLaMA-2 7B for chat", "We tune LLaMA-2 7B on SQuAD.",
                              [("USES", "Model", "LLaMA-2 7B"), ("EVALUATES_ON", "Dataset", "SQuAD")],
                              paper_id="arxiv:2000.00001"), "model:llama27b", "model:llama2")
FAMILY = make_facts("Training LLaMA-2", "We train LLaMA-2.", [("PROPOSES", "Model", "LLaMA-2")],
                    paper_id="arxiv:2000.00002")
FAMILY_GONE = make_facts("Training LLaMA-2", "We train a model.", [], paper_id="arxiv:2000.00002")


@pytest.mark.parametrize("steps", [
    [[V7B]],  # the family is never mentioned: the edge ends at an entity that is no node
    [[V7B], [FAMILY]],  # the family arrives later
    [[FAMILY], [V7B]],
    [[V7B, FAMILY]],
    [[V7B], [FAMILY], [FAMILY_GONE]],  # the family loses its only mention; the edge stays
    [[V7B], [FAMILY], [FAMILY_GONE], [FAMILY]],
])
def test_variant_edges_like_embedded(neo4j_store, tmp_path, steps):
    assert any(e.family for e in V7B.entities)
    for batch in steps:
        neo4j_store.write(batch)
    nodes, edges = graph(neo4j_store)
    assert (nodes, edges) == embedded_after(tmp_path, *steps)
    assert any(e["type"] == "VARIANT_OF" for e in edges)
    st = neo4j_store.stats()
    assert st["entities"] == sum(1 for n in nodes if n["label"] != "Paper")


def test_sample_corpus_same_graph_as_embedded(neo4j_store, tmp_path):
    from conftest import SAMPLE
    from kg.pipeline import run_ingest

    with EmbeddedStore(tmp_path / "sample.db") as e:
        run_ingest([SAMPLE], e)
        want, want_stats = graph(e), e.stats()
    report = run_ingest([SAMPLE], neo4j_store, batch_size=50)
    assert report.write.papers_added == want_stats["papers"] > 100
    assert graph(neo4j_store) == want
    got_stats = neo4j_store.stats()
    got_stats.pop("store"), want_stats.pop("store")
    assert got_stats == want_stats
    again = run_ingest([SAMPLE], neo4j_store)
    assert again.write.papers_added == 0 and again.write.extra["nodes_created"] == 0
    assert again.write.extra["relationships_created"] == 0
