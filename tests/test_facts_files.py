"""Extraction and loading split across machines: `kg extract` writes facts files, and
`kg ingest FACTS` builds the same store as a direct `kg ingest` of the papers."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from graphutil import graph

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"


def _ok(result) -> None:
    assert result.exit_code == 0, result.output + (str(result.exception) if result.exception else "")


@pytest.fixture(scope="module")
def direct(tmp_path_factory) -> tuple[Path, tuple[list, list]]:
    db = tmp_path_factory.mktemp("direct") / "kg.db"
    _ok(CliRunner().invoke(main, ["ingest", str(SAMPLE), "--store", str(db), "-q"]))
    return db, graph(db)


def test_extract_then_ingest_facts_gives_the_same_store(tmp_path, direct):
    facts = tmp_path / "facts.jsonl"
    runner = CliRunner()
    _ok(runner.invoke(main, ["extract", str(SAMPLE), "-o", str(facts), "-q"]))
    assert len(facts.read_text(encoding="utf-8").splitlines()) == 226
    db = tmp_path / "from-facts.db"
    _ok(runner.invoke(main, ["ingest", str(facts), "--store", str(db), "-q"]))
    nodes, edges = graph(db)
    want_nodes, want_edges = direct[1]
    assert len(nodes) > 226 and len(edges) > 226  # papers, entities and relations
    assert nodes == want_nodes
    assert edges == want_edges


def _shards(tmp_path) -> list[Path]:
    from kg.loaders import iter_records

    papers = list(iter_records([str(SAMPLE)]))
    shard_in = [tmp_path / "part-a.jsonl", tmp_path / "part-b.jsonl"]
    for part, chunk in zip(shard_in, (papers[:100], papers[100:])):
        part.write_text("".join(json.dumps(p.to_dict()) + "\n" for p in chunk), encoding="utf-8")
    return shard_in


def _ingest_shards(tmp_path, knowledge: list[str]) -> tuple[list, list]:
    """Shards extracted apart (one to a gzip file) and loaded together, in another order."""
    runner = CliRunner()
    facts = [tmp_path / "facts-a.jsonl", tmp_path / "facts-b.jsonl.gz"]
    for src, out in zip(_shards(tmp_path), facts):
        _ok(runner.invoke(main, ["extract", str(src), "-o", str(out), "-q", *knowledge]))
    assert gzip.decompress(facts[1].read_bytes())  # written compressed
    db = tmp_path / "shards.db"
    _ok(runner.invoke(main, ["ingest", str(facts[1]), str(facts[0]), "--store", str(db), "-q"]))
    return graph(db)


def _strip(nodes: list) -> list:
    return [{k: v for k, v in n.items() if k != "source"} for n in nodes]  # where each paper was read


def test_shards_extracted_with_the_corpus_knowledge_give_the_same_store(tmp_path, direct):
    knowledge = tmp_path / "names.tsv"
    _ok(CliRunner().invoke(main, ["knowledge", str(SAMPLE), "-o", str(knowledge), "-q"]))
    assert len(knowledge.read_text(encoding="utf-8").splitlines()) > 50
    nodes, edges = _ingest_shards(tmp_path, ["--knowledge", str(knowledge)])
    want_nodes, want_edges = direct[1]
    assert _strip(nodes) == _strip(want_nodes)
    assert edges == want_edges


def test_shards_extracted_without_it_differ_only_a_little(tmp_path, direct):
    """Each shard knows only the names its own papers introduce: a few mentions differ."""
    nodes, edges = _ingest_shards(tmp_path, [])
    want_nodes, want_edges = direct[1]
    assert _strip(nodes) != _strip(want_nodes) or edges != want_edges  # the reason for --knowledge
    same = len({n["id"] for n in nodes} & {n["id"] for n in want_nodes})
    assert same >= 0.9 * len(want_nodes)


def test_ingesting_facts_again_adds_nothing(tmp_path):
    facts = tmp_path / "facts.jsonl"
    runner = CliRunner()
    _ok(runner.invoke(main, ["extract", str(SAMPLE), "-o", str(facts), "-q"]))
    db = tmp_path / "kg.db"
    _ok(runner.invoke(main, ["ingest", str(facts), "--store", str(db), "-q"]))
    before = graph(db)
    res = runner.invoke(main, ["ingest", str(facts), "--store", str(db), "--json"])
    _ok(res)
    summary = json.loads(res.output[res.output.index("{"):])
    assert summary["added"] == 0 and summary["updated"] == 0 and summary["unchanged"] == 226
    assert graph(db) == before


def test_ingesting_facts_does_not_import_spacy(tmp_path):
    import subprocess
    import sys

    facts = tmp_path / "facts.jsonl"
    _ok(CliRunner().invoke(main, ["extract", str(SAMPLE), "-o", str(facts), "-q"]))
    db = tmp_path / "kg.db"
    code = ("import sys; from kg.cli import main\n"
            f"sys.argv = ['kg', 'ingest', {str(facts)!r}, '--store', {str(db)!r}, '-q']\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "assert 'spacy' not in sys.modules, 'spaCy was imported'\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=str(ROOT))
    assert res.returncode == 0, res.stderr
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM papers").fetchone()[0] == 226
    con.close()


@pytest.mark.parametrize("content, where", [("a\tb\tc\n", ":1:"), ("# header\nUL2\tModel\nX\tNotAType\n", ":3:")])
def test_a_bad_knowledge_file_is_one_line_naming_file_and_line(tmp_path, content, where):
    bad = tmp_path / "names.tsv"
    bad.write_text(content, encoding="utf-8")
    res = CliRunner().invoke(main, ["extract", str(SAMPLE), "--knowledge", str(bad), "-o", str(tmp_path / "f.jsonl")])
    assert res.exit_code != 0 and "Traceback" not in res.output
    line = res.output.strip()
    assert "\n" not in line and f"{bad}{where}" in line
    assert not (tmp_path / "f.jsonl").exists()
