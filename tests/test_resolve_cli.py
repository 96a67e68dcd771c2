"""``kg resolve --report`` on a real embedded store."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kg.cli import main
from kg.resolve import resolve_stream
from kg.store.embedded import EmbeddedStore
from resolveutil import paper

PAPERS = [
    paper("a", ("PROPOSES", "Method", "masked image modeling", ["MIM"])),
    paper("b", ("USES", "Method", "MIM"), ("USES", "Model", "MAE", (), 0.6)),
    paper("c", ("USES", "Method", "MAE", (), 0.7), ("USES", "Method", "self-supervised learning", ["SSL"])),
    paper("d", ("USES", "Method", "semi-supervised learning", ["SSL"], 0.5), ("USES", "Model", "Llama 2"),
          ("USES", "Model", "Llama")),
]


def _store(path):
    with EmbeddedStore(path) as s:
        s.write(list(resolve_stream(PAPERS, s)))


def test_report_json_lists_merges_and_uncertain_cases(tmp_path):
    _store(tmp_path / "kg.db")
    res = CliRunner().invoke(main, ["resolve", "--report", "--store", str(tmp_path / "kg.db"), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    acr = {a["acronym"]: a for a in data["acronyms"]}
    assert acr["MIM"]["merged_into"] == "method:mim"
    assert (acr["MIM"]["defined_in"], acr["MIM"]["used_bare_in"], acr["MIM"]["uncertain"]) == (1, 1, False)
    assert acr["SSL"]["uncertain"] and acr["SSL"]["merged_into"] == "method:ssl"
    assert [(x["key"], x["id"]) for x in acr["SSL"]["expansions"]] == [
        ("selfsupervisedlearning", "method:ssl"), ("semisupervisedlearning", "method:semisupervisedlearning")]
    (mae,) = [t for t in data["types"] if t["key"] == "mae"]
    assert mae["decided"] == "Method" and mae["uncertain"]
    assert [(v["type"], v["papers"]) for v in mae["votes"]] == [("Method", 1), ("Model", 1)]
    forms = {m["id"]: m["forms"] for m in data["merged_forms"]}
    assert forms["method:mim"] == ["MIM", "masked image modeling"]
    assert data["counts"]["variant_edges"] == 1


def test_report_text_and_limit(tmp_path):
    _store(tmp_path / "kg.db")
    res = CliRunner().invoke(main, ["resolve", "--store", str(tmp_path / "kg.db"), "--limit", "1"])
    assert res.exit_code == 0, res.output
    assert "acronyms merged into expansions" in res.output
    assert "? SSL -> method:ssl" in res.output  # uncertain first, and only one
    assert "MIM ->" not in res.output


def test_report_on_a_missing_store_is_one_line(tmp_path):
    res = CliRunner().invoke(main, ["resolve", "--report", "--store", str(tmp_path / "none.db")])
    assert res.exit_code != 0
    assert res.output.startswith("Error: ") and "none.db" in res.output and "Traceback" not in res.output
