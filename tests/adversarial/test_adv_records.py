"""Defects 2, 3, 7 and 8: one bad character, one long abstract or one long name lost the whole
run (or split the two stores), and a long line cost memory before any check. Now each is a
record-level warning naming FILE:LINE, the paper is kept, ``--strict`` stops before anything
is written, and a line is bounded while it is read."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from advutil import KG, graph, one_line
from kg.cli import main
from kg.limits import MAX_NAME, MAX_TEXT, MAX_TITLE

GOOD = {"title": "FooNet: a good paper", "abstract": "We propose FooNet, and evaluate it on GLUE."}
SURROGATE_JSON = '"We propose BarNet \\ud800 and evaluate it on SQuAD."'


def _inputs(tmp_path: Path) -> dict[str, tuple[Path, int]]:
    """One file per JSON format with a lone surrogate escape in its second record: (path, line)."""
    good = json.dumps(GOOD)
    bad = '{"title": "BarNet \\udfff paper", "abstract": ' + SURROGATE_JSON + '}'
    files = {
        "jsonl": (tmp_path / "papers.jsonl", good + "\n" + bad + "\n", 2),
        "json": (tmp_path / "papers.json", "[\n" + good + ",\n" + bad + "\n]\n", 3),
        "s2": (tmp_path / "s2.json", '{"data": [\n' + json.dumps({**GOOD, "paperId": "a1"}) + ',\n'
               + '{"paperId": "b2", "title": "BarNet \\udfff paper", "abstract": ' + SURROGATE_JSON + '}\n]}\n', 3),
        "openalex": (tmp_path / "openalex.json", '{"results": [\n'
                     + json.dumps({"id": "https://openalex.org/W1", "title": GOOD["title"],
                                   "abstract_inverted_index": {"We": [0], "propose": [1], "FooNet.": [2]}})
                     + ',\n{"id": "https://openalex.org/W2", "title": "BarNet \\ud800 paper", '
                     '"abstract_inverted_index": {"We": [0], "propose": [1], "BarNet\\udfff.": [2]}}\n]}\n', 3),
    }
    out = {}
    for fmt, (path, text, line) in files.items():
        path.write_text(text, encoding="utf-8")
        out[fmt] = (path, line)
    return out


@pytest.mark.parametrize("fmt", ["jsonl", "json", "s2", "openalex"])
def test_a_lone_surrogate_is_a_warning_and_the_paper_is_kept(tmp_path, fmt):
    path, line = _inputs(tmp_path)[fmt]
    store = tmp_path / "kg.db"
    res = CliRunner().invoke(main, ["ingest", str(path), "--store", str(store), "--json"])
    assert res.exit_code == 0, res.output
    assert f"{path}:{line}: lone UTF-16 surrogate" in res.output
    from kg.store.embedded import EmbeddedStore

    with EmbeddedStore(store, readonly=True) as s:
        titles = sorted(n["title"] for n in s.iter_nodes() if n["label"] == "Paper")
    assert len(titles) == 2 and any("\ufffd" in t for t in titles)


@pytest.mark.parametrize("fmt", ["jsonl", "s2"])
def test_strict_stops_at_a_surrogate_before_creating_the_store(tmp_path, fmt):
    path, line = _inputs(tmp_path)[fmt]
    store = tmp_path / "kg.db"
    res = CliRunner().invoke(main, ["ingest", str(path), "--store", str(store), "--strict"])
    assert res.exit_code == 1
    assert f"{path}:{line}:" in one_line(res.output)
    assert not any(name.startswith("kg.db") or name.startswith(".kg.db") for name in os.listdir(tmp_path))


def test_a_long_abstract_is_cut_with_a_warning_and_the_paper_kept(tmp_path):
    long_abstract = "We propose LongNet, evaluated on GLUE. " + "More words here. " * 70_000  # 1.2M characters
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps({"title": "LongNet", "abstract": long_abstract}) + "\n",
                    encoding="utf-8")
    store = tmp_path / "kg.db"
    res = CliRunner().invoke(main, ["ingest", str(path), "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert f"{path}:2: abstract of {len(' '.join(long_abstract.split())):,} characters cut" in res.output
    nodes, edges = graph(store)
    papers = {n["title"]: n for n in nodes if n["label"] == "Paper"}
    assert set(papers) == {"FooNet: a good paper", "LongNet"}
    assert len(papers["LongNet"]["title"]) + len(papers["LongNet"]["abstract"]) <= MAX_TEXT
    assert any(e["source"] == papers["LongNet"]["id"] for e in edges)  # extracted, not dropped
    strict = tmp_path / "strict.db"
    res = CliRunner().invoke(main, ["ingest", str(path), "--store", str(strict), "--strict"])
    assert res.exit_code == 1 and f"{path}:2: abstract of" in one_line(res.output)
    assert not strict.exists()


def test_a_long_title_is_cut_and_a_long_identifier_dropped(tmp_path):
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"title": "T " * 3000, "abstract": "We propose TNet.", "doi": "10.1234/" + "x" * 2000})
                    + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["extract", str(path), "-o", str(tmp_path / "f.jsonl")])
    assert res.exit_code == 0, res.output
    assert f"{path}:1: title of 5,999 characters cut" in res.output and "identifier(s) doi" in res.output
    paper = json.loads((tmp_path / "f.jsonl").read_text(encoding="utf-8"))["paper"]
    assert len(paper["title"]) <= MAX_TITLE and paper["id"].startswith("title:")


def _long_name_facts(tmp_path: Path) -> Path:
    from factsutil import make_facts

    long_name = "Zq" * 20_000  # 40,000 characters, one name
    # facts carry where their paper was read (kg extract's input): warnings name that place
    facts = [make_facts("A paper with a long name", f"We propose {long_name} for tasks.",
                        [("PROPOSES", "Method", long_name)], source="jsonl:papers.jsonl:7"),
             make_facts("BERT on GLUE", "We evaluate BERT on GLUE.", [("USES", "Model", "BERT"),
                                                                     ("EVALUATES_ON", "Dataset", "GLUE")])]
    path = tmp_path / "facts.jsonl"
    path.write_text("".join(f.to_json() + "\n" for f in facts), encoding="utf-8")
    return path


def test_a_long_name_is_cut_at_the_limit_both_stores_share(tmp_path):
    path = _long_name_facts(tmp_path)
    store = tmp_path / "kg.db"
    res = CliRunner().invoke(main, ["ingest", str(path), "--store", str(store), "--format", "facts"])
    assert res.exit_code == 0, res.output
    assert f"papers.jsonl:7: entity name of 40,000 characters cut to {MAX_NAME}" in res.output
    nodes, edges = graph(store)
    names = [n["name"] for n in nodes if n["label"] == "Method"]
    assert [len(n) for n in names] == [MAX_NAME]
    assert all(len(e.get("mention", "")) <= MAX_NAME for e in edges)


@pytest.mark.neo4j
def test_a_long_name_loads_into_neo4j_as_into_the_embedded_store(tmp_path, neo4j_server, neo4j_store):
    from kg.pipeline import run_ingest
    from kg.store.embedded import EmbeddedStore

    path = _long_name_facts(tmp_path)
    run_ingest([path], neo4j_store, format="facts")  # failed before: "Property value is too large to index"
    with EmbeddedStore(tmp_path / "kg.db") as e:
        run_ingest([path], e, format="facts")
        want = (list(e.iter_nodes()), list(e.iter_edges()))
    assert (list(neo4j_store.iter_nodes()), list(neo4j_store.iter_edges())) == want
    assert neo4j_store.stats()["papers"] == 2


def _gzip_line(path: Path, byte: bytes, size: int) -> None:
    """A gzip file holding one line of ``size`` bytes (written in pieces: no memory); a JSON
    record's start when the byte is a letter."""
    with gzip.open(path, "wb", compresslevel=1) as gz:
        if byte.isalpha():
            gz.write(b'{"title": "')
        piece = byte * (1 << 20)
        for _ in range(size >> 20):
            gz.write(piece)
        gz.write(b"\n")


@pytest.mark.parametrize("byte, fmt", [(b"a", None), (b"\0", "jsonl")])
def test_a_huge_line_costs_no_memory_before_it_is_refused(tmp_path, byte, fmt):
    path = tmp_path / "bomb.jsonl.gz"
    _gzip_line(path, byte, 320 << 20)  # 320 MB in one line, ~1 MB compressed
    assert path.stat().st_size < 4 << 20
    args = ["extract", str(path), "-o", str(tmp_path / "out.jsonl")] + (["--format", fmt] if fmt else [])
    proc = subprocess.Popen([*KG, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, _, rusage = os.wait4(proc.pid, 0)
    err = proc.stderr.read().decode()
    peak_mb = rusage.ru_maxrss / 1024
    assert peak_mb < 250, f"peak {peak_mb:.0f} MB for a 320 MB line"  # ~1 GB before; ~90 MB now
    assert "Traceback" not in err
    if fmt is None:  # read as JSON Lines by its name: the line is a bad record, the run goes on
        assert f"{path}:1: line longer than 64 MB" in err
