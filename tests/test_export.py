"""The graph writers: node-link JSON, GraphML, CSV (unit tests on hand-made and hostile data)."""

from __future__ import annotations

import csv
import io
import json
import os
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest

from kg.export import (atomic_text, flatten_props, graphml_type, merge_graphml_type, scalar, write_csv,
                       write_graph, write_graphml, write_json, xml_text)

HOSTILE = ('<script>alert("x")</script> & </graphml>]]><!-- \'quote\' "dq"\n'
           "second line\r\n\ttab \x00\x01\x0b\x1f nul \ufffe end \u2028 \U0001F600 é")
#: what XML can carry of HOSTILE (the characters XML 1.0 forbids are dropped)
HOSTILE_XML = HOSTILE.replace("\x00", "").replace("\x01", "").replace("\x0b", "").replace("\x1f", "").replace("\ufffe", "")

NODES = [
    {"id": "arxiv:2401.00001", "label": "Paper", "title": HOSTILE, "abstract": "An abstract, with, commas.",
     "year": 2024, "authors": ["Ada Lovelace", "Alan Turing"], "url": None, "source": "hf:x.txt:3"},
    {"id": "model:llama2", "label": "Model", "name": "Llama 2", "type": "Model", "aliases": ["LLaMA-2", "Llama-2|x"],
     "paper_count": 3},
    {"id": "dataset:mmlu", "label": "Dataset", "name": "MMLU", "type": "Dataset", "aliases": [], "paper_count": 2},
]
EDGES = [
    {"source": "arxiv:2401.00001", "target": "dataset:mmlu", "type": "EVALUATES_ON", "confidence": 0.8,
     "rule": "eval_on", "evidence_field": "abstract", "evidence_start": 3, "evidence_end": 7,
     "evidence_sentence": HOSTILE, "mention": "MMLU"},
    {"source": "arxiv:2401.00001", "target": "model:llama2", "type": "BUILDS_ON", "confidence": 0.9, "rule": "r",
     "evidence_field": "title", "evidence_start": 0, "evidence_end": 5, "evidence_sentence": "s", "mention": "m"},
    {"source": "arxiv:2401.00001", "target": "model:llama2", "type": "USES", "confidence": 0.5, "rule": "r",
     "evidence_field": "title", "evidence_start": 0, "evidence_end": 5, "evidence_sentence": "s", "mention": "m"},
    {"source": "model:llama2", "target": "dataset:mmlu", "type": "EVALUATED_ON", "papers": ["arxiv:2401.00001", "x:2"],
     "support": 2, "confidence": 0.75},
]


# -- pure helpers --------------------------------------------------------------------------------

def test_flatten_props_joins_lists_flattens_dicts_drops_none():
    flat = flatten_props({"a": [1, "b", None], "d": {"x": 1, "y": {"z": True}}, "n": None, "s": "t", "f": 0.5})
    assert flat == {"a": "1|b|", "d.x": 1, "d.y.z": True, "s": "t", "f": 0.5}
    assert scalar(("x", "y")) == "x|y" and scalar({"b", "a"}) == "a|b" and scalar(3) == 3


def test_graphml_types_and_promotion():
    assert [graphml_type(v) for v in (True, 3, 2**40, 0.5, "x")] == ["boolean", "int", "long", "double", "string"]
    assert merge_graphml_type("int", "double") == "double"
    assert merge_graphml_type("int", "long") == "long"
    assert merge_graphml_type("boolean", "int") == "string"
    assert merge_graphml_type(None, "int") == "int"
    assert merge_graphml_type("string", "int") == "string"


def test_xml_text_escapes_and_drops_invalid_characters():
    assert xml_text('<a href="x">&\n') == "&lt;a href=&quot;x&quot;&gt;&amp;&#10;"
    assert xml_text("a\x00b\x1fc\ufffe") == "abc"
    assert xml_text(True) == "true" and xml_text(0.25) == "0.25"


