"""The Neo4j store's pure parts: chunking, per-paper decisions, entity/edge upkeep, admin CSV.

No server needed.
"""

from __future__ import annotations

import csv
import io

import pytest

from factsutil import make_facts
from kg.errors import Neo4jAuthError, Neo4jDatabaseNotFound, Neo4jUnavailable
from kg.store import neo4j_rows as N
from kg.store import rows as R
from kg.store.neo4j import Neo4jStore, lucene_term, safe_uri
from kg.store.neo4j_admin import ARRAY_DELIMITER, field, import_command, write_admin_csv

A = make_facts("DistilBERT: a distilled version of BERT", "We evaluate DistilBERT on GLUE.",
               [("PROPOSES", "Model", "DistilBERT"), ("BUILDS_ON", "Model", "BERT"),
                ("EVALUATES_ON", "Dataset", "GLUE")], paper_id="arxiv:1910.01108")
TITLED = make_facts(A.paper.title, A.paper.abstract, [("PROPOSES", "Model", "DistilBERT")])


def test_chunks_hold_batch_size_papers_and_keep_ids_apart():
    ps = [N.paper_rows(make_facts(f"Paper {i} about BERT", "We use BERT.", [("USES", "Model", "BERT")]))
          for i in range(10)]
    sizes = [len(c) for c in N.chunks(ps, 3)]
    assert sizes == [3, 3, 3, 1]
    assert [len(c) for c in N.chunks(ps, 1)] == [1] * 10  # never an empty chunk
    # the same paper twice, or the same title under two ids, never share a chunk
    pa, pt = N.paper_rows(A), N.paper_rows(TITLED)
    assert [len(c) for c in N.chunks([pa, pa], 1000)] == [1, 1]
    assert [len(c) for c in N.chunks([pa, pt], 1000)] == [1, 1]
    assert [len(c) for c in N.chunks([pa, ps[0]], 1000)] == [2]


def test_plan_new_unchanged_changed():
    pa = N.paper_rows(A)
    plan = N.plan_chunk([pa], {})
    assert plan.added == {A.paper.id} and plan.writes == [pa] and not plan.deletes
    plan = N.plan_chunk([pa], {A.paper.id: (pa.title_key, pa.hash)})
    assert plan.unchanged == 1 and not plan.writes
    plan = N.plan_chunk([pa], {A.paper.id: (pa.title_key, "old-hash")})
    assert plan.updated == {A.paper.id} and plan.writes == [pa]


def test_plan_title_id_meets_real_id():
    pa, pt = N.paper_rows(A), N.paper_rows(TITLED)
    assert pt.id.startswith("title:") and pt.title_key == pa.title_key
    # a title-id paper arriving after the real one takes the real id
    plan = N.plan_chunk([pt], {pa.id: (pa.title_key, pa.hash)})
    assert [p.id for p in plan.writes] == [pa.id] and plan.updated == {pa.id}
    assert all(r["paper_id"] == pa.id for r in plan.writes[0].relations)
    # the real one arriving after a title-id paper supersedes it
    plan = N.plan_chunk([pa], {pt.id: (pt.title_key, pt.hash)})
    assert plan.deletes == [pt.id] and plan.added == {pa.id}


def test_entity_update_majority_name_and_aliases():
    mentions = [("p1", "LLaMA-2", "Model", ["Llama 2"], "LLaMA-2"),
                ("p2", "Llama 2", "Model", [], "Llama 2"),
                ("p3", "Llama 2", "Model", [], "llama-2")]
    up = N.entity_update("model:llama2", mentions)
    assert up["props"]["name"] == "Llama 2"
    assert up["props"]["aliases"] == ["LLaMA-2", "llama-2"]
    assert up["props"]["paper_count"] == 3
    assert up["props"]["_keys"] == ["llama2"]
    assert N.entity_update("model:x", []) is None


def test_edge_update_combines_in_paper_order():
    up = N.edge_update(["p2", "p1"], [0.5, 0.4], drop=set(), add={"p3": 0.2})
    assert up["papers"] == ["p1", "p2", "p3"] and up["support"] == 3
    assert up["_confidences"] == [0.4, 0.5, 0.2]
    assert up["confidence"] == R.combine_confidence([0.4, 0.5, 0.2])
    assert N.edge_update(["p1"], [0.4], drop={"p1"}, add={}) is None
    replaced = N.edge_update(["p1"], [0.4], drop={"p1"}, add={"p1": 0.9})
    assert replaced["papers"] == ["p1"] and replaced["confidence"] == 0.9


def test_hidden_properties_never_read_back():
    d = N.node_dict(["Entity", "Model"], {"id": "model:x", "name": "X", "type": "Model", "paper_count": 1,
                                          "_keys": ["x"]})
    assert d == {"id": "model:x", "label": "Model", "name": "X", "type": "Model", "paper_count": 1,
                 "aliases": []}
    e = N.edge_dict("a", "USES", "b", {"confidence": 0.5, "_name": "B"})
    assert e == {"source": "a", "type": "USES", "target": "b", "confidence": 0.5}


