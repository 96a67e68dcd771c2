"""``kg neighbourhood`` on a real embedded store built by ingesting the sample corpus.

The subgraph is checked against networkx's ego graph of the whole exported graph, so
selection, filters and the limit are compared with an independent computation.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from conftest import SAMPLE

from kg.cli import main


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "kg.db"
    result = CliRunner().invoke(main, ["ingest", str(SAMPLE), "--store", str(path), "--quiet"])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(scope="module")
def whole(store: Path, tmp_path_factory) -> nx.MultiDiGraph:
    out = tmp_path_factory.mktemp("export") / "all.json"
    result = CliRunner().invoke(main, ["export", "--store", str(store), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return nx.node_link_graph(json.loads(out.read_text(encoding="utf-8")), edges="links")


def run(*args: str) -> "click.testing.Result":  # noqa: F821
    return CliRunner().invoke(main, ["neighbourhood", *args])


def load_json(path: Path) -> nx.MultiDiGraph:
    return nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="links")


def expected(whole: nx.MultiDiGraph, center: str, depth: int, types=None, rels=None, min_conf=0.0) -> nx.MultiDiGraph:
    """The neighbourhood computed independently with networkx."""
    g = nx.MultiDiGraph()
    keep = [n for n, d in whole.nodes(data=True) if types is None or d["label"] in types or n == center]
    g.add_nodes_from((n, whole.nodes[n]) for n in keep)
    g.add_edges_from((u, v, k, d) for u, v, k, d in whole.edges(keys=True, data=True)
                     if u in g and v in g and (rels is None or d["type"] in rels)
                     and (d.get("confidence") is None or d["confidence"] >= min_conf))
    ego = nx.ego_graph(g.to_undirected(as_view=True), center, radius=depth)
    return g.subgraph(ego.nodes)


def edge_set(g: nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    return {(u, d["type"], v) for u, v, d in g.edges(data=True)}


@pytest.mark.parametrize("depth", [1, 2])
def test_json_matches_the_ego_graph_of_the_whole_graph(store, whole, tmp_path, depth):
    out = tmp_path / "n.json"
    result = run("ImageNet", "--store", str(store), "--depth", str(depth), "--limit", "5000", "-o", str(out))
    assert result.exit_code == 0, result.output
    got = load_json(out)
    want = expected(whole, "dataset:imagenet", depth)
    assert len(want) > 5
    assert set(got.nodes) == set(want.nodes)
    assert edge_set(got) == edge_set(want)
    assert "dataset:imagenet" in got and "left out" not in result.output


def test_filters_match_the_ego_graph(store, whole, tmp_path):
    out = tmp_path / "f.json"
    result = run("ImageNet", "--store", str(store), "--depth", "2", "--types", "Paper,Model,Method",
                 "--rels", "EVALUATES_ON,BUILDS_ON,USES,PROPOSES", "--min-confidence", "0.6", "-o", str(out))
    assert result.exit_code == 0, result.output
    got = load_json(out)
    want = expected(whole, "dataset:imagenet", 2, types={"Paper", "Model", "Method"},
                    rels={"EVALUATES_ON", "BUILDS_ON", "USES", "PROPOSES"}, min_conf=0.6)
    assert set(got.nodes) == set(want.nodes) and edge_set(got) == edge_set(want)
    assert {d["label"] for n, d in got.nodes(data=True) if n != "dataset:imagenet"} <= {"Paper", "Model", "Method"}


def test_limit_keeps_the_centre_and_counts_the_rest(store, whole, tmp_path):
    want = expected(whole, "dataset:imagenet", 1)
    out = tmp_path / "l.json"
    result = run("imagenet", "--store", str(store), "--limit", "5", "-o", str(out))
    assert result.exit_code == 0, result.output
    got = load_json(out)
    assert len(got) == 5 and "dataset:imagenet" in got and set(got.nodes) <= set(want.nodes)
    assert f"{len(want) - 5} more left out by --limit 5" in result.output


def test_graphml_csv_and_html_of_the_same_subgraph(store, tmp_path):
    args = ["ImageNet", "--store", str(store), "--depth", "2"]
    assert run(*args, "-o", str(tmp_path / "n.json")).exit_code == 0
    ref = load_json(tmp_path / "n.json")
    result = run(*args, "-o", str(tmp_path / "n.graphml"))
    assert result.exit_code == 0, result.output
    g = nx.read_graphml(tmp_path / "n.graphml")
    assert set(g.nodes) == set(ref.nodes) and g.number_of_edges() == ref.number_of_edges()
    result = run(*args, "--format", "csv", "-o", str(tmp_path / "csv"))
    assert result.exit_code == 0, result.output
    with open(tmp_path / "csv" / "nodes.csv", newline="", encoding="utf-8") as fp:
        assert {r["id"] for r in csv.DictReader(fp)} == set(ref.nodes)
    with open(tmp_path / "csv" / "edges.csv", newline="", encoding="utf-8") as fp:
        assert len(list(csv.DictReader(fp))) == ref.number_of_edges()
    result = run(*args, "-o", str(tmp_path / "n.html"))
    assert result.exit_code == 0, result.output
    page = (tmp_path / "n.html").read_text(encoding="utf-8")
    data = json.loads(page.split('<script type="application/json" id="kg-data">')[1].split("</script>")[0])
    assert {n["id"] for n in data["nodes"]} == set(ref.nodes) and data["center"] == "dataset:imagenet"


def test_unknown_name_is_one_line_with_closest_matches(store, tmp_path):
    result = run("Lama-2", "--store", str(store), "-o", str(tmp_path / "x.html"))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: no node named 'Lama-2'; closest: ")
    assert "(model:llama2)" in lines[0].split("; ")[1]  # the closest first, found by any of its names
    assert not (tmp_path / "x.html").exists()


def test_missing_store_is_an_error(tmp_path):
    result = run("ImageNet", "--store", str(tmp_path / "nope.db"), "-o", str(tmp_path / "x.html"))
    assert result.exit_code != 0 and result.output.startswith("Error: ")
    assert not (tmp_path / "nope.db").exists()


def test_command_does_not_import_spacy(store, tmp_path):
    code = ("import sys; from kg.cli import main\n"
            "try:\n    main(sys.argv[1:], standalone_mode=False)\n"
            "finally:\n    print('SPACY' if 'spacy' in sys.modules else 'NO-SPACY')")
    proc = subprocess.run([sys.executable, "-c", code, "neighbourhood", "ImageNet", "--store", str(store),
                           "-o", str(tmp_path / "v.html")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("NO-SPACY")
    assert (tmp_path / "v.html").stat().st_size > 100_000


def test_embedded_briefs_agree_with_whole_nodes(tmp_path):
    """The embedded store's cheap briefs carry the label and paper count of ``get_nodes``."""
    from kg.pipeline import run_ingest
    from kg.store.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path / "s.db") as store:
        run_ingest([SAMPLE], store)
        ids = [r[0] for r in store.sql("SELECT id FROM entities ORDER BY id LIMIT 40")] + \
              [r[0] for r in store.sql("SELECT id FROM papers ORDER BY id LIMIT 40")] + ["no:such"]
        whole = [{k: n[k] for k in ("id", "label", "paper_count") if k in n} for n in store.get_nodes(ids)]
        assert store.node_briefs(ids) == whole and len(whole) == 80