# -- JSON ------------------------------------------------------------------------------------------

def test_json_is_networkx_node_link_data_and_reads_back():
    buf = io.StringIO()
    assert write_json(NODES, EDGES, buf) == (3, 4)
    data = json.loads(buf.getvalue())
    reference = nx.node_link_data(nx.MultiDiGraph(), edges="links")
    assert set(data) == set(reference) and data["directed"] is True and data["multigraph"] is True
    graph = nx.node_link_graph(data, edges="links")
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.number_of_nodes() == 3 and graph.number_of_edges() == 4
    assert graph.nodes["arxiv:2401.00001"]["title"] == HOSTILE
    assert graph.nodes["model:llama2"]["aliases"] == ["LLaMA-2", "Llama-2|x"]
    # two relation types between the same pair stay two edges, keyed by type
    assert set(graph["arxiv:2401.00001"]["model:llama2"]) == {"BUILDS_ON", "USES"}
    assert graph["model:llama2"]["dataset:mmlu"]["EVALUATED_ON"]["papers"] == ["arxiv:2401.00001", "x:2"]
    # and networkx writes the same thing back
    again = nx.node_link_data(graph, edges="links")
    assert sorted(n["id"] for n in again["nodes"]) == sorted(n["id"] for n in data["nodes"])


def test_json_streams_each_node_before_reading_the_next():
    buf = io.StringIO()

    def nodes():
        for i in range(5):
            if i:
                assert f'"n{i - 1}"' in buf.getvalue(), "the previous node was not written yet"
            yield {"id": f"n{i}", "label": "Paper", "title": str(i)}

    write_json(nodes(), iter([]), buf)
    assert len(json.loads(buf.getvalue())["nodes"]) == 5


# -- GraphML ------------------------------------------------------------------------------------------

def test_graphml_is_valid_xml_with_typed_keys_and_reads_back(tmp_path: Path):
    out = tmp_path / "g.graphml"
    assert write_graphml(NODES, EDGES, out) == (3, 4)
    root = ET.parse(out).getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    keys = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in root.findall("g:key", ns)}
    assert keys[("node", "year")] == "int"
    assert keys[("node", "paper_count")] == "int"
    assert keys[("node", "title")] == "string"
    assert keys[("edge", "confidence")] == "double"
    assert keys[("edge", "support")] == "int"
    assert keys[("node", "label")] == "string" and keys[("node", "kind")] == "string"
    graph = nx.read_graphml(out)
    assert isinstance(graph, nx.MultiDiGraph) or graph.is_directed()
    paper = graph.nodes["arxiv:2401.00001"]
    assert paper["title"] == HOSTILE_XML
    assert paper["label"] == HOSTILE_XML and paper["kind"] == "Paper"
    assert paper["authors"] == "Ada Lovelace|Alan Turing" and paper["year"] == 2024
    assert "url" not in paper  # None values are left out
    assert graph.nodes["model:llama2"]["label"] == "Llama 2"
    assert graph.nodes["model:llama2"]["paper_count"] == 3
    edges = {(u, v, d["type"]): d for u, v, d in graph.edges(data=True)}
    assert len(edges) == 4
    assert edges[("arxiv:2401.00001", "dataset:mmlu", "EVALUATES_ON")]["evidence_sentence"] == HOSTILE_XML
    assert edges[("arxiv:2401.00001", "dataset:mmlu", "EVALUATES_ON")]["confidence"] == pytest.approx(0.8)
    assert edges[("model:llama2", "dataset:mmlu", "EVALUATED_ON")]["papers"] == "arxiv:2401.00001|x:2"
    # no nested values anywhere: every data element holds text only
    assert all(len(d) == 0 for d in root.iter("{http://graphml.graphdrawing.org/xmlns}data"))


