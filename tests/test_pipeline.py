"""The main job end to end on real files: load -> extract -> resolve -> write."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.schema import PaperFacts, validate_facts
from kg.store.embedded import EmbeddedStore
from graphutil import graph

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"


def ingest(*args: str) -> str:
    result = CliRunner().invoke(main, ["ingest", "--quiet", *args])
    assert result.exit_code == 0, result.output
    return result.output


def dump(path: Path, drop=("source",)):
    return graph(path, drop)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "kg.db"
    ingest(str(SAMPLE), "--store", str(path))
    return path


def test_sample_corpus_ingests(sample_store):
    with EmbeddedStore(sample_store, create=False) as s:
        st = s.stats()
    assert st["papers"] == 226
    assert st["entities"] > 100
    assert st["relation_types"].get("PROPOSES", 0) > 100
    assert st["relation_types"].get("EVALUATES_ON", 0) > 10


def test_ingest_twice_changes_nothing(sample_store, tmp_path):
    copy = tmp_path / "kg.db"
    with EmbeddedStore(sample_store, create=False) as s:
        s.db.execute(f"VACUUM INTO '{copy}'")
    before = dump(copy)
    result = CliRunner().invoke(main, ["ingest", str(SAMPLE), "--store", str(copy), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["added"], summary["updated"], summary["unchanged"]) == (0, 0, 226)
    assert dump(copy) == before


def test_shuffled_jsonl_gives_the_same_graph(sample_store, tmp_path):
    with EmbeddedStore(sample_store, create=False) as s:
        papers = [n for n in s.iter_nodes() if n["label"] == "Paper"]
    random.Random(7).shuffle(papers)
    jl = tmp_path / "shuffled.jsonl"
    jl.write_text("".join(json.dumps({"title": p["title"], "abstract": p["abstract"]}) + "\n" for p in papers),
                  encoding="utf-8")
    other = tmp_path / "other.db"
    ingest(str(jl), "--store", str(other))
    assert dump(other) == dump(sample_store)


def test_extract_writes_valid_facts_and_ingest_reads_them(sample_store, tmp_path):
    facts_path = tmp_path / "facts.jsonl"
    result = CliRunner().invoke(main, ["extract", str(SAMPLE), "-o", str(facts_path), "--quiet"])
    assert result.exit_code == 0, result.output
    lines = facts_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 226
    for line in lines:
        facts = PaperFacts.from_json(line)
        assert validate_facts(facts) == []
        for r in facts.relations:
            text = facts.paper.text(r.evidence.field)
            assert text[r.evidence.start:r.evidence.end].strip()
            assert text[r.evidence.start:r.evidence.end] in r.evidence.sentence
    from_facts = tmp_path / "from_facts.db"
    ingest(str(facts_path), "--store", str(from_facts))
    assert dump(from_facts) == dump(sample_store)


def test_missing_input_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "nope.jsonl"), "--store", str(tmp_path / "kg.db")])
    assert result.exit_code != 0
    assert "nope.jsonl" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def _mixed_file(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps({"title": "Good paper one", "abstract": "We propose FooNet, evaluated on ImageNet."}) + "\n"
        + "{not json at all\n"
        + json.dumps({"abstract": "A record without a title."}) + "\n"
        + json.dumps({"title": "Good paper two"}) + "\n",
        encoding="utf-8")
    return path


def test_bad_records_are_skipped_with_file_and_line(tmp_path):
    path = _mixed_file(tmp_path)
    store = tmp_path / "kg.db"
    result = CliRunner().invoke(main, ["ingest", str(path), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert f"{path}:2:" in result.output and f"{path}:3:" in result.output
    assert "Traceback" not in result.output
    with EmbeddedStore(store, create=False) as s:
        assert s.stats()["papers"] == 2  # the paper with a title but no abstract is kept


def test_ingest_json_counts_skipped_records_and_warnings_apart(tmp_path):
    path = _mixed_file(tmp_path)
    path.write_text(path.read_text(encoding="utf-8")
                    + json.dumps({"title": "Good paper three", "abstract": "Bad \ud800 text."}) + "\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(path), "--store", str(tmp_path / "kg.db"), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output[result.output.index("{"):])
    assert f"{path}:5: lone UTF-16 surrogate" in result.output  # a warning, the paper kept
    assert (summary["read"], summary["skipped"], summary["warnings"]) == (3, 2, 3)


def test_strict_stops_and_writes_nothing(tmp_path):
    path = _mixed_file(tmp_path)
    store = tmp_path / "kg.db"
    result = CliRunner().invoke(main, ["ingest", str(path), "--store", str(store), "--strict"])
    assert result.exit_code != 0
    assert f"{path}:2" in result.output and "Traceback" not in result.output
    if store.exists():
        with EmbeddedStore(store, create=False) as s:
            assert s.stats()["papers"] == 0


def test_strict_reads_each_input_only_as_often_as_the_merge_stage_does(tmp_path, monkeypatch):
    from kg import loaders
    from kg.pipeline import load

    path = _mixed_file(tmp_path)
    path.write_text("\n".join(line for line in path.read_text(encoding="utf-8").splitlines()
                              if "not json" not in line and "without a title" not in line) + "\n")
    reads = []
    real = loaders.iter_records

    def counted(inputs, *args, **kwargs):
        reads.append(list(inputs))
        return real(inputs, *args, **kwargs)

    monkeypatch.setattr(loaders, "iter_records", counted)
    assert [p.title for p in load([path], strict=True)] == ["Good paper one", "Good paper two"]
    assert reads == [[str(path)], [str(path)]]  # the merge stage's plan and merge; no third, strict-only read


def _through_a_pipe(tmp_path: Path, data: bytes, *args: str):
    """``kg extract`` of a named pipe that a thread writes ``data`` into (a hang fails by timeout)."""
    import os
    import subprocess
    import sys
    import threading

    fifo = tmp_path / "papers.jsonl"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "wb") as fh:
            fh.write(data)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    out = tmp_path / "facts.jsonl"
    try:
        result = subprocess.run([sys.executable, "-c", "from kg.cli import main; main()", "extract", *args, str(fifo),
                                 "-o", str(out)],
                                capture_output=True, text=True, timeout=120)
    finally:
        if t.is_alive():  # the reader never opened the pipe: let the writer go
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        t.join(10)
    return result, fifo, out


def test_a_named_pipe_is_read_once_and_extracted(tmp_path):
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    data = "".join(lines[:40]).encode("utf-8")
    (tmp_path / "pipe").mkdir()
    result, fifo, out = _through_a_pipe(tmp_path / "pipe", data)
    assert result.returncode == 0, result.stderr
    plain = tmp_path / "papers.txt"
    plain.write_bytes(data)
    assert CliRunner().invoke(main, ["extract", str(plain), "-o", str(tmp_path / "plain.jsonl")]).exit_code == 0
    piped = [PaperFacts.from_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
    filed = [PaperFacts.from_json(line)
             for line in (tmp_path / "plain.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(piped) >= 2
    assert [(f.paper.id, f.relations) for f in piped] == [(f.paper.id, f.relations) for f in filed]


def test_strict_on_a_named_pipe_is_one_line_naming_file_and_line(tmp_path):
    data = (json.dumps({"title": "Good paper one", "abstract": "We propose FooNet."}) + "\n"
            + json.dumps({"title": 5, "abstract": 3}) + "\n").encode("utf-8")
    result, fifo, out = _through_a_pipe(tmp_path, data, "--strict")
    assert result.returncode != 0 and not out.exists()
    assert result.stderr.strip() == f"Error: {fifo}:2: title is not text (got int)"


def test_no_progress_bar_when_not_a_terminal(tmp_path):
    result = CliRunner(mix_stderr=False).invoke(main, ["extract", str(SAMPLE), "-o", str(tmp_path / "f.jsonl")]) \
        if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else \
        CliRunner().invoke(main, ["extract", str(SAMPLE), "-o", str(tmp_path / "f.jsonl")])
    assert result.exit_code == 0
    assert "papers/s" not in result.output and "it/s" not in result.output
