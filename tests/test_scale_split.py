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
from kg.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"


def _graph(path: Path) -> tuple[list, list]:
    with EmbeddedStore(path, create=False) as store:
        return list(store.iter_nodes()), list(store.iter_edges())


def _ok(result) -> None:
    assert result.exit_code == 0, result.output + (str(result.exception) if result.exception else "")


@pytest.fixture(scope="module")
def direct(tmp_path_factory) -> tuple[Path, tuple[list, list]]:
    db = tmp_path_factory.mktemp("direct") / "kg.db"
    _ok(CliRunner().invoke(main, ["ingest", str(SAMPLE), "--store", str(db), "-q"]))
    return db, _graph(db)


def test_extract_then_ingest_facts_gives_the_same_store(tmp_path, direct):
    facts = tmp_path / "facts.jsonl"
    runner = CliRunner()
    _ok(runner.invoke(main, ["extract", str(SAMPLE), "-o", str(facts), "-q"]))
    assert len(facts.read_text(encoding="utf-8").splitlines()) == 226
    db = tmp_path / "from-facts.db"
    _ok(runner.invoke(main, ["ingest", str(facts), "--store", str(db), "-q"]))
    nodes, edges = _graph(db)
    want_nodes, want_edges = direct[1]
    assert len(nodes) > 226 and len(edges) > 226  # papers, entities and relations
    assert nodes == want_nodes
    assert edges == want_edges


@pytest.mark.xfail(strict=True, reason=(
    "known gap (kg/extract/knowledge.py): corpus knowledge — a name introduced with a strong cue "
    "in one paper is known in every other paper of the same run — spans one `kg extract` run, so "
    "a shard does not know names introduced only in the other shard and extracts a few mentions "
    "differently; resolution itself is exact across shards (facts carry their unresolved form; "
    "see test_resolve_store.py::test_facts_resolved_in_shards_then_ingested_together_equal_one_run)"))
def test_facts_in_shards_on_several_machines_give_the_same_store(tmp_path, direct):
    """Shards extracted apart (one a gzip file) and loaded together, in another order."""
    from loaders import iter_records

    papers = list(iter_records([str(SAMPLE)]))
    shard_in = [tmp_path / "part-a.jsonl", tmp_path / "part-b.jsonl"]
    for part, chunk in zip(shard_in, (papers[:100], papers[100:])):
        part.write_text("".join(json.dumps(p.to_dict()) + "\n" for p in chunk), encoding="utf-8")
    runner = CliRunner()
    facts = [tmp_path / "facts-a.jsonl", tmp_path / "facts-b.jsonl.gz"]
    for src, out in zip(shard_in, facts):
        _ok(runner.invoke(main, ["extract", str(src), "-o", str(out), "-q"]))
    assert gzip.decompress(facts[1].read_bytes())  # written compressed
    db = tmp_path / "shards.db"
    _ok(runner.invoke(main, ["ingest", str(facts[1]), str(facts[0]), "--store", str(db), "-q"]))
    nodes, edges = _graph(db)
    want_nodes, want_edges = direct[1]
    strip = lambda ns: [{k: v for k, v in n.items() if k != "source"} for n in ns]  # noqa: E731
    assert strip(nodes) == strip(want_nodes)  # only where each paper was read from differs
    assert edges == want_edges


def test_ingesting_facts_again_adds_nothing(tmp_path):
    facts = tmp_path / "facts.jsonl"
    runner = CliRunner()
    _ok(runner.invoke(main, ["extract", str(SAMPLE), "-o", str(facts), "-q"]))
    db = tmp_path / "kg.db"
    _ok(runner.invoke(main, ["ingest", str(facts), "--store", str(db), "-q"]))
    before = _graph(db)
    res = runner.invoke(main, ["ingest", str(facts), "--store", str(db), "--json"])
    _ok(res)
    summary = json.loads(res.output[res.output.index("{"):])
    assert summary["added"] == 0 and summary["updated"] == 0 and summary["unchanged"] == 226
    assert _graph(db) == before


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