def test_graphml_promotes_mixed_types():
    nodes = [{"id": "a", "label": "X", "v": 1, "w": True}, {"id": "b", "label": "X", "v": 2.5, "w": 3}]
    buf = io.StringIO()
    write_graphml(nodes, [], buf)
    graph = nx.read_graphml(io.BytesIO(buf.getvalue().encode("utf-8")))
    assert graph.nodes["a"]["v"] == 1.0 and graph.nodes["b"]["v"] == 2.5
    assert graph.nodes["a"]["w"] == "true" and graph.nodes["b"]["w"] == "3"


def test_hostile_ids_are_escaped_in_attributes():
    nodes = [{"id": 'x"><evil a="', "label": "Paper", "title": "t"}, {"id": "b&<c>", "label": "Model", "name": "n"}]
    edges = [{"source": 'x"><evil a="', "target": "b&<c>", "type": "USES", "confidence": 1.0}]
    buf = io.StringIO()
    write_graphml(nodes, edges, buf)
    graph = nx.read_graphml(io.BytesIO(buf.getvalue().encode("utf-8")))
    assert set(graph.nodes) == {'x"><evil a="', "b&<c>"}
    assert graph.has_edge('x"><evil a="', "b&<c>")


# -- CSV ----------------------------------------------------------------------------------------------

def test_csv_writes_headers_and_flat_rows(tmp_path: Path):
    assert write_csv(NODES, EDGES, tmp_path / "out") == (3, 4)
    with open(tmp_path / "out" / "nodes.csv", newline="", encoding="utf-8") as fp:
        rows = list(csv.DictReader(fp))
    assert list(rows[0])[:4] == ["id", "label", "name", "type"]
    assert [r["id"] for r in rows] == [n["id"] for n in NODES]
    assert rows[0]["title"] == HOSTILE  # csv carries any text, newlines included
    assert rows[0]["authors"] == "Ada Lovelace|Alan Turing" and rows[0]["url"] == ""
    assert rows[1]["aliases"] == "LLaMA-2|Llama-2|x" and rows[1]["paper_count"] == "3"
    with open(tmp_path / "out" / "edges.csv", newline="", encoding="utf-8") as fp:
        edges = list(csv.DictReader(fp))
    assert list(edges[0])[:4] == ["source", "target", "type", "confidence"]
    assert edges[3]["papers"] == "arxiv:2401.00001|x:2" and edges[3]["support"] == "2"
    assert edges[0]["evidence_sentence"] == HOSTILE


def test_csv_of_an_empty_graph_still_has_headers(tmp_path: Path):
    write_csv([], [], tmp_path)
    assert (tmp_path / "nodes.csv").read_text().splitlines() == ["id,label"]
    assert (tmp_path / "edges.csv").read_text().splitlines() == ["source,target,type"]


# -- streaming, atomicity -----------------------------------------------------------------------------

def _big_nodes(n: int):
    for i in range(n):
        yield {"id": f"p:{i:06d}", "label": "Paper", "title": f"Paper {i}", "abstract": "x" * 5000,
               "authors": ["A", "B"], "year": 2000 + i % 20}


def _big_edges(n: int):
    for i in range(n):
        yield {"source": f"p:{i:06d}", "target": "model:m", "type": "USES", "confidence": 0.5,
               "evidence_sentence": "y" * 1000}