def test_embedded_edges_between_is_edges_of_filtered(tmp_path):
    from kg.pipeline import run_ingest
    from kg.store.base import GraphStore
    from kg.store.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path / "s.db") as store:
        run_ingest([SAMPLE], store)
        hub = store.sql("SELECT id FROM entities ORDER BY paper_count DESC, id LIMIT 1")[0][0]
        ids = {hub} | {e["source"] for e in store.edges_of([hub])[:30]} | \
              {r[0] for r in store.sql("SELECT id FROM entities ORDER BY id LIMIT 60")}
        got = store.edges_between(ids)
        assert got == GraphStore.edges_between(store, ids)  # the generic answer, from edges_of
        assert len(got) > 30 and all(e["source"] in ids and e["target"] in ids for e in got)


def test_embedded_edge_briefs_agree_with_whole_edges(tmp_path):
    from kg.pipeline import run_ingest
    from kg.store.base import GraphStore
    from kg.store.embedded import EmbeddedStore

    with EmbeddedStore(tmp_path / "s.db") as store:
        run_ingest([SAMPLE], store)
        ids = [r[0] for r in store.sql("SELECT id FROM entities ORDER BY paper_count DESC, id LIMIT 5")] + \
              [r[0] for r in store.sql("SELECT id FROM papers ORDER BY id LIMIT 5")]
        got = store.edge_briefs(ids)
        assert got == GraphStore.edge_briefs(store, ids) and len(got) > 50
        assert {e["type"] for e in got if "support" in e}  # entity -> entity edges carry support
