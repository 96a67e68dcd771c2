"""The CLI as a user meets it: help, README, clean errors, no spaCy where none is needed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from factsutil import make_facts
from kg.cli import main
from kg.store.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent


def all_commands():
    return sorted(main.commands.items())


def test_every_command_has_help_and_is_in_readme():
    runner = CliRunner()
    assert sorted(main.commands) == ["eval", "export", "extract", "ingest", "knowledge", "neighbourhood",
                                     "queries", "query", "resolve", "stats"]
    for name, cmd in all_commands():
        assert cmd.help and cmd.help.strip(), f"kg {name} has no help text"
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.help, f"kg {name} {param.opts[0]} has no help text"


def _command_rows(readme: str) -> dict[str, str]:
    """The README's command table: command name -> its first cell (the usage line)."""
    import re

    table = readme.split("## Commands", 1)[1].split("\n\n", 2)[1]
    rows: dict[str, str] = {}
    for line in table.splitlines():
        m = re.match(r"\| `kg (\w+)((?: [^`]*)?)` \|", line)
        if m:
            assert m.group(1) not in rows, f"kg {m.group(1)} has two rows in the README's command table"
            rows[m.group(1)] = m.group(2)
    return rows


def test_the_readme_command_table_has_one_true_row_per_command():
    """Whole rows: ``kg query`` is not satisfied by ``kg queries``, and every option a row shows
    is one the command has."""
    import re

    rows = _command_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    assert sorted(rows) == sorted(main.commands)
    for name, cmd in all_commands():
        opts = {o for p in cmd.params for o in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])}
        shown = set(re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", rows[name]))
        assert shown <= opts, f"kg {name}'s README row shows options it does not have: {sorted(shown - opts)}"


def test_a_command_module_that_fails_to_import_is_an_error():
    # a module missing from the import system: the old registration dropped its command silently
    code = "import sys; sys.modules['kg.cli.resolve'] = None; import kg.cli"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode != 0 and "kg.cli.resolve" in res.stderr


@pytest.fixture
def small_store(tmp_path):
    path = tmp_path / "kg.db"
    with EmbeddedStore(path) as s:
        s.write([make_facts("BERT: deep bidirectional transformers", "We evaluate BERT on GLUE.",
                            [("PROPOSES", "Model", "BERT"), ("EVALUATES_ON", "Dataset", "GLUE")],
                            paper_id="arxiv:1810.04805")])
    return path


def test_stats_json(small_store):
    result = CliRunner().invoke(main, ["stats", "--store", str(small_store), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["papers"], data["entities"], data["relations"]) == (1, 2, 2)
    assert data["entity_types"] == {"Dataset": 1, "Model": 1}
    assert data["relation_types"] == {"EVALUATES_ON": 1, "PROPOSES": 1}


def test_stats_on_missing_store_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["stats", "--store", str(tmp_path / "nope.db")])
    assert result.exit_code != 0
    assert result.output.strip().count("\n") == 0
    assert "nope.db" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "nope.db").exists()


def test_export_json_is_node_link(small_store, tmp_path):
    out = tmp_path / "g.json"
    result = CliRunner().invoke(main, ["export", "--store", str(small_store), "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert sorted(n["id"] for n in data["nodes"]) == ["arxiv:1810.04805", "dataset:glue", "model:bert"]
    assert {(link["source"], link["target"], link["type"]) for link in data["links"]} >= {
        ("arxiv:1810.04805", "model:bert", "PROPOSES"), ("model:bert", "dataset:glue", "EVALUATED_ON")}


@pytest.mark.parametrize("args", [["stats"], ["export", "--format", "json", "-o", "{tmp}/x.json"],
                                  ["export", "--format", "graphml", "-o", "{tmp}/x.graphml"]])
def test_reading_commands_do_not_import_spacy(small_store, tmp_path, args):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args] + ["--store", str(small_store)]
    code = ("import sys\nfrom kg.cli import main\n"
            f"try:\n    main({args!r}, standalone_mode=False)\nfinally:\n"
            "    assert 'spacy' not in sys.modules, 'spaCy was imported'\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_unexpected_error_is_one_line(tmp_path):
    bad = tmp_path / "kg.db"
    bad.write_text("not a database" * 1000)
    result = CliRunner().invoke(main, ["stats", "--store", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "Traceback" not in result.output
