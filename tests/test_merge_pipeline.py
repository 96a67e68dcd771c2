"""The merge of a paper's records through the whole job (load -> merge -> extract -> resolve ->
write), on real files: a later record never erases an earlier one, extraction runs on the merged
text, and the graph is the same for every order and split into runs, in both stores."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.pipeline import run_extract, run_ingest
from kg.store.embedded import EmbeddedStore
from graphutil import graph

REAL = Path(__file__).resolve().parent / "fixtures" / "real"
S2_BATCH = REAL / "s2-batch-with-null.json"  # three papers with abstracts (and a null)
S2_BIB = REAL / "s2-citation-styles.bib"  # Semantic Scholar's BibTeX export of them (+ LLaMA): no abstracts
LLAMA_S2 = REAL / "s2-paper-2302.13971.json"
LLAMA_ARXIV = REAL / "arxiv-api-2302.13971.atom.xml"  # constructed, see SOURCES
LLAMA = "arxiv:2302.13971"


def ingest_runs(path, runs, strict=False):
    with EmbeddedStore(path) as store:
        for run in runs:
            run_ingest([str(f) for f in run], store, workers=1, strict=strict)
        return graph(store)


def paper(graph, pid):
    return next(n for n in graph[0] if n["id"] == pid)


def relations_of(graph, pid):
    return sorted((e["type"], e["target"], e["evidence_field"]) for e in graph[1] if e["source"] == pid)


def test_a_bibtex_export_never_erases_what_the_api_gave(tmp_path):
    """Defect 1: S2's BibTeX export (no abstract) read after its JSON used to erase the abstract,
    DOI, S2 id and URL, and the relations extracted from the abstract."""
    before = ingest_runs(tmp_path / "a.db", [[S2_BATCH]])
    after = ingest_runs(tmp_path / "a.db", [[S2_BIB]])
    for node in (n for n in before[0] if n["label"] == "Paper"):
        kept = paper(after, node["id"])
        for key in ("title", "abstract", "doi", "s2", "url", "year", "authors"):
            assert kept[key] == node[key], (node["id"], key)
        assert relations_of(after, node["id"]) == relations_of(before, node["id"])
    assert sum(1 for n in after[0] if n["label"] == "Paper") == 4  # the three, and LLaMA (BibTeX only)


def test_the_same_paper_from_arxiv_s2_and_bibtex_is_one_node_in_any_order(tmp_path):
    """Every order of the three sources, one run each, and all three in one run: one graph. The
    LLaMA node has the union of the identifiers and the relations of the abstract, which the
    BibTeX record lacks."""
    sources = [LLAMA_ARXIV, LLAMA_S2, S2_BIB]
    want = ingest_runs(tmp_path / "one.db", [sources])
    for i, order in enumerate(itertools.permutations(sources)):
        assert ingest_runs(tmp_path / f"{i}.db", [[f] for f in order]) == want, order
    llama = [n for n in want[0] if n["label"] == "Paper" and "LLaMA" in n["title"]]
    assert [n["id"] for n in llama] == [LLAMA]
    node = llama[0]
    assert node["arxiv"] == "2302.13971" and node["s2"] == "57e849d0de13ed5f91d086936296721d4ff75a75"
    assert node["abstract"].startswith("We introduce LLaMA, a collection of foundation language models")
    assert node["url"] == "https://arxiv.org/abs/2302.13971" and node["year"] == 2023
    assert len(node["authors"]) == 14
    rels = relations_of(want, LLAMA)
    assert ("PROPOSES", "model:llama", "title") in rels
    assert any(field == "abstract" for _, _, field in rels)  # extracted from the merged abstract


def test_runs_split_differently_give_the_same_graph(tmp_path):
    files = [S2_BATCH, S2_BIB, LLAMA_S2]
    want = ingest_runs(tmp_path / "w.db", [files])
    assert ingest_runs(tmp_path / "x.db", [[S2_BIB, LLAMA_S2], [S2_BATCH]]) == want
    assert ingest_runs(tmp_path / "y.db", [[S2_BIB], [S2_BATCH, LLAMA_S2], [S2_BIB]]) == want
    # --strict asks the store only once it has read the input: the same merges with stored papers
    assert ingest_runs(tmp_path / "z.db", [[S2_BIB, LLAMA_S2], [S2_BATCH]], strict=True) == want
    # and re-running changes nothing
    with EmbeddedStore(tmp_path / "y.db") as store:
        report = run_ingest([str(f) for f in files], store, workers=1)
        assert report.write.papers_added == report.write.papers_updated == 0
        assert report.merge.merged == 0 and graph(store) == want


def test_resolution_state_follows_the_merge(store):
    """A paper taken into another leaves no resolution state behind (its votes would count
    twice, and re-resolving it would bring it back)."""
    run_ingest([str(S2_BIB)], store, workers=1)  # four title-only papers
    assert sum(1 for _ in store.resolution_state().raw(["title:" + "0" * 16])) == 0
    titled = [n["id"] for n in store.iter_nodes() if n["label"] == "Paper" and n["id"].startswith("title:")]
    assert len(titled) == 3
    report = run_ingest([str(S2_BATCH)], store, workers=1)
    assert report.merge.absorbed == 3
    ids = sorted(n["id"] for n in store.iter_nodes() if n["label"] == "Paper")
    assert not any(i.startswith("title:") for i in ids)
    raw = [pid for pid, _ in store.resolution_state().raw(ids + titled)]
    assert raw == ids  # the title ids' state is gone, every paper has its own
    assert not any(p.startswith("title:") for *_, p, _w, _s in store.resolution_state().rows())


def test_facts_files_of_two_shards_merge_like_the_inputs(tmp_path):
    """kg extract on two shards holding records of the same papers, then one ingest of both
    facts files: the graph of one ingest of the inputs (the merged papers extracted again)."""
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run_extract([str(S2_BATCH), str(LLAMA_S2)], a, workers=1)
    run_extract([str(S2_BIB)], b, workers=1)
    want = ingest_runs(tmp_path / "direct.db", [[S2_BATCH, LLAMA_S2, S2_BIB]])
    assert ingest_runs(tmp_path / "facts.db", [[a, b]]) == want
    assert ingest_runs(tmp_path / "facts2.db", [[b], [a]]) == want


def test_ingest_says_how_many_papers_were_merged(tmp_path):
    from kg.cli import main

    db = str(tmp_path / "kg.db")
    r = CliRunner().invoke(main, ["ingest", str(S2_BATCH), str(S2_BIB), "--store", db, "-j", "1"])
    assert r.exit_code == 0, r.output
    assert "Read 7 records as 4 papers (3 merged from several records): 4 added" in r.output
    r = CliRunner().invoke(main, ["ingest", str(LLAMA_S2), "--store", db, "-j", "1", "--json"])
    import json

    out = json.loads(r.output[r.output.index("{"):])
    assert (out["records"], out["merged"], out["absorbed"], out["updated"]) == (1, 1, 0, 1)


@pytest.mark.neo4j
def test_neo4j_merges_across_runs_like_the_embedded_store(neo4j_store, tmp_path):
    """In Neo4j too: records of one paper in any order and split merge into one node, the
    absorbed title-only papers are gone, and the graph equals the embedded store's."""
    runs = [[S2_BIB], [LLAMA_ARXIV], [S2_BATCH, LLAMA_S2]]
    for run in runs:
        run_ingest([str(f) for f in run], neo4j_store, workers=1)
    want = ingest_runs(tmp_path / "e.db", [[S2_BATCH, S2_BIB, LLAMA_ARXIV, LLAMA_S2]])
    assert graph(neo4j_store) == want
    # the link keys are kept (hidden) and found through the full-text index
    assert neo4j_store.papers_by_links(["id:corpusid:257219404"]) == {"id:corpusid:257219404": [LLAMA]}
    assert [p.id for p in neo4j_store.stored_papers([LLAMA])] == [LLAMA]
    again = run_ingest([str(S2_BIB), str(LLAMA_S2)], neo4j_store, workers=1)
    assert again.write.papers_added == again.write.papers_updated == 0 and graph(neo4j_store) == want
    # no resolution state is left under an absorbed id
    n = neo4j_store.cypher("MATCH (r:KgResolution) WHERE r.paper_id STARTS WITH 'title:' RETURN count(r) AS n")
    assert n[0]["n"] == 0
