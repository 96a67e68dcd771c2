"""The synthetic corpus generator (benchmarks/make_corpus.py): deterministic, streaming,
sublinear growth of distinct names, readable by the loaders. No timings here."""

from __future__ import annotations

import gzip
import importlib.util
import itertools
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


mc = _load("make_corpus")


@pytest.fixture(scope="module")
def templates():
    return mc.read_templates()


def test_templates_are_the_sample_papers(templates):
    assert len(templates) == 226
    assert all(t.title and not t.title.startswith("Subscribe") for t in templates)
    assert sum(len(t.sentences) for t in templates) > 226 * 3


def test_same_seed_same_bytes_other_seed_other_corpus(tmp_path, templates):
    a, b, c = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz", tmp_path / "c.jsonl.gz"
    mc.write_corpus(300, a, seed=7, templates=templates)
    mc.write_corpus(300, b, seed=7, templates=templates)
    mc.write_corpus(300, c, seed=8, templates=templates)
    assert a.read_bytes() == b.read_bytes()
    assert gzip.decompress(a.read_bytes()) != gzip.decompress(c.read_bytes())


def test_plain_and_gzip_output_hold_the_same_lines(tmp_path, templates):
    plain, gz = tmp_path / "c.jsonl", tmp_path / "c.jsonl.gz"
    mc.write_corpus(50, plain, seed=1, templates=templates)
    mc.write_corpus(50, gz, seed=1, templates=templates)
    assert plain.read_bytes() == gzip.decompress(gz.read_bytes())
    assert not list(tmp_path.glob(".*.tmp"))  # temporary files renamed away


def test_records_have_unique_ids_titles_abstracts_years(tmp_path, templates):
    out = tmp_path / "c.jsonl"
    mc.write_corpus(2000, out, seed=0, templates=templates)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2000
    assert len({r["id"] for r in rows}) == 2000
    assert all(set(r) == {"id", "title", "abstract", "year"} for r in rows)
    assert all(r["title"] and r["abstract"] for r in rows)
    assert all(mc.FIRST_YEAR <= r["year"] < mc.FIRST_YEAR + mc.MONTHS // 12 for r in rows)
    assert all(r["id"].startswith(f"{r['year'] % 100:02d}") for r in rows)


def test_a_smaller_corpus_is_a_prefix_of_a_larger_one(templates):
    small = list(mc.iter_corpus(40, seed=3, templates=templates))
    large = list(itertools.islice(mc.iter_corpus(400, seed=3, templates=templates), 40))
    assert small == large


def test_an_increment_is_the_rest_of_the_larger_corpus(templates):
    first = list(mc.iter_corpus(30, seed=3, templates=templates))
    then = list(mc.iter_corpus(20, seed=3, templates=templates, start=30))
    assert first + then == list(mc.iter_corpus(50, seed=3, templates=templates))
    assert not {p["id"] for p in first} & {p["id"] for p in then}


def test_streams_without_building_the_corpus(templates):
    # the largest corpus the ids allow: only the first papers are ever made
    it = mc.iter_corpus(mc.MONTHS * 99_999, seed=0, templates=templates)
    first = list(itertools.islice(it, 3))
    assert [p["id"] for p in first] == ["1501.00001", "1502.00001", "1503.00001"]


def test_distinct_names_grow_sublinearly(templates):
    seen: set[str] = set()
    counts = {}
    for k, paper in enumerate(mc.iter_corpus(4000, seed=0, templates=templates), 1):
        seen.update(paper["_names"])
        if k in (400, 4000):
            counts[k] = len(seen)
    growth = counts[4000] / counts[400]
    assert 1.5 < growth < 8, counts  # grows, but far less than the 10x of the papers


def test_renaming_is_consistent_within_a_paper(templates):
    for paper in mc.iter_corpus(200, seed=5, templates=templates):
        for name in paper["_names"]:
            assert name in paper["title"] or name in paper["abstract"]


@pytest.mark.parametrize("word,renamable", [
    ("BERT", True), ("LAION-400M", True), ("SatMAE", True), ("T5", True), ("Qwen2.5-1M", True),
    ("GPT", False), ("LLMs", False), ("7B", False), ("Pre-Training", False), ("RoPE-based", False),
    ("the", False), ("Transformer", False),
])
def test_which_words_are_renamed(word, renamable):
    assert mc.is_renamable(word) is renamable


def test_variant_names_are_deterministic_and_distinct():
    names = [mc.variant_name("BERT", r, seed=0) for r in range(1, 200)]
    assert names[0] == "BERT" and names[1] == "BERT-2"
    assert names == [mc.variant_name("BERT", r, seed=0) for r in range(1, 200)]
    assert len(set(names)) > 190


def test_the_loaders_read_the_corpus(tmp_path, templates):
    loaders = pytest.importorskip("kg.loaders")
    if not hasattr(loaders, "iter_records"):
        pytest.skip("kg.loaders.iter_records not written yet")
    out = tmp_path / "c.jsonl.gz"
    mc.write_corpus(120, out, seed=2, templates=templates)
    papers = list(loaders.iter_records([str(out)]))
    assert len(papers) == 120
    assert papers[0].id == "arxiv:1501.00001" and papers[0].year == 2015
    assert len({p.id for p in papers}) == 120


def test_command_line(tmp_path):
    import subprocess

    out = tmp_path / "cli.jsonl"
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "25", "-o", str(out),
                          "--seed", "4"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert len(out.read_text().splitlines()) == 25
    assert "distinct" in res.stderr