@pytest.mark.parametrize("fmt", ["json", "graphml", "csv"])
def test_writers_do_not_hold_the_graph_in_memory(tmp_path: Path, fmt: str):
    n = 3_000  # about 18 MB of text in total
    target = tmp_path / ("out" if fmt == "csv" else f"g.{fmt}")
    tracemalloc.start()
    try:
        write_graph(fmt, _big_nodes(n), _big_edges(n), target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4_000_000, f"{fmt} writer peaked at {peak} bytes"
    size = sum(p.stat().st_size for p in ([target] if target.is_file() else target.iterdir()))
    assert size > 15_000_000


@pytest.mark.parametrize("fmt", ["json", "graphml", "csv"])
def test_failed_write_leaves_the_old_file_and_no_temporary_files(tmp_path: Path, fmt: str):
    target = tmp_path / ("out" if fmt == "csv" else f"g.{fmt}")
    write_graph(fmt, NODES, EDGES, target)
    before = {p.name: p.read_bytes() for p in ([target] if target.is_file() else target.iterdir())}

    def broken():
        yield NODES[0]
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError):
        write_graph(fmt, broken(), EDGES, target)
    after = {p.name: p.read_bytes() for p in ([target] if target.is_file() else target.iterdir())}
    assert after == before
    assert sorted(os.listdir(tmp_path)) == [target.name]


def test_atomic_text_replaces_only_on_success(tmp_path: Path):
    path = tmp_path / "f.txt"
    path.write_text("old")
    with pytest.raises(ValueError):
        with atomic_text(path) as fp:
            fp.write("new")
            raise ValueError
    assert path.read_text() == "old"
    with atomic_text(path) as fp:
        fp.write("new")
    assert path.read_text() == "new" and os.listdir(tmp_path) == ["f.txt"]


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown export format"):
        write_graph("xlsx", [], [], io.StringIO())


# -- a real store ---------------------------------------------------------------------------------

def test_whole_store_exports_agree_and_survive_hostile_papers(tmp_path: Path):
    """Ingest the hostile fixture for real, export it three ways, read each back."""
    from click.testing import CliRunner

    from conftest import FIXTURES
    from kg.cli import main
    from kg.store.embedded import EmbeddedStore

    store = tmp_path / "kg.db"
    result = CliRunner().invoke(main, ["ingest", str(FIXTURES / "viz" / "xss-papers.jsonl"), "--store", str(store), "-q"])
    assert result.exit_code == 0, result.output
    with EmbeddedStore(store) as s:
        stats = s.stats()
        n_nodes = stats["papers"] + stats["entities"]
        n_edges = stats["relations"] + stats["entity_relations"]
        titles = {n["id"]: n["title"] for n in s.iter_nodes() if n["label"] == "Paper"}
        assert write_json(s.iter_nodes(), s.iter_edges(), tmp_path / "g.json") == (n_nodes, n_edges)
        assert write_graphml(s.iter_nodes(), s.iter_edges(), tmp_path / "g.graphml") == (n_nodes, n_edges)
        assert write_csv(s.iter_nodes(), s.iter_edges(), tmp_path / "csv") == (n_nodes, n_edges)
    assert any("<script>" in t for t in titles.values())
    g_json = nx.node_link_graph(json.loads((tmp_path / "g.json").read_text(encoding="utf-8")), edges="links")
    ET.parse(tmp_path / "g.graphml")
    g_xml = nx.read_graphml(tmp_path / "g.graphml")
    assert set(g_json.nodes) == set(g_xml.nodes) and len(g_json) == n_nodes
    assert g_json.number_of_edges() == g_xml.number_of_edges() == n_edges
    for pid, title in titles.items():
        assert g_json.nodes[pid]["title"] == title == g_xml.nodes[pid]["title"]
    with open(tmp_path / "csv" / "nodes.csv", newline="", encoding="utf-8") as fp:
        rows = {r["id"]: r for r in csv.DictReader(fp)}
    assert set(rows) == set(g_json.nodes)
    assert all(rows[pid]["title"] == title for pid, title in titles.items())


def test_unwritable_targets_are_clear_errors(tmp_path: Path):
    from kg.errors import KGError

    with pytest.raises(KGError, match="cannot write .*no-such-dir"):
        write_json(NODES, EDGES, tmp_path / "no-such-dir" / "g.json")
    with pytest.raises(KGError, match="is a directory"):
        write_graphml(NODES, EDGES, tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(KGError, match="cannot create the directory"):
        write_csv(NODES, EDGES, tmp_path / "file" / "sub")