def test_cypher_comes_from_whitelists_only():
    for table in (N.CREATE_RELATION, N.MERGE_ENTITY_EDGE, N.DELETE_ENTITY_EDGE, N.SET_ENTITY):
        for key, text in table.items():
            assert key.isidentifier() and key.isupper() or key.istitle()
            assert "$rows" in text


def test_safe_uri_and_lucene():
    assert safe_uri("bolt://neo4j:s3cret@localhost:7687") == "bolt://localhost:7687"
    assert lucene_term('a"b\\c') == '"a\\"b\\\\c"'


def test_bad_uri_is_one_clean_error():
    with pytest.raises(Neo4jUnavailable, match="bad Neo4j URI"):
        Neo4jStore("http://localhost:7687", password="x")
    with pytest.raises(Neo4jUnavailable, match="bad Neo4j URI") as err:
        Neo4jStore("http://neo4j:topsecret@localhost:7687", password="x")
    assert "topsecret" not in str(err.value)
    # credentials in a bolt URI are used for the login and kept out of the URI the store shows
    s = Neo4jStore("bolt://someone:topsecret@localhost:7687", password="x")
    try:
        assert s.user == "someone" and "topsecret" not in s.uri and "topsecret" not in s._where
    finally:
        s.close()


def test_error_translation_never_shows_the_password():
    from neo4j.exceptions import AuthError, ClientError, ServiceUnavailable

    s = Neo4jStore("bolt://localhost:1", password="topsecret")
    try:
        auth = s._translate(AuthError("The client is unauthorized"))
        assert isinstance(auth, Neo4jAuthError) and "topsecret" not in str(auth)
        gone = s._translate(ServiceUnavailable("Couldn't connect"))
        assert isinstance(gone, Neo4jUnavailable) and "topsecret" not in str(gone)
        mid = s._translate(ServiceUnavailable("x"), "write")
        assert "run the same command again" in str(mid)
        class NotFound(ClientError):
            code = "Neo.ClientError.Database.DatabaseNotFound"

        assert isinstance(s._translate(NotFound("Database does not exist")), Neo4jDatabaseNotFound)
    finally:
        s.close()


# -- neo4j-admin CSV --------------------------------------------------------------------
def test_csv_fields():
    assert field(None) == ""
    assert field("") == '""'
    assert field('say "hi"') == '"say ""hi"""'
    assert field(3) == "3" and field(0.25) == "0.25"
    assert field(["a;b", "c"]) == f'"a;b{ARRAY_DELIMITER}c"'


def test_admin_csv_files(tmp_path):
    nodes = [
        {"id": "arxiv:1", "label": "Paper", "title": "T, with \"quotes\"", "abstract": "line1\nline2", "year": 2020,
         "authors": ["A; B", "C"], "source": "s", "title_key": "t"},
        {"id": "model:x", "label": "Model", "name": "X", "type": "Model", "aliases": ["X-1"], "paper_count": 1},
        {"id": "model:y", "label": "Model", "name": "Y", "type": "Model", "aliases": [], "paper_count": 1},
    ]
    edges = [
        {"source": "arxiv:1", "target": "model:x", "type": "PROPOSES", "confidence": 0.9, "rule": "r",
         "evidence_field": "title", "evidence_start": 0, "evidence_end": 1, "evidence_sentence": "T",
         "mention": "T"},
        {"source": "arxiv:1", "target": "model:y", "type": "BUILDS_ON", "confidence": 0.5, "rule": "r",
         "evidence_field": "title", "evidence_start": 0, "evidence_end": 1, "evidence_sentence": "T",
         "mention": "T"},
        {"source": "model:x", "target": "model:y", "type": "BUILDS_ON", "papers": ["arxiv:1"], "support": 1,
         "confidence": 0.45},
    ]
    assert write_admin_csv(iter(nodes), iter(edges), tmp_path / "out") == (3, 3)
    out = tmp_path / "out"
    papers = list(csv.reader(io.StringIO((out / "papers.csv").read_text(encoding="utf-8"))))
    assert papers[0][:5] == ["id:ID", ":LABEL", "title", "abstract", "year:int"]
    assert papers[1][2] == 'T, with "quotes"' and papers[1][3] == "line1\nline2"
    assert papers[1][5].split(ARRAY_DELIMITER) == ["A; B", "C"]
    ents = list(csv.reader(io.StringIO((out / "entities.csv").read_text(encoding="utf-8"))))
    assert ents[1][1].split(ARRAY_DELIMITER) == ["Entity", "Model"]
    er = list(csv.reader(io.StringIO((out / "entity_relations.csv").read_text(encoding="utf-8"))))
    assert er[0][:3] == [":START_ID", ":END_ID", ":TYPE"]
    assert er[1][-1] == "0.45"  # _confidences rebuilt: 0.9 * 0.5
    assert not list(out.glob(".*.tmp"))
    assert "--array-delimiter=U+001F" in import_command(out)
    assert "neo4j-admin database import full" in (out / "IMPORT.txt").read_text()


