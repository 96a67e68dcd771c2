"""Read commands stay light at any store size: they never import spaCy (nor pyvis's IPython),
and they work from indexes. No timings here: benchmarks/bench_scale.py measures them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kg.store.embedded import EmbeddedStore

from factsutil import make_facts

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("spacy", "IPython", "pyvis", "thinc")

RUN = """
import sys
from kg.cli import main
sys.argv = ["kg", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = [m for m in {heavy!r} if m in sys.modules]
print("HEAVY:" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("cmds") / "kg.db"
    facts = [make_facts(f"Net{i}: a model for vision", f"We build on BERT and evaluate on ImageNet {i}.",
                        [("PROPOSES", "Model", f"Net{i}"), ("BUILDS_ON", "Model", "BERT"),
                         ("EVALUATES_ON", "Dataset", "ImageNet")], paper_id=f"arxiv:2401.{i:05d}")
             for i in range(30)]
    with EmbeddedStore(db) as s:
        s.write(facts)
    return db


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUN.format(heavy=HEAVY), *args], capture_output=True, text=True,
                          timeout=120, cwd=str(ROOT))


def _heavy(res: subprocess.CompletedProcess) -> list[str]:
    line = [ln for ln in res.stderr.splitlines() if ln.startswith("HEAVY:")]
    assert line, res.stderr
    return [m for m in line[-1][len("HEAVY:"):].split(",") if m]


def test_stats_is_light(store):
    res = _run("stats", "--store", str(store))
    assert res.returncode == 0, res.stderr
    assert "30 papers" in res.stdout
    assert _heavy(res) == []


def test_neighbourhood_html_is_light(store, tmp_path):
    out = tmp_path / "n.html"
    res = _run("neighbourhood", "BERT", "--store", str(store), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert out.stat().st_size > 10_000  # the page, with vis-network inlined from pyvis's files
    assert _heavy(res) == []


def test_query_is_light(store):
    res = _run("query", "entities_by_type", "-p", "type=Model", "--store", str(store), "--format", "json")
    assert res.returncode == 0, res.stderr
    assert "BERT" in res.stdout
    assert _heavy(res) == []


def test_the_check_sees_a_heavy_import(store):
    """The probe itself works: a command that extracts does import spaCy."""
    sample = ROOT / "data" / "sample" / "hf-papers-pretraining.txt"
    res = _run("extract", str(sample), "-o", "-", "-q")
    assert res.returncode == 0, res.stderr[-500:]
    assert "spacy" in _heavy(res)


def test_stats_uses_an_index_for_relation_types(store):
    with EmbeddedStore(store, create=False) as s:
        plan = " ".join(str(r) for r in s.sql("EXPLAIN QUERY PLAN SELECT type, COUNT(*) FROM relations "
                                               "GROUP BY type ORDER BY type"))
    assert "COVERING INDEX" in plan and "TEMP B-TREE" not in plan, plan
