"""The embedded SQLite store: idempotent, incremental, crash-safe, order independent."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3

import pytest

from factsutil import make_facts
from kg.errors import StoreError
from kg.schema import validate_facts
from kg.store.embedded import EmbeddedStore
from graphutil import graph

A = make_facts("DistilBERT: a distilled version of BERT", "We evaluate DistilBERT on GLUE.",
               [("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT"),
                ("EVALUATES_ON", "Dataset", "GLUE")], paper_id="arxiv:1910.01108")
B = make_facts("TinyBERT: distilling BERT", "TinyBERT builds on BERT and is tested on GLUE.",
               [("PROPOSES", "Model", "TinyBERT"), ("BUILDS_ON", "Model", "BERT"),
                ("EVALUATES_ON", "Dataset", "GLUE")], paper_id="arxiv:1909.10351")
C = make_facts("A study of LLaMA-2", "We fine-tune Llama 2 on SQuAD.",
               [("USES", "Model", "LLaMA-2"), ("USES", "Model", "Llama 2"), ("EVALUATES_ON", "Dataset", "SQuAD")])


def test_facts_are_valid():
    for f in (A, B, C):
        assert validate_facts(f) == []


def test_write_and_read_back(store):
    w = store.write([A, B])
    assert (w.papers_added, w.relations_added) == (2, 6)
    st = store.stats()
    assert st["papers"] == 2
    assert st["entities"] == 4  # DistilBERT, TinyBERT, BERT, GLUE
    assert st["relation_types"] == {"BUILDS_ON": 2, "EVALUATES_ON": 2, "PROPOSES": 2}
    assert st["entity_relation_types"] == {"BUILDS_ON": 2, "EVALUATED_ON": 2}
    bert = store.find_nodes("bert")[0]
    assert bert["id"] == "model:bert" and bert["paper_count"] == 2
    # derived edge: what builds on BERT is a walk over entity edges
    builders = sorted(e["source"] for e in store.edges_of(["model:bert"])
                      if e["type"] == "BUILDS_ON" and e["source"].startswith("model:"))
    assert builders == ["model:distilbert", "model:tinybert"]
    edge = next(e for e in store.iter_edges() if e["source"] == "model:distilbert" and e["type"] == "BUILDS_ON")
    assert edge["papers"] == ["arxiv:1910.01108"] and edge["support"] == 1


def test_evidence_points_at_mention(store):
    store.write([A, B, C])
    papers = {n["id"]: n for n in store.iter_nodes() if n["label"] == "Paper"}
    for e in store.iter_edges():
        if "evidence_field" in e:
            text = papers[e["source"]][e["evidence_field"]]
            assert text[e["evidence_start"]:e["evidence_end"]] == e["mention"]


def test_second_write_adds_nothing(store):
    store.write([A, B, C])
    before = graph(store)
    w = store.write([A, B, C])
    assert (w.papers_added, w.papers_updated, w.papers_unchanged, w.relations_added) == (0, 0, 3, 0)
    assert graph(store) == before


@pytest.mark.parametrize("order", [[A, B, C], [C, B, A], [B, C, A]])
def test_order_does_not_matter(tmp_path, order):
    ref = tmp_path / "ref.db"
    with EmbeddedStore(ref) as s:
        s.write([A, B, C])
        want = graph(s)
    with EmbeddedStore(tmp_path / "x.db") as s:
        for f in order:  # one paper per batch: incremental
            s.write([f])
        assert graph(s) == want


def test_spelling_variants_one_node_with_aliases(store):
    store.write([C])
    llama = [n for n in store.iter_nodes() if n["id"] == "model:llama2"]
    assert len(llama) == 1
    assert set([llama[0]["name"], *llama[0]["aliases"]]) == {"LLaMA-2", "Llama 2"}


def test_changed_paper_replaces_its_relations_only(store):
    changed = make_facts("DistilBERT: a distilled version of BERT", "We evaluate DistilBERT on SQuAD.",
                         [("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT"),
                          ("EVALUATES_ON", "Dataset", "SQuAD")], paper_id="arxiv:1910.01108")
    store.write([A, B])
    b_edges = [e for e in store.iter_edges() if e["source"] == B.paper.id]
    w = store.write([changed])
    assert w.papers_updated == 1 and w.relations_removed == 3
    edges = list(store.iter_edges())
    assert [e for e in edges if e["source"] == B.paper.id] == b_edges
    a_targets = sorted(e["target"] for e in edges if e["source"] == A.paper.id)
    assert a_targets == ["dataset:squad", "model:bert", "model:distilbert"]
    glue = store.find_nodes("GLUE")[0]
    assert glue["paper_count"] == 1
    ev = next(e for e in edges if e["source"] == "model:distilbert" and e["type"] == "EVALUATED_ON")
    assert ev["target"] == "dataset:squad"


def test_title_id_meets_real_id_in_any_order(tmp_path):
    titled = make_facts(A.paper.title, A.paper.abstract, [("PROPOSES", "Model", "DistilBERT")])
    assert titled.paper.id.startswith("title:")
    results = []
    for name, order in (("a", [titled, A]), ("b", [A, titled])):
        with EmbeddedStore(tmp_path / f"{name}.db") as s:
            for f in order:
                s.write([f])
            results.append(sorted(n["id"] for n in s.iter_nodes() if n["label"] == "Paper"))
    assert results[0] == results[1] == ["arxiv:1910.01108"]


def test_not_a_store(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError, match="bad.db"):
        EmbeddedStore(bad)
    with pytest.raises(StoreError, match="no store"):
        EmbeddedStore(tmp_path / "missing.db", create=False)


def test_no_pickle_in_store(tmp_path):
    path = tmp_path / "kg.db"
    with EmbeddedStore(path) as s:
        s.write([A])
    db = sqlite3.connect(path)
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
        if table.startswith("node_names_fts_"):  # SQLite's own full-text index pages (FTS5 shadow tables)
            continue
        for row in db.execute(f"SELECT * FROM {table}"):
            assert not any(isinstance(v, bytes) for v in row)


def _killed_writer(path: str, ready) -> None:
    s = EmbeddedStore(path)
    big = [make_facts(f"Paper number {i} on BERT", "We use BERT.", [("USES", "Model", "BERT")])
           for i in range(20000)]
    ready.set()
    s.write(big)


def test_killed_mid_write_leaves_old_content(tmp_path):
    path = tmp_path / "kg.db"
    with EmbeddedStore(path) as s:
        s.write([A])
        before = graph(s)
    ready = multiprocessing.Event()
    proc = multiprocessing.get_context("fork").Process(target=_killed_writer, args=(str(path), ready))
    proc.start()
    ready.wait(30)
    import time
    time.sleep(0.3)
    os.kill(proc.pid, 9)
    proc.join()
    with EmbeddedStore(path) as s:
        after = graph(s)
        assert after == before or s.stats()["papers"] == 20001


def test_a_store_with_first_version_content_hashes_sees_its_papers_unchanged(store):
    """Papers written before the content hash changed (their hash is of the facts' JSON) are
    recognised as unchanged, not rewritten; a changed paper still is."""
    from dataclasses import replace

    from kg.store.rows import content_hash, first_content_hash

    store.write([A, B])
    store.db.executemany("UPDATE papers SET content_hash=? WHERE id=?",
                         [(first_content_hash(f), f.paper.id) for f in (A, B)])
    store.db.commit()
    changed = replace(B, paper=replace(B.paper, year=2019))
    w = store.write([A, changed])
    assert (w.papers_unchanged, w.papers_updated) == (1, 1)
    assert store.sql("SELECT content_hash FROM papers WHERE id=?", (B.paper.id,)) == [(content_hash(changed),)]
    assert content_hash(A) != content_hash(changed) and content_hash(A).startswith("2:")


@pytest.mark.parametrize("mark", [True, False])
def test_settling_the_knowledge_looks_only_at_papers_saved_by_the_watermark(tmp_path, mark):
    """A run's own papers are extracted with the knowledge it settles: only the papers stored
    before the run (its watermark) are marked to extract again; on a first load, none."""
    from kg.corpus import decide

    k = EmbeddedStore(tmp_path / "kg.db").knowledge_state()
    assert k.watermark() == 0
    k.save([("p1", "t1", "We train FooNet on our data.", [])])
    before = k.watermark()
    assert before > 0
    k.save([("p2", "t2", "We propose FooNet, a new network.", [("FooNet", "Model")]),
            ("p3", "t3", "FooNet is fast.", []), ("p4", "t4", "Nothing to see.", [])])
    assert k.settle(decide, saved_by=before if mark else None) == ["FooNet"]
    assert k.pending() == (["p1"] if mark else ["p1", "p2", "p3"])
    assert k.knowledge() == {"FooNet": "Model"}
    first = EmbeddedStore(tmp_path / "first.db").knowledge_state()
    first.save([("p2", "t2", "We propose FooNet, a new network.", [("FooNet", "Model")]), ("p3", "t3", "FooNet.", [])])
    assert first.settle(decide, saved_by=0) == ["FooNet"] and first.pending() == []