def test_derived_edges_start_from_proposed_models_and_methods_only():
    """A paper that proposes a method and a benchmark and builds on BERT: the method builds on
    BERT; the benchmark does not (a dataset is not derived from the model a paper fine-tunes)."""
    from kg.store.rows import support_rows

    def row(t, e, c=0.9):
        return {"type": t, "entity_id": e, "paper_id": "p1", "confidence": c}

    rows = [row("PROPOSES", "method:foo"), row("PROPOSES", "dataset:foobench"),
            row("BUILDS_ON", "model:bert", 0.8), row("EVALUATES_ON", "dataset:glue", 0.5)]
    edges = {(r["source"], r["type"], r["target"]): r["confidence"] for r in support_rows(rows)}
    assert edges == {("method:foo", "BUILDS_ON", "model:bert"): 0.72,
                     ("method:foo", "EVALUATED_ON", "dataset:glue"): 0.45}


def _entity_edge_rows(directory):
    text = (directory / "entity_relations.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return {(r[":START_ID"], r[":TYPE"], r[":END_ID"]): (r["papers:string[]"].split(ARRAY_DELIMITER),
                                                          [float(x) for x in r["_confidences:float[]"].split(ARRAY_DELIMITER)])
            for r in rows}


def test_admin_export_reads_each_papers_edge_confidence_from_the_store(sample_facts, store, tmp_path):
    """``kg export --format neo4j-admin`` streams the entity edges' ``_confidences`` from the
    store's edge support (what Neo4jStore keeps per paper, VARIANT_OF included), aligned with
    ``papers``, and the relations' ``_name``/``_type``/``_aliases`` from the store's relations
    (the entity as each paper saw it); rebuilt without them, the derived BUILDS_ON /
    EVALUATED_ON edges agree."""
    from click.testing import CliRunner

    from kg.cli import main
    from kg.pipeline import run_ingest

    run_ingest([sample_facts], store)
    want = {key: dict(confs) for key, confs in store.edge_support()}
    assert want and len({t for _, t, _ in want}) >= 2
    out = tmp_path / "admin"
    res = CliRunner().invoke(main, ["export", "--store", str(store.path), "--format", "neo4j-admin", "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = _entity_edge_rows(out)
    assert set(got) == set(want)
    for key, (papers, confs) in got.items():
        assert papers == sorted(want[key]) and confs == [want[key][p] for p in papers], key
    rebuilt_dir = tmp_path / "rebuilt"
    write_admin_csv(store.iter_nodes(), store.iter_edges(), rebuilt_dir)
    rebuilt = _entity_edge_rows(rebuilt_dir)
    derived = [k for k in got if k[1] in ("BUILDS_ON", "EVALUATED_ON")]
    assert derived and all(rebuilt[k] == got[k] for k in derived)
    assert (out / "papers.csv").read_bytes() == (rebuilt_dir / "papers.csv").read_bytes()
    # a relation keeps the entity as its paper saw it (what Neo4jStore keeps in _name, _type, _aliases)
    rels = list(csv.DictReader(io.StringIO((out / "relations.csv").read_text(encoding="utf-8"))))
    views = {key: (name, typ, aliases) for key, (name, typ, aliases) in store.relation_views()}
    assert len(rels) == len(views) > 100
    for r in rels:
        name, typ, aliases = views[(r[":START_ID"], r[":TYPE"], r[":END_ID"])]
        assert (r["_name"], r["_type"]) == (name, typ)
        assert (r["_aliases:string[]"].split(ARRAY_DELIMITER) if r["_aliases:string[]"] else []) == aliases
    nodes = {n["id"]: n for n in store.iter_nodes()}
    assert any(views[k][0] != nodes[k[2]]["name"] for k in views), "no relation whose paper named its entity otherwise"
    # each entity carries its counted state, so an ingest into the imported database updates it
    # from there (without it, a popular entity is rebuilt from every relation it has)
    ents = list(csv.DictReader(io.StringIO((out / "entities.csv").read_text(encoding="utf-8"))))
    states = dict(store.entity_states())
    assert len(ents) == len(states) > 100
    for e in ents:
        assert e["_state"] == N.state_json(states[e["id:ID"]])
        node = N.state_node(e["id:ID"], N.state_from_json(e["_state"]))
        assert (node["name"], node["paper_count"]) == (nodes[e["id:ID"]]["name"], nodes[e["id:ID"]]["paper_count"])
    bare = list(csv.DictReader(io.StringIO((rebuilt_dir / "entities.csv").read_text(encoding="utf-8"))))
    assert all(e["_state"] == "" for e in bare)  # no state given: the property is left out
