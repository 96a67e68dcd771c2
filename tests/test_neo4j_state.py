"""The Neo4j database holds the graph only: kg's bookkeeping is in a state file beside the client.

What a Neo4j Browser user sees (``MATCH (n)``, labels, property panels) is the graph; a
process dying between its two commits, a second writer, a database emptied by hand or a
database read from another machine each end well.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from factsutil import make_facts
from kg.store import neo4j_state as S
from kg.store.embedded import EmbeddedStore
from kg.store.neo4j import Neo4jStore
from graphutil import graph

pytestmark = pytest.mark.neo4j

#: the graph's documented properties (README "The graph"), per node label and relationship kind
PAPER_PROPS = {"id", "title", "abstract", "year", "authors", "url", "source", "arxiv", "doi", "s2", "openalex"}
ENTITY_PROPS = {"id", "name", "type", "aliases", "paper_count"}
RELATION_PROPS = {"confidence", "rule", "mention", "evidence_field", "evidence_start", "evidence_end",
                  "evidence_sentence"}
DERIVED_PROPS = {"papers", "support", "confidence"}
ENTITY_LABELS = {"Model", "Method", "Dataset", "Task", "Metric"}

A = make_facts("DistilBERT: a distilled version of BERT", "We evaluate DistilBERT on GLUE.",
               [("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT"),
                ("EVALUATES_ON", "Dataset", "GLUE")], paper_id="arxiv:1910.01108")
B = make_facts("TinyBERT: distilling BERT", "TinyBERT builds on BERT and is tested on GLUE.",
               [("PROPOSES", "Model", "TinyBERT"), ("BUILDS_ON", "Model", "BERT"),
                ("EVALUATES_ON", "Dataset", "GLUE")], paper_id="arxiv:1909.10351")
C = make_facts("A study of LLaMA-2", "We fine-tune Llama 2 on SQuAD.",
               [("USES", "Model", "LLaMA-2"), ("EVALUATES_ON", "Dataset", "SQuAD")])


def store_for(settings, **kw) -> Neo4jStore:
    return Neo4jStore(settings["uri"], user=settings["user"], password=settings["password"], **kw)


@pytest.fixture
def fresh(neo4j_server):
    store = store_for(neo4j_server)
    store.clear()
    try:
        yield store
    finally:
        store.close()


def embedded(tmp_path, *batches):
    with EmbeddedStore(tmp_path / f"ref{len(list(tmp_path.iterdir()))}.db") as ref:
        for b in batches:
            ref.write(b)
        return graph(ref)


def assert_only_the_graph(store) -> None:
    """What MATCH (n) and the property panels show: Paper and entity nodes with their
    documented properties, relationships with theirs."""
    rows = store.cypher("MATCH (n) RETURN DISTINCT labels(n) AS labels")
    for r in rows:
        labels = set(r["labels"])
        assert labels == {"Paper"} or (labels - ENTITY_LABELS == {"Entity"} and len(labels) <= 2), labels
    for r in store.cypher("MATCH (n) RETURN labels(n) AS labels, keys(n) AS keys"):
        allowed = PAPER_PROPS if "Paper" in r["labels"] else ENTITY_PROPS
        assert set(r["keys"]) <= allowed, r
    for r in store.cypher("MATCH (a)-[x]->() RETURN a:Paper AS paper, keys(x) AS keys"):
        assert set(r["keys"]) <= (RELATION_PROPS if r["paper"] else DERIVED_PROPS), r


def test_a_new_database_holds_the_graph_only(fresh, tmp_path, neo4j_server):
    fresh.write([A, B, C])
    assert fresh._state_mode == "file"
    assert_only_the_graph(fresh)
    assert graph(fresh) == embedded(tmp_path, [A, B, C])
    # the same labels the graph has, no more
    assert {r["labels"][0] for r in fresh.cypher("MATCH (n) RETURN DISTINCT labels(n) AS labels")} == {"Paper", "Entity"}
    # the bookkeeping is in the state file: the same graph, with the resolution state beside it
    path = fresh._master.path
    assert path.parent == S.state_dir() and path.exists()
    with EmbeddedStore(path) as state:
        assert graph(state) == graph(fresh)
    # another client of the same database finds the same state file
    with store_for(neo4j_server) as other:
        assert other.write([A]).papers_unchanged == 1 and other._master.path == path


def test_the_sample_corpus_through_the_cli_leaves_only_the_graph(neo4j_server, fresh, tmp_path, monkeypatch):
    from conftest import SAMPLE
    from kg.cli import main

    monkeypatch.setenv("NEO4J_PASSWORD", neo4j_server["password"] or "")
    r = CliRunner().invoke(main, ["ingest", str(SAMPLE), "--neo4j", neo4j_server["uri"], "--user",
                                  neo4j_server["user"], "--quiet"])
    assert r.exit_code == 0, r.output
    assert_only_the_graph(fresh)
    with EmbeddedStore(tmp_path / "e.db") as e:
        r = CliRunner().invoke(main, ["ingest", str(SAMPLE), "--store", str(tmp_path / "e.db"), "--quiet"])
        assert r.exit_code == 0, r.output
        assert graph(fresh) == graph(e)
    # the resolution report reads the state file
    r = CliRunner().invoke(main, ["resolve", "--report", "--json", "--neo4j", neo4j_server["uri"]])
    assert r.exit_code == 0, r.output
    r2 = CliRunner().invoke(main, ["resolve", "--report", "--json", "--store", str(tmp_path / "e.db")])
    assert json.loads(r.output) == json.loads(r2.output)


def corpus(n: int, prefix: str = "Net"):
    """Papers proposing their own model, building on shared ones (every batch changes them)."""
    base, data = ["BERT", "GPT-2", "T5"], ["GLUE", "SQuAD"]
    return [make_facts(f"{prefix}{i}: building on {base[i % 3]}", f"We evaluate {prefix}{i} on {data[i % 2]}.",
                       [("PROPOSES", "Model", f"{prefix}{i}"), ("BUILDS_ON", "Model", base[i % 3]),
                        ("EVALUATES_ON", "Dataset", data[i % 2])]) for i in range(n)]


#: where a writer process dies: the state file has committed a batch and its copy is about to
#: be sent to Neo4j; Neo4j has committed a copy and the note still lists its ids; the next
#: batch is noted in its state file transaction (not committed) while a copy is in flight
DEATHS = ("copy sent", "copy committed", "next batch noted")


def _die_at(point: str, n: int) -> None:
    """In this (forked) process: end at once (``os._exit``, nothing more runs) the ``n``-th time
    ``point`` is reached."""
    import os

    seen = [0]

    def hit() -> None:
        seen[0] += 1
        if seen[0] == n:
            os._exit(17)

    if point == "copy sent":
        real_publish = Neo4jStore._publish
        Neo4jStore._publish = lambda self, pub, counters: (hit(), real_publish(self, pub, counters))[1]
    elif point == "copy committed":
        real_confirm = S.Publisher.confirm
        S.Publisher.confirm = lambda self, pub, everything=False: (hit(), real_confirm(self, pub, everything))[1]
    else:
        real_prepare = S.Publisher.prepare
        S.Publisher.prepare = lambda self, cur, changed, noted=False: (real_prepare(self, cur, changed, noted), hit())[0]


def _writer(settings, facts, point, n, batch_size) -> None:
    import os

    if point:
        _die_at(point, n)
    with store_for(settings, batch_size=batch_size) as s:
        s.write(facts)
    os._exit(0)


def run_writer(settings, facts, point=None, n=0, batch_size=2):
    import multiprocessing

    proc = multiprocessing.get_context("fork").Process(target=_writer, args=(settings, facts, point, n, batch_size))
    proc.start()
    return proc


@pytest.mark.parametrize("point", DEATHS)
@pytest.mark.parametrize("n", [1, 3])
def test_a_writer_killed_at_any_point_is_repaired_by_the_next_write(fresh, neo4j_server, tmp_path, point, n):
    facts = corpus(10)
    fresh.write(facts[:2])
    proc = run_writer(neo4j_server, facts[2:], point, n)
    proc.join(120)
    assert proc.exitcode == 17  # it died there
    note = S.publishing_note(fresh._master.path)
    assert note.exists()
    # Neo4j holds whole batches, each exactly as it was written: the graph of the first papers
    held = fresh.stats()["papers"]
    assert held % 2 == 0 and graph(fresh) == embedded(tmp_path, facts[:held])
    with EmbeddedStore(fresh._master.path) as state:  # the state file may be ahead: by noted batches only
        ahead = state.stats()["papers"]
    assert held <= ahead <= held + 4
    # the next write first makes Neo4j what the state file says, then writes
    more = corpus(2, "Other")
    fresh.write(more)
    assert not note.exists()
    assert graph(fresh) == embedded(tmp_path, facts[:ahead] + more)
    w = fresh.write(facts + more)
    assert w.papers_unchanged == ahead + 2 and w.papers_added == len(facts) - ahead
    assert graph(fresh) == embedded(tmp_path, facts + more)
    with EmbeddedStore(fresh._master.path) as state:
        assert graph(state) == graph(fresh)
    assert_only_the_graph(fresh)


def test_a_copy_lost_after_neo4j_committed_it_is_finished_by_the_next_write(fresh, tmp_path, monkeypatch):
    from kg.errors import Neo4jUnavailable

    fresh.write([A])
    real = Neo4jStore._publish

    def committed_then_lost(self, pub, counters):  # e.g. the server went away during the commit
        real(self, pub, counters)
        raise Neo4jUnavailable("lost Neo4j during the write")

    monkeypatch.setattr(Neo4jStore, "_publish", committed_then_lost)
    with pytest.raises(Neo4jUnavailable):
        fresh.write([B])
    monkeypatch.undo()
    assert S.publishing_note(fresh._master.path).exists()
    # the state file holds B: the next write copies B's ids again, and B counts as there
    w = fresh.write([B, C])
    assert (w.papers_unchanged, w.papers_added) == (1, 1)
    assert not S.publishing_note(fresh._master.path).exists()
    assert graph(fresh) == embedded(tmp_path, [A, B, C])
    with EmbeddedStore(fresh._master.path) as state:
        assert graph(state) == graph(fresh)


def test_a_copy_refused_by_neo4j_stays_noted_until_it_is_in(fresh, tmp_path, monkeypatch):
    from kg.errors import Neo4jUnavailable

    fresh.write([A])

    def refused(self, pub, counters):
        raise Neo4jUnavailable("cannot reach Neo4j")

    monkeypatch.setattr(Neo4jStore, "_publish", refused)
    with pytest.raises(Neo4jUnavailable):
        fresh.write([B, C])
    with pytest.raises(Neo4jUnavailable):  # the repair needs Neo4j too: nothing is lost meanwhile
        fresh.write([])
    monkeypatch.undo()
    assert [n["id"] for n in fresh.iter_nodes() if n["label"] == "Paper"] == [A.paper.id]
    fresh.write([])
    assert graph(fresh) == embedded(tmp_path, [A, B, C])


def test_two_writers_through_one_state_file_take_turns(fresh, neo4j_server, tmp_path):
    fresh.write([A])
    one, two = corpus(12, "One"), corpus(12, "Two")
    procs = [run_writer(neo4j_server, one), run_writer(neo4j_server, two)]
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    assert graph(fresh) == embedded(tmp_path, [A] + one + two)
    with EmbeddedStore(fresh._master.path) as state:
        assert graph(state) == graph(fresh)


def test_another_writer_is_noticed_with_one_clear_error(fresh, neo4j_server):
    fresh.write([A])
    fresh.driver.execute_query("CREATE (:Paper {id: 'hand:1', title: 'Written by hand'})")
    with pytest.raises(S.StateMismatch, match="another writer"):
        fresh.write([B])
    with store_for(neo4j_server) as other:
        with pytest.raises(S.StateMismatch, match="another writer|changed without it"):
            other.write([C])
    # nothing half-written: the graph is A and the hand-made paper
    assert sorted(n["id"] for n in fresh.iter_nodes() if n["label"] == "Paper") == [A.paper.id, "hand:1"]


def test_an_emptied_database_is_loaded_again_from_scratch(fresh, neo4j_server, tmp_path):
    fresh.write([A, B])
    fresh.driver.execute_query("MATCH (n) DETACH DELETE n")  # what a Browser user may type
    with store_for(neo4j_server) as again:
        w = again.write([C])
        assert w.papers_added == 1
        assert graph(again) == embedded(tmp_path, [C])


def test_reading_from_another_machine_and_writing_with_a_copy_of_the_state(fresh, neo4j_server, tmp_path,
                                                                           monkeypatch):
    import sqlite3

    fresh.write([A, B])
    copy = tmp_path / "copy.kgstate"
    with sqlite3.connect(copy) as dst:  # a consistent copy of the live file
        fresh._master.db.backup(dst)
    monkeypatch.setenv("KG_STATE_DIR", str(tmp_path / "elsewhere"))
    with store_for(neo4j_server) as reader:
        assert graph(reader) == graph(fresh)  # reading needs no state
        assert reader.find_nodes("distilbert")[0]["id"] == "model:distilbert"
        with pytest.raises(S.StateNotFound, match="--state PATH"):
            reader.write([C])
    with store_for(neo4j_server, state=str(copy)) as writer:
        writer.write([C])
        assert graph(writer) == embedded(tmp_path, [A, B, C])


def test_a_database_with_its_state_in_neo4j_keeps_it_there(neo4j_server, tmp_path):
    with store_for(neo4j_server, state="neo4j") as old:
        old.clear()
        old.write([A])
        assert old.cypher("MATCH (e:Entity) WHERE e._state IS NOT NULL RETURN count(e) AS n")[0]["n"] > 0
    with store_for(neo4j_server) as auto:
        auto.write([B])
        assert auto._state_mode == S.IN_NEO4J
        assert graph(auto) == embedded(tmp_path, [A, B])
        auto.clear()


def test_an_entity_whose_type_changes_gets_its_new_label_and_keeps_it_otherwise(fresh, tmp_path):
    """The copy changes an entity's type label only when its type changed (``entities_kept``):
    both ways end with the labels of the type the state file computes."""
    from dataclasses import replace

    def view(as_type):
        f = make_facts("A view of BERT", "We use BERT.", [("USES", "Model", "BERT")], paper_id="arxiv:2402.00001")
        return replace(f, entities=tuple(replace(e, type=as_type) for e in f.entities))

    def labels():
        return fresh.cypher("MATCH (e:Entity {id: 'model:bert'}) RETURN labels(e) AS l")[0]["l"]

    fresh.write([A, B])
    assert sorted(labels()) == ["Entity", "Model"]
    fresh.write([view("Method")])  # the type counted first by name: Method now
    assert sorted(labels()) == ["Entity", "Method"]
    assert graph(fresh) == embedded(tmp_path, [A, B], [view("Method")])
    fresh.write([C, view("Model")])  # and back; GLUE and the others keep theirs
    assert sorted(labels()) == ["Entity", "Model"]
    assert graph(fresh) == embedded(tmp_path, [A, B], [view("Method")], [C, view("Model")])
    assert_only_the_graph(fresh)
